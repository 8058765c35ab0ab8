#!/usr/bin/env python3
"""InstallSnapshot rate against the disk's sequential write rate (bench/README.md,
"Snapshots and compaction", 3).

  python3 bench/snapshots/install.py [--bin DIR] [--keys 1000000] [--value-size 1000]
                                     [--dd-mib 1024] [--reps 2] [--election-timeout D]
                                     [--perf-trace] [--nice N] [--keep]

1. Starts the quick start's three nodes (build/bin/raft-example) on free ports in a fresh data
   root under build/bench/, all with --snapshot-threshold 0 --snapshot-interval 0 (snapshots
   only on demand) and --snapshot-trailing-entries 10; waits for a leader, makes sure it is
   node-1 or node-2, then stops node-3 (SIGTERM), which holds only the first few entries.
2. Loads --keys keys of --value-size bytes into the leader (build/bin/helios-resp-load fill,
   8 connections x 16 in flight): with node-3 down, node-1 and node-2 make the quorum.
3. Asks the leader for a snapshot (BGSAVE on its client port, or the admin API's
   POST /snapshot), waits for "took snapshot" and checks that its WAL was compacted (first
   log index = snapshot index - 9), so that node-3 can only catch up from the snapshot.
4. Measures the disk: `dd if=/dev/zero of=DATA_ROOT/dd.tmp bs=1M count=--dd-mib
   conv=fdatasync` (the same file system as the nodes' data); the file is removed.
5. Starts node-3 and times, on one clock (the harness stamps each log line as it reads it):
     sending   the leader's first "sending snapshot I/T (N bytes) to node 3"
     receiving node-3's first "receiving snapshot I/T (N bytes) from node K"
     received  a new file in node-3's snap/ dir reaching N bytes (polled every 5 ms)
     installed node-3's "installed snapshot I/T from the leader"
     caught up node-3's /status last_applied >= the leader's commit_index
   Rate = N / (installed - sending), also N / (received - sending) for the transfer alone;
   each against dd's rate. Also counted: how many times the leader (re)started the transfer
   before node-3 installed it, and node-3's WARN/ERROR lines.
6. Repeats step 5 --reps times: node-3 is stopped, 1,000 more keys are written, the leader
   takes a new snapshot and compacts, node-3 is started again (now it first restores its own
   previous snapshot, then needs the new one). Then dd again, so that both are bracketed.
   If the leader loses the leadership during a transfer, the attempt is reported and done
   again with the new leader (at most 3 attempts).

--perf-trace records the system calls slower than 20 ms, system-wide, during each transfer
(perf trace, root), into the data root (kept with --keep). Bounded: ~1-2 min of load for
1 GB, ~20-30 s per snapshot and per transfer; everything it starts is killed by PID at exit
and the data root removed (--keep keeps it).
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


TRACED = "fsync,fdatasync,read,pread64,write,pwrite64,openat,unlink,unlinkat,rename,renameat2"


def dd_rate(path, mib):
    out = common.run(["dd", "if=/dev/zero", "of=" + path, "bs=1M", "count=%d" % mib,
                      "conv=fdatasync"], timeout=600)
    os.remove(path)
    # "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 2.1 s, 511 MB/s"
    m = re.search(r"(\d+) bytes .* copied, ([\d.]+) s", out)
    if not m:
        raise common.HarnessError("cannot parse dd's output: %s" % out)
    n, s = int(m.group(1)), float(m.group(2))
    return n / s / 1e6, s, out.strip().splitlines()[-1]


class LeaderChanged(Exception):
    pass


def received_size(snap_dir, before):
    """Size of the largest file in node-3's snap/ dir that was not there before."""
    best = 0
    try:
        for f in set(os.listdir(snap_dir)) - before:
            try:
                best = max(best, os.path.getsize(os.path.join(snap_dir, f)))
            except OSError:
                pass
    except OSError:
        pass
    return best


