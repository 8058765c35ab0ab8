"""A rolling upgrade between two builds (docs/operations.md, "Upgrades"): the quick start's
three raft-example nodes, then each replaced in turn by `raft-example-next` (the same code
speaking the next wire minor version, src/wire/version.h) as the procedure says: followers
first, each stopped with SIGTERM, started on the new build and caught up before the next;
the leader last (SIGTERM hands its leadership over). Two clients write throughout through
the live nodes. Checked: nodes of the two minor versions connect and say so in their logs
("(wire 2.1)", "(wire 2.2)"), every acknowledged write reads back on every node at the end,
DEBUG DIGEST agrees; a peer speaking another wire major version is refused with a message
that names both versions; and while a node of the minor before the data types
(`raft-example-prev`, wire 2.0) is a member, the leader refuses the commands it could not
apply (HSET...) and keeps serving the others, until that node is upgraded; and a cluster
of such nodes upgraded one by one starts WATCH's key versions only once the last is
upgraded, at the same index on every node.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_upgrade.py
    ctest --test-dir build/release -R cluster_upgrade
"""

import os
import signal
import socket
import struct
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import ELECTION_BOUND, WAIT, ClusterTestCase  # noqa: E402


class TestRollingUpgrade(ClusterTestCase):
    def test_rolling_upgrade_to_the_next_wire_minor(self):
        c, lid, _ = self.start_quickstart()
        live = {1, 2, 3}
        stop = threading.Event()
        self.addCleanup(stop.set)
        writers = [harness.WriteLoop(f"w{k}", None, [], stop, move_on_error=True, timeout=3.0,
                                     targets=lambda: [c[i].client for i in sorted(live)
                                                      if c[i].alive()])
                   for k in range(2)]
        for w in writers:
            w.start()
        self.h.wait_for(lambda: all(len(w.acked) >= 50 for w in writers), WAIT, "50 writes each")

        order = [i for i in (1, 2, 3) if i != lid] + [lid]
        for n in order:
            node = c[n]
            live.discard(n)
            code, clean = node.stop(signal.SIGTERM)
            self.assertTrue(clean and code == 0, f"node-{n} exit {code} on SIGTERM")
            node.argv[0] = harness.binary("raft-example-next")
            node.start()
            live.add(n)
            leader = c.wait_for_leader(timeout=ELECTION_BOUND + WAIT)
            # The upgraded node catches up while the writers go on: it applies everything
            # the leader had committed once it was back. (All nodes equal at one instant is
            # checked once the writers stop: under load a poll of three nodes rarely sees it.)
            target = self.h.wait_for(lambda: (c[leader].status() or {}).get("commit_index"),
                                     WAIT, f"node-{leader}'s commit index")
            self.h.wait_for(
                lambda: (node.status() or {}).get("last_applied", 0) >= target, WAIT,
                f"node-{n} to apply the leader's commit index {target}")
            for w in writers:  # the cluster serves writes between two steps
                k = len(w.acked)
                self.h.wait_for(lambda w=w, k=k: len(w.acked) >= k + 20, WAIT,
                                f"20 more writes from {w.name} after node-{n}'s upgrade")
            # The new build connected to the others: it logs their minor, they log its.
            self.wait_for_log(node, "(wire 2.", since_start=True)

        self.h.finish_writers(writers, stop, more=20, timeout=WAIT)
        c.wait_for_convergence(timeout=WAIT)
        for n in (1, 2, 3):
            for w in writers:
                self.assert_readable(c[n], w.acked)
        self.wait_for_equal_digests(c, [1, 2, 3])
        # Mixed minors met during the upgrade: an old node logged a 2.2 peer and the
        # first upgraded node logged a 2.1 peer.
        last = order[-1]
        first = order[0]
        self.assertIn("(wire 2.2)", c[last].log().split("=== harness: start #2")[0])
        self.assertIn("(wire 2.1)", c[first].log().split("=== harness: start #2")[1])
        # At the end every node speaks 2.2 to every other.
        for n in (1, 2, 3):
            self.assertIn("(wire 2.2)", c[n].log_since_last_start())
        print(f"\n  writes acknowledged during the upgrade: {sum(len(w.acked) for w in writers)}; "
              f"errors: {[w.errors for w in writers]}", file=sys.stderr)

    def test_data_types_wait_until_every_node_can_apply_them(self):
        c, lid, _ = self.start_quickstart()
        old = next(i for i in (1, 2, 3) if i != lid)
        code, clean = c[old].stop(signal.SIGTERM)
        self.assertTrue(clean and code == 0, f"node-{old} exit {code} on SIGTERM")
        c[old].argv[0] = harness.binary("raft-example-prev")  # wire 2.0: no data types
        c[old].start()
        self.wait_for_log(c[old], "(wire 2.1)", since_start=True)
        leader = c.wait_for_leader(timeout=ELECTION_BOUND + WAIT)
        self.h.wait_for(lambda: "(wire 2.0)" in c[leader].log(), WAIT,
                        "the leader greeted by the 2.0 node")
        with harness.RespConnection(*c[leader].client) as r:
            self.assertEqual(r.command("SET", "k", "v"), "OK")
            refused = r.command("HSET", "h", "f", "v")
            self.assertIsInstance(refused, harness.RespError)
            self.assertIn(f"node {old} runs an older Helios", refused.message)
            self.assertEqual(r.command("EXISTS", "h"), 0)  # nothing was proposed
        # The 2.0 node upgraded: the same command goes through.
        code, clean = c[old].stop(signal.SIGTERM)
        self.assertTrue(clean and code == 0, f"node-{old} exit {code} on SIGTERM")
        c[old].argv[0] = harness.binary("raft-example")
        c[old].start()
        c.wait_for_convergence(timeout=WAIT)

        def hset_accepted():
            lid2 = c.wait_for_leader(timeout=ELECTION_BOUND + WAIT)
            with harness.RespConnection(*c[lid2].client) as r2:
                return r2.command("HSET", "h", "f", "v") == 1

        self.h.wait_for(hset_accepted, WAIT, "HSET accepted once every node runs 2.1")
        c.wait_for_convergence(timeout=WAIT)
        self.wait_for_equal_digests(c, [1, 2, 3])

    def test_key_versions_start_once_every_node_runs_2_1(self):
        # A cluster of the release before WATCH (wire 2.0) upgraded node by node: WATCH's
        # key versions start only when no 2.0 member is left, with one log entry that every
        # node applies at the same index (docs/consistency.md, WATCH).
        c = self.h.quickstart_cluster(name="versions")
        for n in (1, 2, 3):
            c[n].argv[0] = harness.binary("raft-example-prev")
        c.start()
        lid = c.wait_for_leader(timeout=WAIT)
        c.wait_for_convergence(timeout=WAIT)
        with harness.RespConnection(*c[lid].client) as r:
            self.assertEqual(r.command("SET", "w", "1"), "OK")
            self.assertEqual(r.command("WATCH", "w"), "OK")
            self.assertEqual(r.command("MULTI"), "OK")
            self.assertEqual(r.command("SET", "w", "2"), "QUEUED")
            refused = r.command("EXEC")
            self.assertIsInstance(refused, harness.RespError)
            self.assertIn("runs an older Helios", refused.message)
        order = [i for i in (1, 2, 3) if i != lid] + [lid]
        for n in order:
            st = c.wait_for_convergence(timeout=WAIT)
            self.assertTrue(all(x["key_versions_since"] == 0 for x in st.values()),
                            f"versions started while a 2.0 node remained: {st}")
            code, clean = c[n].stop(signal.SIGTERM)
            self.assertTrue(clean and code == 0, f"node-{n} exit {code} on SIGTERM")
            c[n].argv[0] = harness.binary("raft-example")
            c[n].start()
            c.wait_for_leader(timeout=ELECTION_BOUND + WAIT)

        def started():
            st = c.converged([1, 2, 3])
            if not st:
                return None
            since = {x["key_versions_since"] for x in st.values()}
            return since if len(since) == 1 and 0 not in since else None

        since = self.h.wait_for(started, WAIT, "key versions started on every node")
        lid = c.wait_for_leader(timeout=ELECTION_BOUND + WAIT)
        follower = next(i for i in (1, 2, 3) if i != lid)
        # WATCH works at any node now: an unchanged key lets EXEC run, a changed one aborts it.
        with harness.RespConnection(*c[follower].client) as r, \
                harness.RespConnection(*c[lid].client) as other:
            self.assertEqual(r.command("WATCH", "w"), "OK")
            self.assertEqual(r.command("MULTI"), "OK")
            self.assertEqual(r.command("INCR", "w"), "QUEUED")
            self.assertEqual(r.command("EXEC"), [2])
            self.assertEqual(r.command("WATCH", "w"), "OK")
            self.assertEqual(other.command("SET", "w", "9"), "OK")
            self.assertEqual(r.command("MULTI"), "OK")
            self.assertEqual(r.command("INCR", "w"), "QUEUED")
            self.assertIsNone(r.command("EXEC"))
            self.assertEqual(r.command("GET", "w"), b"9")
        self.wait_for_equal_digests(c, [1, 2, 3])
        print(f"\n  key versions started at index {since.pop()}", file=sys.stderr)

    def test_peer_of_another_wire_major_is_refused_with_both_versions(self):
        c, lid, _ = self.start_quickstart()
        node = c[lid]
        # A frame header of wire 1 (builds before 2026-12-04): magic, version 1, kHello,
        # zero reserved bytes and checksum (the version is checked first).
        header = b"HLXF" + struct.pack("<HBBIIQ", 1, 1, 0, 0, 0, 0)
        with socket.create_connection(("127.0.0.1", c.peer_base + lid), timeout=5) as s:
            s.sendall(header)
            s.settimeout(5)
            try:
                while s.recv(4096):
                    pass  # the node closes the connection
            except OSError:
                pass
        self.wait_for_log(node, "unsupported protocol version 1 (this node speaks version 2")
        self.assertIn('"Upgrades"', node.log())
        self.assertTrue(node.alive())


if __name__ == "__main__":
    unittest.main()
