#!/usr/bin/env python3
"""What one page fault costs on this machine, and so what a fork()ed snapshot costs the node
that goes on writing (bench/README.md, "Leadership lost while snapshotting"). No Helios code.

  python3 bench/snapshots/cow_faults.py [--mib 64] [--rounds 3] [--nice N]

A process fills --mib MiB of private anonymous memory, then in each round:
  cow      fork()s a child that sleeps, and writes one byte to every page: each write is a
           copy-on-write fault (what a node's loop pays for every page it writes while the
           snapshot child runs);
  reuse    fork()s a child that exits at once, waits for it, and writes one byte to every
           page: each write is still a fault (fork write-protected the page), without a copy;
  zero     maps fresh memory and writes one byte to every page: a first-touch fault (the
           floor: what any newly touched page costs, fork or not);
  written  writes one byte to every page again, with no fork in between: no fault (the
           cost of the loop itself, subtracted from nothing, shown for scale).
Reported per case: milliseconds for all pages and microseconds per page.
"""

import argparse
import mmap
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

PAGE = mmap.PAGESIZE


def touch(buf, pages):
    t0 = time.perf_counter()
    for i in range(pages):
        buf[i * PAGE] = 2
    return time.perf_counter() - t0


def fork_child(exit_at_once):
    pid = os.fork()
    if pid == 0:
        if not exit_at_once:
            time.sleep(30)
        os._exit(0)
    return pid


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--nice", type=int, default=0)
    args = ap.parse_args()
    common.apply_nice(args.nice)
    size = args.mib << 20
    pages = size // PAGE
    buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    buf.write(b"\x01" * size)
    print(common.machine_line())
    print("%d MiB, %d pages of %d bytes" % (args.mib, pages, PAGE))
    for r in range(args.rounds):
        pid = fork_child(exit_at_once=False)
        cow = touch(buf, pages)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pid = fork_child(exit_at_once=True)
        os.waitpid(pid, 0)
        reuse = touch(buf, pages)
        fresh = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        zero = touch(fresh, pages)
        written = touch(fresh, pages)
        fresh.close()
        for name, secs in (("cow", cow), ("reuse", reuse), ("zero", zero), ("written", written)):
            print("round %d %-7s %8.1f ms  %6.2f us/page" % (r + 1, name, secs * 1000,
                                                             secs * 1e6 / pages), flush=True)


if __name__ == "__main__":
    main()
