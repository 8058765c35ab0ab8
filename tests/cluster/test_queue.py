"""The durable queue of issue 14: producers LPUSH unique jobs and consumers BLMOVE them from
`jobs` to their own `processing:<name>` list, through all three nodes of the quick start,
while the leader is killed (SIGKILL) and restarted again and again. See README.md here and
docs/consistency.md "Blocking commands and durable queues".

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_queue.py
    ctest --test-dir build/release -R cluster_queue

At the end (read at the leader, linearizably):
- no job is in the lists twice, and none was delivered to consumers twice;
- every job acknowledged to a producer is in the lists exactly once (in `jobs`, or in one
  consumer's `processing` list): nothing acknowledged is lost;
- every job delivered to a consumer is in that consumer's `processing` list;
- a job in a consumer's `processing` list that was not delivered to it is explained by a pop
  of that consumer answered -UNCERTAIN or cut by a connection error (at most that many);
- every job in the lists was pushed by a producer (acknowledged, or -UNCERTAIN / cut).
Bounded to about a minute; no timing is asserted.
"""

import collections
import os
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import RespConnection, RespError  # noqa: E402
from test_cluster import ClusterTestCase  # noqa: E402

CHAOS_ROUNDS = 3  # leader kills
ROUND_PAUSE = 4.0  # seconds of traffic between kills
BLOCK_S = "1"  # consumers' BLMOVE timeout
CLIENT_TIMEOUT = 20.0  # above BLMOVE's timeout + write_timeout + leader_wait
DRAIN_BOUND = 30.0  # seconds for the consumers to empty `jobs` at the end


