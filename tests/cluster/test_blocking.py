"""Blocking commands (issue 14, item 9) on the quick start's three raft-example nodes: BLPOP,
BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP (src/api/blocking.h). See
README.md here.

    HELIOS_BIN=build/bin /usr/bin/python3 -m unittest -v tests/cluster/test_blocking.py
    ctest --test-dir build/release -R cluster_blocking

- a BLPOP parked at one node is served by a later LPUSH sent to another node;
- a timeout answers the null reply, not before the timeout and within a generous bound;
- FIFO among the waiters of one node; several keys; BZPOPMIN; BLMOVE; RESP3 replies;
  CLIENT UNBLOCK; a client that disconnects while parked takes nothing;
- a scripted sequence (argument errors, MULTI, replies) compared line for line with a real
  redis-server 7.0 started here on a free port.
Timing is never asserted beyond "not before the timeout" and a generous upper bound.
"""

import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import RespConnection, RespError  # noqa: E402
from test_acl import RedisServer  # noqa: E402
from test_cluster import ClusterTestCase  # noqa: E402

CLIENT_TIMEOUT = 30.0  # a parked command's connection waits far beyond any bound checked
GENEROUS = 15.0  # seconds: the upper bound of "answered soon" on a noisy machine


class Parked(threading.Thread):
    """One blocking command on its own connection; .reply (or .error) once answered."""

    def __init__(self, address, *args, proto=2):
        super().__init__(daemon=True)
        self.address, self.args, self.proto = address, args, proto
        self.reply, self.error, self.answered_at = None, None, None
        self.conn = RespConnection(*address, timeout=CLIENT_TIMEOUT)
        if proto == 3:
            self.conn.call("HELLO", "3")
        self.client_id = self.conn.call("CLIENT", "ID")

    def run(self):
        self.sent_at = time.monotonic()
        try:
            self.reply = self.conn.command(*self.args)
        except (OSError, ValueError) as e:
            self.error = e
        self.answered_at = time.monotonic()
        self.conn.close()


def wait_blocked(node, count, h):
    """Until INFO clients at node shows count blocked clients (the commands are parked)."""
    def cond():
        with RespConnection(*node.client, timeout=5.0) as c:
            info = c.call("INFO", "clients").decode()
        for line in info.split("\r\n"):
            if line.startswith("blocked_clients:") and int(line.split(":")[1]) == count:
                return True
        return None
    h.wait_for(cond, GENEROUS, f"{count} blocked clients at {node.name}")


class BlockingCase(ClusterTestCase):
    def setUp(self):
        super().setUp()
        self.c = self.h.quickstart_cluster().start()
        self.lid = self.c.wait_for_leader()
        self.nodes = [self.c.nodes[i] for i in sorted(self.c.nodes)]
        self.follower = next(n for i, n in sorted(self.c.nodes.items()) if i != self.lid)
        self.other = next(n for i, n in sorted(self.c.nodes.items())
                          if i != self.lid and n is not self.follower)

    def cmd(self, node, *args):
        with RespConnection(*node.client, timeout=10.0) as c:
            return c.command(*args)


