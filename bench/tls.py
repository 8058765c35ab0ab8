#!/usr/bin/env python3
"""What TLS costs the client path: redis-benchmark at 64 connections against the leader of
the quick start's three raft-example nodes, plaintext vs TLS on every port (`--tls-dir`,
certificates from `helios-cli certs create`), in alternating rounds so that the machine's
drift hits both alike. The figure is TLS ops/s / plaintext ops/s per round and its median
(the issue's goal: TLS >= 70% of plaintext).

Each round runs both kinds, one after the other (plaintext first in odd rounds, TLS first in
even ones), each on a fresh cluster: start node-1..node-3 (tests/cluster/harness.py and
test_tls.py's TlsHarness: free loopback ports, a temporary directory, a new CA), wait for a
leader and convergence, then at the leader `redis-benchmark -t set -c 64 -P 1 -n N --csv`
and the same with `-t get` (GET is a linearizable read: a ReadIndex round per batch), with
`--tls --cacert ca.crt` for TLS; then stop the cluster. Each run also records the CPU time
(user + system) per request of the three nodes and of redis-benchmark, and the share of
both CPUs that other processes took meanwhile (from /proc/stat: the noise). Exit status: 0,
1 on a harness or benchmark error, 2 on bad arguments. Needs redis-benchmark (redis-tools);
standard library only.

    HELIOS_BIN=build/bin python3 bench/tls.py --rounds 3
"""
import argparse
import collections
import contextlib
import csv
import io
import os
import resource
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "cluster"))

import harness  # noqa: E402
from test_tls import TlsHarness, tls_ping  # noqa: E402

WAIT_S = 30.0
TESTS = ("SET", "GET")
KINDS = ("plaintext", "TLS")


def cpu_busy():
    """Seconds of busy CPU time of the whole machine so far (/proc/stat, all CPUs)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    del ticks[3:5]  # idle, iowait
    return sum(ticks) / os.sysconf("SC_CLK_TCK")


def cpu_of(pids):
    """Seconds of CPU (user + system) the processes pids used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


Result = collections.namedtuple("Result", "rps p50 nodes_us client_us others")


def measured(port, test, n, clients, tls_args, pids):
    """One redis-benchmark run of test (SET or GET) as a Result: requests per second, p50
    latency (ms), CPU time per request of the three nodes and of redis-benchmark (us), and
    the share of all CPUs that other processes used meanwhile (noise)."""
    before = (time.monotonic(), cpu_busy(), cpu_of(pids), children_cpu())
    rps, p50 = benchmark(port, test, n, clients, tls_args)
    after = (time.monotonic(), cpu_busy(), cpu_of(pids), children_cpu())
    wall, busy, nodes, bench = (b - a for a, b in zip(before, after))
    return Result(rps, p50, 1e6 * nodes / n, 1e6 * bench / n,
                  max(0.0, busy - nodes - bench) / (wall * os.cpu_count()))


def benchmark(port, test, n, clients, tls_args):
    """(requests per second, p50 ms) of one redis-benchmark run of test."""
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), *tls_args, "-t",
            test.lower(), "-c", str(clients), "-P", "1", "-n", str(n), "--csv"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                         preexec_fn=harness._die_with_parent)
    rows = [row for row in csv.reader(io.StringIO(out.stdout)) if row and row[0] == test]
    if out.returncode != 0 or len(rows) != 1 or len(rows[0]) < 4:
        raise RuntimeError(f"{' '.join(argv)}: exit {out.returncode}\n{out.stdout}\n{out.stderr}")
    return float(rows[0][1]), float(rows[0][3])  # rps, p50_latency_ms


@contextlib.contextmanager
def fresh_cluster(kind):
    """A fresh quick-start cluster (TLS on every port for kind "TLS") with an agreed,
    converged leader answering PING: yields (cluster, leader id, redis-benchmark's TLS
    arguments); stopped (and its directory removed unless something failed) afterwards."""
    h = TlsHarness("bench-tls") if kind == "TLS" else harness.Harness("bench-plaintext")
    ok = False
    try:
        if kind == "TLS":
            c, tls_args = h.tls_quickstart().start(), ["--tls", "--cacert", h.ca]
        else:
            c, tls_args = h.quickstart_cluster().start(), []
        lid = c.wait_for_leader(timeout=WAIT_S)
        c.wait_for_convergence(timeout=WAIT_S)
        answers = (lambda a: tls_ping(a, h.ctx)) if kind == "TLS" else harness.resp_ping
        h.wait_for(lambda: answers(c[lid].client), WAIT_S, "the leader answering PING")
        yield c, lid, tls_args
        ok = True
    finally:
        h.cleanup(not ok)


