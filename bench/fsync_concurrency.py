#!/usr/bin/env python3
"""fdatasync latency of one disk with 1, 2 and 3 writers at once.

A three-node cluster on one machine puts its three WALs on one disk: a write commits once
the leader and one follower synced it, but all three nodes sync each entry at about the same
time. This measures what one small fdatasync costs when that many processes sync at once
(each writes 128 bytes into its own preallocated file, then fdatasyncs it, in a loop), so a
single client's write latency can be compared with the disk's own floor.

usage: bench/fsync_concurrency.py [--dir DIR] [--iterations N] [--writers 1,2,3]
       (DIR defaults to build/bench/fsync; it must be on the disk the nodes use)
"""
import argparse
import multiprocessing as mp
import os
import shutil
import time


def writer(path, iterations, out):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
    try:
        os.posix_fallocate(fd, 0, max(1 << 20, iterations * 128))
        os.fsync(fd)
        latencies = []
        for i in range(iterations):
            began = time.perf_counter()
            os.pwrite(fd, b"x" * 128, i * 128)
            os.fdatasync(fd)
            latencies.append(time.perf_counter() - began)
        latencies.sort()
        out.put((latencies[len(latencies) // 2], latencies[len(latencies) * 99 // 100]))
    finally:
        os.close(fd)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join(root, "build", "bench", "fsync"))
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--writers", default="1,2,3")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    try:
        print("| writers at once | fdatasync p50 (ms) | p99 (ms) | syncs/s, all writers |")
        print("|---:|---:|---:|---:|")
        for count in (int(w) for w in args.writers.split(",")):
            out = mp.Queue()
            procs = [mp.Process(target=writer,
                                args=(os.path.join(args.dir, f"w{i}"), args.iterations, out))
                     for i in range(count)]
            began = time.perf_counter()
            for p in procs:
                p.start()
            for p in procs:
                p.join()
            elapsed = time.perf_counter() - began
            results = [out.get() for _ in procs]
            p50 = max(r[0] for r in results) * 1e3
            p99 = max(r[1] for r in results) * 1e3
            print(f"| {count} | {p50:.3f} | {p99:.3f} | {count * args.iterations / elapsed:,.0f} |")
    finally:
        shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
