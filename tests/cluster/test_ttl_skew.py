"""TTLs under clock skew (docs/consistency.md "Time and TTLs"): the quick start's three nodes
with their clocks set apart by libfaketime (Debian's faketime: node-2 runs 3 s ahead,
node-3 3 s behind, node-1 on time). Linearizable reads judge expiry by the leader's read
time, so:

- a key written with PX 1500 is seen, at every node, alive until one moment and expired
  after it: once any read at any node returned nil, no later read anywhere returns the value
  (with each node's own clock, node-2 would miss it at once and node-3 see it 3 s late);
- when leadership moves from the fast node to the slow one (6 s behind), the time left on a
  key (PTTL) does not grow back: the new leader's clock starts above every stamp in its log
  and holds still until its own clock catches up; then the key expires everywhere at once
  and INCR on it starts from 0.

Both tests fail when reads use each node's own clock (checked by hand against that
change). Needs Debian's faketime package (scripts/deps.sh installs it).

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_ttl_skew.py
    ctest --test-dir build/release -R cluster_ttl_skew
"""

import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import WAIT, ClusterTestCase  # noqa: E402
from test_metrics import parse, request  # noqa: E402
from test_transfer_leader import post  # noqa: E402

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
SKEW = {2: "+3s", 3: "-3s"}  # node-1 keeps the real clock


def skewed(argv, offset):
    """argv run with its wall clock moved by offset (libfaketime; the steady clock, which
    Raft's timers use, is left alone). env execs the node: the PID is the node's."""
    return ["env", f"LD_PRELOAD={FAKETIME}", f"FAKETIME={offset}",
            "FAKETIME_DONT_FAKE_MONOTONIC=1", "FAKETIME_DONT_RESET=1"] + list(argv)


def metrics(node):
    code, _, text = request(node, "GET", "/metrics")
    assert code == 200, text
    return parse(text)[0]


def get(node, *args):
    with harness.RespConnection(*node.client, timeout=10.0) as r:
        return r.command(*args)


@unittest.skipUnless(os.path.exists(FAKETIME), "needs Debian's faketime (scripts/deps.sh)")
class TestTtlUnderClockSkew(ClusterTestCase):
    def start_skewed(self):
        c = self.h.quickstart_cluster()
        for i, offset in SKEW.items():
            c[i].argv = skewed(c[i].argv, offset)
        c.start()
        c.wait_for_leader(timeout=WAIT)
        c.wait_for_convergence(timeout=WAIT)
        # The skew took: each node's TIME differs from node-1's by its offset.
        t1 = int(get(c[1], "TIME")[0])
        self.assertGreater(int(get(c[2], "TIME")[0]) - t1, 2)
        self.assertLess(int(get(c[3], "TIME")[0]) - t1, -2)
        return c

    def transfer_to(self, c, target):
        lid = c.wait_for_leader(timeout=WAIT)
        if lid != target:
            code, answer = post(c[lid], f"/transfer-leader?target={target}")
            self.assertEqual(code, 200, answer)
        self.h.wait_for(lambda: c.agreed_leader()[0] == target, WAIT,
                        f"node-{target} leading, agreed by all")

    def test_every_node_sees_a_key_expire_at_the_same_moment(self):
        c = self.start_skewed()
        for leader in (1, 2, 3):  # whoever leads, the leader's time decides
            self.transfer_to(c, leader)
            key = f"ttl-at-{leader}"
            self.assertEqual(get(c[leader], "SET", key, "v", "PX", "1500"), "OK")
            # Every read in real-time order, as (node, command, alive): GET and PTTL alike.
            reads = []
            # A leader whose clock is behind a stamp in its log holds time still until its
            # clock catches up (up to 6 s here): keep reading until 1 s after the expiry.
            deadline = time.monotonic() + 15.0
            gone = None
            while time.monotonic() < deadline:
                for i in (1, 2, 3):
                    value = get(c[i], "GET", key)
                    self.assertIn(value, (b"v", None))
                    reads.append((i, "GET", value is not None))
                    pttl = get(c[i], "PTTL", key)
                    self.assertTrue(pttl == -2 or 0 < pttl <= 1500, f"node-{i}: PTTL {pttl}")
                    reads.append((i, "PTTL", pttl != -2))
                    if gone is None and not (reads[-2][2] and reads[-1][2]):
                        gone = len(reads) - (1 if reads[-2][2] else 2)
                        deadline = min(deadline, time.monotonic() + 1.0)
            first = [r for r in reads[:6]]
            self.assertTrue(all(alive for _, _, alive in first),
                            f"right after the SET every node must see the key: {first}")
            self.assertIsNotNone(gone, f"{key} never expired")
            back = [r for r in reads[gone:] if r[2]]
            self.assertEqual(back, [], f"alive after node-{reads[gone][0]}'s {reads[gone][1]} "
                                       f"saw it expired (leader node-{leader})")
            print(f"\n  leader node-{leader}: {len(reads)} reads, expired from read {gone}",
                  file=sys.stderr)
        # Reads with no writes: the leaders kept their time moving with clock entries.
        clock_entries = sum(metrics(c[i]).get(("helios_raft_clock_entries_total", ""), 0)
                            for i in (1, 2, 3))
        self.assertGreater(clock_entries, 0)

    def test_time_does_not_go_back_when_a_slow_clock_takes_over(self):
        c = self.start_skewed()
        self.transfer_to(c, 2)  # 3 s ahead
        self.assertEqual(get(c[2], "SET", "k", "v", "PX", "3000"), "OK")
        before = min(get(c[i], "PTTL", "k") for i in (1, 2, 3))
        self.assertTrue(0 < before <= 3000, before)
        self.transfer_to(c, 3)  # 3 s behind: 6 s behind the previous leader
        # Read after the transfer: the time left can only have shrunk (by its own clock the
        # new leader would give the key 6 s more).
        for i in (3, 1, 2):
            after = get(c[i], "PTTL", "k")
            self.assertLessEqual(after, before, f"node-{i}: PTTL went from {before} to {after}")
        # The new leader holds time still until its clock catches up, then the key expires
        # for every node at once, and a write finds it absent.
        self.h.wait_for(lambda: get(c[3], "GET", "k") is None, WAIT, "k expired at node-3")
        for i in (1, 2):
            self.assertIsNone(get(c[i], "GET", "k"), f"k alive again at node-{i}")
        self.assertEqual(get(c[3], "INCR", "k"), 1)  # an expired key counts as absent
        self.assertEqual(get(c[1], "GET", "k"), b"1")


if __name__ == "__main__":
    unittest.main()
