#!/usr/bin/env python3
"""Restart time vs log length, with and without snapshots (bench/README.md, "Snapshots and
compaction", 2).

  python3 bench/snapshots/restart.py [--bin DIR] [--keys 1000000] [--value-size 100]
                                     [--checkpoints 1000000,3000000] [--reps 2]
                                     [--threshold 10000] [--clients 8] [--pipeline 64]
                                     [--kill] [--nice N] [--keep]

One cluster, one write history, both kinds of node:
  - node-1 and node-2 take snapshots by the defaults (--snapshot-threshold 10000 entries,
    --snapshot-threshold-bytes 64 MiB or the last snapshot's size, interval 30 min, 10,000
    trailing entries of at most 64 MiB kept in the WAL), or --threshold;
  - node-3 never does (--snapshot-threshold 0 --snapshot-threshold-bytes 0
    --snapshot-interval 0): its WAL holds the whole history and a restart replays all of it.
node-1 and node-2 start first and elect a leader among themselves, then node-3 joins; the
snapshotting node restarted ("a") is the one of node-1/2 that did not lead at the start.
Before each measured restart, if the node to restart leads (elections happen on a busy
machine), it is restarted once unmeasured so that it follows: every measured restart is a
follower's.

Load (build/bin/helios-resp-load, into the leader): first `fill` --keys keys (key:0..N-1, 8
connections x 64 in flight), then `overwrite` random keys of the N with --clients connections
x --pipeline in flight until the history holds the next checkpoint's number of writes (SETs
since the cluster started, fill included). The leader packs the SETs that arrive in one loop
turn into one log entry (up to 4096 / 1 MiB), so the report gives entries as well as writes.

At each checkpoint, after all three nodes applied everything: restart the snapshotting
follower ("a") and node-3 ("b") in turns, --reps times each (a b a b ...): stop it (SIGTERM,
a clean shutdown; --kill: SIGKILL), start it again, and poll a linearizable GET of key:0 on
its client port every 5 ms. Restart time = from just before exec to the first GET answered
with the value (the follower asks the leader for a ReadIndex and answers once it applied
that far). Also from the log: when it logged "restored K keys from snapshot I/T; replaying
the log from A to B" (WAL opened and snapshot loaded) and the entries replayed, and the
process's CPU time when it answered.

The WAL and snapshot files are in the page cache (nothing drops it): this is the restart of
a crashed or upgraded process, not of a cold machine.
Bounded by the load: about (writes / load rate) + reps x (restart times); everything it
starts is killed by PID at exit and the data root removed (--keep keeps it).
"""

import argparse
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import say  # noqa: E402


def restart_once(cluster, name, key_port, kill, timeout):
    cluster.stop(name, signal.SIGKILL if kill else signal.SIGTERM)
    time.sleep(0.2)
    t0 = cluster.start(name)
    t_first_answer = None
    while True:
        r = common.try_resp(key_port, "GET", "key:000000000000", timeout=2.0)
        now = time.time()
        if r is not None and r.startswith("$") and not r.startswith("$-1"):
            t_ready = now
            cpu_s = common.proc_cpu_s(cluster.nodes[name].proc.pid)
            break
        if r is not None and t_first_answer is None:
            t_first_answer = now
        if now - t0 > timeout:
            raise common.HarnessError("%s did not answer GET within %d s" % (name, timeout))
        cluster.check_alive([name])
        time.sleep(0.005)
    restored = cluster.lines_matching(
        name, r"restored (\d+) keys from snapshot (\d+)/(\d+); replaying the log from (\d+) "
        r"to (\d+)", after=t0)
    res = {"node": name, "total": t_ready - t0, "restored_at": None, "replay_from": None,
           "replay_to": None, "keys": None, "first_answer": (t_first_answer or t_ready) - t0, "cpu_s": cpu_s}
    if restored:
        t, text = restored[0]
        m = re.search(r"restored (\d+) keys from snapshot (\d+)/(\d+); replaying the log from "
                      r"(\d+) to (\d+)", text)
        res.update(restored_at=t - t0, keys=int(m.group(1)), snap_index=int(m.group(2)),
                   replay_from=int(m.group(4)), replay_to=int(m.group(5)))
    return res


