"""Membership changes end to end, on raft-example processes: node-1..node-3 of the quick
start, node-4 and node-5 joining with --join (learners promoted once caught up), the removal
of node-1 while it leads (it exits 0 and refuses to start again), the members list, the
admin API's refusals, under clients writing continuously: no acknowledged write is lost and
DEBUG DIGEST agrees on every member at the end. See README.md here.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_membership.py
    ctest --test-dir build/release -R cluster_membership

Timings are printed, never asserted.
"""

import json
import os
import shutil
import signal
import sys
import threading
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import EXIT_BOUND, WAIT, ClusterTestCase  # noqa: E402


def request(node, method, path, body=None):
    """(status code, JSON answer) of a request to a node's admin port."""
    url = f"http://{node.admin[0]}:{node.admin[1]}{path}"
    data = None if body is None else body.encode()
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


def ids(members, role):
    return [m["id"] for m in members[role]]


class TestMembership(ClusterTestCase):
    def members(self, node):
        code, answer = request(node, "GET", "/members")
        self.assertEqual(code, 200, answer)
        return answer

    def wait_for_voters(self, c, node_id, voters):
        """Waits until node node_id shows exactly `voters`, no learner, no change running."""
        last = {}

        def done():
            try:
                m = self.members(c[node_id])
            except (OSError, ValueError):
                return False
            last["m"] = m
            return (ids(m, "voters") == voters and not m["learners"]
                    and not m["change_in_progress"])
        try:
            self.h.wait_for(done, WAIT, f"voters {voters} at node-{node_id}")
        except AssertionError:
            raise AssertionError(f"last members at node-{node_id}: {last.get('m')}")

    def test_grow_remove_the_leader_and_refusals(self):
        c = self.h.quickstart_cluster(reserve=9).start()
        lid = c.wait_for_leader(timeout=WAIT)
        cli = harness.binary("helios-cli")
        everyone = lambda: ",".join(f"127.0.0.1:{c[i].admin[1]}" for i in sorted(c.nodes))

        def run(*args):
            return self.h.run([cli, *args], timeout=60, name="run-cli")

        # The first leader records every member's addresses in the configuration.
        self.wait_for_voters(c, lid, [1, 2, 3])
        m = self.members(c[lid])
        self.assertEqual(m["voters"][1]["peer"], f"127.0.0.1:{c.peer_base + 2}")
        self.assertEqual(m["voters"][2]["client"], f"127.0.0.1:{c.client_base + 3}")

        stop = threading.Event()
        self.addCleanup(stop.set)
        writers = [harness.WriteLoop("w-a", c, [2, 3, 1], stop),
                   harness.WriteLoop("w-b", c, [3, 2, 1], stop)]
        for w in writers:
            w.start()
        self.h.wait_for(lambda: all(len(w.acked) >= 50 for w in writers), WAIT,
                        "50 acknowledged writes from each client")

        # node-4 and node-5 join (asking a follower: it names the leader), catch up, and the
        # leader promotes them.
        follower = next(i for i in (1, 2, 3) if i != lid)
        for n in (4, 5):
            self.h.quickstart_joiner(c, n, join_id=follower).start()
            self.wait_for_voters(c, lid, list(range(1, n + 1)))
        self.assertIn("was added to the cluster", c[4].log())
        for n in (4, 5):
            self.wait_for_voters(c, n, [1, 2, 3, 4, 5])

        # Refusals change nothing: bad JSON, a bad address, an existing id, the last voter
        # is not at stake here, promoting a voter or a non-member, a non-member removed.
        for method, path, body, code in (
                ("POST", "/members", "{not json", 400),
                ("POST", "/members", '{"id": 9, "peer": "nohost"}', 400),
                ("POST", "/members", '{"id": 9, "peer": "127.0.0.1:1", "x": 1}', 400),
                ("POST", "/members", f'{{"id": 2, "peer": "127.0.0.1:{c.peer_base + 9}"}}',
                 400),
                ("POST", "/members", f'{{"id": 9, "peer": "127.0.0.1:{c.peer_base + 2}"}}',
                 400),
                ("POST", "/members/3/promote", None, 400),
                ("POST", "/members/8/promote", None, 400),
                ("DELETE", "/members/8", None, 404),
                ("DELETE", "/members/abc", None, 400)):
            got, answer = request(c[lid], method, path, body)
            self.assertEqual(got, code, (method, path, body, answer))
            self.assertIn("error", answer)
        other = next(i for i in (2, 3, 4) if i != lid)
        got, answer = request(c[other], "DELETE", "/members/5")
        self.assertEqual(got, 421, answer)
        self.assertEqual(answer["leader"], lid)
        self.assertEqual(answer["leader_admin"], f"127.0.0.1:{c.admin_base + lid}")
        code, out = run("--admin", everyone(), "member", "add", "3", "--peer",
                        f"127.0.0.1:{c.peer_base + 9}", "--client", "127.0.0.1:1")
        self.assertEqual(code, 1, out)
        self.assertIn("node-3 is already a member", out)
        code, out = run("member", "remove", "x")
        self.assertEqual(code, 2, out)
        self.wait_for_voters(c, lid, [1, 2, 3, 4, 5])

        # node-1 leads, and is removed while it leads: it exits 0, the others go on.
        if lid != 1:
            code, out = run("--admin", everyone(), "transfer-leader", "1")
            self.assertEqual(code, 0, out)
        self.assertEqual(c.wait_for_leader(timeout=WAIT), 1)
        code, out = run("--admin", everyone(), "member", "remove", "1")
        self.assertEqual(code, 0, out)
        self.assertIn("warning: 4 voters", out)
        self.assertIn("tolerates no more failures than 3 voters", out)
        self.assertEqual(c[1].wait_exit(EXIT_BOUND), 0)
        self.assertIn("removed from the cluster", c[1].log())
        rest = [2, 3, 4, 5]
        new_leader = c.wait_for_leader(ids=rest, timeout=WAIT)
        self.assertIn(new_leader, rest)
        for n in rest:
            self.wait_for_voters(c, n, rest)

        # Started again, node-1 refuses to run.
        c[1].start()
        code = c[1].wait_exit(EXIT_BOUND)
        self.assertNotEqual(code, 0)
        self.assertIsNotNone(code)
        self.assertIn("was removed from the cluster", c[1].log_since_last_start())

        # The members list, from the CLI, at any member.
        code, out = run("--admin", f"127.0.0.1:{c[4].admin[1]}", "member", "list")
        self.assertEqual(code, 0, out)
        for n in rest:
            self.assertIn(f"node-{n}", out)
        self.assertIn("voters (4)", out)
        self.assertNotIn("node-1 ", out)
        code, out = run("status", "--nodes", f"127.0.0.1:{c[5].admin[1]}")
        self.assertIn("- Voters: node-2, node-3, node-4, node-5", out)

        # Leadership to node-4, then a graceful stop of the leader: it hands over first.
        code, out = run("--admin", everyone(), "transfer-leader", "4")
        self.assertEqual(code, 0, out)
        self.assertEqual(c.wait_for_leader(ids=rest, timeout=WAIT), 4)
        c[4].stop(signal.SIGTERM)
        self.assertIn("Transferring leadership to", c[4].log())
        rest = [2, 3, 5]
        self.assertIn(c.wait_for_leader(ids=rest, timeout=WAIT), rest)

        # The clients went on; no acknowledged write is lost; the replicas agree.
        self.h.finish_writers(writers, stop, timeout=WAIT, join_timeout=EXIT_BOUND)
        c.wait_for_convergence(ids=rest, timeout=WAIT)
        for n in rest:
            for w in writers:
                self.assert_readable(c[n], w.acked)
        self.wait_for_equal_digests(c, rest)
        for w in writers:
            print(f"\n  {w.name}: {len(w.acked)} acknowledged writes, errors {w.errors}",
                  file=sys.stderr)

    def test_a_learner_that_never_answered_is_not_promoted(self):
        # A learner whose address nobody listens on never acknowledges an entry. The log is
        # young (fewer entries than max_entries_per_append), so a distance to its end alone
        # would call it caught up; the leader must wait until its log holds the
        # configuration that added it: neither auto_promote nor a promote request makes it
        # a voter.
        c = self.h.quickstart_cluster(reserve=4).start()
        lid = c.wait_for_leader(timeout=WAIT)
        self.wait_for_voters(c, lid, [1, 2, 3])
        body = json.dumps({"id": 4, "peer": f"127.0.0.1:{c.peer_base + 4}",
                           "learner": True, "auto_promote": True})
        code, answer = request(c[lid], "POST", "/members", body)
        self.assertEqual(code, 200, answer)
        self.assertEqual(ids(answer, "learners"), [4])
        # Writes go on (the keeper looks every 100 ms; 40 writes give it many rounds).
        with harness.RespConnection(*c[lid].client, timeout=10.0) as r:
            for i in range(40):
                self.assertEqual(r.call("SET", f"young:{i}", str(i)), "OK")
        got, answer = request(c[lid], "POST", "/members/4/promote")
        self.assertEqual(got, 409, answer)
        self.assertIn("has not caught up", answer["error"])
        m = self.members(c[lid])
        self.assertEqual(ids(m, "voters"), [1, 2, 3], m)
        self.assertEqual(ids(m, "learners"), [4], m)
        # Removed again, the cluster is as it was.
        got, answer = request(c[lid], "DELETE", "/members/4")
        self.assertEqual(got, 200, answer)
        self.wait_for_voters(c, lid, [1, 2, 3])

    def test_moved_names_a_joined_member(self):
        """--redirect moved: -MOVED names the leader's client address from the configuration,
        so a joined node (no peers in its file) redirects to the leader, and the first nodes
        redirect to a joined leader."""
        c = self.h.quickstart_cluster(redirect="moved", reserve=9).start()
        lid = c.wait_for_leader(timeout=WAIT)
        self.h.quickstart_joiner(c, 4, join_id=lid, redirect="moved").start()
        self.wait_for_voters(c, lid, [1, 2, 3, 4])
        self.wait_for_voters(c, 4, [1, 2, 3, 4])

        def set_at(n):
            with harness.RespConnection(*c[n].client, timeout=5.0) as conn:
                return conn.command("SET", "k", "v")

        def moved(n, leader):
            expected = f"MOVED 0 127.0.0.1:{c.client_base + leader}"
            try:
                got = set_at(n)
            except OSError:
                return False
            text = got.decode() if isinstance(got, bytes) else str(got)
            return expected in text
        self.h.wait_for(lambda: moved(4, lid), WAIT, f"node-4 redirects to node-{lid}")
        code, out = self.h.run([harness.binary("helios-cli"), "--admin",
                                f"127.0.0.1:{c[lid].admin[1]}", "transfer-leader", "4"],
                               timeout=60, name="run-cli")
        self.assertEqual(code, 0, out)
        self.assertEqual(c.wait_for_leader(timeout=WAIT), 4)
        for n in (1, 2, 3):
            self.h.wait_for(lambda: moved(n, 4), WAIT, f"node-{n} redirects to node-4")

    def test_an_id_joins_again_after_its_removal(self):
        """node-4 joins, is removed (exits 0), and joins again from a wiped data directory
        under the same id. Catching up, it replays the log, which holds the removal of the
        earlier node-4: that history must not stop it (--max-entries-per-append 4 makes it
        apply the removal long before it receives the entry that adds it again)."""
        c = self.h.quickstart_cluster(reserve=9)
        for node in c.nodes.values():
            node.argv += ["--max-entries-per-append", "4"]
        c.start()
        lid = c.wait_for_leader(timeout=WAIT)
        everyone = ",".join(f"127.0.0.1:{c[i].admin[1]}" for i in (1, 2, 3))
        node4 = self.h.quickstart_joiner(c, 4, join_id=lid)
        node4.argv += ["--max-entries-per-append", "4"]
        node4.start()
        self.wait_for_voters(c, lid, [1, 2, 3, 4])
        code, out = self.h.run([harness.binary("helios-cli"), "--admin", everyone, "member",
                                "remove", "4"], timeout=60, name="run-cli")
        self.assertEqual(code, 0, out)
        self.assertEqual(node4.wait_exit(EXIT_BOUND), 0)
        # Writes between the removal and the new join: the entry adding node-4 again lands
        # far behind the one that removed it.
        with harness.RespConnection(*c[lid].client, timeout=10.0) as conn:
            for i in range(300):
                self.assertEqual(conn.command("SET", f"k{i}", "v"), "OK")
        shutil.rmtree(node4.data_dir)
        node4.start()
        lid = c.wait_for_leader(ids=[1, 2, 3], timeout=WAIT)
        self.wait_for_voters(c, lid, [1, 2, 3, 4])
        c.wait_for_convergence(ids=[1, 2, 3, 4], timeout=WAIT)
        self.assertTrue(node4.alive(), node4.log_since_last_start())
        self.assertNotIn("was removed from the cluster", node4.log_since_last_start())
        with harness.RespConnection(*node4.client, timeout=10.0) as conn:
            self.assertEqual(conn.command("GET", "k299"), b"v")


if __name__ == "__main__":
    unittest.main()