def transfer(cluster, leader, timeout):
    snap_dir = os.path.join(cluster.node_dir("node-3"), "snap")
    before = set(os.listdir(snap_dir)) if os.path.isdir(snap_dir) else set()
    t_start = cluster.start("node-3")
    t_send, m = cluster.wait_line(leader, r"sending snapshot (\d+)/(\d+) \((\d+) bytes\) to "
                                  r"node 3", after=t_start, timeout=60)
    total = int(m.group(3))
    t_recv, _ = cluster.wait_line("node-3", r"receiving snapshot (\d+)/(\d+) \((\d+) bytes\)",
                                  after=t_start, timeout=60)
    t_received = None
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if received_size(snap_dir, before) >= total:
            t_received = time.time()
            break
        cluster.check_alive(["node-3"])
        time.sleep(0.005)
    while True:
        try:
            t_inst, _ = cluster.wait_line("node-3", r"installed snapshot (\d+)/(\d+) from the "
                                          r"leader", after=t_start, timeout=1.0)
            break
        except common.HarnessError:
            lost = cluster.lines_matching(leader, r"is a FOLLOWER", after=t_start)
            if lost:
                raise LeaderChanged("%s lost the leadership %.2f s after it started sending "
                                    "the snapshot: %s" % (leader, lost[0][0] - t_send,
                                                          lost[0][1]))
            if time.monotonic() > end:
                raise
    commit = cluster.status(leader)["commit_index"]
    while True:
        s = cluster.status("node-3")
        if s is not None and s["last_applied"] >= commit:
            t_caught = time.time()
            keys = s["keys"]
            break
        if time.monotonic() > end:
            raise common.HarnessError("node-3 did not catch up")
        time.sleep(0.01)
    sends = cluster.lines_matching(leader, r"sending snapshot .* to node 3", after=t_start,
                                   before=t_inst)
    receives = cluster.lines_matching("node-3", r"receiving snapshot", after=t_start,
                                      before=t_inst)
    notes = cluster.lines_matching("node-3", r"WARN|ERROR", after=t_start, before=t_inst + 1)
    notes += cluster.lines_matching(leader, r"WARN.*snapshot|ERROR", after=t_start,
                                    before=t_inst + 1)
    return {"bytes": total, "start": t_start, "sending": t_send - t_start,
            "receiving": t_recv - t_send, "received": (t_received or float("nan")) - t_send,
            "installed": t_inst - t_send, "caught_up": t_caught - t_send, "keys": keys,
            "rss": common.rss_mb(cluster.nodes["node-3"].proc.pid),
            "sends": [t - t_send for t, _ in sends], "receives": len(receives),
            "notes": [(t - t_send, text) for t, text in notes]}


def fall_behind(cluster, loader, leader, args):
    """node-3 falls behind (again): down while 1,000 more writes land, then the leader takes
    a new snapshot and compacts behind it."""
    cluster.stop("node-3")
    fall_behind.n += 1
    say(common.run([loader, "fill", "--port", str(cluster.client_port(leader)),
                    "--keys", "1000", "--first", str(args.keys + 1000 * fall_behind.n),
                    "--value-size", str(args.value_size), "--clients", "1",
                    "--pipeline", "1"], timeout=300).strip())
    snapshot_and_compact(cluster, leader)


fall_behind.n = 0


