#!/usr/bin/env python3
"""The checks of the monitoring kit (deploy/prometheus, deploy/grafana) that promtool does
not make by itself; check_monitoring.sh runs them around promtool.

  check_monitoring.py alerts RULES TESTS FAMILIES
      Every rule of RULES is an alert with a severity label (critical or warning) and
      summary and description annotations; the unit tests in TESTS see every alert firing
      (exp_alerts not empty) and not firing (exp_alerts empty) at least once; the helios_*
      names in the expressions are families of FAMILIES. Needs PyYAML (python3-yaml).

  check_monitoring.py dashboard DASHBOARD FAMILIES OUTDIR
      The dashboard is valid JSON that imports cleanly (a `datasource` variable that every
      panel and query variable uses, unique panel ids, panels inside the 24-column grid and
      not overlapping, no unknown $variables), names only families of FAMILIES and shows
      every one of them. Then it writes, for promtool, OUTDIR/dashboard-rules.json: one
      alerting rule `absent(EXPR)` per panel query and per query variable, with Grafana's
      variables replaced by values that match everything; and OUTDIR/dashboard-test.json,
      which feeds that file synthetic series of every family (3 nodes, all label values)
      and expects none of those alerts: every query parses (promtool check rules) and
      returns data (promtool test rules).

  check_monitoring.py exposition METRICS FAMILIES
      METRICS, a node's GET /metrics output, has every family of FAMILIES with its type,
      and their series carry exactly the labels FAMILIES gives them (plus le on buckets).

Exit status 0 when every check passes, 1 otherwise (each failure printed on its own line).
"""

import json
import os
import re
import sys

TARGET_LABELS = ("job", "instance", "node", "cluster")
# Grafana's variables in the dashboard's queries, and what they become for promtool.
VARIABLES = {
    "cluster": ".*",
    "node": ".*",
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "1h",
}
VARIABLE_RE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
METRIC_RE = re.compile(r"\bhelios_[a-z0-9_]+")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
SEVERITIES = ("critical", "warning")
GRID_COLUMNS = 24

errors = []


def fail(message):
    errors.append(message)
    print(f"check_monitoring: {message}")


def load_families(path):
    """{name: (type, [label, ...])} from helios_metrics.txt."""
    families = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            labels = fields[2].split(",") if len(fields) > 2 else []
            families[fields[0]] = (fields[1], labels)
    return families


def series_names(families):
    """Every series name the families expose, mapped to its family."""
    names = {}
    for name, (kind, _) in families.items():
        if kind == "histogram":
            for suffix in HISTOGRAM_SUFFIXES:
                names[name + suffix] = name
        else:
            names[name] = name
    return names


def families_used(expr, names, where):
    """The families EXPR names; reports any helios_* name that is not in the interface."""
    used = set()
    for name in METRIC_RE.findall(expr):
        if name in names:
            used.add(names[name])
        else:
            fail(f"{where}: {name} is not a metric of the interface "
                 "(tests/deploy/helios_metrics.txt)")
    return used


# ----- alerts ---------------------------------------------------------------------------

