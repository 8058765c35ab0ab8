#!/usr/bin/env python3
"""Write latency while a node snapshots 1,000,000 keys (bench/README.md, "Snapshots and
compaction", 1).

  python3 bench/snapshots/pause.py [--bin DIR] [--keys 1000000] [--value-size 100]
                                   [--rate 2000] [--clients 16] [--before 10]
                                   [--max-snapshot 20] [--after 8] [--scenarios leader,all]
                                   [--perf-trace] [--nice N] [--keep]

1. Starts the quick start's three nodes (build/bin/raft-example) on free ports in a fresh
   data root under build/bench/, with threshold and interval snapshots off
   (--snapshot-threshold 0 --snapshot-interval 0), so that no snapshot runs during the load.
2. Loads --keys keys of --value-size bytes into the leader (build/bin/helios-resp-load fill:
   8 connections, 64 SETs in flight each) and waits until all three nodes applied them.
3. For each scenario, one steady run of --before + --max-snapshot + --after seconds
   (helios-resp-load steady): --clients connections to the leader, each with one SET in
   flight, paced to --rate SETs/s in all, random keys of the 1M (so the SETs overwrite keys
   the snapshot is serializing); a separate connection sends PING to the leader every 1 ms
   (one in flight); after --before seconds BGSAVE is sent to the leader ("leader") or to all
   three nodes at once ("all": what a threshold crossing does, since all nodes apply the same
   index at about the same time). Meanwhile every follower's /status is polled every 20 ms
   for how long ago it last heard from its leader (heartbeat gap).
4. Windows: "before" = SETs sent from 1 s after the start until the BGSAVE; "during" = SETs
   sent from the BGSAVE until the last node logged "took snapshot" (the harness time-stamps
   every log line as it reads it from the node's pipe, ~1 ms); "after" = the rest. Per
   window: SETs, p50, p99, p99.9, max, the number of SETs over 50 ms; the PING loop's max
   (sessions run on the node's loop thread, so this is the longest loop stall seen);
   BGSAVE's own reply latency (it returns once fork() returned); the snapshot's duration and
   the CPU time its child used (the node's cutime+cstime); elections (log lines).
5. --perf-trace: `perf trace -a --duration 1` during each scenario, reporting fork()'s clone
   in the nodes (the fork time) and the slowest other system calls of the nodes and of their
   snapshot children (fdatasync, write, unlink, rename...), placed relative to the leader's
   "taking snapshot" line. Needs perf and root.

If BGSAVE is not implemented (no LASTSAVE either), the snapshot is started with the admin
API's POST /snapshot. Bounded: ~30-60 s of load + ~40 s per scenario; everything it starts is
killed by PID at exit and the data root removed (--keep keeps it, with the logs, the
latency files and the traces). --nice -10 (root) runs the nodes, the load generator and the
snapshot children ahead of other processes on a shared machine.
"""

import argparse
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import say  # noqa: E402


def poll_heartbeat_gaps(cluster, stop, out):
    """Every 20 ms, for each follower: (unix time, node, ms since it last heard from its
    leader), from /status (answered on the node's loop thread)."""
    while not stop.is_set():
        for n in common.NODES:
            s = cluster.status(n, timeout=0.5)
            t = time.time()
            if s is None or s.get("state") != "Follower" or not s.get("leader_id"):
                continue
            for p in s.get("peers", []):
                if p.get("id") == s["leader_id"] and p.get("last_heard_ms", -1) >= 0:
                    out.append((t, n, p["last_heard_ms"]))
        stop.wait(0.02)


TRACED = ("clone,clone3,fsync,fdatasync,sync_file_range,unlink,unlinkat,rename,renameat,write,pwrite64,"
          "renameat2,openat,ftruncate,fallocate,munmap,madvise")
TRACE_RX = re.compile(r"^\s*([\d.]+) \(\s*([\d.]+) ms\): ([^/]*)/(\d+) (\w+)\((.*)\)\s*=\s*(\S+)")