def write_to_worst(cluster, loader, args, name, written):
    """Overwrites in steps until `name` is just short of its next snapshot, by size or by
    count, whichever comes first (its /status snapshot.log_bytes against next_at_bytes, and
    last_applied against next_at_index): the most log a restart can have to replay. The load
    has the shape of the checkpoints' (--clients x --pipeline), so entries batch alike.
    Returns (writes in all, seconds spent loading)."""
    step = 20000
    spent = 0.0
    per_write = args.value_size + 40.0  # first guesses: a SET's bytes in the log...
    per_entry = 100.0  # ...and SETs per entry
    for _ in range(100):
        cluster.wait_caught_up(timeout=300)
        while (cluster.status(name) or {}).get("snapshot", {}).get("in_progress"):
            time.sleep(0.2)
        st = cluster.status(name)
        snap = st["snapshot"]
        rooms = []
        if snap["next_at_bytes"]:
            rooms.append((snap["next_at_bytes"] - snap["log_bytes"]) / per_write)
        if snap["next_at_index"]:
            rooms.append((snap["next_at_index"] - st["last_applied"]) * per_entry)
        if not rooms:
            raise common.HarnessError("%s takes no snapshot by size or count" % name)
        room = min(rooms)  # in writes
        if room < step:
            say("%s: %d bytes of log since snapshot %d (the next at %d bytes), applied %d "
                "(the next at %d)" % (name, snap["log_bytes"], snap["index"],
                                      snap["next_at_bytes"], st["last_applied"],
                                      snap["next_at_index"]))
            return written, spent
        # Half of the room at a time, so that a wrong guess never overshoots by much.
        n = int(max(step // 4, room / 2))
        port = cluster.client_port(cluster.wait_leader(timeout=60, commit_equal=False))
        t = time.monotonic()
        common.run([loader, "overwrite", "--port", str(port), "--writes", str(n),
                    "--keyspace", str(args.keys), "--value-size", str(args.value_size),
                    "--clients", str(args.clients), "--pipeline", str(args.pipeline),
                    "--seed", str(written)], timeout=3600)
        spent += time.monotonic() - t
        written += n
        cluster.wait_caught_up(timeout=300)
        after = cluster.status(name)
        if after["snapshot"]["index"] == snap["index"]:
            if after["snapshot"]["log_bytes"] > snap["log_bytes"]:
                per_write = (after["snapshot"]["log_bytes"] - snap["log_bytes"]) / n
            if after["last_applied"] > st["last_applied"]:
                per_entry = n / (after["last_applied"] - st["last_applied"])
    raise common.HarnessError("%s never came close to its next snapshot" % name)


def make_follower(cluster, name):
    """If `name` leads, bounces it (not measured) until another node does. Returns the
    number of bounces."""
    for bounce in range(6):
        leader = cluster.wait_leader(timeout=60, commit_equal=False)
        if leader != name:
            return bounce
        say("%s is the leader: restarting it first so that it is a follower" % name)
        cluster.stop(name)
        time.sleep(0.5)
        cluster.start(name)
        cluster.wait_leader(timeout=120)
        cluster.wait_caught_up(timeout=300)
    raise common.HarnessError("%s keeps winning the elections" % name)


def describe(cluster, names):
    rows = {}
    for n in names:
        s = cluster.status(n)
        d = cluster.node_dir(n)
        rows[n] = {
            "applied": s["last_applied"], "first": s.get("first_log_index"),
            "last": s.get("last_log_index"), "wal_bytes": common.dir_bytes(os.path.join(d, "wal")),
            "snap_bytes": common.dir_bytes(os.path.join(d, "snap")),
            "snap_index": s["snapshot"]["index"], "keys": s["keys"],
            "rss": common.rss_mb(cluster.nodes[n].proc.pid),
        }
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_run_args(ap)
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--checkpoints", default="1000000,3000000",
                    help="total writes at which to measure restarts, comma-separated")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--threshold", type=int, default=None,
                    help="--snapshot-threshold of node-1/2 (default: the node's, 10000)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--pipeline", type=int, default=64)
    ap.add_argument("--kill", action="store_true", help="SIGKILL instead of SIGTERM")
    ap.add_argument("--restart-timeout", type=int, default=300)
    ap.add_argument("--worst", action="store_true",
                    help="after the last checkpoint, write on until the snapshotting node is "
                         "just short of its next snapshot by size (the most log to replay), "
                         "and restart it there")
    args = ap.parse_args()
    common.apply_nice(args.nice)
    checkpoints = [int(x) for x in args.checkpoints.split(",")]
    if checkpoints[0] < args.keys or checkpoints != sorted(checkpoints):
        ap.error("checkpoints must be increasing and at least --keys")

    loader = common.binary(args.bin, "helios-resp-load")
    cluster = common.Cluster(args.bin, keep=args.keep, label="snap-restart")
    started = time.monotonic()
    results = []
    try:
        say(common.machine_line())
        snap_flags = [] if args.threshold is None else ["--snapshot-threshold",
                                                       str(args.threshold)]
        cluster.start("node-1", snap_flags)
        cluster.start("node-2", snap_flags)
        leader = cluster.wait_leader(("node-1", "node-2"))
        cluster.start("node-3", ["--snapshot-threshold", "0", "--snapshot-threshold-bytes", "0",
                                  "--snapshot-interval", "0"])
        if cluster.wait_leader() != leader:
            raise common.HarnessError("the leader changed when node-3 joined")
        a_node = "node-2" if leader == "node-1" else "node-1"
        say("leader %s; restarting %s (snapshots) and node-3 (no snapshots)" % (leader, a_node))
        port = cluster.client_port(leader)
        bounces = 0
        t = time.monotonic()
        say(common.run([loader, "fill", "--port", str(port), "--keys", str(args.keys),
                        "--value-size", str(args.value_size), "--clients", "8",
                        "--pipeline", "64"], timeout=600).strip())
        load_s = time.monotonic() - t
        written = args.keys
        for cp in checkpoints:
            if cp > written:
                port = cluster.client_port(cluster.wait_leader(timeout=60, commit_equal=False))
                t = time.monotonic()
                say(common.run([loader, "overwrite", "--port", str(port), "--writes",
                                str(cp - written), "--keyspace", str(args.keys),
                                "--value-size", str(args.value_size), "--clients",
                                str(args.clients), "--pipeline", str(args.pipeline),
                                "--seed", str(cp)], timeout=3600).strip())
                load_s += time.monotonic() - t
                written = cp
            cluster.wait_caught_up(timeout=300)
            # Let a snapshot that is being taken finish (its compaction changes the WAL).
            time.sleep(1.0)
            while any((cluster.status(n) or {}).get("snapshot", {}).get("in_progress")
                      for n in common.NODES):
                time.sleep(0.2)
            state = describe(cluster, common.NODES)
            for n in common.NODES:
                say("%s: %s" % (n, state[n]))
            runs = []
            for rep in range(args.reps):
                for name in (a_node, "node-3"):
                    bounces += make_follower(cluster, name)
                    r = restart_once(cluster, name, cluster.client_port(name), args.kill,
                                     args.restart_timeout)
                    r["kind"] = "a" if name == a_node else "b"
                    say("writes %d, restart %s (%s): %.2f s; %s" % (
                        cp, name, r["kind"], r["total"], r))
                    runs.append(r)
                    cluster.wait_leader(timeout=60)
                    cluster.wait_caught_up(timeout=300)
            results.append({"writes": cp, "state": state, "runs": runs,
                            "entries": state[leader]["applied"]})
        if args.worst:
            written, spent = write_to_worst(cluster, loader, args, a_node, written)
            load_s += spent
            state = describe(cluster, common.NODES)
            for n in common.NODES:
                say("%s: %s" % (n, state[n]))
            runs = []
            for rep in range(args.reps):
                bounces += make_follower(cluster, a_node)
                r = restart_once(cluster, a_node, cluster.client_port(a_node), args.kill,
                                 args.restart_timeout)
                r["kind"] = "a"
                say("writes %d (worst case), restart %s: %.2f s; %s" % (
                    written, a_node, r["total"], r))
                runs.append(r)
                cluster.wait_leader(timeout=60)
                cluster.wait_caught_up(timeout=300)
            results.append({"writes": written, "state": state, "runs": runs,
                            "entries": state[leader]["applied"], "worst": True})
        say("elections seen (terms): %s; nodes bounced so that the restarted one follows: %d"
            % ({n: (cluster.status(n) or {}).get("term") for n in common.NODES}, bounces))
        report(args, a_node, leader, results, load_s, time.monotonic() - started)
        return 0
    except common.HarnessError as e:
        print("error: %s" % e, file=sys.stderr)
        cluster.keep = True
        print("kept %s" % cluster.root, file=sys.stderr)
        return 1
    finally:
        cluster.close()


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def report(args, a_node, leader, results, load_s, elapsed):
    print()
    print("keys %d x %d B; node-1/2 --snapshot-threshold %s (and the default byte rules), "
          "node-3 snapshots off; "
          "restart = exec to first linearizable GET answered (%s); load %.0f s, %.0f s in all"
          % (args.keys, args.value_size, args.threshold or "10000 (default)",
             "SIGKILL" if args.kill else "SIGTERM", load_s, elapsed))
    print()
    print("| writes | entries | node | snapshot index | WAL MB | snapshot MB | restored at s "
          "| entries replayed | restart s (each) | median s | CPU s at ready (each) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---|")
    for r in results:
        kinds = (("a", a_node),) if r.get("worst") else (("a", a_node), ("b", "node-3"))
        for kind, name in kinds:
            st = r["state"][name]
            runs = [x for x in r["runs"] if x["kind"] == kind]
            rest = [x["restored_at"] for x in runs if x["restored_at"] is not None]
            replayed = [x["replay_to"] - x["replay_from"] + 1 for x in runs
                        if x["replay_from"] is not None]
            print("| %d | %d | %s (%s) | %d | %.0f | %.0f | %s | %s | %s | %.2f | %s |" % (
                r["writes"], r["entries"], name,
                ("snapshots, worst case" if r.get("worst") else "snapshots") if kind == "a"
                else "no snapshots",
                st["snap_index"], st["wal_bytes"] / 1e6, st["snap_bytes"] / 1e6,
                ", ".join("%.2f" % x for x in rest) or "-",
                ", ".join(str(x) for x in replayed) or ("all %d" % st["applied"]),
                ", ".join("%.2f" % x["total"] for x in runs),
                median([x["total"] for x in runs]),
                ", ".join("%.2f" % x["cpu_s"] for x in runs)))
    print()
    for r in results:
        if r.get("worst"):
            print("worst case (just short of the next snapshot by size) at %d writes: %.2f s" % (
                r["writes"], median([x["total"] for x in r["runs"]])))
    results = [r for r in results if not r.get("worst")]
    last = results[-1]
    a = median([x["total"] for x in last["runs"] if x["kind"] == "a"])
    b = median([x["total"] for x in last["runs"] if x["kind"] == "b"])
    print("at %d writes: with snapshots %.2f s, without %.2f s (%.1fx)" % (
        last["writes"], a, b, b / a if a else float("nan")))
    if len(results) >= 2:
        first = results[0]
        b0 = median([x["total"] for x in first["runs"] if x["kind"] == "b"])
        slope = (b - b0) / (last["writes"] - first["writes"])
        print("without snapshots: +%.2f s per million writes of history (%d -> %d writes); "
              "extrapolated to 10M writes: %.1f s (linear, not measured)" % (
                  slope * 1e6, first["writes"], last["writes"],
                  b + slope * (10000000 - last["writes"])))


if __name__ == "__main__":
    sys.exit(main())
