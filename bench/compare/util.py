#!/usr/bin/env python3
"""Helpers for bench/compare.sh (standard library only).

  util.py ports N [AVOID...]       N port bases B, each with B+1..B+3 free on 127.0.0.1,
                                   below the ephemeral range, apart from each other and AVOID
  util.py etcd-leader              stdin: `etcdctl endpoint status -w json`; prints the
                                   leader's endpoint
  util.py helios-leader ADMIN_BASE SECONDS
                                   polls http://127.0.0.1:ADMIN_BASE+n/status (n = 1..3) until
                                   exactly one node says state "Leader"; prints n
  util.py fsync-probe DIR          p50 and p99 (ms) of 200 x {append 100 B; fdatasync} in DIR
  util.py report RESULTS.tsv       prints the markdown table (with the write cells' CPU us and
                                   context switches per write) and the target ratios
"""

import http.client
import json
import os
import random
import socket
import sys
import time


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


def cmd_ports(args):
    count = int(args[0])
    taken = [int(a) for a in args[1:]]
    hi = min(ephemeral_low(), 65530) - 10
    rng = random.Random()
    bases = []
    for _ in range(5000):
        if len(bases) == count:
            break
        base = rng.randrange(20000, hi)
        ports = range(base + 1, base + 4)
        if any(abs(p - t) < 8 for p in ports for t in taken):
            continue
        if all(port_free(p) for p in ports):
            bases.append(base)
            taken.extend(ports)
    if len(bases) != count:
        sys.exit("util.py: no free port ranges found")
    print(" ".join(str(b) for b in bases))


def cmd_etcd_leader(_args):
    for ep in json.load(sys.stdin):
        st = ep.get("Status", {})
        if st.get("leader") and st.get("header", {}).get("member_id") == st.get("leader"):
            print(ep["Endpoint"])
            return
    sys.exit("util.py: no etcd endpoint reports itself as leader")