class TestBlocking(BlockingCase):
    def test_blpop_at_a_follower_served_by_lpush_at_another_node(self):
        p = Parked(self.follower.client, "BLPOP", "q", "0")
        p.start()
        wait_blocked(self.follower, 1, self.h)
        self.assertEqual(self.cmd(self.other, "LPUSH", "q", "job-1"), 1)
        p.join(GENEROUS)
        self.assertFalse(p.is_alive(), "BLPOP was not served by the LPUSH")
        self.assertEqual(p.reply, [b"q", b"job-1"])
        self.assertEqual(self.cmd(self.other, "EXISTS", "q"), 0)

    def test_timeout_answers_null_not_before_it(self):
        for node, args in ((self.follower, ("BLPOP", "none", "0.5")),
                           (self.nodes[self.lid - 1], ("BZPOPMIN", "none", "0.3")),
                           (self.other, ("BLMOVE", "none", "dst", "LEFT", "RIGHT", "0.2"))):
            p = Parked(node.client, *args)
            p.start()
            p.join(GENEROUS)
            self.assertFalse(p.is_alive(), f"{args} never timed out")
            self.assertIsNone(p.reply, args)
            self.assertGreaterEqual(p.answered_at - p.sent_at, float(args[-1]) - 0.001, args)

    def test_fifo_among_waiters_of_one_node(self):
        parked = []
        for i in range(3):
            p = Parked(self.follower.client, "BRPOP", "fifo", "0")
            p.start()
            wait_blocked(self.follower, i + 1, self.h)
            parked.append(p)
        self.assertEqual(self.cmd(self.other, "LPUSH", "fifo", "a", "b", "c"), 3)
        for p in parked:
            p.join(GENEROUS)
            self.assertFalse(p.is_alive())
        # BRPOP pops the tail: the first to block gets "a", then "b", then "c".
        self.assertEqual([p.reply for p in parked],
                         [[b"fifo", b"a"], [b"fifo", b"b"], [b"fifo", b"c"]])

    def test_several_keys_zsets_blmove_and_resp3(self):
        p = Parked(self.follower.client, "BLPOP", "k1", "k2", "k3", "0")
        p.start()
        wait_blocked(self.follower, 1, self.h)
        self.cmd(self.other, "RPUSH", "k3", "x")
        p.join(GENEROUS)
        self.assertEqual(p.reply, [b"k3", b"x"])

        z = Parked(self.other.client, "BZPOPMIN", "z1", "z2", "0", proto=3)
        z.start()
        wait_blocked(self.other, 1, self.h)
        self.cmd(self.follower, "ZADD", "z2", "2.5", "m", "3", "n")
        z.join(GENEROUS)
        self.assertEqual(z.reply, [b"z2", b"m", 2.5])  # RESP3: the score is a double

        m = Parked(self.follower.client, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
        m.start()
        wait_blocked(self.follower, 1, self.h)
        self.cmd(self.other, "RPUSH", "src", "a", "b")
        m.join(GENEROUS)
        self.assertEqual(m.reply, b"b")
        self.assertEqual(self.cmd(self.other, "LRANGE", "dst", "0", "-1"), [b"b"])

        mp = Parked(self.other.client, "BLMPOP", "0", "2", "l1", "l2", "LEFT", "COUNT", "5",
                    proto=3)
        mp.start()
        wait_blocked(self.other, 1, self.h)
        self.cmd(self.follower, "RPUSH", "l2", "1", "2")
        mp.join(GENEROUS)
        self.assertEqual(mp.reply, [b"l2", [b"1", b"2"]])

        # RESP3 null on timeout.
        n = Parked(self.follower.client, "BZMPOP", "0.1", "1", "nothing", "MAX", proto=3)
        n.start()
        n.join(GENEROUS)
        self.assertIsNone(n.reply)
        self.assertEqual(n.conn.last_type, "_")

    def test_client_unblock_and_disconnect(self):
        p = Parked(self.follower.client, "BLPOP", "u", "0")
        p.start()
        wait_blocked(self.follower, 1, self.h)
        self.assertEqual(self.cmd(self.follower, "CLIENT", "UNBLOCK", str(p.client_id), "ERROR"),
                         1)
        p.join(GENEROUS)
        self.assertIsInstance(p.reply, RespError)
        self.assertEqual(str(p.reply), "UNBLOCKED client unblocked via CLIENT UNBLOCK")
        self.assertEqual(self.cmd(self.follower, "CLIENT", "UNBLOCK", str(p.client_id)), 0)

        # A parked client that disconnects is dropped: the element goes to the next waiter.
        gone = Parked(self.follower.client, "BLPOP", "d", "0")
        gone.start()
        wait_blocked(self.follower, 1, self.h)
        gone.conn.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread's recv too
        wait_blocked(self.follower, 0, self.h)
        stay = Parked(self.follower.client, "BLPOP", "d", "0")
        stay.start()
        wait_blocked(self.follower, 1, self.h)
        self.cmd(self.other, "LPUSH", "d", "v")
        stay.join(GENEROUS)
        self.assertEqual(stay.reply, [b"d", b"v"])


# A scripted sequence: every command's reply at redis-server and at the cluster (command i at
# node i mod 3) must be identical. Only commands that answer at once (elements present,
# argument errors, MULTI, short timeouts on empty keys).
SCRIPT = [
    ("BLPOP", "q", "abc"), ("BLPOP", "q", "-1"), ("BLPOP", "q", " 1"), ("BLPOP", "q", "nan"),
    ("BLPOP", "q", "inf"), ("BLPOP", "q", "1e16"), ("BLPOP",), ("BLPOP", "q"),
    ("BRPOP", "q", "-0.5"), ("BZPOPMIN", "z", "x"), ("BZPOPMAX", "z"),
    ("BLMOVE", "a", "b", "UP", "LEFT", "-1"), ("BLMOVE", "a", "b", "LEFT", "LEFT", "abc"),
    ("BLMOVE", "a", "b", "LEFT", "LEFT"), ("BRPOPLPUSH", "a", "b", "-1"),
    ("BLMPOP", "abc", "0", "k", "LEFT"), ("BLMPOP", "0.01", "5", "k", "LEFT"),
    ("BLMPOP", "0.01", "1", "k", "UP"), ("BLMPOP", "x", "1", "k", "LEFT", "COUNT", "0"),
    ("BZMPOP", "x", "1", "k", "MIN", "COUNT", "0"), ("BZMPOP", "0", "1", "k", "MID"),
    ("SET", "s", "x"), ("BLPOP", "s", "k", "0.01"), ("BLPOP", "k", "s", "0.01"),
    ("BLMOVE", "s", "b", "LEFT", "LEFT", "0.01"), ("BZPOPMIN", "s", "0.01"),
    ("RPUSH", "l", "1", "2", "3"), ("BLPOP", "none", "l", "0"), ("BRPOP", "l", "0"),
    ("BLMOVE", "l", "s", "LEFT", "LEFT", "0"), ("BLMOVE", "l", "m", "LEFT", "RIGHT", "0"),
    ("BRPOPLPUSH", "m", "m", "0"), ("LRANGE", "m", "0", "-1"),
    ("RPUSH", "l", "4", "5", "6"), ("BLMPOP", "0", "2", "none", "l", "RIGHT", "COUNT", "2"),
    ("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "9"), ("EXISTS", "l"),
    ("ZADD", "z", "1", "a", "2", "b", "3", "c"), ("BZPOPMIN", "none", "z", "0"),
    ("BZPOPMAX", "z", "0"), ("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"), ("EXISTS", "z"),
    ("MULTI",), ("BLPOP", "empty", "0"), ("BLMOVE", "empty", "x", "LEFT", "LEFT", "0"),
    ("BZPOPMIN", "empty", "0"), ("BLMPOP", "0", "1", "empty", "LEFT"), ("BLPOP", "q", "abc"),
    ("RPUSH", "empty", "v"), ("BRPOP", "empty", "0"), ("EXEC",),
    ("BLPOP", "empty", "0.05"), ("BLMOVE", "empty", "x", "LEFT", "LEFT", "0.05"),
    ("BZMPOP", "0.05", "1", "empty", "MAX"),
    ("CLIENT", "UNBLOCK"), ("CLIENT", "UNBLOCK", "abc"), ("CLIENT", "UNBLOCK", "99999"),
    ("CLIENT", "UNBLOCK", "99999", "foo"), ("CLIENT", "UNBLOCK", "99999", "TIMEOUT"),
]


def plain(value):
    """A reply comparable with ==: an error becomes ("-", its whole line)."""
    if isinstance(value, RespError):
        return ("-", value.message)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class TestBlockingDifferential(ClusterTestCase):
    def test_replies_match_redis_server(self):
        c = self.h.quickstart_cluster().start()
        c.wait_for_leader()
        nodes = [c.nodes[i] for i in sorted(c.nodes)]
        redis = RedisServer(self.h)
        self.addCleanup(redis.stop)
        for proto in (2, 3):
            with RespConnection(*redis.address, timeout=10.0) as ref:
                ref.call("FLUSHALL")
            with RespConnection(*nodes[0].client, timeout=10.0) as f:
                f.call("FLUSHALL")
            refc = RespConnection(*redis.address, timeout=10.0)
            conns = [RespConnection(*n.client, timeout=10.0) for n in nodes]
            try:
                for conn in [refc] + conns:
                    if proto == 3:
                        conn.call("HELLO", "3")
                in_multi = False
                for i, args in enumerate(SCRIPT):
                    # A transaction stays on one connection (the same node).
                    node = 0 if in_multi or args[0] in ("MULTI",) else i % 3
                    want = plain(refc.command(*args))
                    want_type = refc.last_type
                    got = plain(conns[node].command(*args))
                    self.assertEqual((got, conns[node].last_type), (want, want_type),
                                     f"RESP{proto} command {i} {args} at {nodes[node].name}")
                    if args[0] == "MULTI":
                        in_multi = True
                    elif args[0] == "EXEC":
                        in_multi = False
            finally:
                refc.close()
                for conn in conns:
                    conn.close()


if __name__ == "__main__":
    import unittest
    unittest.main()
