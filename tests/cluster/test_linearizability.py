"""Linearizability against real processes: concurrent clients on every node of a raft-example
cluster (GET / SET / INCR on four keys) while the leader is killed with -9 and restarted,
again and again; the recorded history is judged by the simulator's own checker
(sim/checker/linearizability.h) through the lincheck tool (tests/cluster/lincheck.cc).
See README.md in this directory.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_linearizability.py

HELIOS_LIN_READ_MODE=lease runs the nodes with --read-mode lease (ctest:
cluster_linearizability_lease) and checks that leaders did answer reads under their lease.

Standard library only (plain RESP sockets, harness.RespConnection): the test knows exactly
whether a command was sent and what came back. How an outcome is recorded:

    reply                                   GET        SET / INCR
    a value                                 completed  completed
    -TRYAGAIN / -MOVED                      dropped    dropped (certainly not applied)
    refused connection (nothing sent)       -          not attempted
    -UNCERTAIN, timeout, reset or EOF       dropped    never returned (may have applied)
      after the command was sent
    any other error                         dropped    never returned, and the test fails
"""

import json
import os
import random
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

WAIT = 30.0  # seconds for anything that must happen (start, a new leader)
RUN_SECONDS = 22.0  # the clients' run, at least (longer if the kills take longer)
MAX_RUN_SECONDS = 40.0  # ... and at most
KILLS = 4  # leader kill -9 + restart cycles during the run (at least 3 asked)
DOWN_SECONDS = 1.0  # how long a killed leader stays down
CLIENTS_PER_NODE = 2
OP_TIMEOUT = 10.0  # one command: more than write_timeout (5 s) and leader_wait (3 s)
REGISTERS = ["lin:r0", "lin:r1"]  # SET (unique values) and GET
COUNTERS = ["lin:c0", "lin:c1"]  # INCR and GET (INCR and SET apart: see sim/checker/README)
CHECK_TIMEOUT = 60.0  # seconds for lincheck
READ_MODE = os.environ.get("HELIOS_LIN_READ_MODE", "read_index")
SEED = int(os.environ.get("HELIOS_LIN_SEED", "0")) or random.SystemRandom().randrange(1, 2**31)


