#!/usr/bin/env python3
"""How a snapshot-sized file write delays a WAL's fdatasync on the same file system
(bench/README.md, "Snapshots and compaction"). No Helios code: plain files, so that the effect
of the writer's pattern is seen alone.

  python3 bench/snapshots/fsync_interference.py [--mib 132] [--dir DIR] [--rounds 2]

A "WAL" process appends 100 bytes and calls fdatasync in a loop (like a WAL with one small
entry per sync) and records each iteration's latency. While it runs, a "snapshot" process
writes --mib MiB to a new file in one of three ways, as the snapshot child could:
  none       nothing (the baseline: the WAL loop alone)
  one-write  one write() of the whole buffer, then one fdatasync (what the snapshot child
             does today: SnapshotStore::write_temporary of the serialized string)
  chunked    4 MiB write()s, each followed by fdatasync (Redis's rdb-save-incremental-fsync:
             never more than 4 MiB of dirty data waiting for the next sync)
Cases alternate (none, one-write, chunked, none, ...) --rounds times. Reported per case: the
WAL loop's syncs, p50, p99 and max latency over the writer's active time (for "none": the
same length of time), and the writer's elapsed time. Files live in a fresh directory under DIR
(default build/bench, the disk the benchmarks' nodes use) and are removed at the end.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from multiprocessing import Event, Process, Queue

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def wal_loop(path, stop, out):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    rec = b"x" * 100
    lat = []
    while not stop.is_set():
        t0 = time.monotonic()
        os.write(fd, rec)
        os.fdatasync(fd)
        t1 = time.monotonic()
        lat.append((t0, t1 - t0))
    os.close(fd)
    out.put(lat)


def writer(path, mode, mib, out):
    t0 = time.monotonic()
    if mode != "none":
        buf = os.urandom(1 << 20) * 4  # 4 MiB, not compressible
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        if mode == "one-write":
            whole = buf * (mib // 4) + buf[: (mib % 4) << 20]
            t0 = time.monotonic()
            os.write(fd, whole)
            os.fdatasync(fd)
        else:
            t0 = time.monotonic()
            left = mib << 20
            while left > 0:
                n = min(left, len(buf))
                os.write(fd, buf[:n])
                os.fdatasync(fd)
                left -= n
        os.close(fd)
        os.remove(path)
    out.put((t0, time.monotonic()))


def run_case(d, mode, mib, idle_s):
    q_wal, q_w, stop = Queue(), Queue(), Event()
    wal = Process(target=wal_loop, args=(os.path.join(d, "wal"), stop, q_wal))
    wal.start()
    time.sleep(2.0)
    if mode == "none":
        t0 = time.monotonic()
        time.sleep(idle_s)
        span = (t0, time.monotonic())
    else:
        w = Process(target=writer, args=(os.path.join(d, "snap"), mode, mib, q_w))
        w.start()
        span = q_w.get()
        w.join()
    time.sleep(0.5)
    stop.set()
    lat = q_wal.get()
    wal.join()
    os.remove(os.path.join(d, "wal"))
    during = [l * 1000 for t, l in lat if span[0] <= t < span[1]]
    s = common.summary_ms([x * 1000 for x in during])
    return {"mode": mode, "secs": span[1] - span[0], "syncs": len(during), "p50": s["p50"],
            "p99": s["p99"], "max": s["max"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mib", type=int, default=132)
    ap.add_argument("--dir", default=os.path.join(common.ROOT, "build", "bench"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--nice", type=int, default=0)
    args = ap.parse_args()
    common.apply_nice(args.nice)
    os.makedirs(args.dir, exist_ok=True)
    d = tempfile.mkdtemp(prefix="fsync-tmp.", dir=args.dir)
    try:
        print(common.machine_line())
        rows = []
        idle = 1.0
        for r in range(args.rounds):
            for mode in ("none", "one-write", "chunked"):
                row = run_case(d, mode, args.mib, idle)
                if mode == "one-write":
                    idle = max(1.0, row["secs"])  # "none" watches as long as a write takes
                row["round"] = r + 1
                rows.append(row)
                print("round %d %-9s writer %.2f s; WAL loop: %d syncs, p50 %.2f ms, p99 %.2f "
                      "ms, max %.1f ms" % (r + 1, mode, row["secs"], row["syncs"], row["p50"],
                                           row["p99"], row["max"]), flush=True)
        print()
        print("| round | writer | writer s | WAL syncs | WAL p50 ms | WAL p99 ms | WAL max ms |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for row in rows:
            print("| %d | %s | %.2f | %d | %.2f | %.2f | %.1f |" % (
                row["round"], row["mode"], row["secs"], row["syncs"], row["p50"], row["p99"],
                row["max"]))
        return 0
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
