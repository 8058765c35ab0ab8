#!/usr/bin/env python3
"""What recording metrics costs the write and read paths: the same load against two builds
of raft-example, in turns (A B A B ...), each on a fresh quick-start cluster, so that the
machine's drift hits both alike. The figure is the ratio B/A of redis-benchmark's rate per
pair, and its median.

Each round of one build: start node-1..node-3 (tests/cluster/harness.py: free loopback
ports, a temporary directory), wait for a leader, then at the leader
`redis-benchmark -t set -n N -c C` and `redis-benchmark -t get -n N -c C` (GET is a
linearizable read: a ReadIndex round per batch), and at a follower the same SET (forwarded
to the leader); then stop the cluster. Exit status: 0, 1 on a harness error, 2 on bad
arguments. Needs redis-benchmark (redis-tools).

    python3 bench/metrics_overhead.py --a /tmp/before/bin --b build/bin --rounds 5
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "cluster"))

import harness  # noqa: E402

WAIT_S = 30.0
CASES = ("set@leader", "get@leader", "set@follower")


def rate(port, test, n, clients):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", test, "-n", str(n), "-c",
                          str(clients), "-q"], capture_output=True, text=True, timeout=300)
    m = re.search(r"([0-9.]+) requests per second", out.stdout)
    if m is None:
        raise RuntimeError(f"redis-benchmark: {out.stdout} {out.stderr}")
    return float(m.group(1))


def round_of(bin_dir, n, clients):
    os.environ["HELIOS_BIN"] = os.path.abspath(bin_dir)
    h = harness.Harness("bench-metrics-overhead")
    failed = True
    try:
        c = h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT_S)
        c.wait_for_convergence(timeout=WAIT_S)
        follower = next(i for i in (1, 2, 3) if i != lid)
        got = {"set@leader": rate(c[lid].client[1], "set", n, clients),
               "get@leader": rate(c[lid].client[1], "get", n, clients),
               "set@follower": rate(c[follower].client[1], "set", n, clients)}
        failed = False
        return got
    finally:
        h.cleanup(failed)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", required=True, help="bin directory of build A (the baseline)")
    p.add_argument("--b", required=True, help="bin directory of build B")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("-n", type=int, default=20000, help="requests per redis-benchmark run")
    p.add_argument("-c", type=int, default=16, help="redis-benchmark connections")
    args = p.parse_args()
    if args.rounds < 1 or args.n < 1 or args.c < 1:
        p.error("--rounds, -n and -c must be positive")
    ratios = {case: [] for case in CASES}
    rates = {"A": {case: [] for case in CASES}, "B": {case: [] for case in CASES}}
    for r in range(args.rounds):
        a = round_of(args.a, args.n, args.c)
        b = round_of(args.b, args.n, args.c)
        for case in CASES:
            rates["A"][case].append(a[case])
            rates["B"][case].append(b[case])
            ratios[case].append(b[case] / a[case])
        print(f"round {r + 1}: " + ", ".join(
            f"{case} A {a[case]:.0f}/s B {b[case]:.0f}/s (B/A {b[case] / a[case]:.3f})"
            for case in CASES), flush=True)
    print(f"\nA = {args.a}, B = {args.b}; {args.rounds} pairs, redis-benchmark -n {args.n} "
          f"-c {args.c}")
    print("| case | A median /s | B median /s | B/A per pair (min, median, max) |")
    print("|---|---|---|---|")
    for case in CASES:
        rs = ratios[case]
        print(f"| {case} | {statistics.median(rates['A'][case]):.0f} | "
              f"{statistics.median(rates['B'][case]):.0f} | {min(rs):.3f}, "
              f"{statistics.median(rs):.3f}, {max(rs):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
