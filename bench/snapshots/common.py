"""Shared pieces of the snapshot benchmarks (bench/snapshots/*.py): a quick-start cluster of
build/bin/raft-example nodes on free loopback ports in a fresh data root, with every log line
time-stamped (unix seconds, read from the node's stderr pipe as it is written) so that the
benchmarks can place "taking snapshot" / "took snapshot" / "sending snapshot" / "installed
snapshot" on the same clock as the load generator's requests; the load generator
(build/bin/helios-resp-load, bench/resp_load.cc); percentiles. Standard library only.

Everything started here is stopped by PID (SIGKILL, then reaped) at exit, on an exception and
on SIGINT/SIGTERM; the data root is removed unless keep=True.
"""

import atexit
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODES = ("node-1", "node-2", "node-3")


class HarnessError(Exception):
    pass


def default_bin_dir():
    return os.environ.get("HELIOS_BIN", os.path.join(ROOT, "build", "bin"))


def binary(bin_dir, name):
    path = os.path.join(bin_dir, name)
    if not os.access(path, os.X_OK):
        raise HarnessError("%s not found; build it (cmake --preset release && cmake --build "
                           "build/release --target raft-example helios-resp-load) or pass "
                           "--bin DIR" % path)
    return path


def say(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


# --------------------------------------------------------------------------------------
# Ports.

# The port probes of bench/compare/util.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compare"))
from util import ephemeral_low as _ephemeral_low, port_free as _port_free  # noqa: E402


def pick_bases(count=3):
    """`count` bases B with B+1..B+3 free, below the ephemeral range, apart from each other."""
    hi = min(_ephemeral_low(), 65530) - 10
    rng = random.Random()
    bases = []
    for _ in range(2000):
        base = rng.randrange(10000, hi)
        if any(abs(base - b) < 10 for b in bases):
            continue
        if all(_port_free(p) for p in range(base + 1, base + 4)):
            bases.append(base)
            if len(bases) == count:
                return bases
    raise HarnessError("no free port ranges found")


# --------------------------------------------------------------------------------------
# Processes we started (killed at exit whatever happens).

_children = []


def _kill_children():
    for p in list(_children):
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
    for p in list(_children):
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    _children.clear()


def _on_signal(signum, frame):
    _kill_children()
    sys.exit(128 + signum)


atexit.register(_kill_children)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def spawn(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    _children.append(p)
    return p


def run(argv, timeout, **kw):
    """Runs a command to completion (killed after timeout s); returns its stdout."""
    p = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
              **kw)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise HarnessError("%s did not finish within %d s" % (" ".join(argv[:2]), timeout))
    finally:
        if p in _children:
            _children.remove(p)
    if p.returncode != 0:
        raise HarnessError("%s failed (%d): %s" % (" ".join(argv), p.returncode,
                                                   out.decode(errors="replace")[-2000:]))
    return out.decode(errors="replace")


# --------------------------------------------------------------------------------------
# The cluster.

class Node:
    def __init__(self, name):
        self.name = name
        self.proc = None
        self.started_at = None  # unix s, just before exec
        self.lines = []  # (unix s, text), every line of every run of this node
        self.cond = threading.Condition()
        self.log = None


class Cluster:
    def __init__(self, bin_dir, keep=False, tmp_parent=None, label="snap"):
        self.binary = binary(bin_dir, "raft-example")
        parent = tmp_parent or os.path.join(ROOT, "build", "bench")
        os.makedirs(parent, exist_ok=True)
        self.root = tempfile.mkdtemp(prefix=label + "-tmp.", dir=parent)
        self.data_root = os.path.join(self.root, "data")
        os.makedirs(self.data_root)
        self.keep = keep
        self.peer_base, self.admin_base, self.client_base = pick_bases(3)
        self.nodes = {n: Node(n) for n in NODES}
        self.flags = {n: [] for n in NODES}

    # -- ports and paths
    def index(self, name):
        return NODES.index(name) + 1

    def admin_port(self, name):
        return self.admin_base + self.index(name)

    def client_port(self, name):
        return self.client_base + self.index(name)

    def node_dir(self, name):
        return os.path.join(self.data_root, name)

    def log_path(self, name):
        return os.path.join(self.root, name + ".log")

    # -- processes
    def start(self, name, extra=None):
        node = self.nodes[name]
        if node.proc is not None and node.proc.poll() is None:
            raise HarnessError("%s is already running" % name)
        if extra is not None:
            self.flags[name] = list(extra)
        argv = [self.binary, name,
                "--peer-port-base", str(self.peer_base),
                "--admin-port-base", str(self.admin_base),
                "--client-port-base", str(self.client_base),
                "--data-root", self.data_root] + self.flags[name]
        if node.log is None:
            node.log = open(self.log_path(name), "a")
        node.log.write("%.6f ==== start: %s\n" % (time.time(), " ".join(argv)))
        node.log.flush()
        node.started_at = time.time()
        node.proc = spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
        threading.Thread(target=self._reader, args=(node, node.proc), daemon=True).start()
        return node.started_at

    def _reader(self, node, proc):
        for raw in proc.stdout:
            t = time.time()
            text = raw.decode(errors="replace").rstrip("\n")
            with node.cond:
                node.lines.append((t, text))
                node.cond.notify_all()
            node.log.write("%.6f %s\n" % (t, text))
        node.log.flush()

    def stop(self, name, sig=signal.SIGTERM, timeout=60):
        """Stops a node (SIGTERM: a clean shutdown; SIGKILL: a crash) and reaps it."""
        node = self.nodes[name]
        p = node.proc
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(sig)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise HarnessError("%s did not stop within %d s of signal %d" % (name, timeout, sig))
        if p in _children:
            _children.remove(p)
        node.proc = None

    def stop_all(self):
        for name in NODES:
            node = self.nodes[name]
            if node.proc is not None and node.proc.poll() is None:
                node.proc.kill()
        for name in NODES:
            try:
                self.stop(name, signal.SIGKILL, timeout=10)
            except HarnessError:
                pass

    def close(self):
        self.stop_all()
        for node in self.nodes.values():
            if node.log is not None:
                node.log.close()
                node.log = None
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def check_alive(self, names=NODES):
        for name in names:
            p = self.nodes[name].proc
            if p is not None and p.poll() is not None:
                raise HarnessError("%s exited with status %s; its log: %s" % (
                    name, p.returncode, self.log_path(name)))

    # -- logs
    def wait_line(self, name, pattern, after=0.0, timeout=60.0):
        """The first line of node `name` logged at or after unix time `after` that matches
        the regex: (time, match). Raises after timeout s."""
        rx = re.compile(pattern)
        node = self.nodes[name]
        end = time.monotonic() + timeout
        seen = 0
        with node.cond:
            while True:
                for i in range(seen, len(node.lines)):
                    t, text = node.lines[i]
                    if t >= after:
                        m = rx.search(text)
                        if m:
                            return t, m
                seen = len(node.lines)
                left = end - time.monotonic()
                if left <= 0:
                    raise HarnessError("%s: no log line matching %r within %.0f s (log: %s)" % (
                        name, pattern, timeout, self.log_path(name)))
                node.cond.wait(min(left, 0.5))
                p = node.proc
                if p is not None and p.poll() is not None and len(node.lines) == seen:
                    raise HarnessError("%s exited (%s) while waiting for %r (log: %s)" % (
                        name, p.returncode, pattern, self.log_path(name)))

    def lines_matching(self, name, pattern, after=0.0, before=float("inf")):
        rx = re.compile(pattern)
        node = self.nodes[name]
        with node.cond:
            return [(t, text) for t, text in node.lines
                    if after <= t <= before and rx.search(text)]

    # -- admin API
    def status(self, name, timeout=1.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port(name), timeout=timeout)
        try:
            conn.request("GET", "/status")
            resp = conn.getresponse()
            body = resp.read()
            return json.loads(body) if resp.status == 200 else None
        except (OSError, http.client.HTTPException, ValueError):
            return None
        finally:
            conn.close()

    def post(self, name, path, timeout=5.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port(name), timeout=timeout)
        try:
            conn.request("POST", path)
            resp = conn.getresponse()
            return resp.status, resp.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as e:
            return None, str(e)
        finally:
            conn.close()

    def wait_leader(self, names=NODES, timeout=30.0, commit_equal=True):
        """Waits until every node in `names` answers /status, one of them leads and all
        follow it in the same term (and, with commit_equal, agree on commit_index); returns
        the leader's name."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.check_alive(names)
            st = {n: self.status(n) for n in names}
            if all(s is not None for s in st.values()):
                leaders = [n for n, s in st.items() if s["state"] == "Leader"]
                if len(leaders) == 1:
                    lead = st[leaders[0]]
                    if all(s["term"] == lead["term"] and s["leader"] == leaders[0]
                           and (not commit_equal or s["commit_index"] == lead["commit_index"])
                           for s in st.values()):
                        return leaders[0]
            time.sleep(0.05)
        raise HarnessError("no converged leader among %s within %.0f s" % (names, timeout))

    def wait_caught_up(self, names=NODES, timeout=120.0):
        """Waits until every node in `names` has applied the leader's commit index."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.check_alive(names)
            st = {n: self.status(n) for n in names}
            if all(s is not None for s in st.values()):
                commit = max(s["commit_index"] for s in st.values())
                if all(s["last_applied"] >= commit for s in st.values()):
                    return st
            time.sleep(0.1)
        raise HarnessError("nodes %s did not catch up within %.0f s" % (names, timeout))


# --------------------------------------------------------------------------------------
# RESP, minimal (for one-off commands; the load generator does the load).

def resp_command(port, *args, timeout=10.0):
    """Sends one command, returns the reply's first line (e.g. '+OK', '$3' + data...)."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(out)
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        first, _, rest = buf.partition(b"\r\n")
        if first.startswith(b"$") and int(first[1:]) >= 0:
            n = int(first[1:])
            while len(rest) < n + 2:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            return first.decode() + " " + rest[:n].decode(errors="replace")
        return first.decode(errors="replace")


def try_resp(port, *args, timeout=1.0):
    try:
        return resp_command(port, *args, timeout=timeout)
    except OSError:
        return None


# --------------------------------------------------------------------------------------
# Figures.

def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summary_ms(latencies_us):
    v = sorted(latencies_us)
    if not v:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "p999": float("nan"),
                "max": float("nan")}
    return {"n": len(v), "p50": percentile(v, 50) / 1000.0, "p99": percentile(v, 99) / 1000.0,
            "p999": percentile(v, 99.9) / 1000.0, "max": v[-1] / 1000.0}


def machine_line():
    load = open("/proc/loadavg").read().split()[:3]
    return "%s UTC; nproc %d; load average %s" % (
        time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.cpu_count(), " ".join(load))


def proc_cpu_s(pid):
    """CPU seconds of a process and of its reaped children (utime+stime+cutime+cstime)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in v[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def reaped_children_cpu_s(pid):
    """CPU seconds of a process's reaped children (cutime + cstime): for a node, its snapshot
    children."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in v[13:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class CpuMeter:
    """Machine CPU use between start() and stop(), split into ours (the processes this
    harness started, the snapshot children included once reaped) and the others'. Shares of
    all CPUs."""

    def __init__(self):
        self.t0 = self.our0 = None

    @staticmethod
    def _machine():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        tck = os.sysconf("SC_CLK_TCK")
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v) / tck, (sum(v) - idle) / tck

    @staticmethod
    def _ours():
        return sum(proc_cpu_s(p.pid) for p in _children if p.poll() is None)

    def start(self):
        self.t0 = self._machine()
        self.our0 = self._ours()

    def stop(self):
        total1, busy1 = self._machine()
        total = max(1e-9, total1 - self.t0[0])
        busy = (busy1 - self.t0[1]) / total
        ours = max(0.0, self._ours() - self.our0) / total
        return {"busy": busy, "ours": min(ours, busy), "others": max(0.0, busy - ours)}


def add_run_args(ap):
    """The options every cluster benchmark here takes: --bin, --nice, --keep."""
    ap.add_argument("--bin", default=default_bin_dir())
    ap.add_argument("--nice", type=int, default=0,
                    help="niceness for the nodes and the load generator (e.g. -10, root)")
    ap.add_argument("--keep", action="store_true")


def apply_nice(n):
    """Runs this harness and everything it starts at niceness n (negative needs root)."""
    if n:
        os.setpriority(os.PRIO_PROCESS, 0, n)


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def dir_bytes(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(d, f))
            except OSError:
                pass
    return total