def status(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
    try:
        conn.request("GET", "/status")
        resp = conn.getresponse()
        body = resp.read()
        return json.loads(body) if resp.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


def cmd_helios_leader(args):
    base, seconds = int(args[0]), float(args[1])
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        states = [status(base + n) for n in (1, 2, 3)]
        leaders = [n for n, s in zip((1, 2, 3), states)
                   if isinstance(s, dict) and s.get("state") == "Leader"]
        if len(leaders) == 1:
            print(leaders[0])
            return
        time.sleep(0.2)
    sys.exit("util.py: no single Helios leader on admin ports %d..%d after %g s"
             % (base + 1, base + 3, seconds))


def cmd_fsync_probe(args):
    path = os.path.join(args[0], "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    times = []
    try:
        for _ in range(200):
            start = time.perf_counter()
            os.write(fd, b"x" * 100)
            os.fdatasync(fd)
            times.append((time.perf_counter() - start) * 1000.0)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    print("p50 %.2f ms, p99 %.2f ms" % (times[100], times[197]))


# --------------------------------------------------------------------------------------
# The report.

TARGETS = [
    # Issue 13's goals. (name, numerator, denominator or None, what, comparison, goal)
    ("writes, 64 clients, vs etcd puts",
     ("helios", "SET", 64, 1, "rps"), ("etcd", "put", 64, 1, "rps"), "ratio", ">=", 4.0),
    ("writes, 64 clients, vs Redis appendfsync always",
     ("helios", "SET", 64, 1, "rps"), ("redis", "SET", 64, 1, "rps"), "ratio", ">=", 0.6),
    ("write p99, 64 clients, vs etcd put p99",
     ("helios", "SET", 64, 1, "p99"), ("etcd", "put", 64, 1, "p99"), "ratio", "<=", 0.25),
    ("single-client write p50 (ms)",
     ("helios", "SET", 1, 1, "p50"), None, "value", "<=", 0.35),
    ("writes, pipeline 16, 64 clients, vs Redis appendfsync always",
     ("helios", "SET", 64, 16, "rps"), ("redis", "SET", 64, 16, "rps"), "ratio", ">=", 0.6),
    ("linearizable reads, 64 clients, vs etcd linearizable gets",
     ("helios", "GET", 64, 1, "rps"), ("etcd", "get-l", 64, 1, "rps"), "ratio", ">=", 5.0),
    ("linearizable reads, 64 clients, vs single Redis GET",
     ("helios", "GET", 64, 1, "rps"), ("redis", "GET", 64, 1, "rps"), "ratio", ">=", 1.0),
    ("reads, 64 clients spread over 3 nodes, vs all at the leader",
     ("helios (3 nodes)", "GET", 64, 1, "rps"), ("helios", "GET", 64, 1, "rps"), "ratio",
     ">=", 1.0),
]


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            (system, op, clients, pipeline, rps, p50, p99, other, note, cpu, cs_leader,
             cs_all) = (line.rstrip("\n").split("\t") + [""] * 12)[:12]
            rows.append(dict(system=system, op=op, clients=int(clients),
                             pipeline=int(pipeline), rps=rps, p50=p50, p99=p99,
                             other=other, note=note, cpu=cpu, cs_leader=cs_leader,
                             cs_all=cs_all))
    return rows


def num(text):
    try:
        return float(text)
    except ValueError:
        return None


def fmt_rps(text):
    v = num(text)
    return "{:,.0f}".format(v) if v is not None else text


def fmt_ms(text):
    v = num(text)
    if v is None:
        return text
    return "%.3f" % v if v < 10 else "%.1f" % v


def cmd_report(args):
    rows = load(args[0])
    out = []
    out.append("| system | op | clients | pipeline | ops/s | p50 ms | p99 ms | other CPU "
               "| CPU us/write | switches/write leader | switches/write all |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if num(r["rps"]) is None:
            out.append("| %s | %s | %d | %d | %s | | | | | | |" % (
                r["system"], r["op"], r["clients"], r["pipeline"], r["note"] or r["rps"]))
            continue
        out.append("| %s | %s | %d | %d | %s | %s | %s | %s%% | %s | %s | %s |" % (
            r["system"], r["op"], r["clients"], r["pipeline"], fmt_rps(r["rps"]),
            fmt_ms(r["p50"]), fmt_ms(r["p99"]), r["other"], r["cpu"], r["cs_leader"],
            r["cs_all"]))
    out.append("")
    out.append("other CPU: share of the machine's CPU time (all %d CPUs) used during the "
               "cell by processes this run did not start (noise)." % (os.cpu_count() or 1))
    out.append("CPU us/write: user + system CPU time of all the system's server processes "
               "(Helios and etcd: 3, Redis: 1) during a write cell, divided by the writes "
               "acknowledged in it; switches/write: voluntary + involuntary context switches "
               "of the leader's threads, and of all the servers' threads, per write "
               "(a proxy for thread hand-offs; ticks and heartbeats included).")

    # The leader's rows are what the targets are about ("helios" below).
    index = {}
    for r in rows:
        system = "helios" if r["system"] == "helios (leader)" else r["system"]
        index[(system, r["op"], r["clients"], r["pipeline"])] = r

    def value(spec):
        r = index.get(spec[:4])
        return num(r[spec[4]]) if r else None

    out.append("")
    out.append("Targets (ratios of figures from this run):")
    out.append("")
    out.append("| target | Helios | reference | ratio | goal | result |")
    out.append("|---|---:|---:|---:|---|---|")
    for name, a, b, kind, cmp, goal in TARGETS:
        va = value(a)
        vb = value(b) if b else None
        unit = fmt_rps if a[4] == "rps" else fmt_ms
        ref = unit(str(vb)) if vb is not None else ("-" if b is None else "missing")
        if kind == "value":
            x, goal_text = va, "%s %g ms" % (cmp, goal)
        else:
            x = va / vb if va is not None and vb else None
            goal_text = "%s %g" % (cmp, goal)
            if vb is not None:
                need = goal * vb
                goal_text += " (Helios %s %s)" % (cmp, unit(str(need)))
        if va is None:
            result, helios, ratio = "pending", "n/a", "n/a"
        elif b is not None and vb is None:
            result, helios, ratio = "n/a (no reference)", unit(str(va)), "n/a"
        else:
            ok = x is not None and (x >= goal if cmp == ">=" else x <= goal)
            result = "PASS" if ok else "MISS"
            helios = unit(str(va))
            ratio = "-" if kind == "value" else ("%.2f" % x if x is not None else "n/a")
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            name, helios, ref, ratio, goal_text, result))
    print("\n".join(out))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    commands = {"ports": cmd_ports, "etcd-leader": cmd_etcd_leader,
                "helios-leader": cmd_helios_leader, "fsync-probe": cmd_fsync_probe,
                "report": cmd_report}
    cmd = commands.get(sys.argv[1])
    if cmd is None:
        sys.exit(__doc__)
    cmd(sys.argv[2:])


if __name__ == "__main__":
    main()
