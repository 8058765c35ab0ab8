#!/usr/bin/env python3
"""Leader failover benchmark for the quick-start cluster (raft-example).

Starts the three quick-start nodes (raft-example node-1..node-3) on free loopback ports
in a fresh temporary data root, then runs N trials of:

  1. wait until all three nodes answer /status, every peer link is connected, there is
     exactly one leader that everybody follows in the same term, and all three report the
     same commit_index (then a short random pause, so the kill lands at a random point of
     the heartbeat interval);
  2. SIGKILL the leader;
  3. poll GET /status of both survivors every 5 ms (monotonic clock) until one of them
     reports state "Leader" with a term higher than the killed leader's;
  4. restart the killed node on its own data dir and wait until it rejoins.

Times are measured from just before the kill:
  failover  = until a survivor's /status says "Leader" with a higher term;
  detection = until some survivor's /status shows a higher term (an election started:
              with pre-vote the term only moves once the pre-vote round is won);
  election  = failover - detection.
Each observed time is the moment the answer was received, so it is late by at most one
poll period (5 ms) plus one /status round trip; the per-trial "+-" column is the width of
that uncertainty (time between the last poll that did not show the event and the first
that did). A node answers /status on its event loop, which also runs its fsyncs, so a
candidate's new term is only seen once its term+vote fsync is done: "detection" includes
that fsync, "election" the voter's fsync and the vote round trip. "maxgap" is the longest
time between two polls of one survivor: well over 5 ms means the machine (or a node's
loop) stalled during the trial; such trials are counted in the summary.

Exit status: 0 on success, 1 on a harness error (a node that will not start, no leader
within 10 s of the kill, a cluster that will not converge), 2 on bad arguments.
Standard library only.
"""

import argparse
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

NODES = ("node-1", "node-2", "node-3")
POLL_S = 0.005
LEADER_DEADLINE_S = 10.0
CONVERGE_DEADLINE_S = 30.0


class HarnessError(Exception):
    pass


# --------------------------------------------------------------------------------------
# Ports.


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def pick_base(avoid):
    """A base B with B+1..B+3 free, below the ephemeral range (so that no outgoing
    connection can take a port of a node while it is down) and clear of `avoid`."""
    hi = min(ephemeral_low(), 65530) - 10
    rng = random.Random()
    for _ in range(500):
        base = rng.randrange(10000, hi)
        ports = range(base + 1, base + 4)
        if any(abs(p - a) < 8 for p in ports for a in avoid):
            continue
        if all(port_free(p) for p in ports):
            return base
    raise HarnessError("no free port range found")


# --------------------------------------------------------------------------------------
# Nodes.


class Cluster:
    def __init__(self, binary, data_root, peer_base, admin_base, log_dir):
        self.binary = binary
        self.data_root = data_root
        self.peer_base = peer_base
        self.admin_base = admin_base
        self.log_dir = log_dir
        self.procs = {}

    def admin_port(self, name):
        return self.admin_base + NODES.index(name) + 1

    def start(self, name):
        log = open(os.path.join(self.log_dir, name + ".log"), "ab")
        try:
            self.procs[name] = subprocess.Popen(
                [self.binary, name,
                 "--peer-port-base", str(self.peer_base),
                 "--admin-port-base", str(self.admin_base),
                 "--data-root", self.data_root],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()

    def kill(self, name):
        p = self.procs.get(name)
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGKILL)

    def reap(self, name):
        p = self.procs.pop(name, None)
        if p is not None:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                raise HarnessError("%s did not die after SIGKILL" % name)

    def check_alive(self):
        for name, p in self.procs.items():
            rc = p.poll()
            if rc is not None:
                raise HarnessError("%s exited unexpectedly with status %s (log: %s)" % (
                    name, rc, os.path.join(self.log_dir, name + ".log")))

    def stop_all(self):
        for name in list(self.procs):
            self.kill(name)
        for name in list(self.procs):
            try:
                self.reap(name)
            except HarnessError:
                pass

    def status(self, name, timeout=0.5):
        """The node's /status as a dict, or None if it does not answer."""
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port(name), timeout=timeout)
        try:
            conn.request("GET", "/status")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                return None
            return json.loads(body)
        except (OSError, http.client.HTTPException, ValueError):
            return None
        finally:
            conn.close()


