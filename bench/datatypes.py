#!/usr/bin/env python3
"""The data-type commands under redis-benchmark, Helios against Redis (issue 14's acceptance:
`redis-benchmark -t lpush,lpop,sadd,hset,zadd,lrange_100` runs clean, figures next to
Redis's).

Starts, on free 127.0.0.1 ports, a three-node Helios cluster (raft-example node-1..3, every
write fsynced by a majority) and one redis-server with --appendonly yes --appendfsync always
(every write fsynced, the closest Redis comes to Helios's durability), then runs the same
redis-benchmark invocation against Helios's leader and against Redis, test by test,
alternating the two systems so that machine noise hits both. redis-benchmark's own error
check applies: a test that gets an error reply makes the run fail ("runs clean"). After
the run each system's LLEN / SCARD / HLEN / ZCARD of the benchmark's keys are printed, so a
lost or doubled write would show.

    python3 bench/datatypes.py --bin build/bin [--requests 20000] [--clients 50]
                               [--pipeline 1] [--random 100000] [--tests lpush,lpop,...]

Output: a markdown table (test, Helios req/s, Redis req/s, ratio, p50 ms of each). Exit
status 0, 1 on an error reply or a harness error. Everything it starts it stops by PID.
"""

import argparse
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
TESTS = "lpush,lpop,sadd,hset,zadd,lrange_100"


def free_port_base(span=10):
    """A base B such that B+1..B+span are free on 127.0.0.1 (probed, not reserved)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1] - 1
        if base + span > 65000:
            continue
        ok = True
        for p in range(base + 1, base + span + 1):
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range")


def cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                         timeout=10)
    return out.stdout.strip()


def wait_until(cond, what, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cond():
                return
        except (OSError, subprocess.SubprocessError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def bench(port, test, args):
    cmd = ["redis-benchmark", "-p", str(port), "-t", test, "-n", str(args.requests),
           "-c", str(args.clients), "-P", str(args.pipeline), "--csv"]
    if args.random:
        cmd += ["-r", str(args.random)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0 or "rror" in out.stderr:
        raise RuntimeError(f"redis-benchmark {test} on {port}: {out.stderr.strip()[:400]}")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    if not rows:
        raise RuntimeError(f"redis-benchmark {test} on {port}: no output")
    return [(row["test"], float(row["rps"]), float(row["p50_latency_ms"])) for row in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--tests", default=TESTS)
    ap.add_argument("--random", type=int, default=100000,
                    help="redis-benchmark -r: elements drawn from this many (0: one element, "
                         "so SADD/ZADD/HSET change nothing after the first and Redis skips "
                         "its AOF fsync for them)")
    args = ap.parse_args()
    for tool in ("redis-server", "redis-benchmark", "redis-cli"):
        if shutil.which(tool) is None:
            print(f"needs {tool} (apt install redis-server redis-tools)", file=sys.stderr)
            return 1
    example = os.path.join(args.bin, "raft-example")
    tmp = tempfile.mkdtemp(prefix="helios-datatypes-")
    procs = []
    try:
        peer, admin, client = free_port_base(), free_port_base(), free_port_base()
        for n in (1, 2, 3):
            log = open(os.path.join(tmp, f"node-{n}.log"), "w")
            procs.append(subprocess.Popen(
                [example, f"node-{n}", "--peer-port-base", str(peer), "--admin-port-base",
                 str(admin), "--client-port-base", str(client), "--data-root", tmp,
                 "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT))
        redis_port = free_port_base(1) + 1
        procs.append(subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--dir", tmp], stdout=subprocess.DEVNULL))
        wait_until(lambda: cli(redis_port, "PING") == "PONG", "redis-server")
        leader = []

        def find_leader():
            for n in (1, 2, 3):
                if "role:master" in cli(client + n, "INFO", "replication"):
                    leader[:] = [client + n]
                    return True
            return False
        wait_until(find_leader, "a Helios leader")
        helios = leader[0]
        print(f"Helios leader on {helios}, redis-server on {redis_port}; "
              f"-n {args.requests} -c {args.clients} -P {args.pipeline}\n")
        print("| test | Helios req/s | Redis req/s | Helios/Redis | Helios p50 ms | Redis p50 ms |")
        print("|---|---|---|---|---|---|")
        for test in args.tests.split(","):
            # lrange_* first fills the list with LPUSH: redis-benchmark reports both rows.
            for (name, h_rps, h_p50), (_, r_rps, r_p50) in zip(bench(helios, test, args),
                                                               bench(redis_port, test, args)):
                print(f"| {name} | {h_rps:,.0f} | {r_rps:,.0f} | {h_rps / r_rps:.2f} | "
                      f"{h_p50:.3f} | {r_p50:.3f} |", flush=True)
        print()
        for what in (("LLEN", "mylist"), ("SCARD", "myset"), ("ZCARD", "myzset"),
                     ("HLEN", "myhash")):
            print(f"{what[0]} {what[1]}: Helios {cli(helios, *what)}, "
                  f"Redis {cli(redis_port, *what)}")
        return 0
    except RuntimeError as e:
        print(f"datatypes.py: {e}", file=sys.stderr)
        return 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