def snapshot_and_compact(cluster, leader):
    """Has the leader take a snapshot now and checks that its WAL was compacted past node-3's
    last entry; returns when the leader logged "took snapshot"."""
    t_req = time.time()
    lastsave = common.try_resp(cluster.client_port(leader), "LASTSAVE")
    if lastsave is not None and lastsave.startswith(":"):
        say("BGSAVE: %s" % common.resp_command(cluster.client_port(leader), "BGSAVE"))
    else:
        say("POST /snapshot: %s %s" % cluster.post(leader, "/snapshot"))
    t_took, m = cluster.wait_line(leader, r"took snapshot (\d+)/(\d+) in (\d+) ms",
                                  after=t_req, timeout=600)
    say(m.group(0))
    time.sleep(0.5)
    st = cluster.status(leader)
    say("leader: first_log_index %s, last %s, snapshot %s, wal %.0f MB, rss %.0f MB" % (
        st["first_log_index"], st["last_log_index"], st["snapshot"], common.dir_bytes(
            os.path.join(cluster.node_dir(leader), "wal")) / 1e6,
        common.rss_mb(cluster.nodes[leader].proc.pid)))
    if st["first_log_index"] <= st["snapshot"]["index"] - 100:
        raise common.HarnessError("the leader's WAL was not compacted; node-3 would catch "
                                  "up from the log")
    return t_took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_run_args(ap)
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--value-size", type=int, default=1000)
    ap.add_argument("--dd-mib", type=int, default=1024)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--transfer-timeout", type=int, default=300)
    ap.add_argument("--election-timeout", default=None,
                    help="passed to the nodes (default: theirs, 150ms)")
    ap.add_argument("--perf-trace", action="store_true",
                    help="record system calls slower than 20 ms, system-wide, during each "
                    "transfer (perf trace), into the data root")
    args = ap.parse_args()
    common.apply_nice(args.nice)

    loader = common.binary(args.bin, "helios-resp-load")
    cluster = common.Cluster(args.bin, keep=args.keep, label="snap-install")
    started = time.monotonic()
    try:
        say(common.machine_line())
        flags = ["--snapshot-threshold", "0", "--snapshot-threshold-bytes", "0",
                 "--snapshot-interval", "0",
                 "--snapshot-trailing-entries", "10"]
        if args.election_timeout:
            flags += ["--election-timeout", args.election_timeout]
        for n in common.NODES:
            cluster.start(n, flags)
        leader = cluster.wait_leader()
        if leader == "node-3":
            # Make node-1 or node-2 the leader: stop node-3 and let them elect.
            cluster.stop("node-3")
            leader = cluster.wait_leader(("node-1", "node-2"), timeout=30)
        else:
            cluster.stop("node-3")
        say("leader %s; node-3 stopped; loading %d keys of %d bytes" % (
            leader, args.keys, args.value_size))
        t = time.monotonic()
        say(common.run([loader, "fill", "--port", str(cluster.client_port(leader)),
                        "--keys", str(args.keys), "--value-size", str(args.value_size),
                        "--clients", "8", "--pipeline", "16"], timeout=900).strip())
        load_s = time.monotonic() - t
        cluster.wait_caught_up(("node-1", "node-2"), timeout=300)
        t_took = snapshot_and_compact(cluster, leader)
        dd_path = os.path.join(cluster.data_root, "dd.tmp")
        dd1 = dd_rate(dd_path, args.dd_mib)
        say("dd before: %s" % dd1[2])
        runs = []
        aborted = []
        for rep in range(args.reps):
            if rep > 0:
                fall_behind(cluster, loader, leader, args)
            tracer = None
            if args.perf_trace:
                trace_path = os.path.join(cluster.root, "perf-trace-%d.txt" % (rep + 1))
                tracer = common.spawn(["perf", "trace", "-a", "--duration", "20", "-e",
                                       TRACED, "-o", trace_path],
                                      stdin=common.subprocess.DEVNULL,
                                      stdout=common.subprocess.DEVNULL,
                                      stderr=common.subprocess.DEVNULL)
                time.sleep(1.0)
            for attempt in range(3):
                try:
                    r = transfer(cluster, leader, args.transfer_timeout)
                    break
                except LeaderChanged as e:
                    say("transfer %d: %s; starting over with the new leader" % (rep + 1, e))
                    aborted.append("transfer %d, attempt %d: %s" % (rep + 1, attempt + 1, e))
                    leader = cluster.wait_leader(timeout=60, commit_equal=False)
                    if leader == "node-3":
                        cluster.stop("node-3")
                        leader = cluster.wait_leader(("node-1", "node-2"), timeout=60,
                                                     commit_equal=False)
                    fall_behind(cluster, loader, leader, args)
            else:
                raise common.HarnessError("the leader changed during every attempt")
            if tracer is not None:
                tracer.send_signal(signal.SIGINT)
                tracer.wait(timeout=30)
                r["trace"] = trace_path
            say("transfer %d: %s" % (rep + 1, r))
            runs.append(r)
        dd2 = dd_rate(dd_path, args.dd_mib)
        say("dd after: %s" % dd2[2])
        report(args, runs, dd1, dd2, t_took, load_s, time.monotonic() - started)
        for a in aborted:
            print("aborted: %s" % a)
        return 0
    except common.HarnessError as e:
        print("error: %s" % e, file=sys.stderr)
        cluster.keep = True
        print("kept %s" % cluster.root, file=sys.stderr)
        return 1
    finally:
        cluster.close()


def report(args, runs, dd1, dd2, t_took, load_s, elapsed):
    print()
    print("keys %d x %d B; load %.0f s; %.0f s in all" % (args.keys, args.value_size, load_s,
                                                        elapsed))
    print("dd %d MiB, conv=fdatasync: before %.0f MB/s (%.2f s), after %.0f MB/s (%.2f s)" % (
        args.dd_mib, dd1[0], dd1[1], dd2[0], dd2[1]))
    dd = (dd1[0] + dd2[0]) / 2
    print()
    print("| transfer | snapshot bytes | first chunk s | received s | installed s | caught up s "
          "| MB/s to installed | vs dd | MB/s transfer only | vs dd | node-3 rss MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, r in enumerate(runs):
        mbs = r["bytes"] / r["installed"] / 1e6
        tmbs = r["bytes"] / r["received"] / 1e6
        print("| %d | %d | %.3f | %.2f | %.2f | %.2f | %.0f | %.2f | %.0f | %.2f | %.0f |" % (
            i + 1, r["bytes"], r["receiving"], r["received"], r["installed"], r["caught_up"],
            mbs, mbs / dd, tmbs, tmbs / dd, r["rss"]))
    print()
    print("(times from the leader's first \"sending snapshot\" line; dd = mean of the two dd "
          "runs, %.0f MB/s; goal: installed rate >= 0.5 x dd)" % dd)
    for i, r in enumerate(runs):
        print("transfer %d: the leader started sending the snapshot %d times before node-3 "
              "installed it (at %s s); node-3 logged \"receiving snapshot\" %d times" % (
                  i + 1, len(r["sends"]), ", ".join("%.1f" % t for t in r["sends"]),
                  r["receives"]))
        for t, text in r["notes"]:
            print("  %+.1f s %s" % (t, text[:200]))
        if r.get("trace"):
            print("  perf trace: %s" % r["trace"])


if __name__ == "__main__":
    sys.exit(main())
