"""GET /metrics on real raft-example nodes: the Prometheus text exposition that `promtool
check metrics` accepts, every family docs/operations.md ("Monitoring") lists, values that
follow the cluster (one leader, commands counted, a leader change after the leader is
killed), and the admin port's refusals (405, 404, 413). See README.md here.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_metrics.py
    ctest --test-dir build/release -R cluster_metrics

Needs promtool (Debian's `prometheus` package; scripts/deps.sh installs it).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import ELECTION_BOUND, WAIT, ClusterTestCase  # noqa: E402

# The families every node exports (docs/operations.md, "Monitoring").
FAMILIES = {
    "helios_raft_term": "gauge",
    "helios_raft_is_leader": "gauge",
    "helios_raft_commit_index": "gauge",
    "helios_raft_applied_index": "gauge",
    "helios_raft_leader_changes_total": "counter",
    "helios_raft_elections_started_total": "counter",
    "helios_raft_replication_lag_entries": "gauge",
    "helios_raft_proposals_committed_total": "counter",
    "helios_raft_proposals_failed_total": "counter",
    "helios_raft_ticks_lapsed_total": "counter",
    "helios_raft_read_index_duration_seconds": "histogram",
    "helios_snapshots_total": "counter",
    "helios_snapshot_duration_seconds": "histogram",
    "helios_snapshot_bytes": "gauge",
    "helios_snapshot_installs_total": "counter",
    "helios_peer_rpc_errors_total": "counter",
    "helios_peer_messages_sent_total": "counter",
    "helios_peer_connected": "gauge",
    "helios_wal_fsync_duration_seconds": "histogram",
    "helios_wal_append_bytes_total": "counter",
    "helios_commit_duration_seconds": "histogram",
    "helios_client_commands_total": "counter",
    "helios_client_command_duration_seconds": "histogram",
    "helios_client_connections": "gauge",
    "helios_client_errors_total": "counter",
    "helios_keys": "gauge",
    "helios_memory_bytes": "gauge",
    "helios_disk_free_bytes": "gauge",
    "helios_disk_total_bytes": "gauge",
}

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def parse(text):
    """{(name, labels text): value} and {family: type} of an exposition."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, f"unparsable sample line {line!r}"
            samples[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return samples, types


def request(node, method, path, body=None):
    req = urllib.request.Request(f"http://{node.admin[0]}:{node.admin[1]}{path}", data=body,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


class TestMetrics(ClusterTestCase):
    def scrape(self, node):
        code, ctype, text = request(node, "GET", "/metrics")
        self.assertEqual(code, 200, text)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        return text

    def metrics(self, node):
        return parse(self.scrape(node))[0]

    def test_exposition_families_values_and_refusals(self):
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool is missing: install Debian's prometheus "
                                       "package (scripts/deps.sh does)")
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        follower = next(i for i in (1, 2, 3) if i != lid)
        with harness.RespConnection(*c[follower].client, timeout=10.0) as conn:
            for i in range(50):
                self.assertEqual(conn.command("SET", f"k{i}", "v"), "OK")
                self.assertEqual(conn.command("GET", f"k{i}"), b"v")
            self.assertIsInstance(conn.command("NOSUCHCOMMAND"), harness.RespError)
            self.assertIsInstance(conn.command("INCR", "k1"), harness.RespError)
        c.wait_for_convergence(timeout=WAIT)

        for n in (1, 2, 3):
            text = self.scrape(c[n])
            check = subprocess.run([promtool, "check", "metrics"], input=text, text=True,
                                   capture_output=True, timeout=60)
            self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""),
                             f"promtool check metrics at node-{n}")
            samples, types = parse(text)
            for family, kind in FAMILIES.items():
                self.assertEqual(types.get(family), kind, f"{family} at node-{n}")

        at = {n: self.metrics(c[n]) for n in (1, 2, 3)}
        self.assertEqual(sum(at[n][("helios_raft_is_leader", "")] for n in at), 1)
        self.assertEqual(at[lid][("helios_raft_is_leader", "")], 1)
        for n in at:
            self.assertGreaterEqual(at[n][("helios_raft_leader_changes_total", "")], 1)
            self.assertGreaterEqual(at[n][("helios_raft_commit_index", "")], 50)
            self.assertEqual(at[n][("helios_keys", "")], 53)  # 50 + the quick start's 3
        leader, fol = at[lid], at[follower]
        # The follower received the commands and asked for read indexes; the leader proposed.
        self.assertEqual(fol[("helios_client_commands_total", '{cmd="set"}')], 50)
        self.assertEqual(fol[("helios_client_commands_total", '{cmd="get"}')], 50)
        self.assertEqual(fol[("helios_client_commands_total", '{cmd="unknown"}')], 1)
        self.assertEqual(fol[("helios_client_errors_total", '{error="ERR"}')], 2)
        self.assertEqual(fol[("helios_client_command_duration_seconds_count", '{cmd="set"}')], 50)
        self.assertGreaterEqual(leader[("helios_raft_proposals_committed_total", "")], 50)
        self.assertGreaterEqual(leader[("helios_commit_duration_seconds_count", "")], 50)
        self.assertGreaterEqual(fol[("helios_raft_read_index_duration_seconds_count", "")], 1)
        self.assertGreater(fol[("helios_wal_fsync_duration_seconds_count", "")], 0)
        self.assertGreater(fol[("helios_wal_append_bytes_total", "")], 0)
        for p in (1, 2, 3):
            if p != lid:
                self.assertIn(("helios_raft_replication_lag_entries", f'{{peer="{p}"}}'), leader)
                self.assertEqual(leader[("helios_peer_connected", f'{{peer="{p}"}}')], 1)
                self.assertGreater(leader[("helios_peer_messages_sent_total",
                                           f'{{peer="{p}"}}')], 0)
        self.assertFalse(any(name == "helios_raft_replication_lag_entries" for name, _ in fol))

        # Read-only, and the admin port's limits.
        self.assertEqual(request(c[lid], "POST", "/metrics", b"")[0], 405)
        self.assertEqual(request(c[lid], "DELETE", "/metrics")[0], 405)
        self.assertEqual(request(c[lid], "GET", "/no-such-page")[0], 404)
        self.assertEqual(request(c[lid], "POST", "/members", b"x" * (2 << 20))[0], 413)

        # The leader is killed: the others see a leader change and one of them an election.
        before = {n: at[n][("helios_raft_leader_changes_total", "")] for n in at if n != lid}
        elections = sum(at[n][("helios_raft_elections_started_total", "")] for n in before)
        c[lid].kill9()
        new = c.wait_for_leader(ids=list(before), timeout=ELECTION_BOUND)

        def changed():
            now = {n: self.metrics(c[n]) for n in before}
            return all(now[n][("helios_raft_leader_changes_total", "")] > before[n]
                       for n in before) and now
        now = self.h.wait_for(changed, WAIT, "the leader change in both survivors' metrics")
        self.assertGreater(sum(now[n][("helios_raft_elections_started_total", "")]
                               for n in before), elections)
        self.assertEqual(now[new][("helios_raft_is_leader", "")], 1)

        def errors_towards_dead():
            return sum(v for (name, labels), v in self.metrics(c[new]).items()
                       if name == "helios_peer_rpc_errors_total" and f'peer="{lid}"' in labels)
        errors = errors_towards_dead()
        self.h.wait_for(lambda: errors_towards_dead() > errors, WAIT,
                        f"more RPC errors towards the dead node-{lid} (refused reconnections)")

    def test_a_paused_follower_lapses_its_missed_ticks_without_an_election(self):
        """SIGSTOP, then SIGCONT: the ticks the node missed are counted
        (helios_raft_ticks_lapsed_total) and count for leases only, so it does not time out
        into an election the moment it runs again (it did when they were fired one by one)."""
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        follower = next(i for i in (1, 2, 3) if i != lid)
        c.wait_for_convergence(timeout=WAIT)
        earlier = clear_stall_warning_window(c[follower])
        before = self.metrics(c[follower])
        c[follower].send(signal.SIGSTOP)
        self.addCleanup(lambda: c[follower].alive() and c[follower].send(signal.SIGCONT))
        time.sleep(1.0)  # the length of the pause, not a wait for a condition
        c[follower].send(signal.SIGCONT)

        def lapsed():
            now = self.metrics(c[follower])
            return now[("helios_raft_ticks_lapsed_total", "")] >= 50 and now
        now = self.h.wait_for(lapsed, WAIT, "at least 50 lapsed ticks (10 ms each) counted")
        self.assertEqual(now[("helios_raft_elections_started_total", "")],
                         before[("helios_raft_elections_started_total", "")],
                         "the paused follower started an election when it ran again")
        self.assertEqual(c.wait_for_leader(timeout=WAIT), lid)
        c.wait_for_convergence(timeout=WAIT)
        # The stall is warned about once, as a follower's (no advice about elections).
        warnings = stall_warnings(c[follower])[earlier:]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("[WARN] raft:", warnings[0])
        self.assertIn("a paused process", warnings[0])
        self.assertNotIn("election", warnings[0])
        stalled_ms = int(warnings[0].split("stalled for ")[1].split(" ms")[0])
        self.assertGreaterEqual(stalled_ms, 500)  # paused for 1 s

    def test_a_paused_leader_warns_that_its_stall_can_cost_its_leadership(self):
        """SIGSTOP of the leader for longer than an election timeout: when it runs again its
        log warns that the loop stalled, and (if it still led at its first tick) that a
        leader's stall lets its followers elect another: raise election_timeout."""
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        c.wait_for_convergence(timeout=WAIT)
        earlier = clear_stall_warning_window(c[lid])
        c[lid].send(signal.SIGSTOP)
        self.addCleanup(lambda: c[lid].alive() and c[lid].send(signal.SIGCONT))
        time.sleep(0.6)  # the length of the pause, not a wait for a condition
        c[lid].send(signal.SIGCONT)
        warnings = self.h.wait_for(lambda: stall_warnings(c[lid])[earlier:], WAIT,
                                   "the paused leader's stall warning")
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("a paused process", warnings[0])
        if "election" in warnings[0]:
            self.assertIn("raise election_timeout", warnings[0])
        c.wait_for_leader(timeout=WAIT)
        c.wait_for_convergence(timeout=WAIT)


