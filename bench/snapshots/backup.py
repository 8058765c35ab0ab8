#!/usr/bin/env python3
"""Online backup of about 1,000,000 keys under load (bench/README.md, "Online backup").

  HELIOS_BIN=build/bin python3 bench/snapshots/backup.py

Starts the quick start's three nodes (tests/cluster/harness.py: free ports, a temporary
directory) with snapshots off (--snapshot-threshold 0 --snapshot-interval 0, so the backup
has to take one) and relaxed timing (heartbeat 100 ms, election 1 s, for a loaded 2-core
machine); loads 3,000,000 SETs of 100 bytes on 1,000,000 random keys with redis-benchmark
(about 950,000 distinct keys); then a PING every 1 ms and a SET every 2 ms (one connection
each) to the leader, and after 5 s `helios-cli backup` from the leader. Prints the backup's
summary and time, and n / p50 / p99 / max of PING and SET latency in the 5 s before and
during the backup (PING runs on the node's loop thread: its max is the longest loop stall
seen), and each node's term (a change would mean an election). Everything started is killed
by PID at the end and the directory removed.
"""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "cluster"))
import harness  # noqa: E402

NODE_ARGS = ["--snapshot-threshold", "0", "--snapshot-interval", "0",
             "--heartbeat-timeout", "100ms", "--election-timeout", "1s"]


def load(port):
    subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-r", "1000000",
                    "-n", "3000000", "-P", "16", "-c", "8", "-d", "100", "-q"],
                   check=True, stdout=subprocess.DEVNULL)


def loop(port, stop, out, command, pause):
    """Sends command(i) on one connection until stop; records (start, seconds) in out."""
    with harness.RespConnection("127.0.0.1", port, timeout=10) as r:
        i = 0
        while not stop.is_set():
            a = time.monotonic()
            r.call(*command(i))
            out.append((a, time.monotonic() - a))
            i += 1
            time.sleep(pause)


def window(samples, a, b):
    """(n, p50, p99, max) in ms of the samples started in [a, b]."""
    v = sorted(d * 1000 for t, d in samples if a <= t <= b)
    return len(v), round(v[len(v) // 2], 2), round(v[int(len(v) * .99)], 2), round(v[-1], 2)


def main():
    h = harness.Harness("backup-bench")
    try:
        c = h.quickstart_cluster(extra_args=NODE_ARGS).start()
        lid = c.wait_for_leader(timeout=30)
        port = c[lid].client[1]
        t0 = time.monotonic()
        load(port)
        print(f"loaded {c[lid].status()['keys']} keys in {time.monotonic() - t0:.1f} s",
              flush=True)
        h.wait_for(lambda: c.converged() is not None, 120, "converged")
        stop = threading.Event()
        pings, sets = [], []
        threads = [
            threading.Thread(target=loop, args=(port, stop, pings, lambda i: ["PING"], 0.001)),
            threading.Thread(target=loop, args=(
                port, stop, sets,
                lambda i: ["SET", f"key:{i * 7919 % 1000000:012d}", "x" * 100], 0.002))]
        for t in threads:
            t.start()
        time.sleep(5)
        b0 = time.monotonic()
        code, out = h.run([harness.binary("helios-cli"), "backup",
                           os.path.join(h.root, "big.backup"), "--admin",
                           f"127.0.0.1:{c[lid].admin[1]}"], timeout=600)
        b1 = time.monotonic()
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join()
        print(out)
        print(f"backup exit status {code}, {b1 - b0:.2f} s")
        print("PING (n, p50, p99, max ms) before:", window(pings, b0 - 5, b0),
              "during:", window(pings, b0, b1))
        print("SET  (n, p50, p99, max ms) before:", window(sets, b0 - 5, b0),
              "during:", window(sets, b0, b1))
        print("terms:", [c[i].status()["term"] for i in (1, 2, 3)])
    finally:
        h.cleanup(False)


if __name__ == "__main__":
    main()