def one_cluster(kind, requests, clients):
    """{test: Result} at the leader of a fresh cluster: SET, then GET (requests: {test: n})."""
    with fresh_cluster(kind) as (c, lid, tls_args):
        pids = [c[i].pid for i in c.nodes]
        return {t: measured(c[lid].client[1], t, requests[t], clients, tls_args, pids)
                for t in TESTS}


def median(results, field):
    return statistics.median(getattr(r, field) for r in results)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="rounds of plaintext + TLS")
    p.add_argument("--set-requests", type=int, default=40000,
                   help="-n of each SET run (about 4 s here)")
    p.add_argument("--get-requests", type=int, default=100000,
                   help="-n of each GET run (about 4 s here)")
    p.add_argument("-c", type=int, default=64, help="redis-benchmark connections")
    args = p.parse_args()
    if min(args.rounds, args.set_requests, args.get_requests, args.c) < 1:
        p.error("--rounds, --set-requests, --get-requests and -c must be positive")
    requests = {"SET": args.set_requests, "GET": args.get_requests}
    runs = {k: {t: [] for t in TESTS} for k in KINDS}  # kind -> test -> [Result per round]
    print(f"redis-benchmark -c {args.c} -P 1, -t set -n {args.set_requests}, -t get -n "
          f"{args.get_requests}, at the leader; "
          f"{os.cpu_count()} CPUs; HELIOS_BIN={harness.bin_dir()}", flush=True)
    for r in range(args.rounds):
        for kind in KINDS if r % 2 == 0 else KINDS[::-1]:
            try:
                got = one_cluster(kind, requests, args.c)
            except (RuntimeError, AssertionError, OSError) as e:
                print(f"round {r + 1}, {kind}: {e}", file=sys.stderr)
                return 1
            for t in TESTS:
                runs[kind][t].append(got[t])
            print(f"round {r + 1} {kind:9}: " + "; ".join(
                f"{t} {g.rps:,.0f}/s p50 {g.p50:.3f} ms, CPU/request nodes {g.nodes_us:.0f} us "
                f"client {g.client_us:.0f} us, others' CPU {100 * g.others:.0f}%"
                for t, g in got.items()), flush=True)

    ratios = {t: [tls.rps / plain.rps for plain, tls in zip(runs["plaintext"][t],
                                                            runs["TLS"][t])] for t in TESTS}
    print("\n| round | order | SET plaintext /s | SET TLS /s | SET TLS/plain | GET plaintext /s "
          "| GET TLS /s | GET TLS/plain | others' CPU (min-max) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in range(args.rounds):
        cells, noise = [], []
        for t in TESTS:
            plain, tls = runs["plaintext"][t][r], runs["TLS"][t][r]
            cells += [f"{plain.rps:,.0f}", f"{tls.rps:,.0f}", f"{ratios[t][r]:.2f}"]
            noise += [plain.others, tls.others]
        order = "plain, TLS" if r % 2 == 0 else "TLS, plain"
        print(f"| {r + 1} | {order} | " + " | ".join(cells)
              + f" | {100 * min(noise):.0f}-{100 * max(noise):.0f}% |")
    print("\n| test | plaintext /s | TLS /s | TLS/plain per round (min, median, max) | p50 ms "
          "plain / TLS | nodes' CPU us/request plain / TLS | client's plain / TLS |")
    print("|---|---:|---:|---|---|---|---|")
    for t in TESTS:
        plain, tls, rs = runs["plaintext"][t], runs["TLS"][t], ratios[t]
        print(f"| {t} | {median(plain, 'rps'):,.0f} | {median(tls, 'rps'):,.0f} | "
              f"{min(rs):.2f}, {statistics.median(rs):.2f}, {max(rs):.2f} | "
              f"{median(plain, 'p50'):.3f} / {median(tls, 'p50'):.3f} | "
              f"{median(plain, 'nodes_us'):.0f} / {median(tls, 'nodes_us'):.0f} | "
              f"{median(plain, 'client_us'):.0f} / {median(tls, 'client_us'):.0f} |")
    met = all(statistics.median(ratios[t]) >= 0.70 for t in TESTS)
    print("(medians over the rounds; CPU per request: user + system time / requests)")
    print("\nmedian TLS/plaintext: " + ", ".join(
        f"{t} {statistics.median(ratios[t]):.2f}" for t in TESTS)
        + f" (goal >= 0.70: {'met' if met else 'missed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