def tgid(tid):
    try:
        with open("/proc/%d/status" % tid) as f:
            for line in f:
                if line.startswith("Tgid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return tid


def start_trace(path):
    """perf trace, system-wide, of the system calls slower than 1 ms (fork()'s clone among
    them; system-wide so that the snapshot children are seen too)."""
    return common.spawn(["perf", "trace", "-a", "--duration", "1", "-e", TRACED,
                         "-o", path], stdin=common.subprocess.DEVNULL,
                        stdout=common.subprocess.DEVNULL, stderr=common.subprocess.DEVNULL)


def read_trace(path):
    calls = []
    try:
        with open(path) as f:
            for line in f:
                m = TRACE_RX.match(line)
                if m:
                    tid = int(m.group(4))
                    calls.append({"t_ms": float(m.group(1)), "ms": float(m.group(2)),
                                  "comm": m.group(3), "tid": tid, "pid": tgid(tid),
                                  "call": m.group(5), "ret": m.group(7)})
    except OSError:
        pass
    return calls


def read_records(path):
    sets, pings, errors, triggers = [], [], 0, []
    with open(path) as f:
        for line in f:
            parts = line.split(" ", 3)
            kind, t_us, lat_us = parts[0], int(parts[1]), int(parts[2])
            if kind == "S":
                sets.append((t_us / 1e6, lat_us))
            elif kind == "P":
                pings.append((t_us / 1e6, lat_us))
            elif kind == "E":
                errors += 1
            elif kind == "T":
                triggers.append((t_us / 1e6, lat_us, parts[3].strip() if len(parts) > 3 else ""))
    return sets, pings, errors, triggers


def window_stats(records, a, b):
    lat = [l for t, l in records if a <= t < b]
    s = common.summary_ms(lat)
    s["over50"] = sum(1 for l in lat if l > 50000)
    s["secs"] = b - a
    return s


def fmt(x):
    return "%.2f" % x if x == x else "-"


def run_scenario(args, cluster, loader, leader, scenario, use_bgsave):
    names = [leader] if scenario == "leader" else list(common.NODES)
    out_path = os.path.join(cluster.root, "latency-%s.txt" % scenario)
    total = args.before + args.max_snapshot + args.after
    argv = [loader, "steady", "--port", str(cluster.client_port(leader)),
            "--seconds", str(total), "--rate", str(args.rate), "--clients", str(args.clients),
            "--keyspace", str(args.keys), "--value-size", str(args.value_size),
            "--ping-port", str(cluster.client_port(leader)), "--ping-interval-us", "1000",
            "--out", out_path, "--seed", str(int(time.time()))]
    if use_bgsave:
        argv += ["--trigger-at", str(args.before),
                 "--trigger-port", ",".join(str(cluster.client_port(n)) for n in names)]
    say("scenario %s: %s" % (scenario, " ".join(os.path.relpath(a, common.ROOT)
                                                 if a.startswith(common.ROOT) else a
                                                 for a in argv)))
    meter = common.CpuMeter()
    child_cpu0 = {n: common.reaped_children_cpu_s(cluster.nodes[n].proc.pid) for n in names}
    tracer = None
    trace_path = os.path.join(cluster.root, "perf-trace-%s.txt" % scenario)
    if args.perf_trace:
        tracer = start_trace(trace_path)
        time.sleep(1.0)
    t_start = time.time()
    proc = common.spawn(argv, stdout=open(out_path + ".stdout", "w"), stderr=open(
        out_path + ".stderr", "w"), stdin=common.subprocess.DEVNULL)
    meter.start()
    gaps = []
    stop = threading.Event()
    poller = threading.Thread(target=poll_heartbeat_gaps, args=(cluster, stop, gaps),
                              daemon=True)
    poller.start()
    t_trigger = None
    if not use_bgsave:
        time.sleep(max(0.0, t_start + 0.1 + args.before - time.time()))
        t_trigger = time.time()
        for n in names:
            code, body = cluster.post(n, "/snapshot")
            say("POST /snapshot to %s: %s %s" % (n, code, body))
    took = {}
    taking = {}
    for n in names:
        t, m = cluster.wait_line(n, r"taking snapshot (\d+)/(\d+) in child process (\d+)",
                                 after=t_start, timeout=args.before + 30)
        taking[n] = (t, m.group(0))
    for n in names:
        t, m = cluster.wait_line(n, r"took snapshot (\d+)/(\d+) in (\d+) ms", after=t_start,
                                 timeout=args.max_snapshot + 30)
        took[n] = (t, int(m.group(3)), m.group(0))
    t_last_took = max(t for t, _, _ in took.values())
    time.sleep(0.1)
    child_cpu = {n: common.reaped_children_cpu_s(cluster.nodes[n].proc.pid) - child_cpu0[n]
                 for n in names}
    # Wait for the end of the run, measuring the CPU use while the loader still runs.
    time.sleep(max(0.0, t_start + 0.1 + total - 0.5 - time.time()))
    cpu = meter.stop()
    # The load generator runs for a fixed time: wait for it.
    try:
        proc.wait(timeout=total + 30)
    except common.subprocess.TimeoutExpired:
        proc.kill()
        raise common.HarnessError("the load generator did not finish")
    stop.set()
    poller.join()
    trace = []
    if tracer is not None:
        tracer.send_signal(signal.SIGINT)
        try:
            tracer.wait(timeout=30)
        except common.subprocess.TimeoutExpired:
            tracer.kill()
            tracer.wait()
        pids = {cluster.nodes[n].proc.pid: n for n in common.NODES}
        for n in names:
            pids[int(taking[n][1].rsplit(" ", 1)[1])] = n + " child"
        trace = [dict(c, who=pids[c["pid"]]) for c in read_trace(trace_path)
                 if c["pid"] in pids]
        # perf trace's clock is not the wall clock: anchor it on the leader's fork (clone
        # returns just before "taking snapshot" is logged).
        forks = [c for c in trace if c["call"] in ("clone", "clone3") and c["who"] == leader]
        if forks:
            offset = taking[leader][0] - (forks[0]["t_ms"] + forks[0]["ms"]) / 1000.0
            for c in trace:
                c["t_rel"] = offset + c["t_ms"] / 1000.0 - taking[leader][0]
    sets, pings, errors, triggers = read_records(out_path)
    if use_bgsave:
        if not triggers:
            raise common.HarnessError("no BGSAVE reply recorded")
        t_trigger = min(t for t, _, _ in triggers)
    t0 = min(t for t, _ in sets) + 1.0
    t_end = max(t for t, _ in sets)
    if t_last_took + args.after * 0.5 > t_end:
        say("warning: the run ended %.1f s after the snapshot; --max-snapshot is too small" % (
            t_end - t_last_took))
    w = {
        "before": window_stats(sets, t0, t_trigger),
        "during": window_stats(sets, t_trigger, t_last_took),
        "after": window_stats(sets, t_last_took, t_end + 1),
    }
    pw = {
        "before": window_stats(pings, t0, t_trigger),
        "during": window_stats(pings, t_trigger, t_last_took),
        "after": window_stats(pings, t_last_took, t_end + 1),
    }
    gap = {}
    for name, (a, b) in (("before", (t0, t_trigger)), ("during", (t_trigger, t_last_took)),
                         ("after", (t_last_took, t_end))):
        vals = [g for t, f, g in gaps if a <= t < b and g is not None]
        gap[name] = max(vals) if vals else float("nan")
    elections = []
    for n in common.NODES:
        for t, text in cluster.lines_matching(n, r"Starting election|Became leader|is the "
                                              r"LEADER", after=t_start):
            elections.append((t - taking[leader][0], n, text.split("] ")[-1].strip()))
    elections.sort()
    # The worst SETs during the snapshot, to place them.
    worst = sorted(((l, t) for t, l in sets if t_trigger <= t < t_last_took), reverse=True)[:5]
    return {
        "scenario": scenario, "names": names, "sets": w, "pings": pw, "gap": gap,
        "errors": errors, "triggers": triggers, "t_trigger": t_trigger, "taking": taking,
        "took": took, "worst": worst, "cpu": cpu, "out": out_path, "trace": trace,
        "elections": elections, "leader": leader, "child_cpu": child_cpu,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_run_args(ap)
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--rate", type=float, default=2000, help="SETs/s of the steady load")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--before", type=float, default=10.0, help="seconds before the BGSAVE")
    ap.add_argument("--after", type=float, default=8.0, help="seconds after the snapshot")
    ap.add_argument("--max-snapshot", type=float, default=20.0,
                    help="seconds the run allows for the snapshot itself")
    ap.add_argument("--scenarios", default="leader,all")
    ap.add_argument("--perf-trace", action="store_true",
                    help="record the snapshotting nodes' system calls slower than 1 ms with "
                    "perf trace (fork's clone among them)")
    args = ap.parse_args()
    common.apply_nice(args.nice)

    loader = common.binary(args.bin, "helios-resp-load")
    cluster = common.Cluster(args.bin, keep=args.keep, label="snap-pause")
    started = time.monotonic()
    try:
        say(common.machine_line())
        flags = ["--snapshot-threshold", "0", "--snapshot-interval", "0"]
        for n in common.NODES:
            cluster.start(n, flags)
        leader = cluster.wait_leader()
        say("leader %s; loading %d keys of %d bytes" % (leader, args.keys, args.value_size))
        out = common.run([loader, "fill", "--port", str(cluster.client_port(leader)),
                          "--keys", str(args.keys), "--value-size", str(args.value_size),
                          "--clients", "8", "--pipeline", "64"], timeout=300)
        say(out.strip())
        st = cluster.wait_caught_up(timeout=120)
        say("applied: %s" % ", ".join("%s %d keys, index %d, rss %.0f MB" % (
            n, s["keys"], s["last_applied"], common.rss_mb(cluster.nodes[n].proc.pid))
            for n, s in sorted(st.items())))
        now = cluster.wait_leader()
        if now != leader:
            say("the leader changed during the load: %s -> %s" % (leader, now))
            leader = now
        lastsave = common.try_resp(cluster.client_port(leader), "LASTSAVE")
        use_bgsave = lastsave is not None and lastsave.startswith(":")
        if not use_bgsave:
            say("BGSAVE not available (LASTSAVE answered %r): using POST /snapshot" % lastsave)
        results = []
        for scenario in args.scenarios.split(","):
            results.append(run_scenario(args, cluster, loader, leader, scenario, use_bgsave))
            now = cluster.wait_leader(commit_equal=False)
            if now != leader:
                say("the leader changed during scenario %s: %s -> %s" % (scenario, leader, now))
                leader = now
            time.sleep(2.0)
        st = {n: cluster.status(n) for n in common.NODES}
        for n in common.NODES:
            snap = st[n]["snapshot"] if st[n] else None
            say("%s: snapshot %s, rss %.0f MB" % (n, snap, common.rss_mb(
                cluster.nodes[n].proc.pid)))
        report(args, results, st, time.monotonic() - started)
        return 0
    except common.HarnessError as e:
        print("error: %s" % e, file=sys.stderr)
        cluster.keep = True
        print("kept %s" % cluster.root, file=sys.stderr)
        return 1
    finally:
        cluster.close()


def report(args, results, st, elapsed):
    print()
    print("keys %d x %d B; steady load %d SET/s over %d connections (one in flight each), "
          "random keys; PING every 1 ms; %.0f s in all" % (
              args.keys, args.value_size, args.rate, args.clients, elapsed))
    snap_bytes = {n: (s["snapshot"]["bytes"] if s else 0) for n, s in st.items()}
    print("snapshot file bytes: %s" % ", ".join("%s %d" % kv for kv in sorted(snap_bytes.items())))
    print()
    print("| scenario | window | s | SETs | p50 ms | p99 ms | p99.9 ms | max ms | SETs > 50 ms "
          "| PING max ms | heartbeat gap max ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for win in ("before", "during", "after"):
            s, p = r["sets"][win], r["pings"][win]
            print("| %s | %s | %.1f | %d | %s | %s | %s | %s | %d | %s | %s |" % (
                r["scenario"], win, s["secs"], s["n"], fmt(s["p50"]), fmt(s["p99"]),
                fmt(s["p999"]), fmt(s["max"]), s["over50"], fmt(p["max"]),
                "%d" % r["gap"][win] if r["gap"][win] == r["gap"][win] else "-"))
    print()
    for r in results:
        b, d = r["sets"]["before"], r["sets"]["during"]
        ratio = d["p99"] / b["p99"] if b["p99"] > 0 else float("nan")
        print("%s: p99 during / before = %.2f (goal <= 2); max during %.1f ms (goal <= 50 ms); "
              "errors %d; CPU (share of both) over the run: busy %.0f%%, this benchmark %.0f%%, "
              "other processes %.0f%%" % (
                  r["scenario"], ratio, d["max"], r["errors"], 100 * r["cpu"]["busy"],
                  100 * r["cpu"]["ours"], 100 * r["cpu"]["others"]))
        for t, lat, reply in r["triggers"]:
            print("  BGSAVE reply %.2f ms: %s" % (lat / 1000.0, reply))
        for n in r["names"]:
            t_taking, line = r["taking"][n]
            t_took, ms, _ = r["took"][n]
            print("  %s: %s at +%.3f s after BGSAVE; took snapshot %.3f s later (logged %d ms); "
                  "the child used %.2f s of CPU" % (n, line, t_taking - r["t_trigger"],
                                                   t_took - t_taking, ms, r["child_cpu"][n]))
        for t, n, text in r["elections"]:
            print("  %+.3f s (from %s's \"taking snapshot\"): %s: %s" % (t, r["leader"], n, text))
        print("  worst SETs during: %s" % ", ".join(
            "%.1f ms at +%.3f s" % (l / 1000.0, t - r["t_trigger"]) for l, t in r["worst"]))
        print("  latencies: %s" % r["out"])
        if r["trace"]:
            forks = [c for c in r["trace"] if c["call"] in ("clone", "clone3")]
            print("  perf trace: fork (clone) %s" % ", ".join(
                "%s %.1f ms" % (c["who"], c["ms"]) for c in forks))
            # (system-wide, perf trace prints a few absurd durations: a clock read on
            # another CPU; they are left out)
            slow = sorted((c for c in r["trace"] if c["call"] not in ("clone", "clone3")
                           and 5 <= c["ms"] < 1e6), key=lambda c: -c["ms"])[:15]
            print("  slowest other calls of the nodes and their snapshot children "
                  "(start, relative to the leader's \"taking snapshot\" line):")
            for c in sorted(slow, key=lambda c: c["t_ms"]):
                print("    %+8.3f s  %s (tid %d) %s %.1f ms = %s" % (
                    c.get("t_rel", float("nan")), c["who"], c["tid"], c["call"], c["ms"],
                    c["ret"]))


if __name__ == "__main__":
    sys.exit(main())