def converged(statuses):
    """The leader's name if all three nodes are up, connected and agree, else None."""
    if any(s is None for s in statuses.values()):
        return None
    leaders = [n for n, s in statuses.items() if s["state"] == "Leader"]
    if len(leaders) != 1:
        return None
    leader = leaders[0]
    term = statuses[leader]["term"]
    commit = statuses[leader]["commit_index"]
    for s in statuses.values():
        if s["term"] != term or s["leader"] != leader or s["commit_index"] != commit:
            return None
        if len(s.get("peers", [])) != 2 or not all(p.get("connected") for p in s["peers"]):
            return None
    return leader


def wait_converged(cluster, deadline_s=CONVERGE_DEADLINE_S):
    """Waits until the cluster has converged on two consecutive polls; returns
    (leader, term)."""
    end = time.monotonic() + deadline_s
    streak = 0
    last = None
    while time.monotonic() < end:
        cluster.check_alive()
        statuses = {n: cluster.status(n) for n in NODES}
        leader = converged(statuses)
        if leader is not None and (leader, statuses[leader]["term"]) == last:
            streak += 1
            if streak >= 2:
                return leader, statuses[leader]["term"]
        else:
            streak = 0
        last = (leader, statuses[leader]["term"]) if leader is not None else None
        time.sleep(0.02)
    raise HarnessError("the cluster did not converge within %.0f s" % deadline_s)


# --------------------------------------------------------------------------------------
# One trial.


def trial(cluster, index):
    leader, term = wait_converged(cluster)
    # Land the kill at a random point of the 50 ms heartbeat interval.
    time.sleep(0.2 + random.random() * 0.1)
    leader, term = wait_converged(cluster)
    survivors = [n for n in NODES if n != leader]

    t0 = time.monotonic()
    cluster.kill(leader)
    detect = None        # (time seen, time of the previous poll that did not show it)
    elect = None         # (time seen, previous poll, new leader, its term)
    prev_poll = {n: t0 for n in survivors}
    saw_candidate = False
    trace = []           # (ms since kill, node, state, term, leader) of every answer
    max_gap = 0.0        # longest time between two polls of one node: harness stalls
    unanswered = 0       # polls of a survivor that got no answer (its loop was busy)
    next_poll = t0
    while elect is None:
        now = time.monotonic()
        if now - t0 > LEADER_DEADLINE_S:
            raise HarnessError("trial %d: no leader within %.0f s of killing %s (term %d)" % (
                index, LEADER_DEADLINE_S, leader, term))
        if next_poll > now:
            time.sleep(next_poll - now)
        next_poll += POLL_S
        for n in survivors:
            s = cluster.status(n, timeout=0.2)
            seen = time.monotonic()
            max_gap = max(max_gap, seen - prev_poll[n])
            trace.append((round((seen - t0) * 1000, 2), n) +
                         ((s["state"], s["term"], s["leader"]) if s is not None else (None,) * 3))
            if s is None:
                unanswered += 1
            else:
                if s["state"] in ("PreCandidate", "Candidate"):
                    saw_candidate = True
                if detect is None and s["term"] > term:
                    detect = (seen, prev_poll[n])
                if s["state"] == "Leader" and s["term"] > term:
                    elect = (seen, prev_poll[n], n, s["term"])
                    break
            prev_poll[n] = seen
        if next_poll < time.monotonic():
            next_poll = time.monotonic()  # fell behind: poll again at once, do not burst
    cluster.reap(leader)

    failover_ms = (elect[0] - t0) * 1000
    detection_ms = (detect[0] - t0) * 1000
    result = {
        "trial": index,
        "killed": leader,
        "old_term": term,
        "new_leader": elect[2],
        "new_term": elect[3],
        "failover_ms": failover_ms,
        "failover_uncertainty_ms": (elect[0] - elect[1]) * 1000,
        "detection_ms": detection_ms,
        "detection_uncertainty_ms": (detect[0] - detect[1]) * 1000,
        "election_ms": failover_ms - detection_ms,
        "saw_candidate_state": saw_candidate,
        "max_poll_gap_ms": max_gap * 1000,
        "unanswered_polls": unanswered,
        "trace": trace,
    }

    # Bring the killed node back on its data dir and wait until it has rejoined.
    cluster.start(leader)
    new_leader, _ = wait_converged(cluster)
    result["leader_after_rejoin"] = new_leader
    return result