def stall_warnings(node):
    return [line for line in node.log().splitlines() if "the event loop stalled for" in line]


def clear_stall_warning_window(node):
    """A node warns of a stall at most once every 10 s (a later stall is counted in the next
    line). If this node already warned (a slow start on a loaded machine), wait the window
    out, so that the stall a test causes gets its own line. Returns how many it wrote."""
    earlier = len(stall_warnings(node))
    if earlier:
        time.sleep(10.5)  # the rate limit's window, not a wait for a condition
    return len(stall_warnings(node))


class TestLogs(ClusterTestCase):
    def test_json_and_debug_lines_and_the_seeds_vote_line(self):
        """--log-format json writes one JSON object per line (every line, from every
        component); --log-level debug adds replication and applies; at info the seed's
        "Vote granted candidate=node-N term=T" appears on the voters, and no line is written
        per client request."""
        c = self.h.quickstart_cluster()
        for n, node in c.nodes.items():
            node.argv += ["--log-format", "json"] + (["--log-level", "debug"] if n == 3 else [])
        c.start()
        lid = c.wait_for_leader(timeout=WAIT)
        with harness.RespConnection(*c[lid].client, timeout=10.0) as conn:
            for i in range(20):
                self.assertEqual(conn.command("SET", f"k{i}", "v"), "OK")
        c.wait_for_convergence(timeout=WAIT)
        self.h.wait_for(lambda: "Applied index=" in c[3].log(), WAIT, "debug lines at node-3")
        for n in (1, 2, 3):
            c[n].stop()
        voted = False
        for n in (1, 2, 3):
            lines = [ln for ln in c[n].log().splitlines() if not ln.startswith("=== harness")]
            self.assertTrue(lines)
            records = [json.loads(ln) for ln in lines]
            for r in records:
                self.assertEqual(sorted(r), ["component", "level", "msg", "time"], r)
                self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            levels = {r["level"] for r in records}
            if n == 3:
                self.assertIn("debug", levels)
                self.assertTrue(any(r["msg"].startswith("Replicating to node-") or
                                    r["msg"].startswith("Append acknowledged") for r in records))
            else:
                self.assertNotIn("debug", levels)
                # No line per client request at info: 20 SETs add nothing of their own.
                self.assertLess(len(records), 60, records)
            voted |= any(re.fullmatch(r"Vote granted candidate=node-\d term=\d+", r["msg"])
                         is not None for r in records)
        self.assertTrue(voted, "no node logged the seed's 'Vote granted' line")


if __name__ == "__main__":
    unittest.main()
