#!/usr/bin/env python3
"""Memory per data type, Helios against Redis (issue 14 item 6: within 1.5x): the same data
set loaded into one single-node helios-atlasd and into one redis-server 7.0, the memory
each process gained reported per case.

Each case runs on fresh processes (a new node, a new redis-server) on free loopback ports:

  1. start both; note each one's RSS (/proc/PID/status VmRSS) and Redis's used_memory;
  2. load the case's data set through the client port, pipelined (the same commands to both);
  3. Helios: BGSAVE and wait until /status shows a snapshot at the last applied index (the
     node runs with --snapshot-trailing-entries 0 --snapshot-threshold 0, so the snapshot
     compacts the whole log), then restart the node (SIGTERM, start) so that it holds the
     data set loaded from its snapshot and nothing else: no in-memory Raft log, no
     apply-time garbage left in malloc's free lists. An empty node restarted the same way
     gives the baseline;
  4. report RSS deltas of both and Redis's used_memory delta, and the ratio of the RSS deltas.

Helios's INFO used_memory is its RSS (src/api/info.cc), so RSS is what is compared; Redis's
used_memory (its allocator's count) is printed for reference: Redis's RSS also holds
jemalloc's slack, which is part of what a user pays.

Cases (--keys scales the small ones, --big-keys / --big-size the large ones): hash, set,
zset, list: K keys of 10 elements of 8-20 bytes each (hash: 10 fields with values);
intset: K keys of 10 integer members; and *-big: B keys of S elements. Exit status 0, 1 on
a harness error, 2 on bad arguments.

    python3 bench/memory.py --bin build/me/bin [--keys 100000] [--cases hash,set]
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "cluster"))

import harness  # noqa: E402

HOST = "127.0.0.1"
WAIT_S = 120.0
PIPELINE = 500


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wait_until(cond, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except (OSError, harness.RespError, ConnectionError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def ping(address):
    with harness.RespConnection(*address, timeout=2.0) as c:
        return c.command("PING") == "PONG"


def info_field(address, section, field):
    with harness.RespConnection(*address) as c:
        text = c.call("INFO", section).decode()
    m = re.search(rf"^{field}:(\d+)", text, re.M)
    return int(m.group(1)) if m else None


# --- data sets -------------------------------------------------------------------------------

def word(rng):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(rng.randint(8, 20)))


def commands(case, keys, big_keys, big_size, seed=1):
    """Yields the commands that build the case's data set (the same for both servers)."""
    rng = random.Random(seed)
    big = case.endswith("-big")
    kind = case[:-4] if big else case
    n_keys, n = (big_keys, big_size) if big else (keys, 10)
    chunk = 100  # elements per command for big collections
    for k in range(n_keys):
        key = f"{kind}:{k:08d}"
        for start in range(0, n, chunk):
            count = min(chunk, n - start)
            if kind == "hash":
                args = ["HSET", key]
                for i in range(count):
                    args += [f"f{start + i}-{word(rng)}", word(rng)]
            elif kind == "set":
                args = ["SADD", key] + [f"{start + i}-{word(rng)}" for i in range(count)]
            elif kind == "intset":
                args = ["SADD", key] + [str(rng.randint(0, 10 ** 9)) for _ in range(count)]
            elif kind == "zset":
                args = ["ZADD", key]
                for i in range(count):
                    args += [str(rng.randint(0, 10 ** 6)), f"{start + i}-{word(rng)}"]
            elif kind == "list":
                args = ["RPUSH", key] + [word(rng) for _ in range(count)]
            else:
                raise ValueError(case)
            yield args


def load(address, cmds):
    with harness.RespConnection(*address, timeout=60.0) as c:
        batch = []
        for args in cmds:
            batch.append(c.encode(*args))
            if len(batch) == PIPELINE:
                flush(c, batch)
        flush(c, batch)


def flush(c, batch):
    if not batch:
        return
    c.send_raw(b"".join(batch))
    for _ in batch:
        reply = c.read_reply()
        if isinstance(reply, harness.RespError):
            raise RuntimeError(f"load: {reply}")
    batch.clear()


# --- servers ---------------------------------------------------------------------------------

class Redis:
    def __init__(self, h):
        path = shutil.which("redis-server")
        if path is None:
            raise RuntimeError("redis-server not found (Debian's redis-server 7.0)")
        ports = harness.PortReservation()
        port = ports.take_free(1)[0]
        work = os.path.join(h.root, f"redis-{port}")
        os.makedirs(work)
        ports.release()
        log = open(os.path.join(h.log_dir, f"redis-{port}.log"), "ab")
        self.proc = h.spawn([path, "--port", str(port), "--bind", HOST, "--save", "",
                             "--appendonly", "no", "--dir", work, "--daemonize", "no"], log)
        self.address = (HOST, port)
        wait_until(lambda: ping(self.address), "redis-server")

    def rss(self):
        return rss_bytes(self.proc.pid)

    def used_memory(self):
        return info_field(self.address, "memory", "used_memory")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