def check_alerts(rules_path, tests_path, families_path):
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        fail("PyYAML is missing: install python3-yaml (scripts/deps.sh)")
        return
    names = series_names(load_families(families_path))
    with open(rules_path, encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    with open(tests_path, encoding="utf-8") as f:
        tests = yaml.safe_load(f)

    alerts = []
    for group in rules.get("groups", []):
        for rule in group.get("rules", []):
            name = rule.get("alert")
            if name is None:
                fail(f"group {group.get('name')}: record {rule.get('record')}: "
                     "only alerts belong here")
                continue
            alerts.append(name)
            where = f"{os.path.basename(rules_path)}: {name}"
            severity = (rule.get("labels") or {}).get("severity")
            if severity not in SEVERITIES:
                fail(f"{where}: severity label {severity!r}, expected one of {SEVERITIES}")
            annotations = rule.get("annotations") or {}
            for key in ("summary", "description"):
                if not str(annotations.get(key, "")).strip():
                    fail(f"{where}: no {key} annotation")
            families_used(rule.get("expr", ""), names, where)
    if len(set(alerts)) != len(alerts):
        fail(f"{os.path.basename(rules_path)}: an alert name is used twice: {sorted(alerts)}")

    firing, quiet = set(), set()
    for test in tests.get("tests", []):
        for case in test.get("alert_rule_test", []) or []:
            (firing if case.get("exp_alerts") else quiet).add(case.get("alertname"))
    where = os.path.basename(tests_path)
    for name in alerts:
        if name not in firing:
            fail(f"{where}: no test sees {name} firing")
        if name not in quiet:
            fail(f"{where}: no test sees {name} not firing")
    for name in sorted((firing | quiet) - set(alerts)):
        fail(f"{where}: tests {name}, which {os.path.basename(rules_path)} does not define")
    if not errors:
        print(f"check_monitoring: {len(alerts)} alerts, each with severity, summary and "
              "description, each tested firing and not firing")


# ----- a node's real /metrics -----------------------------------------------------------

SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+\S+")
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
PEER_ERROR_KINDS = {"refused", "reset", "timeout", "queue_full", "bad_frame"}


def check_exposition(path, families_path):
    """A node's GET /metrics output (the text format) against the interface: every family
    is there with its type (a labelled family may have no series yet: a follower's
    replication lag), and its series carry exactly the interface's labels."""
    families = load_families(families_path)
    names = series_names(families)
    types, labels_seen = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("# TYPE "):
                fields = line.split()
                if len(fields) >= 4:
                    types[fields[2]] = fields[3]
                continue
            match = SAMPLE_RE.match(line)
            if not match or match.group(1) not in names:
                continue
            family = names[match.group(1)]
            labels = dict(LABEL_RE.findall(match.group(2) or ""))
            keys = set(labels) - ({"le"} if match.group(1).endswith("_bucket") else set())
            labels_seen.setdefault(family, set()).add(tuple(sorted(keys)))
            kind = labels.get("kind")
            if family == "helios_peer_rpc_errors_total" and kind not in PEER_ERROR_KINDS:
                fail(f"{family}: kind {kind!r} is not one of {sorted(PEER_ERROR_KINDS)}")
    for family, (kind, labels) in families.items():
        if family not in types:
            fail(f"{family}: missing (no # TYPE line)")
            continue
        if types[family] != kind:
            fail(f"{family}: type {types[family]}, the interface says {kind}")
        for keys in labels_seen.get(family, ()):
            if set(keys) != set(labels):
                fail(f"{family}: a series with labels {list(keys)}, the interface says {labels}")
    extra = sorted(n for n in types if n.startswith("helios_") and n not in families)
    if extra:
        print(f"check_monitoring: also exported, not in the interface: {' '.join(extra)}")
    if not errors:
        print(f"check_monitoring: all {len(families)} families of the interface, with their "
              "types and labels")


# ----- dashboard ------------------------------------------------------------------------

def all_panels(panels):
    """The dashboard's panels, those inside collapsed rows too."""
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def check_grid(panels):
    cells = {}
    for panel in panels:
        where = f"panel {panel.get('id')} ({panel.get('title')})"
        pos = panel.get("gridPos") or {}
        if not all(isinstance(pos.get(k), int) for k in ("x", "y", "w", "h")):
            fail(f"{where}: gridPos needs integer x, y, w, h")
            continue
        if pos["x"] < 0 or pos["w"] <= 0 or pos["h"] <= 0 or pos["x"] + pos["w"] > GRID_COLUMNS:
            fail(f"{where}: gridPos {pos} is outside the {GRID_COLUMNS}-column grid")
            continue
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                other = cells.setdefault((x, y), where)
                if other != where:
                    fail(f"{where} overlaps {other} at column {x}, row {y}")
                    return


def substitute(expr, where):
    def replace(match):
        name = match.group(1) or match.group(2)
        if name not in VARIABLES:
            fail(f"{where}: unknown variable ${name}")
            return match.group(0)
        return VARIABLES[name]
    return VARIABLE_RE.sub(replace, expr)


def check_datasource(obj, where):
    ds = obj.get("datasource")
    if ds != {"type": "prometheus", "uid": "${datasource}"}:
        fail(f'{where}: datasource {ds!r}, expected '
             '{"type": "prometheus", "uid": "${datasource}"}')


def dashboard_queries(dashboard):
    """[(where, expression)] of every panel query and query variable; checks their shape."""
    queries = []
    variables = dashboard.get("templating", {}).get("list", [])
    by_name = {v.get("name"): v for v in variables}
    ds_var = by_name.get("datasource", {})
    if ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
        fail('templating: needs a variable "datasource" of type datasource, query "prometheus"')
    for name in by_name:
        if name not in VARIABLES and name != "datasource":
            fail(f"templating: variable {name} is not one check_monitoring.py knows how to replace")
    for var in variables:
        if var.get("type") != "query":
            continue
        where = f"variable {var.get('name')}"
        check_datasource(var, where)
        query = var.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        match = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", query, re.S)
        if match is None:
            fail(f"{where}: query {query!r} is not label_values(SELECTOR, LABEL)")
            continue
        queries.append((where, match.group(1)))

    ids = set()
    for panel in all_panels(dashboard.get("panels", [])):
        where = f"panel {panel.get('id')} ({panel.get('title')})"
        if not isinstance(panel.get("id"), int) or panel["id"] in ids:
            fail(f"{where}: panel ids must be unique integers")
        ids.add(panel.get("id"))
        if panel.get("type") == "row":
            continue
        check_datasource(panel, where)
        targets = panel.get("targets") or []
        if not targets:
            fail(f"{where}: no query")
        refs = set()
        for target in targets:
            ref = target.get("refId")
            if not ref or ref in refs:
                fail(f"{where}: refIds must be present and unique")
            refs.add(ref)
            check_datasource(target, f"{where} query {ref}")
            if not str(target.get("expr", "")).strip():
                fail(f"{where} query {ref}: empty expression")
                continue
            queries.append((f"{where} query {ref}", target["expr"]))
    return queries


def synthetic_series(families, samples):
    """input_series for promtool: every family on three nodes, counters and histograms
    growing, node-1 the leader (the only one with replication lag)."""
    out = []
    values = {"peer": None, "kind": ["refused", "reset", "timeout", "queue_full", "bad_frame"],
              "cmd": ["get", "set"], "error": ["TRYAGAIN"]}
    buckets = ["0.001", "0.01", "0.1", "1", "+Inf"]

    def add(name, labels, value):
        text = ",".join(f'{k}="{v}"' for k, v in labels.items())
        out.append({"series": f"{name}{{{text}}}", "values": f"{value}x{samples}"})

    for n in (1, 2, 3):
        base = {"job": "helios", "instance": f"127.0.0.1:800{n}", "node": f"node-{n}",
                "cluster": "helios-quickstart"}
        add("up", base, "1")
        for name, (kind, labels) in families.items():
            if name == "helios_raft_replication_lag_entries" and n != 1:
                continue
            combos = [dict(base)]
            for label in labels:
                choices = ([str(p) for p in (1, 2, 3) if p != n] if label == "peer"
                           else values.get(label) or ["x"])
                combos = [dict(c, **{label: v}) for c in combos for v in choices]
            for labels_set in combos:
                if kind == "histogram":
                    for i, le in enumerate(buckets):
                        add(f"{name}_bucket", dict(labels_set, le=le), f"0+{i + 1}")
                    add(f"{name}_count", labels_set, f"0+{len(buckets)}")
                    add(f"{name}_sum", labels_set, "0+0.5")
                elif kind == "counter":
                    add(name, labels_set, "0+3")
                elif name == "helios_raft_is_leader":
                    add(name, labels_set, "1" if n == 1 else "0")
                else:
                    add(name, labels_set, f"{1000 * n}+1")
    return out


def check_dashboard(path, families_path, outdir):
    families = load_families(families_path)
    names = series_names(families)
    try:
        with open(path, encoding="utf-8") as f:
            dashboard = json.load(f)
    except ValueError as e:
        fail(f"{path}: not valid JSON: {e}")
        return
    for key in ("title", "uid", "panels", "templating", "schemaVersion"):
        if key not in dashboard:
            fail(f"{path}: no {key}")
    if not isinstance(dashboard.get("schemaVersion"), int):
        fail(f"{path}: schemaVersion must be an integer")
    if "${DS_" in json.dumps(dashboard):
        fail(f"{path}: ${{DS_...}} inputs break provisioning: use the datasource variable")
    check_grid(dashboard.get("panels", []))

    queries = dashboard_queries(dashboard)
    shown = set()
    rules = []
    for i, (where, expr) in enumerate(queries):
        shown |= families_used(expr, names, where)
        rules.append({"alert": f"DashboardQuery{i + 1}",
                      "expr": f"absent({substitute(expr, where)})",
                      "annotations": {"query": where}})
    for family in sorted(set(families) - shown):
        fail(f"{path}: no panel shows {family}")

    samples = 300  # 75 minutes at 15 s: enough for the [1h] windows, queried at 70 min
    os.makedirs(outdir, exist_ok=True)
    rules_path = os.path.join(outdir, "dashboard-rules.json")
    with open(rules_path, "w", encoding="utf-8") as f:
        json.dump({"groups": [{"name": "helios-dashboard-queries", "rules": rules}]}, f, indent=1)
    test = {
        "rule_files": [rules_path],
        "evaluation_interval": "1m",
        "tests": [{
            "name": "every dashboard query returns data",
            "interval": "15s",
            "input_series": synthetic_series(families, samples),
            "alert_rule_test": [{"eval_time": "70m", "alertname": r["alert"], "exp_alerts": []}
                                for r in rules],
        }],
    }
    with open(os.path.join(outdir, "dashboard-test.json"), "w", encoding="utf-8") as f:
        json.dump(test, f, indent=1)
    if not errors:
        print(f"check_monitoring: dashboard: {len(queries)} queries, every family of the "
              "interface shown; promtool checks them next")


def main(argv):
    if len(argv) == 5 and argv[1] == "alerts":
        check_alerts(argv[2], argv[3], argv[4])
    elif len(argv) == 5 and argv[1] == "dashboard":
        check_dashboard(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "exposition":
        check_exposition(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
