#!/usr/bin/env python3
"""What stopping the leader costs a client that writes in a loop: SIGTERM (the leader hands
leadership to a follower first) against SIGKILL (the others elect a leader after an
election timeout).

Starts the quick start's three raft-example nodes (tests/cluster/harness.py: free loopback
ports, a temporary directory), then runs N trials per signal of:

  1. wait for one agreed leader and equal commit indices everywhere;
  2. start two clients (harness.WriteLoop: SET of unique keys in a loop, 1 s socket
     timeout, moving to the next node when the connection breaks): one connected to the
     leader, one to a follower (its writes are forwarded to the leader);
  3. after 1 s of writes, send the signal to the leader; wait for a new leader agreed by
     the two others, then 1 s more of writes;
  4. the figure: for each client, the longest time between two acknowledged writes in the
     3 s after the signal (the signal's time counts as a write, so a client that stalls
     from the signal on is charged for it);
  5. restart the stopped node on its data directory and wait until it caught up.

Every acknowledged write is read back at the end of each trial (a lost one is a harness
error). Exit status: 0, 1 on a harness error, 2 on bad arguments. Standard library only.

    python3 bench/transfer.py --trials 5        # needs build/bin/raft-example
    HELIOS_BIN=build/h7/bin python3 bench/transfer.py --trials 3
"""

import argparse
import os
import signal
import statistics
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "cluster"))

import harness  # noqa: E402

WINDOW_S = 3.0  # the gap is measured over this long after the signal
WAIT_S = 30.0


def trial(cluster, sig):
    """One trial: {client name: longest gap in ms}, plus the stopped leader's transfer
    line (or None)."""
    lid = cluster.wait_for_leader(timeout=WAIT_S)
    cluster.wait_for_convergence(timeout=WAIT_S)
    followers = [i for i in sorted(cluster.nodes) if i != lid]
    stop = threading.Event()
    writers = [harness.WriteLoop(f"t{time.monotonic_ns()}-leader", cluster,
                                 [lid] + followers, stop),
               harness.WriteLoop(f"t{time.monotonic_ns()}-follower", cluster,
                                 followers + [lid], stop)]
    for w in writers:
        w.start()
    try:
        time.sleep(1.0)
        before = len(cluster[lid].log())
        signal_at = time.monotonic()
        if sig == signal.SIGKILL:
            cluster[lid].kill9()
        else:
            cluster[lid].stop(sig, timeout=15.0)
        cluster.wait_for_leader(exclude=[lid], timeout=WAIT_S)
        time.sleep(max(0.0, signal_at + WINDOW_S - time.monotonic()))
    finally:
        stop.set()
        for w in writers:
            w.join(timeout=10.0)
    new = cluster.wait_for_leader(timeout=WAIT_S)
    harness.check_acked(cluster[new], writers)
    line = next((s for s in cluster[lid].log()[before:].splitlines()
                 if "Transferred leadership" in s or "transfer failed" in s), None)
    gaps = {w.name.split("-", 1)[1]: w.longest_gap(signal_at, signal_at + WINDOW_S) * 1000
            for w in writers}
    cluster[lid].start()
    cluster.wait_for_convergence(timeout=WAIT_S, ids=sorted(cluster.nodes))
    return gaps, line


def summary(values):
    values = sorted(values)
    return (f"median {statistics.median(values):7.1f}  min {values[0]:7.1f}  "
            f"max {values[-1]:7.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=5, help="trials per signal")
    args = parser.parse_args()
    if args.trials < 1:
        parser.error("--trials must be at least 1")
    h = harness.Harness("bench-transfer")
    failed = True
    try:
        cluster = h.quickstart_cluster().start()
        results = {}
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for n in range(args.trials):
                gaps, line = trial(cluster, sig)
                for client, gap in gaps.items():
                    results.setdefault((sig.name, client), []).append(gap)
                print(f"{sig.name} trial {n + 1}: longest gap at the leader's client "
                      f"{gaps['leader']:.1f} ms, at the follower's {gaps['follower']:.1f} ms"
                      + (f"  [{line.split('] ', 1)[-1].strip()}]" if line else ""),
                      flush=True)
        print("\nlongest gap between two acknowledged writes (ms), per trial:")
        for (sig, client), values in sorted(results.items(), reverse=True):
            print(f"  {sig:8s} client at the {client:8s}  {summary(values)}")
        failed = False
    except (AssertionError, OSError) as e:
        print(f"transfer.py: {e}", file=sys.stderr)
        return 1
    finally:
        h.cleanup(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
