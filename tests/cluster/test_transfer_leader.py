"""Leadership transfer end to end, on the quick start's three raft-example nodes: SIGTERM of
the leader hands leadership over before the node stops (while clients keep writing),
POST /transfer-leader on the admin port, and helios-cli transfer-leader. See README.md here.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_transfer_leader.py
    ctest --test-dir build/release -R cluster_transfer_leader

Timings are printed, never asserted (the machine may be loaded): the assertions are about
behaviour (who leads, in which term, what the logs say, which writes are readable).
"""

import json
import os
import re
import signal
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import ELECTION_BOUND, EXIT_BOUND, WAIT, ClusterTestCase  # noqa: E402

TRANSFERRED = re.compile(r"Transferred leadership to node-(\d+) in (\d+) ms \(term (\d+)\)")


def post(node, path, body=None):
    """(status code, JSON answer) of a POST to a node's admin port."""
    url = f"http://{node.admin[0]}:{node.admin[1]}{path}"
    data = b"" if body is None else body.encode()
    req = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


class TestTransferLeader(ClusterTestCase):
    def start_cluster(self):
        c, lid, st = self.start_quickstart()
        return c, lid, st[lid]["term"]

    def assert_leader(self, c, expected, term, ids=None):
        """Every live node (or ids) agrees that `expected` leads, in `term`."""
        lid = c.wait_for_leader(ids=ids, timeout=WAIT)
        self.assertEqual(lid, expected)
        self.assertEqual(c[lid].status()["term"], term)

    def test_sigterm_of_the_leader_transfers_leadership_first(self):
        c, lid, term = self.start_cluster()
        followers = [i for i in sorted(c.nodes) if i != lid]
        stop = threading.Event()
        # One client starts at the leader (its connection dies with it: it moves on), one at
        # a follower (its writes are forwarded).
        writers = [harness.WriteLoop("at-leader", c, [lid] + followers, stop),
                   harness.WriteLoop("at-follower", c, followers + [lid], stop)]
        self.addCleanup(stop.set)
        for w in writers:
            w.start()
        self.h.wait_for(lambda: all(len(w.acked) >= 50 for w in writers), WAIT,
                        "50 acknowledged writes from each client")

        sigterm_at = time.monotonic()
        code, by_itself = c[lid].stop(signal.SIGTERM, timeout=EXIT_BOUND)
        self.assertTrue(by_itself, "the leader did not exit within the bound")
        self.assertEqual(code, 0)
        log = c[lid].log()
        found = TRANSFERRED.search(log)
        self.assertIsNotNone(found, "the stopped leader did not log a transfer")
        target, took_ms, new_term = int(found[1]), int(found[2]), int(found[3])
        self.assertIn(target, followers)
        self.assertEqual(new_term, term + 1)
        order = [log.index(s) for s in ("Shutting down...", "Transferring leadership to",
                                        found[0], "Shutdown complete")]
        self.assertEqual(order, sorted(order), "log lines out of order")

        # The target leads in term + 1, agreed by both live nodes; clients go on writing.
        self.assert_leader(c, target, term + 1)
        self.h.finish_writers(writers, stop, timeout=WAIT, join_timeout=EXIT_BOUND)
        done_at = time.monotonic()

        # No acknowledged write is lost: all are readable at both live nodes.
        for i in c.live():
            for w in writers:
                self.assert_readable(c[i], w.acked)
        for w in writers:
            gap = w.longest_gap(sigterm_at, min(done_at, sigterm_at + 5.0))
            print(f"\n  {w.name}: {len(w.acked)} acknowledged writes, longest gap after "
                  f"SIGTERM {gap * 1000:.1f} ms (transfer took {took_ms} ms; election "
                  f"timeout 150 ms); errors {w.errors} (first of each: {w.samples}), "
                  f"reconnects {w.reconnects}",
                  file=sys.stderr)

    def test_post_transfer_leader(self):
        c, lid, term = self.start_cluster()
        f1, f2 = [i for i in sorted(c.nodes) if i != lid]

        # Refusals change nothing: not a voter, not an id, a malformed body, not POST.
        for path, body in (("/transfer-leader?target=9", None),
                           ("/transfer-leader?target=abc", None),
                           ("/transfer-leader?target=0", None),
                           ("/transfer-leader", '{"target": 7}'),
                           ("/transfer-leader", '{"target": -1}'),
                           ("/transfer-leader", "{not json")):
            code, answer = post(c[lid], path, body)
            self.assertEqual(code, 400, (path, body, answer))
            self.assertIn("error", answer)
        code, _ = harness.http_get(*c[lid].admin, "/transfer-leader")
        self.assertEqual(code, 405)
        self.assert_leader(c, lid, term)

        # At a follower: 421, naming the leader; nothing moves.
        code, answer = post(c[f1], f"/transfer-leader?target={f2}")
        self.assertEqual(code, 421, answer)
        self.assertEqual(answer["leader"], lid)
        # The target already leads: 200 with a note, at the leader and at a follower.
        for at in (lid, f2):
            code, answer = post(c[at], f"/transfer-leader?target={lid}")
            self.assertEqual(code, 200, answer)
            self.assertEqual(answer["leader"], lid)
            self.assertIn("already the leader", answer["note"])
        self.assert_leader(c, lid, term)

        # To a given follower (query), then to another (JSON body).
        code, answer = post(c[lid], f"/transfer-leader?target={f1}")
        self.assertEqual(code, 200, answer)
        self.assertEqual((answer["leader"], answer["term"]), (f1, term + 1))
        print(f"\n  POST /transfer-leader?target={f1}: {answer}", file=sys.stderr)
        self.assert_leader(c, f1, term + 1)
        code, answer = post(c[f1], "/transfer-leader", json.dumps({"target": f"node-{f2}"}))
        self.assertEqual(code, 200, answer)
        self.assertEqual((answer["leader"], answer["term"]), (f2, term + 2))
        self.assert_leader(c, f2, term + 2)

        # No target: the leader picks a follower.
        code, answer = post(c[f2], "/transfer-leader")
        self.assertEqual(code, 200, answer)
        self.assertIn(answer["leader"], (lid, f1))
        self.assertEqual(answer["term"], term + 3)
        self.assert_leader(c, answer["leader"], term + 3)
        self.assertIn(f"Transferred leadership to node-{answer['leader']}", c[f2].log())

        # Writes still work afterwards, through every node.
        for i in sorted(c.nodes):
            with harness.RespConnection(*c[i].client) as r:
                self.assertEqual(r.call("SET", f"after:{i}", "ok"), "OK")

    def test_helios_cli_transfer_leader(self):
        c, lid, term = self.start_cluster()
        f1, f2 = [i for i in sorted(c.nodes) if i != lid]
        cli = harness.binary("helios-cli")
        everyone = ",".join(f"127.0.0.1:{c[i].admin[1]}" for i in sorted(c.nodes))

        def run(*args):
            return self.h.run([cli, *args], timeout=EXIT_BOUND + 20, name="run-cli")

        # Errors: a non-voter (exit 1, the node's message), a follower's address only (exit
        # 1, "not the leader"), a malformed id (exit 2, usage). Nothing moves.
        code, out = run("--admin", everyone, "transfer-leader", "9")
        self.assertEqual(code, 1, out)
        self.assertIn("node-9 is not a voter", out)
        code, out = run("transfer-leader", str(f2), "--admin", f"127.0.0.1:{c[f1].admin[1]}")
        self.assertEqual(code, 1, out)
        self.assertIn("not the leader", out)
        code, out = run("--admin", everyone, "transfer-leader", "abc")
        self.assertEqual(code, 2, out)
        self.assert_leader(c, lid, term)

        # A given target: the CLI finds the leader among the addresses.
        code, out = run("--admin", everyone, "transfer-leader", str(f2))
        self.assertEqual(code, 0, out)
        self.assertIn(f"leader: node-{f2} (term {term + 1},", out)
        self.assert_leader(c, f2, term + 1)
        # No target: some other node leads next.
        code, out = run("--admin", everyone, "transfer-leader")
        self.assertEqual(code, 0, out)
        moved = re.search(r"leader: node-(\d+) \(term (\d+),", out)
        self.assertIsNotNone(moved, out)
        new = int(moved[1])
        self.assertIn(new, (lid, f1))
        self.assertEqual(int(moved[2]), term + 2)
        self.assert_leader(c, new, term + 2)
        # The target already leads.
        code, out = run("--admin", everyone, "transfer-leader", str(new))
        self.assertEqual(code, 0, out)
        self.assertIn(f"node-{new} is already the leader", out)

        # Stopping a follower with SIGTERM transfers nothing and stops at once.
        follower = next(i for i in sorted(c.nodes) if i != new)
        before = len(c[follower].log())
        code, by_itself = c[follower].stop(signal.SIGTERM, timeout=EXIT_BOUND)
        self.assertEqual((code, by_itself), (0, True))
        self.assertIn("Shutdown complete", c[follower].log()[before:])
        self.assertNotIn("Transferring leadership", c[follower].log()[before:])
        self.assertEqual(c.wait_for_leader(timeout=ELECTION_BOUND), new)


if __name__ == "__main__":
    unittest.main()
