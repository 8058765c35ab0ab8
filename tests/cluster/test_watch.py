"""WATCH / UNWATCH, optimistic transactions (issue 14 item 8; docs/consistency.md "WATCH"),
against the quick start's three nodes: a WATCHed transaction aborted (the null array) by a
change another client made at another node, run when nothing changed; WATCH at a follower
(the EXEC forwarded with its versions); UNWATCH, DISCARD and EXECABORT forgetting the keys;
a counter incremented by clients at all three nodes with WATCH/GET/MULTI/SET/EXEC retry
loops ends exactly at clients x increments; and scripted two-connection cases compared
reply by reply (the RESP type included: "*-1" in RESP2, "_" in RESP3) with a real
redis-server 7.0 started by the test.

    HELIOS_BIN=build/bin /usr/bin/python3 -m unittest -v tests/cluster/test_watch.py
    ctest --test-dir build/release -R cluster_watch
"""

import os
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import RespError  # noqa: E402
from test_acl import RedisServer  # noqa: E402
from test_compat import SOCKET_TIMEOUT, WAIT, ClusterClassCase  # noqa: E402

CLIENTS_PER_NODE = 2
INCREMENTS = 15

# Two connections, "a" and "b"; each step is (connection, command...). "sleep" steps wait
# (a key's TTL passing). The replies and their RESP types must equal redis-server's.
SCRIPTS = {
    "changed by the other connection": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("b", "SET", "k", "2"),
        ("a", "MULTI"), ("a", "INCR", "k"), ("a", "EXEC"), ("a", "GET", "k")],
    "set to the same value counts as a change": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("b", "SET", "k", "1"),
        ("a", "MULTI"), ("a", "INCR", "k"), ("a", "EXEC")],
    "untouched: runs": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k", "other"), ("b", "SET", "x", "1"),
        ("a", "MULTI"), ("a", "INCR", "k"), ("a", "GET", "other"), ("a", "EXEC")],
    "absent and still absent: runs": [
        ("a", "WATCH", "k"), ("a", "MULTI"), ("a", "SET", "k", "v"), ("a", "EXEC")],
    "absent then created: aborted": [
        ("a", "WATCH", "k"), ("b", "SET", "k", "v"), ("a", "MULTI"), ("a", "SET", "k", "w"),
        ("a", "EXEC"), ("a", "GET", "k")],
    "deleted: aborted": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("b", "DEL", "k"),
        ("a", "MULTI"), ("a", "SET", "k", "2"), ("a", "EXEC")],
    "no-op writes do not count": [
        ("b", "SADD", "s", "m"), ("b", "SET", "k", "1"), ("a", "WATCH", "s", "k", "gone"),
        ("b", "SADD", "s", "m"), ("b", "SREM", "s", "nope"), ("b", "DEL", "gone"),
        ("b", "SET", "k", "2", "NX"), ("b", "EXPIRE", "gone", "100"),
        ("a", "MULTI"), ("a", "SCARD", "s"), ("a", "EXEC")],
    "a collection change counts": [
        ("b", "RPUSH", "l", "1"), ("a", "WATCH", "l"), ("b", "RPUSH", "l", "2"),
        ("a", "MULTI"), ("a", "LLEN", "l"), ("a", "EXEC")],
    "UNWATCH forgets": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("b", "SET", "k", "2"), ("a", "UNWATCH"),
        ("a", "MULTI"), ("a", "INCR", "k"), ("a", "EXEC")],
    "DISCARD forgets": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("a", "MULTI"), ("a", "DISCARD"),
        ("b", "SET", "k", "2"), ("a", "MULTI"), ("a", "INCR", "k"), ("a", "EXEC")],
    "EXECABORT forgets": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("a", "MULTI"), ("a", "GET"),
        ("a", "EXEC"), ("b", "SET", "k", "2"), ("a", "MULTI"), ("a", "INCR", "k"),
        ("a", "EXEC")],
    "EXEC forgets": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("a", "MULTI"), ("a", "INCR", "k"),
        ("a", "EXEC"), ("b", "SET", "k", "5"), ("a", "MULTI"), ("a", "INCR", "k"),
        ("a", "EXEC")],
    "empty transaction checks too": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("a", "MULTI"), ("a", "EXEC"),
        ("a", "WATCH", "k"), ("b", "SET", "k", "2"), ("a", "MULTI"), ("a", "EXEC")],
    "WATCH inside MULTI and without a key": [
        ("a", "WATCH"), ("a", "MULTI"), ("a", "WATCH", "k"), ("a", "SET", "k", "1"),
        ("a", "EXEC"), ("a", "UNWATCH", "extra")],
    "watched key expires before EXEC": [
        ("b", "SET", "k", "1", "PX", "50"), ("a", "WATCH", "k"), ("sleep", 0.5),
        ("a", "MULTI"), ("a", "SET", "k", "2"), ("a", "EXEC")],
    "watched twice keeps the first": [
        ("b", "SET", "k", "1"), ("a", "WATCH", "k"), ("b", "SET", "k", "2"),
        ("a", "WATCH", "k"), ("a", "MULTI"), ("a", "GET", "k"), ("a", "EXEC")],
}


