#!/usr/bin/env python3
"""What a membership change costs a client that writes in a loop: the longest time between
two acknowledged writes while a node joins (--join: added as a learner, caught up, promoted
by the leader) and while it is removed again (DELETE /members/ID).

Starts the quick start's three raft-example nodes (tests/cluster/harness.py: free loopback
ports for node-1..node-9, data and logs in a fresh directory under build/bench/), then runs
N trials of:

  1. wait for one agreed leader and equal commit indices everywhere;
  2. start two clients (harness.WriteLoop: SET of unique keys in a loop, one at a time, 1 s
     socket timeout, moving to the next node when the connection breaks): one connected to
     the leader, one to a follower (its writes are forwarded to the leader);
  3. none: 3 s of writes with no change (the baseline);
  4. join: start `raft-example node-N --join <a follower's admin>` (N = 4 in trial 1, 5 in
     trial 2, ...); wait until the leader's GET /members shows voters 1..3 and N, no learner
     and no change in progress; writes go on for at least 3 s after the start (1 s after
     the change);
  5. remove: DELETE /members/N at the leader; wait until it answers 200, node-N exits by
     itself (status 0) and every member shows voters 1..3; writes go on as in 4;
  6. the figure, per scenario and client: the longest time between two acknowledged
     writes from the start of the change to the end of its window (the start counts as a
     write, so a client that stalls from there on is charged for it); the error replies
     of the clients during the scenario, by code.

Each trial joins a new id (node-4..node-9, so at most 6 trials): a node that rejoins under
a removed id with a wiped data directory replays the log from the start, applies the old
configuration that removed it and stops again (operations.md: "a new id is the safest").
Every acknowledged write is read back at the end of each trial (a lost one is a harness
error). Every process is stopped by its PID at
exit, also after an error or Ctrl-C; the directory is removed unless --keep (kept, with the
logs' tails printed, after an error). Exit status: 0, 1 on a harness error, 2 on bad
arguments. Standard library only.

    python3 bench/membership.py --trials 3        # needs build/bin/raft-example
    HELIOS_BIN=build/h7/bin python3 bench/membership.py --trials 3
    python3 bench/membership.py --bin build/h7/bin --keep
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "cluster"))

import harness  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transfer import summary  # noqa: E402  (the same one-line summary of gaps)

WINDOW_S = 3.0  # the gap is measured over at least this long after the change starts
TAIL_S = 1.0  # and at least this long after the change is done
WARMUP_S = 1.0  # writes before the change starts
WAIT_S = 30.0
JOINERS = (4, 5, 6, 7, 8, 9)  # trial k joins and removes node-JOINERS[k]


class BenchHarness(harness.Harness):
    """harness.Harness with its directory under build/bench/ and an optional --keep."""

    def __init__(self, name, parent, keep):  # noqa: super().__init__ would use /tmp
        os.makedirs(parent, exist_ok=True)
        self.root = tempfile.mkdtemp(prefix=f"{name}.", dir=parent)
        self.log_dir = os.path.join(self.root, "logs")
        self.data_root = os.path.join(self.root, "data")
        os.makedirs(self.log_dir)
        os.makedirs(self.data_root)
        self.procs = []
        self.nodes = []
        self.keep = keep
        harness._LIVE_HARNESSES.append(self)

    def cleanup(self, failed):
        if failed or not self.keep:
            super().cleanup(failed)
            return
        for node in self.nodes:
            node.kill9()
        self.kill_all()
        if self in harness._LIVE_HARNESSES:
            harness._LIVE_HARNESSES.remove(self)
        print(f"logs and data kept in {self.root}", file=sys.stderr)


def request(node, method, path, timeout=30.0):
    """(status code, JSON answer or None) of a request to a node's admin port."""
    url = f"http://{node.admin[0]}:{node.admin[1]}{path}"
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            code, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read()
    except OSError:
        return None, None
    try:
        return code, json.loads(body.decode())
    except ValueError:
        return code, None


def voters_are(node, voters):
    code, m = request(node, "GET", "/members", timeout=1.0)
    return (code == 200 and m is not None and [v["id"] for v in m["voters"]] == voters
            and not m["learners"] and not m["change_in_progress"])


def start_writers(cluster, lid, follower, others):
    stop = threading.Event()
    tag = time.monotonic_ns()
    writers = {"leader": harness.WriteLoop(f"m{tag}-leader", cluster,
                                           [lid, follower] + others, stop),
               "follower": harness.WriteLoop(f"m{tag}-follower", cluster,
                                             [follower, lid] + others, stop)}
    for w in writers.values():
        w.start()
    return stop, writers


def longest_gap(w, since, until):
    """(longest time between two acknowledged writes of w in [since, until], its start
    relative to since), in seconds; since and until count as writes."""
    times = [since] + [t for t, _, _ in list(w.acked) if since <= t <= until] + [until]
    gap, at = max((b - a, a - since) for a, b in zip(times, times[1:]))
    return gap, at