# --------------------------------------------------------------------------------------
# Reporting.


def pct(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    return v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]


def summary_line(label, values):
    return "%-10s median %6.1f  p90 %6.1f  max %6.1f  min %6.1f  mean %6.1f  (ms)" % (
        label, statistics.median(values), pct(values, 90), max(values), min(values),
        statistics.mean(values))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=20, help="number of kills (default 20)")
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "bin", "raft-example"),
                    help="path to raft-example (default: ../build/bin/raft-example)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary data root and node logs")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = ap.parse_args()
    if args.trials < 1:
        ap.error("--trials must be at least 1")
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        ap.error("no executable at %s (build it: cmake --build build/release)" % binary)

    root = tempfile.mkdtemp(prefix="helios-failover-")
    data_root = os.path.join(root, "data")
    os.mkdir(data_root)
    cluster = None
    failed = False
    try:
        peer_base = pick_base([])
        admin_base = pick_base(list(range(peer_base + 1, peer_base + 4)))
        cluster = Cluster(binary, data_root, peer_base, admin_base, root)
        print("# raft-example cluster: peers 127.0.0.1:%d-%d, admin %d-%d, data %s" % (
            peer_base + 1, peer_base + 3, admin_base + 1, admin_base + 3, data_root))
        for n in NODES:
            cluster.start(n)
        leader, term = wait_converged(cluster)
        print("# initial leader %s, term %d; %d trials, polling every %d ms" % (
            leader, term, args.trials, POLL_S * 1000))
        print("%5s  %-7s %-7s %5s  %9s %5s  %9s %5s  %8s  %7s" % (
            "trial", "killed", "leader", "terms", "failover", "+-", "detection", "+-",
            "election", "maxgap"))
        results = []
        for i in range(1, args.trials + 1):
            r = trial(cluster, i)
            results.append(r)
            print("%5d  %-7s %-7s %2d->%-2d %9.1f %5.1f  %9.1f %5.1f  %8.1f  %7.1f" % (
                i, r["killed"], r["new_leader"], r["old_term"], r["new_term"],
                r["failover_ms"], r["failover_uncertainty_ms"], r["detection_ms"],
                r["detection_uncertainty_ms"], r["election_ms"], r["max_poll_gap_ms"]),
                flush=True)
        fo = [r["failover_ms"] for r in results]
        de = [r["detection_ms"] for r in results]
        el = [r["election_ms"] for r in results]
        print()
        print(summary_line("failover", fo))
        print(summary_line("detection", de))
        print(summary_line("election", el))
        extra = sum(1 for r in results if r["new_term"] - r["old_term"] > 1)
        print("trials needing more than one election (term moved by more than 1): %d of %d" % (
            extra, len(results)))
        stalls = sum(1 for r in results if r["max_poll_gap_ms"] > 20 or r["unanswered_polls"])
        print("trials with a poll gap over 20 ms or an unanswered /status (machine stalls): "
              "%d of %d" % (stalls, len(results)))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"trials": results,
                           "summary": {k: {"median": statistics.median(v), "p90": pct(v, 90),
                                           "max": max(v), "min": min(v),
                                           "mean": statistics.mean(v)}
                                       for k, v in (("failover_ms", fo), ("detection_ms", de),
                                                    ("election_ms", el))}},
                          f, indent=2)
    except HarnessError as e:
        failed = True
        print("failover.py: error: %s" % e, file=sys.stderr)
    except KeyboardInterrupt:
        failed = True
        print("failover.py: interrupted", file=sys.stderr)
    finally:
        if cluster is not None:
            cluster.stop_all()
        if args.keep or failed:
            print("# data and node logs kept in %s" % root, file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
