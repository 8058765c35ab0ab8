"""A real Prometheus (Debian's `prometheus` package) scraping the quick start's three
raft-example nodes: every target is up, `sum(helios_raft_is_leader) == 1`, and killing the
leader shows up in `helios_raft_leader_changes_total` through Prometheus's HTTP API. The
scrape configuration is deploy/prometheus/'s, pointed at this test's ports, and loads the
kit's alerting rules (so Prometheus itself accepts them). See README.md here.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_prometheus.py
    ctest --test-dir build/release -R cluster_prometheus
"""

import json
import os
import shutil
import sys
import unittest
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import ELECTION_BOUND, WAIT, ClusterTestCase  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "deploy", "prometheus", "helios-alerts.yml")
PROM_WAIT = 60.0  # Prometheus's start, a few scrapes and its query engine


class TestPrometheus(ClusterTestCase):
    def query(self, port, expr):
        """The result vector of an instant query: [(labels, value)]."""
        url = (f"http://127.0.0.1:{port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expr}))
        with urllib.request.urlopen(url, timeout=10) as r:
            answer = json.loads(r.read().decode())
        self.assertEqual(answer["status"], "success", answer)
        return [(s["metric"], float(s["value"][1])) for s in answer["data"]["result"]]

    def value(self, port, expr):
        """The single value of an expression, or None (no series yet, or Prometheus not
        answering)."""
        try:
            result = self.query(port, expr)
        except (OSError, ValueError):
            return None
        return result[0][1] if len(result) == 1 else None

    def test_prometheus_scrapes_the_cluster_and_sees_a_leader_change(self):
        prometheus = shutil.which("prometheus")
        self.assertIsNotNone(prometheus, "prometheus is missing: install Debian's prometheus "
                                         "package (scripts/deps.sh does)")
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)

        ports = harness.PortReservation()
        (web,) = ports.take_free(1)
        targets = ", ".join(f"'127.0.0.1:{c[n].admin[1]}'" for n in (1, 2, 3))
        rules = f"rule_files: ['{RULES}']\n" if os.path.exists(RULES) else ""
        config = os.path.join(self.h.root, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n" + rules +
                    "scrape_configs:\n  - job_name: helios\n    metrics_path: /metrics\n"
                    f"    static_configs:\n      - targets: [{targets}]\n")
        ports.release()
        log = open(os.path.join(self.h.log_dir, "prometheus.log"), "ab")
        self.addCleanup(log.close)
        self.h.spawn([prometheus, f"--config.file={config}",
                      f"--storage.tsdb.path={os.path.join(self.h.root, 'tsdb')}",
                      f"--web.listen-address=127.0.0.1:{web}"], log)

        self.h.wait_for(lambda: self.value(web, "count(up == 1)") == 3, PROM_WAIT,
                        "Prometheus scraping all three nodes")
        self.h.wait_for(lambda: self.value(web, "sum(helios_raft_is_leader)") == 1, PROM_WAIT,
                        "sum(helios_raft_is_leader) == 1")
        leader = self.query(web, "helios_raft_is_leader == 1")
        self.assertEqual(len(leader), 1)
        self.assertEqual(leader[0][0]["instance"], f"127.0.0.1:{c[lid].admin[1]}")
        rest = [n for n in (1, 2, 3) if n != lid]
        survivors = "|".join(f"127.0.0.1:{c[n].admin[1]}" for n in rest)
        changes = f'sum(helios_raft_leader_changes_total{{instance=~"{survivors}"}})'
        before = self.value(web, changes)
        self.assertIsNotNone(before)

        c[lid].kill9()
        new = c.wait_for_leader(ids=rest, timeout=ELECTION_BOUND)
        self.h.wait_for(lambda: (self.value(web, changes) or 0) >= before + len(rest),
                        PROM_WAIT, "the leader change in Prometheus")
        self.h.wait_for(lambda: self.value(web, "sum(helios_raft_is_leader)") == 1, PROM_WAIT,
                        "one leader again in Prometheus")
        leader = self.query(web, "helios_raft_is_leader == 1")
        self.assertEqual(leader[0][0]["instance"], f"127.0.0.1:{c[new].admin[1]}")
        self.h.wait_for(lambda: self.value(web, "count(up == 0)") == 1, PROM_WAIT,
                        "the killed node down in Prometheus")


if __name__ == "__main__":
    unittest.main()