def run_script(steps, a, b):
    """The replies (value, RESP type) of `steps` on connections a and b."""
    out = []
    for step in steps:
        if step[0] == "sleep":
            time.sleep(step[1])
            continue
        conn = a if step[0] == "a" else b
        reply = conn.command(*step[1:])
        value = str(reply) if isinstance(reply, RespError) else reply
        out.append((step[1:], value, conn.last_type))
    return out


class TestWatch(ClusterClassCase):
    """WATCH on the quick start's cluster, compared with a real redis-server 7.0."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.redis = cls.start_reference(RedisServer)

    def setUp(self):
        lid, followers = self.roles()
        self.leader, self.followers = lid, followers
        with self.raw(lid) as r:
            self.assertEqual(r.command("FLUSHALL"), "OK")

    def conn(self, node_id, protocol=2):
        c = self.raw(node_id)
        if protocol == 3:
            c.command("HELLO", "3")
        return c

    def test_aborted_by_another_client_at_another_node(self):
        f1, f2 = self.followers[0], self.followers[1]
        with self.conn(f1) as a, self.conn(f2) as b, self.conn(self.leader, 3) as c:
            self.assertEqual(b.command("SET", "k", "1"), "OK")
            self.assertEqual(a.command("WATCH", "k"), "OK")   # at a follower
            self.assertEqual(c.command("WATCH", "k"), "OK")   # at the leader, RESP3
            self.assertEqual(b.command("SET", "k", "2"), "OK")
            for x in (a, c):
                self.assertEqual(x.command("MULTI"), "OK")
                self.assertEqual(x.command("SET", "k", "3"), "QUEUED")
            self.assertIsNone(a.command("EXEC"))
            self.assertEqual(a.last_type, "*")   # RESP2: *-1
            self.assertIsNone(c.command("EXEC"))
            self.assertEqual(c.last_type, "_")   # RESP3: null
            for n in sorted(self.c.nodes):
                with self.conn(n) as r:
                    self.assertEqual(r.command("GET", "k"), b"2", f"node {n}")

    def test_runs_when_untouched_at_a_follower(self):
        f1, f2 = self.followers[0], self.followers[1]
        with self.conn(f1) as a, self.conn(f2) as b:
            self.assertEqual(b.command("SET", "k", "10"), "OK")
            self.assertEqual(a.command("WATCH", "k", "absent"), "OK")
            self.assertEqual(b.command("SET", "unrelated", "x"), "OK")
            self.assertEqual(a.command("MULTI"), "OK")
            self.assertEqual(a.command("INCR", "k"), "QUEUED")
            self.assertEqual(a.command("SET", "absent", "now"), "QUEUED")
            self.assertEqual(a.command("EXEC"), [11, "OK"])
            self.assertEqual(b.command("GET", "absent"), b"now")

    def test_counter_with_retry_loops_at_every_node(self):
        key = "counter"
        with self.conn(self.leader) as r:
            self.assertEqual(r.command("SET", key, "0"), "OK")
        errors = []
        aborts = [0]
        lock = threading.Lock()

        def worker(node_id):
            try:
                with self.conn(node_id) as c:
                    done = 0
                    while done < INCREMENTS:
                        self.assertEqual(c.command("WATCH", key), "OK")
                        value = int(c.command("GET", key))
                        self.assertEqual(c.command("MULTI"), "OK")
                        self.assertEqual(c.command("SET", key, str(value + 1)), "QUEUED")
                        reply = c.command("EXEC")
                        if reply is None:
                            with lock:
                                aborts[0] += 1
                            continue
                        self.assertEqual(reply, ["OK"])
                        done += 1
            except BaseException as e:  # noqa: BLE001 (reported by the main thread)
                errors.append(f"client at node {node_id}: {e!r}")

        threads = [threading.Thread(target=worker, args=(n,), daemon=True)
                   for n in sorted(self.c.nodes) for _ in range(CLIENTS_PER_NODE)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=WAIT * 4)
            self.assertFalse(t.is_alive(), "a client did not finish")
        self.assertEqual(errors, [])
        expected = len(threads) * INCREMENTS
        self.c.wait_for_convergence(timeout=WAIT)
        for n in sorted(self.c.nodes):
            with self.conn(n) as r:
                self.assertEqual(r.command("GET", key), str(expected).encode(), f"node {n}")
        print(f"\n  {len(threads)} clients x {INCREMENTS} increments, {aborts[0]} aborted "
              f"EXECs retried", file=sys.stderr)

    def test_scripts_as_redis_server(self):
        f1, f2 = self.followers[0], self.followers[1]
        for protocol in (2, 3):
            for name, steps in SCRIPTS.items():
                with self.subTest(script=name, protocol=protocol):
                    with harness.RespConnection(*self.redis.address, timeout=SOCKET_TIMEOUT) as r:
                        r.command("FLUSHALL")
                    with self.conn(self.leader) as r:
                        r.command("FLUSHALL")
                    with harness.RespConnection(*self.redis.address) as ra, \
                            harness.RespConnection(*self.redis.address) as rb:
                        if protocol == 3:
                            ra.command("HELLO", "3")
                            rb.command("HELLO", "3")
                        expected = run_script(steps, ra, rb)
                    with self.conn(f1, protocol) as ha, self.conn(f2, protocol) as hb:
                        got = run_script(steps, ha, hb)
                    self.assertEqual(got, expected)


if __name__ == "__main__":
    unittest.main()