def lincheck(history_lines, path, *args):
    """Writes the history (a list of dicts) to path and runs lincheck on it; returns (exit
    status, output)."""
    with open(path, "w") as f:
        for op in history_lines:
            f.write(json.dumps(op) + "\n")
    p = subprocess.run([harness.binary("lincheck"), *args, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=CHECK_TIMEOUT,
                       preexec_fn=harness._die_with_parent)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class Recorder:
    """The shared history: operations in the lincheck format, and what did not fit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = []
        self.unexpected = []  # error replies no client should get
        self.counts = {}

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def add(self, op):
        with self.lock:
            self.ops.append(op)

    def note_unexpected(self, text):
        with self.lock:
            self.unexpected.append(text)


class Client(threading.Thread):
    """One client: one connection at a time to its node, reconnecting after an error."""

    def __init__(self, cid, node, recorder, stop, seed):
        super().__init__(name=f"lin-client-{cid}", daemon=True)
        self.cid = cid
        self.node = node
        self.rec = recorder
        self.stop = stop
        self.rng = random.Random(seed)
        self.conn = None
        self.seq = 0

    def run(self):
        while not self.stop.is_set():
            if self.conn is None:
                try:
                    self.conn = harness.RespConnection(*self.node.client, timeout=OP_TIMEOUT)
                except OSError:
                    self.rec.count("connect refused")
                    time.sleep(0.05)
                    continue
            self.one_operation()
        if self.conn is not None:
            self.conn.close()

    def one_operation(self):
        key = self.rng.choice(REGISTERS + COUNTERS)
        read = self.rng.random() < 0.5
        self.seq += 1
        if read:
            kind, args = "get", ("GET", key)
        elif key in REGISTERS:
            kind, value = "set", f"c{self.cid}-{self.seq}"
            args = ("SET", key, value)
        else:
            kind, args = "incr", ("INCR", key)
        op = {"client": self.cid, "op": kind, "key": key}
        op["call"] = time.monotonic_ns()
        try:
            self.conn.send(*args)
            reply = self.conn.read_reply()
        except (OSError, ConnectionError, ValueError) as e:  # timeout, reset, EOF
            self.conn.close()
            self.conn = None
            self.rec.count(f"{kind}: {type(e).__name__}")
            if kind != "get":
                self.record_never_returned(op)
            return
        returned = time.monotonic_ns()
        if isinstance(reply, harness.RespError):
            code = reply.code
            self.rec.count(f"{kind}: -{code}")
            if kind == "get" or code in ("TRYAGAIN", "MOVED"):
                return  # dropped: a read has no effect; the write was certainly not applied
            if code != "UNCERTAIN":
                self.rec.note_unexpected(f"client {self.cid} {args}: -{reply.message}")
            self.record_never_returned(op)
            return
        op["return"] = returned
        if kind == "get":
            if reply is not None and not isinstance(reply, bytes):
                self.rec.note_unexpected(f"client {self.cid} {args}: {reply!r}")
                return
            op["value"] = reply.decode() if reply is not None else None
        elif kind == "set":
            if reply != "OK":
                self.rec.note_unexpected(f"client {self.cid} {args}: {reply!r}")
            op["value"] = value
        else:
            if not isinstance(reply, int):
                self.rec.note_unexpected(f"client {self.cid} {args}: {reply!r}")
                return
            op["delta"] = 1
            op["value"] = str(reply)
        self.rec.count(f"{kind}: ok")
        self.rec.add(op)

    def record_never_returned(self, op):
        op["return"] = None
        if op["op"] == "set":
            op["value"] = f"c{self.cid}-{self.seq}"
        else:
            op["value"] = None
            op["delta"] = 1
        self.rec.add(op)


class TestLincheckTool(unittest.TestCase):
    """lincheck itself, on hand-made histories: it must catch what it is for."""

    def setUp(self):
        self.h = harness.Harness(self.id().split(".")[-1])
        self.addCleanup(lambda: self.h.cleanup(False))

    def check(self, ops, *args):
        return lincheck(ops, os.path.join(self.h.root, "history.jsonl"), *args)

    @staticmethod
    def op(client, kind, key, value, call, ret, **extra):
        return dict(client=client, op=kind, key=key, value=value, call=call, **{"return": ret},
                    **extra)

    def test_linearizable_history_passes(self):
        o = self.op
        code, out = self.check([
            o(1, "set", "k", "a", 10, 20), o(2, "get", "k", "a", 15, 30),
            o(3, "set", "k", "b", 25, None), o(2, "get", "k", "b", 40, 50),
            o(1, "incr", "n", "1", 10, 20, delta=1), o(2, "incr", "n", None, 21, None, delta=1),
            o(3, "get", "n", "2", 60, 70), o(3, "get", "m", None, 1, 2)])
        self.assertEqual(code, 0, out)
        self.assertIn("linearizable: 8 operations (2 never returned) on 3 keys", out)

    def test_read_of_a_value_never_written_fails(self):
        o = self.op
        code, out = self.check([o(1, "set", "k", "a", 10, 20), o(2, "get", "k", "zz", 30, 40)])
        self.assertEqual(code, 1, out)
        self.assertIn("NOT linearizable", out)
        self.assertIn('"k"', out)

    def test_stale_read_after_a_completed_write_fails(self):
        o = self.op
        code, out = self.check([o(1, "set", "k", "a", 10, 20), o(1, "set", "k", "b", 30, 40),
                                o(2, "get", "k", "a", 50, 60)])
        self.assertEqual(code, 1, out)
        self.assertIn("NOT linearizable", out)

    def test_lost_increment_fails(self):
        o = self.op
        code, out = self.check([o(1, "incr", "n", "1", 10, 20, delta=1),
                                o(2, "incr", "n", "1", 30, 40, delta=1)])
        self.assertEqual(code, 1, out)

    def test_lost_acknowledged_write_fails(self):
        o = self.op
        code, out = self.check([o(1, "set", "k", "a", 10, 20), o(2, "get", "k", None, 30, 40)])
        self.assertEqual(code, 1, out)

    def test_bad_input_is_refused(self):
        o = self.op
        for bad in ([o(1, "get", "k", None, 20, 10)], [o(1, "cas", "k", "a", 1, 2)],
                    [{"client": 1, "op": "get", "key": "k", "call": 1, "return": 2}],
                    [o(1, "incr", "n", "abc", 1, 2, delta=1)]):
            code, out = self.check(bad)
            self.assertEqual(code, 2, f"{bad}: {out}")
            self.assertIn("line 1", out)


class TestLinearizability(unittest.TestCase):
    def setUp(self):
        self.h = harness.Harness(self.id().split(".")[-1])
        self.failed_here = True
        self.addCleanup(lambda: self.h.cleanup(self.failed_here))

    def test_concurrent_clients_while_the_leader_is_killed(self):
        harness.binary("lincheck")  # fail early if it is not built
        started = time.monotonic()
        c = self.h.quickstart_cluster(extra_args=["--read-mode", READ_MODE]).start()
        c.wait_for_leader(timeout=WAIT)
        for i in sorted(c.nodes):
            self.h.wait_for(lambda i=i: harness.resp_ping(c[i].client), WAIT,
                            f"node {i} answering PING on its client port")
        rng = random.Random(SEED)
        rec = Recorder()
        stop = threading.Event()
        clients = [Client(len(c.nodes) * k + i, c[i], rec, stop, rng.randrange(2**31))
                   for k in range(CLIENTS_PER_NODE) for i in sorted(c.nodes)]
        for t in clients:
            t.start()
        begin = time.monotonic()
        kills = self.kill_leaders(c, rng, begin)
        while time.monotonic() - begin < RUN_SECONDS:
            time.sleep(0.1)
        stop.set()
        for t in clients:
            t.join(OP_TIMEOUT + 5)
            self.assertFalse(t.is_alive(), f"{t.name} still running")
        run_seconds = time.monotonic() - begin

        # Final reads at every node, once the cluster is whole again: they pin down the
        # final state (a lost acknowledged write shows here at the latest).
        c.wait_for_leader(timeout=WAIT)
        final_client = 1000
        for i in sorted(c.nodes):
            with harness.RespConnection(*c[i].client, timeout=OP_TIMEOUT) as conn:
                for key in REGISTERS + COUNTERS:
                    for attempt in range(5):  # a read may be retried: it has no effect
                        call = time.monotonic_ns()
                        reply = conn.command("GET", key)
                        if not isinstance(reply, harness.RespError):
                            break
                        self.assertEqual(reply.code, "TRYAGAIN", reply.message)
                    else:
                        self.fail(f"GET {key} at node {i}: {reply.message}")
                    rec.add({"client": final_client + i, "op": "get", "key": key,
                             "value": reply.decode() if reply is not None else None,
                             "call": call, "return": time.monotonic_ns()})

        lease_reads = sum(self.lease_reads(c[i]) for i in sorted(c.nodes))

        path = os.path.join(self.h.root, "history.jsonl")
        code, out = lincheck(rec.ops, path)
        outcomes = dict(sorted(rec.counts.items()))
        summary = (f"seed {SEED}; read mode {READ_MODE} ({lease_reads} lease reads since the "
                   f"last restarts); {kills} leader kills; clients ran {run_seconds:.1f}s; "
                   f"{len(rec.ops)} operations recorded; outcomes {outcomes}; "
                   f"whole test {time.monotonic() - started:.1f}s")
        sys.stderr.write(f"\n[linearizability] {summary}\n[lincheck] {out.strip()}\n")
        self.assertEqual(code, 0, f"lincheck on {path} ({summary}):\n{out}")
        self.assertEqual(rec.unexpected[:20], [], "unexpected replies")
        self.assertGreaterEqual(kills, 3)
        ok = {k: rec.counts.get(f"{k}: ok", 0) for k in ("get", "set", "incr")}
        for kind, n in ok.items():
            self.assertGreater(n, 50, f"too few completed {kind}s: {summary}")
        if READ_MODE == "lease":
            self.assertGreater(lease_reads, 0, f"no read was answered under a lease: {summary}")
        else:
            self.assertEqual(lease_reads, 0, summary)
        self.failed_here = False

    @staticmethod
    def lease_reads(node):
        """helios_raft_lease_reads_total of the node's current process."""
        code, body = node.admin_get("/metrics")
        if code != 200:
            return 0
        for line in body.splitlines():
            if line.startswith("helios_raft_lease_reads_total "):
                return int(float(line.split()[1]))
        return 0

    def kill_leaders(self, c, rng, begin):
        """kill -9 the leader, keep it down DOWN_SECONDS, restart it, wait for a leader
        again and a little traffic; KILLS times. Returns how many kills were done."""
        kills = 0
        time.sleep(2.0)  # some history before the first fault
        while kills < KILLS and time.monotonic() - begin < MAX_RUN_SECONDS - 5:
            lid = c.wait_for_leader(timeout=WAIT)
            c[lid].kill9()
            kills += 1
            time.sleep(DOWN_SECONDS)
            c[lid].start()
            c.wait_for_leader(timeout=WAIT)
            time.sleep(rng.uniform(1.5, 3.0))
        return kills


if __name__ == "__main__":
    unittest.main(verbosity=2)