class Helios:
    def __init__(self, h, name):
        ports = harness.PortReservation()
        peer, admin, client = ports.take_free(3)
        data_dir = os.path.join(h.data_root, name)
        self.address = (HOST, client)
        argv = [harness.binary("helios-atlasd"), "--node-id", "1", "--cluster-id", "bench",
                "--data-dir", data_dir, "--listen", f"{HOST}:{peer}", "--admin",
                f"{HOST}:{admin}", "--client", f"{HOST}:{client}", "--peers",
                f"1={HOST}:{peer}/{HOST}:{client}", "--snapshot-threshold", "0",
                "--snapshot-interval", "0", "--snapshot-trailing-entries", "0",
                "--log-level", "warn"]
        self.node = h._node(1, name, argv, admin, data_dir)
        ports.release()
        self.start()

    def start(self):
        self.node.start()
        wait_until(lambda: ping(self.address) and self.writable(), "helios-atlasd leading")

    def writable(self):
        with harness.RespConnection(*self.address, timeout=2.0) as c:
            return c.command("SET", "bench:probe", "1") == "OK" and c.command(
                "DEL", "bench:probe") == 1

    def snapshot_and_restart(self):
        applied = self.node.status()["last_applied"]
        with harness.RespConnection(*self.address, timeout=60.0) as c:
            wait_until(lambda: c.call("BGSAVE") is not None, "BGSAVE accepted")
        wait_until(lambda: self.node.status()["snapshot"]["index"] >= applied, "the snapshot")
        self.node.stop()
        self.start()

    def rss(self):
        return rss_bytes(self.node.pid)


def dbsize(address):
    with harness.RespConnection(*address) as c:
        return c.call("DBSIZE")


def run_case(h, case, args):
    redis = Redis(h)
    helios = Helios(h, f"helios-{case}")
    try:
        helios.snapshot_and_restart()  # the baseline is restarted the same way
        base = {"redis_rss": redis.rss(), "redis_used": redis.used_memory(),
                "helios_rss": helios.rss()}
        started = time.monotonic()
        load(redis.address, commands(case, args.keys, args.big_keys, args.big_size))
        load(helios.address, commands(case, args.keys, args.big_keys, args.big_size))
        load_s = time.monotonic() - started
        helios.snapshot_and_restart()
        n_redis, n_helios = dbsize(redis.address), dbsize(helios.address)
        if n_redis != n_helios:
            raise RuntimeError(f"{case}: redis holds {n_redis} keys, helios {n_helios}")
        return {"case": case, "keys": n_redis, "load_s": load_s,
                "redis_rss": redis.rss() - base["redis_rss"],
                "redis_used": redis.used_memory() - base["redis_used"],
                "helios_rss": helios.rss() - base["helios_rss"]}
    finally:
        redis.stop()
        helios.node.stop()


CASES = ("hash", "set", "intset", "zset", "list", "hash-big", "set-big", "zset-big",
         "list-big")


def mb(n):
    return f"{n / 1e6:9.1f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=None, help="directory of helios-atlasd (else HELIOS_BIN)")
    p.add_argument("--keys", type=int, default=100000, help="keys of the small cases")
    p.add_argument("--big-keys", type=int, default=100, help="keys of the *-big cases")
    p.add_argument("--big-size", type=int, default=10000, help="elements per *-big key")
    p.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ",".join(CASES))
    args = p.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    if any(c not in CASES for c in cases) or args.keys < 1 or args.big_keys < 1 \
            or args.big_size < 1:
        p.error("bad --cases, --keys, --big-keys or --big-size")
    if args.bin:
        os.environ["HELIOS_BIN"] = os.path.abspath(args.bin)
    h = harness.Harness("bench-memory")
    failed = True
    try:
        print(f"{'case':10} {'keys':>7} {'redis RSS MB':>12} {'redis used MB':>13} "
              f"{'helios RSS MB':>13} {'helios/redis RSS':>16}", flush=True)
        for case in cases:
            r = run_case(h, case, args)
            ratio = r["helios_rss"] / r["redis_rss"] if r["redis_rss"] > 0 else float("nan")
            print(f"{case:10} {r['keys']:7d} {mb(r['redis_rss']):>12} {mb(r['redis_used']):>13} "
                  f"{mb(r['helios_rss']):>13} {ratio:16.2f}", flush=True)
        failed = False
    finally:
        h.cleanup(failed)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print(f"memory.py: {e}", file=sys.stderr)
        sys.exit(1)