def measured(h, cluster, writers, lid, change):
    """Runs change() (which returns once the change is done) while the writers write;
    returns ({client: (longest gap in ms, its start in ms after the change's)},
    {client: {error: count}}, seconds change() took, wall-clock time of the start)."""
    before = {c: (len(w.acked), dict(w.errors)) for c, w in writers.items()}
    wall = time.time()
    started = time.monotonic()
    change()
    done = time.monotonic()
    until = max(started + WINDOW_S, done + TAIL_S)
    time.sleep(max(0.0, until - time.monotonic()))
    gaps, errors = {}, {}
    for c, w in writers.items():
        gap, at = longest_gap(w, started, until)
        gaps[c] = (gap * 1000, at * 1000)
        errors[c] = {k: v - before[c][1].get(k, 0) for k, v in list(w.errors.items())
                     if v - before[c][1].get(k, 0) > 0}
    return gaps, errors, done - started, wall


def trial(h, cluster, joiner):
    """One trial: {scenario: (gaps, errors, seconds, wall-clock start)}."""
    lid = cluster.wait_for_leader(ids=[1, 2, 3], timeout=WAIT_S)
    cluster.wait_for_convergence(ids=[1, 2, 3], timeout=WAIT_S)
    h.wait_for(lambda: voters_are(cluster[lid], [1, 2, 3]), WAIT_S, "voters 1..3")
    follower, other = [i for i in (1, 2, 3) if i != lid]
    stop, writers = start_writers(cluster, lid, follower, [other])
    out = {}
    try:
        time.sleep(WARMUP_S)
        out["none"] = measured(h, cluster, writers, lid, lambda: None)

        def join():
            shutil.rmtree(os.path.join(cluster.data_root, f"node-{joiner}"), ignore_errors=True)
            h.quickstart_joiner(cluster, joiner, join_id=follower).start()
            h.wait_for(lambda: voters_are(cluster[lid], [1, 2, 3, joiner]), WAIT_S,
                       f"node-{joiner} a voter at the leader")
        out["join"] = measured(h, cluster, writers, lid, join)

        def remove():
            code, answer = request(cluster[lid], "DELETE", f"/members/{joiner}")
            if code != 200:
                raise AssertionError(f"DELETE /members/{joiner}: {code} {answer}")
            exit_code = cluster[joiner].wait_exit(WAIT_S)
            if exit_code != 0:
                raise AssertionError(f"node-{joiner} exited with {exit_code} after removal")
            for n in (1, 2, 3):
                h.wait_for(lambda n=n: voters_are(cluster[n], [1, 2, 3]), WAIT_S,
                           f"voters 1..3 at node-{n}")
        out["remove"] = measured(h, cluster, writers, lid, remove)
    finally:
        stop.set()
        for w in writers.values():
            w.join(timeout=10.0)
    del cluster.nodes[joiner]
    lid = cluster.wait_for_leader(ids=[1, 2, 3], timeout=WAIT_S)
    harness.check_acked(cluster[lid], list(writers.values()))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=3, help="trials (join + remove)")
    parser.add_argument("--bin", metavar="DIR",
                        help="the Helios binaries (default: $HELIOS_BIN, else build/bin)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the logs and data directory (build/bench/membership.*)")
    args = parser.parse_args()
    if not 1 <= args.trials <= len(JOINERS):
        parser.error(f"--trials must be from 1 to {len(JOINERS)} (one new node id each)")
    if args.bin:
        os.environ["HELIOS_BIN"] = os.path.abspath(args.bin)
    try:
        harness.binary("raft-example")
    except FileNotFoundError as e:
        print(f"membership.py: {e}", file=sys.stderr)
        return 2

    def terminate(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)

    h = BenchHarness("membership", os.path.join(REPO, "build", "bench"), args.keep)
    failed = True
    try:
        cluster = h.quickstart_cluster(reserve=9).start()
        gaps, errors, took = {}, {}, {}
        for n in range(args.trials):
            result = trial(h, cluster, JOINERS[n])
            for scenario, (g, e, seconds, _) in result.items():
                took.setdefault(scenario, []).append(seconds * 1000)
                for client in g:
                    gaps.setdefault((scenario, client), []).append(g[client][0])
                    tally = errors.setdefault((scenario, client), {})
                    for k, v in e[client].items():
                        tally[k] = tally.get(k, 0) + v
            print(f"trial {n + 1}:", flush=True)
            for s, (g, e, seconds, wall) in result.items():
                stamp = time.strftime("%H:%M:%S", time.gmtime(wall)) + f".{int(wall * 1000) % 1000:03d}"
                print(f"  {s:6s} started {stamp} UTC, done after {seconds * 1000:.0f} ms; "
                      "longest gap " + ", ".join(
                          f"{c}'s client {g[c][0]:.1f} ms (from +{g[c][1]:.0f} ms)"
                          for c in ("leader", "follower"))
                      + (f"; errors {e}" if any(e.values()) else ""), flush=True)
        print("\nlongest gap between two acknowledged writes (ms), per trial:")
        for scenario in ("none", "join", "remove"):
            for client in ("leader", "follower"):
                tally = errors[(scenario, client)]
                print(f"  {scenario:6s} client at the {client:8s}    "
                      f"{summary(gaps[(scenario, client)])}  errors "
                      + (", ".join(f"{k} {v}" for k, v in sorted(tally.items())) or "none"))
        for scenario in ("join", "remove"):
            print(f"  {scenario:6s} change done after (ms)          {summary(took[scenario])}")
        failed = False
    except (AssertionError, OSError) as e:
        print(f"membership.py: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("membership.py: interrupted", file=sys.stderr)
        return 1
    finally:
        h.cleanup(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