class Client(threading.Thread):
    """A loop on one node (moving to the next node when its connection breaks)."""

    def __init__(self, name, nodes, first, stop):
        super().__init__(name=name, daemon=True)
        self.nodes, self.at, self.stop = nodes, first, stop
        self.conn = None
        self.failure = None

    def connection(self):
        while self.conn is None and not self.stop.is_set():
            node = self.nodes[self.at % len(self.nodes)]
            try:
                self.conn = RespConnection(*node.client, timeout=CLIENT_TIMEOUT)
            except OSError:
                self.at += 1
                time.sleep(0.05)
        return self.conn

    def broken(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self.at += 1

    def run(self):
        try:
            self.loop()
        except Exception as e:  # reported by the test
            self.failure = e


class Producer(Client):
    def __init__(self, *args):
        super().__init__(*args)
        self.acked, self.doubtful, self.refused = [], [], []

    def loop(self):
        n = 0
        while not self.stop.is_set():
            conn = self.connection()
            if conn is None:
                return
            job = f"{self.name}-{n}"
            n += 1
            try:
                reply = conn.command("LPUSH", "jobs", job)
            except (OSError, ValueError):
                self.doubtful.append(job)
                self.broken()
                continue
            if isinstance(reply, RespError):
                (self.refused if reply.code == "TRYAGAIN" else self.doubtful).append(job)
                if reply.code not in ("TRYAGAIN", "UNCERTAIN"):
                    raise AssertionError(f"LPUSH {job}: {reply.message}")
                time.sleep(0.01)
            else:
                self.acked.append(job)


class Consumer(Client):
    def __init__(self, *args):
        super().__init__(*args)
        self.got = []
        self.doubtful = 0  # pops answered -UNCERTAIN or cut by a connection error
        self.replies = collections.Counter()

    def loop(self):
        while not self.stop.is_set():
            conn = self.connection()
            if conn is None:
                return
            try:
                reply = conn.command("BLMOVE", "jobs", f"processing:{self.name}", "RIGHT",
                                     "LEFT", BLOCK_S)
            except (OSError, ValueError):
                self.doubtful += 1
                self.replies["connection lost"] += 1
                self.broken()
                continue
            if isinstance(reply, RespError):
                self.replies[reply.code] += 1
                if reply.code == "UNCERTAIN":
                    self.doubtful += 1
                elif reply.code != "TRYAGAIN":
                    raise AssertionError(f"BLMOVE: {reply.message}")
                time.sleep(0.01)
            elif reply is None:
                self.replies["timeout"] += 1
            else:
                self.replies["job"] += 1
                self.got.append(reply.decode())


class TestDurableQueue(ClusterTestCase):
    def test_jobs_survive_leader_kills_exactly_once(self):
        c = self.h.quickstart_cluster().start()
        c.wait_for_leader()
        nodes = [c.nodes[i] for i in sorted(c.nodes)]
        stop_producing, stop_consuming = threading.Event(), threading.Event()
        producers = [Producer(f"p{i}", nodes, i, stop_producing) for i in range(2)]
        consumers = [Consumer(f"c{i}", nodes, i, stop_consuming) for i in range(3)]
        for t in producers + consumers:
            t.start()

        for _ in range(CHAOS_ROUNDS):
            time.sleep(ROUND_PAUSE)
            lid = c.wait_for_leader()
            c.nodes[lid].kill9()
            c.wait_for_leader(exclude=[lid])
            c.nodes[lid].start()
        time.sleep(ROUND_PAUSE / 2)
        stop_producing.set()
        for p in producers:
            p.join(CLIENT_TIMEOUT + 5)
        lid = c.wait_for_leader()
        leader = c.nodes[lid]

        def drained():
            with RespConnection(*leader.client, timeout=10.0) as r:
                return r.command("LLEN", "jobs") == 0 or None

        self.h.wait_for(drained, DRAIN_BOUND, "the consumers emptying `jobs`")
        stop_consuming.set()
        for t in consumers:
            t.join(CLIENT_TIMEOUT + 5)
        for t in producers + consumers:
            self.assertFalse(t.is_alive(), f"{t.name} did not stop")
            self.assertIsNone(t.failure, f"{t.name}: {t.failure}")

        with RespConnection(*leader.client, timeout=10.0) as r:
            lists = {"jobs": [j.decode() for j in r.call("LRANGE", "jobs", "0", "-1")]}
            for t in consumers:
                name = f"processing:{t.name}"
                lists[name] = [j.decode() for j in r.call("LRANGE", name, "0", "-1")]

        where = collections.defaultdict(list)
        for name, jobs in lists.items():
            for j in jobs:
                where[j].append(name)
        twice = {j: w for j, w in where.items() if len(w) > 1}
        self.assertEqual(twice, {}, "jobs in the lists more than once")

        delivered = collections.Counter(j for t in consumers for j in t.got)
        self.assertEqual([j for j, n in delivered.items() if n > 1], [],
                         "jobs delivered twice")

        acked = [j for p in producers for j in p.acked]
        lost = [j for j in acked if j not in where]
        self.assertEqual(lost, [], "acknowledged jobs lost")

        pushed = set(acked) | {j for p in producers for j in p.doubtful}
        self.assertEqual([j for j in where if j not in pushed], [],
                         "jobs in the lists that no producer pushed (or a refused push applied)")

        for t in consumers:
            mine = set(lists[f"processing:{t.name}"])
            self.assertEqual([j for j in t.got if j not in mine], [],
                             f"{t.name}: delivered jobs missing from its processing list")
            unexplained = mine - set(t.got)
            self.assertLessEqual(len(unexplained), t.doubtful,
                                 f"{t.name}: jobs it took without being told: {unexplained}")

        print(f"\n  {len(acked)} jobs acknowledged, "
              f"{sum(len(p.doubtful) for p in producers)} pushes uncertain, "
              f"{sum(len(p.refused) for p in producers)} refused; delivered "
              f"{sum(delivered.values())}; consumers' replies: "
              f"{[dict(t.replies) for t in consumers]}")
        self.assertGreater(sum(delivered.values()), 0, "no job was ever delivered")


if __name__ == "__main__":
    import unittest
    unittest.main()
