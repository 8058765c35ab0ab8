"""Snapshots on demand, through every door: the admin port (POST /snapshot, the snapshot
fields of /status), helios-cli (status, snapshot) and the client port (BGSAVE, LASTSAVE,
INFO persistence), on the quick start's three raft-example nodes. See README.md here.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_admin_snapshot.py
    ctest --test-dir build/release -R cluster_admin_snapshot
"""

import json
import os
import re
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import WAIT, ClusterTestCase  # noqa: E402


def http_request(node, method, path):
    """(status code, body) of one request to a node's admin port."""
    url = f"http://{node.admin[0]}:{node.admin[1]}{path}"
    req = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def info_fields(text):
    """INFO's 'field:value' lines as a dict (section headers and blank lines skipped)."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and ":" in line:
            key, value = line.split(":", 1)
            out[key] = value
    return out


class TestAdminSnapshot(ClusterTestCase):
    def wait_snapshot(self, node, at_least):
        """Waits for node's /status to report a durable snapshot at index >= at_least and
        none under way; returns that status."""
        def done():
            s = node.status()
            snap = s and s.get("snapshot")
            ok = snap and snap["index"] >= at_least and not snap["in_progress"]
            return s if ok else None
        return self.h.wait_for(done, WAIT, f"a snapshot at index >= {at_least} on {node.name}")

    def test_post_snapshot_status_cli_and_client_port(self):
        c, lid, st = self.start_quickstart()
        leader = c[lid]
        f1, f2 = [c[i] for i in sorted(c.nodes) if i != lid]
        # The first leader records the members' addresses in a configuration entry: wait
        # until every node applied it, so that "nothing applied since" below holds.
        def bootstrapped():
            all_status = {i: c[i].status() for i in c.nodes}
            ok = all(s and s.get("conf_index", 0) > 0 and s["last_applied"] >= s["conf_index"]
                     for s in all_status.values())
            return all_status if ok else None
        st = self.h.wait_for(bootstrapped, WAIT, "the bootstrap configuration applied")

        # /status before any snapshot (the policy takes one after 10000 entries).
        s = st[lid]
        for field in ("node_id", "state", "term", "commit_index", "last_applied", "keys",
                      "peers"):
            self.assertIn(field, s)
        snap = dict(s["snapshot"])
        log_bytes, next_at_bytes = snap.pop("log_bytes"), snap.pop("next_at_bytes")
        next_at_index = snap.pop("next_at_index")
        self.assertEqual(snap, {"index": 0, "term": 0, "bytes": 0, "time_ms": -1,
                                "in_progress": False, "error": None})
        # The next one by size: 64 MiB, more by a third of it on each node after node-1's
        # (they take turns); by count: at 10000 entries on node-1, 13333 on node-2, 6666 on
        # node-3 (docs/snapshots.md).
        self.assertGreater(log_bytes, 0)
        self.assertEqual(next_at_bytes, (64 << 20) + (64 << 20) // 3 * ((lid - 1) % 3))
        self.assertEqual(next_at_index, {1: 10000, 2: 13333, 3: 6666}[lid])
        self.assertGreaterEqual(s["first_log_index"], 1)
        self.assertGreater(s["wal_bytes"], 0)

        # Only POST starts one.
        code, body = http_request(leader, "GET", "/snapshot")
        self.assertEqual(code, 405, body)
        self.assertIn("POST", json.loads(body)["error"])

        code, body = http_request(leader, "POST", "/snapshot")
        self.assertEqual(code, 202, body)
        answer = json.loads(body)
        self.assertTrue(answer["started"])
        self.assertGreaterEqual(answer["index"], s["last_applied"])
        before_ms = int(time.time() * 1000)
        s = self.wait_snapshot(leader, answer["index"])
        snap = s["snapshot"]
        self.assertEqual(snap["index"], answer["index"])
        self.assertEqual(snap["term"], s["term"])
        self.assertGreater(snap["bytes"], 0)
        self.assertIsNone(snap["error"])
        self.assertLessEqual(abs(snap["time_ms"] - before_ms), 60_000)

        # Nothing applied since: nothing to take.
        code, body = http_request(leader, "POST", "/snapshot")
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["started"], False)

        # helios-cli: a follower snapshots on request; status shows every node's snapshot.
        cli = harness.binary("helios-cli")
        code, out = self.h.run([cli, "snapshot", "--admin", f"127.0.0.1:{f1.admin[1]}"],
                               name="run-cli-snapshot")
        self.assertEqual(code, 0, out)
        self.assertIn("snapshot started", out)
        f1_status = self.wait_snapshot(f1, 1)
        nodes = ",".join(f"127.0.0.1:{c[i].admin[1]}" for i in sorted(c.nodes))
        code, out = self.h.run([cli, "status", "--nodes", nodes], name="run-cli-status")
        self.assertEqual(code, 0, out)
        self.assertIn("- Commit Index:", out)  # the existing lines are still there
        self.assertIn(f"- Snapshot: index {snap['index']}, term {snap['term']}, ", out)
        self.assertIn(f"- Snapshot: index {f1_status['snapshot']['index']}, ", out)
        self.assertIn("- Snapshot: none", out)  # the other follower
        self.assertEqual(out.count("- First Log Index: "), 3, out)
        self.assertEqual(len(re.findall(r"^- WAL: .*\d+ bytes\)?$", out, re.M)), 3, out)
        code, out = self.h.run([cli, "snapshot", "--admin", "nonsense"], name="run-cli-bad")
        self.assertEqual(code, 2, out)

        # The client port: BGSAVE at the other follower is that node's own snapshot.
        with harness.RespConnection(*f2.client) as r:
            info = info_fields(r.call("INFO", "persistence").decode())
            self.assertEqual(info["loading"], "0")
            self.assertEqual(info["snapshot_index"], "0")
            self.assertGreater(int(info["rdb_changes_since_last_save"]), 0)
            self.assertEqual(r.call("BGSAVE"), "Background saving started")
            f2_status = self.wait_snapshot(f2, 1)
            info = info_fields(r.call("INFO", "persistence").decode())
            self.assertEqual(info["rdb_bgsave_in_progress"], "0")
            self.assertEqual(int(info["snapshot_index"]), f2_status["snapshot"]["index"])
            self.assertEqual(int(info["snapshot_term"]), f2_status["snapshot"]["term"])
            self.assertEqual(int(info["log_first_index"]), f2_status["first_log_index"])
            lastsave = r.call("LASTSAVE")
            self.assertIsInstance(lastsave, int)
            self.assertEqual(lastsave, f2_status["snapshot"]["time_ms"] // 1000)
            self.assertEqual(int(info["rdb_last_save_time"]), lastsave)
            self.assertIn("SAVE is not supported", str(r.command("SAVE")))
        self.assertEqual(leader.status()["snapshot"]["index"], snap["index"])  # untouched

    def test_snapshot_interval_snapshots_every_node_once_it_applied_an_entry(self):
        # Counts and sizes far off: only the interval takes snapshots here.
        c = self.h.quickstart_cluster(extra_args=["--snapshot-interval", "1s"]).start()
        lid = c.wait_for_leader(timeout=WAIT)
        st = c.wait_for_convergence(
            timeout=WAIT, extra=lambda st: all(s["keys"] == 3 for s in st.values()),
            what=" and keys == 3 on every node")
        # Each node applied the seed's keys: each takes its own snapshot of them.
        for i in sorted(c.nodes):
            self.wait_snapshot(c[i], st[i]["last_applied"])
        with harness.RespConnection(*c[lid].client) as r:
            self.assertEqual(r.call("SET", "after", "the-first"), "OK")
        applied = c[lid].status()["last_applied"]
        for i in sorted(c.nodes):
            s = self.wait_snapshot(c[i], applied)
            self.assertIsNone(s["snapshot"]["error"])
            self.assertGreaterEqual(s["first_log_index"], 1)


if __name__ == "__main__":
    unittest.main()
