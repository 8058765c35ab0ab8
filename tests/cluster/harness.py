"""A small harness for Helios cluster tests: real processes on 127.0.0.1.

Every test gets a Harness: a fresh temporary directory (logs in <tmp>/logs, data in
<tmp>/data), the processes it started (stopped and killed only by their PIDs), and helpers
that poll the nodes' admin /status with short sleeps until a condition holds or a deadline
passes; and RespConnection, a plain client for the nodes' client port (Redis protocol).
Nothing here uses a fixed sleep as an assertion: a wait either sees its condition or fails
with the last statuses it saw.

Standard library only.
"""

import atexit
import ctypes
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

POLL_INTERVAL = 0.05  # seconds between two polls of a condition
HTTP_TIMEOUT = 1.0  # seconds for one /status request
STOP_TIMEOUT = 15.0  # SIGTERM, then SIGKILL after this many seconds
LOG_TAIL_LINES = 60  # lines of each node's log printed when a test fails


def bin_dir():
    """Where the Helios binaries are: $HELIOS_BIN, else <repo>/build/bin."""
    configured = os.environ.get("HELIOS_BIN")
    if configured:
        return os.path.abspath(configured)
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(os.path.join(here, "..", "..", "build", "bin"))


def binary(name):
    path = os.path.join(bin_dir(), name)
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(
            f"{path} not found or not executable: build first "
            f"(cmake --build build/release) or set HELIOS_BIN")
    return path


# --- orphans ------------------------------------------------------------------------------

_LIVE_HARNESSES = []  # harnesses not cleaned up yet, killed at exit (e.g. after Ctrl+C)


@atexit.register
def _kill_leftovers():
    for h in list(_LIVE_HARNESSES):
        h.kill_all()


def _die_with_parent():
    """Runs in the child before exec: SIGKILL it if the test process dies (even by
    SIGKILL, e.g. a ctest timeout), so that no node outlives its test. Linux only."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL))  # PDEATHSIG
    except OSError:
        pass


# --- ports -------------------------------------------------------------------------------

def _bind(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    return s


def _ephemeral_range():
    """The kernel's range for the source ports of outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def _candidate_ports(count):
    """Random first ports of count consecutive ports that lie outside the ephemeral range.
    A port inside it may be taken by any outgoing connection (a node connecting to a peer)
    between the test's release() and the node's bind; a port outside it never is."""
    low, high = _ephemeral_range()
    spans = [(10000, low - count), (high + 1, 65535 - count)]
    spans = [(a, b) for a, b in spans if b > a]
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    while True:
        a, b = rng.choice(spans)
        yield rng.randint(a, b)


class PortReservation:
    """Ports held by bound sockets until release(), called just before the nodes start.
    Every port is outside the kernel's ephemeral range, so that no outgoing connection of
    a node (or of anything else on the machine) can occupy it after release()."""

    def __init__(self):
        self._sockets = []
        self.ports = []

    def take_free(self, n):
        """n free ports (not necessarily consecutive)."""
        return [self.take_base(1) + 1 for _ in range(n)]

    def take_base(self, count, attempts=500):
        """A base P such that P+1..P+count are all free (and now held)."""
        candidates = _candidate_ports(count)
        for _ in range(attempts):
            port = next(candidates)
            held = []
            for p in range(port, port + count):
                s = _bind(p)
                if s is None:
                    break
                held.append(s)
            if len(held) == count:
                self._sockets.extend(held)
                self.ports.extend(range(port, port + count))
                return port - 1
            for s in held:
                s.close()
        raise OSError(f"no {count} consecutive free ports found")

    def release(self):
        for s in self._sockets:
            s.close()
        self._sockets = []


# --- admin HTTP ----------------------------------------------------------------------------

def http_get(host, port, path, timeout=HTTP_TIMEOUT):
    """(status code, body) or (None, error text) when the node does not answer."""
    url = f"http://{host}:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (OSError, ValueError) as e:  # refused, reset, timeout, bad reply
        return None, str(e)


# --- the client port (Redis protocol) --------------------------------------------------

class RespError(Exception):
    """An error reply (RESP2 '-', RESP3 '-' or '!'): message is the whole line, e.g.
    "ERR syntax error" or "MOVED 0 127.0.0.1:7001"."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    @property
    def code(self):
        return self.message.split(" ", 1)[0]


class RespSet(list):
    """A RESP3 set (~): a list, to tell it apart from an array."""


class RespPush(list):
    """A RESP3 push (>)."""


class Verbatim(bytes):
    """A RESP3 verbatim string (=): the text without its 'txt:' prefix; .format is 'txt'."""
    format = "txt"


class RespConnection:
    """A plain, blocking RESP2/RESP3 connection: no retries, no pooling, nothing hidden, so
    a test knows exactly what was sent and what came back. Replies are parsed into Python
    values: simple string -> str, bulk string -> bytes, integer -> int, null -> None,
    array -> list, and in RESP3 map -> dict, set -> RespSet, double -> float, boolean ->
    bool, big number -> int, verbatim -> Verbatim. An error reply is returned as a
    RespError by read_reply() / command(), raised by call(). last_type is the type byte of
    the last top-level reply. Standard library only."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()
        self.last_type = None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, (int, float)):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def send_raw(self, data):
        self.sock.sendall(data)

    def command(self, *args):
        """Sends one command and returns its reply (a RespError for an error reply)."""
        self.send(*args)
        return self.read_reply()

    def call(self, *args):
        """Like command(), but raises the RespError of an error reply."""
        reply = self.command(*args)
        if isinstance(reply, RespError):
            raise reply
        return reply

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self._buf += chunk

    def read_line(self, sep=b"\r\n"):
        """The next line (without sep) of what the server sent; e.g. sep=b"\\n" for the
        JSON-lines protocol."""
        while True:
            i = self._buf.find(sep)
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[:i + len(sep)]
                return line
            self._fill()

    def _line(self):
        return self.read_line()

    def _exact(self, n):
        while len(self._buf) < n + 2:
            self._fill()
        data = bytes(self._buf[:n])
        del self._buf[:n + 2]
        return data

    def read_reply(self):
        value, kind = self._read()
        self.last_type = kind
        return value

    def _read(self):
        line = self._line()
        if not line:
            raise ValueError("empty reply line")
        kind, rest = chr(line[0]), line[1:]
        if kind == "+":
            return rest.decode("utf-8", "replace"), kind
        if kind == "-":
            return RespError(rest.decode("utf-8", "replace")), kind
        if kind in ":(":
            return int(rest), kind
        if kind in "$=!":
            n = int(rest)
            if n < 0:
                return None, kind
            data = self._exact(n)
            if kind == "!":
                return RespError(data.decode("utf-8", "replace")), kind
            if kind == "=":
                v = Verbatim(data[4:])
                v.format = data[:3].decode()
                return v, kind
            return data, kind
        if kind in "*~>":
            n = int(rest)
            if n < 0:
                return None, kind
            items = [self._read()[0] for _ in range(n)]
            return (RespSet(items) if kind == "~" else RespPush(items) if kind == ">"
                    else items), kind
        if kind == "%":
            out = {}
            for _ in range(int(rest)):
                k = self._read()[0]
                out[k.decode() if isinstance(k, bytes) else k] = self._read()[0]
            return out, kind
        if kind == "|":  # attributes: skipped, then the value they describe
            for _ in range(2 * int(rest)):
                self._read()
            return self._read()
        if kind == "_":
            return None, kind
        if kind == ",":
            return float(rest), kind
        if kind == "#":
            return rest == b"t", kind
        raise ValueError(f"unknown reply type {line[:20]!r}")


def resp_ping(address, timeout=1.0):
    """Whether the client port at address answers PING with PONG."""
    try:
        with RespConnection(*address, timeout=timeout) as c:
            return c.command("PING") == "PONG"
    except (OSError, ValueError):
        return False


# --- a writing client ---------------------------------------------------------------

class WriteLoop(threading.Thread):
    """A client writing in a loop (test_transfer_leader.py, test_procedures.py,
    bench/transfer.py): SETs unique keys NAME:SEQ through one connection with a short
    timeout; on a broken connection it moves to the next node of `order` (node ids of
    `cluster`), or of `targets()` (client addresses, asked at each move) if given; with
    move_on_error, an error reply (-TRYAGAIN: not applied, -UNCERTAIN: unknown) moves it too.
    Records every acknowledged write (monotonic time of its reply, key, value), counts the
    errors by kind, and keeps in `unexpected` any answer other than OK, -TRYAGAIN and
    -UNCERTAIN. Runs until `stop` (a threading.Event) is set."""

    def __init__(self, name, cluster, order, stop, targets=None, move_on_error=False,
                 timeout=1.0):
        super().__init__(name=name, daemon=True)
        self.cluster, self.order, self.stop = cluster, list(order), stop
        self.targets, self.move_on_error, self.timeout = targets, move_on_error, timeout
        self.acked = []  # (time, key, value)
        self.errors = {}  # first word of the error (or the exception's class) -> count
        self.samples = {}  # the first message of each kind of error
        self.unexpected = []
        self.reconnects = 0

    def note(self, what, text=""):
        self.errors[what] = self.errors.get(what, 0) + 1
        self.samples.setdefault(what, text)

    def address(self, at):
        """The client address of the at-th node to try, or None if there is none now."""
        if self.targets is not None:
            addresses = self.targets()
            return addresses[at % len(addresses)] if addresses else None
        return self.cluster[self.order[at % len(self.order)]].client

    def run(self):
        seq, at, conn = 0, 0, None
        while not self.stop.is_set():
            if conn is None:
                address = self.address(at)
                try:
                    if address is None:
                        raise ConnectionRefusedError("no node to write to")
                    conn = RespConnection(*address, timeout=self.timeout)
                except OSError:
                    at += 1
                    self.note("connect")
                    time.sleep(0.01)
                    continue
            key, value = f"{self.name}:{seq}", f"v{seq}"
            seq += 1
            try:
                reply = conn.command("SET", key, value)
            except (OSError, ValueError) as e:  # reset, EOF, timeout: outcome unknown
                self.note(type(e).__name__)
                conn.close()
                conn, at = None, at + 1
                self.reconnects += 1
                continue
            if reply == "OK":
                self.acked.append((time.monotonic(), key, value))
                continue
            if isinstance(reply, RespError):
                self.note(reply.code, reply.message)  # TRYAGAIN: not applied; UNCERTAIN: unknown
                if reply.code not in ("TRYAGAIN", "UNCERTAIN"):
                    self.unexpected.append(reply.message)
            else:
                self.note("other", repr(reply))
                self.unexpected.append(repr(reply))
            if self.move_on_error:
                conn.close()
                conn, at = None, at + 1
                time.sleep(0.02)
        if conn is not None:
            conn.close()

    def acked_between(self, since, until):
        return sum(1 for t, _, _ in self.acked if since <= t <= until)

    def longest_gap(self, since, until):
        """The longest time between two acknowledged writes in [since, until]: seconds."""
        times = [since] + [t for t, _, _ in self.acked if since <= t <= until] + [until]
        return max(b - a for a, b in zip(times, times[1:]))


def check_acked(node, writers):
    """Raises AssertionError naming the first lost keys if an acknowledged write of any
    WriteLoop in `writers` does not read back (MGET in batches) at `node`."""
    with RespConnection(*node.client, timeout=10.0) as r:
        for w in writers:
            for i in range(0, len(w.acked), 500):
                batch = w.acked[i:i + 500]
                got = r.call("MGET", *[k for _, k, _ in batch])
                lost = [k for (_, k, v), g in zip(batch, got) if g != v.encode()]
                if lost:
                    raise AssertionError(f"acknowledged writes lost at {node.name}: {lost[:5]}")


# --- processes ---------------------------------------------------------------------------

class Node:
    """One node process. Its output (stdout and stderr) goes to one log file, appended to
    across restarts, each start marked by a '=== harness: start #k ===' line."""

    def __init__(self, harness, node_id, name, argv, admin_port, data_dir):
        self.harness = harness
        self.id = node_id
        self.name = name
        self.argv = list(argv)
        self.admin = ("127.0.0.1", admin_port)
        self.data_dir = data_dir
        self.log_path = os.path.join(harness.log_dir, f"{name}.log")
        self.client = None  # (host, port) of its client (Redis protocol) port, if any
        self.proc = None
        self.starts = 0
        self.exit_codes = []

    # life cycle
    def start(self):
        assert not self.alive(), f"{self.name} is already running (pid {self.proc.pid})"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"=== harness: start #{self.starts}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.proc = self.harness.spawn(self.argv, log)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def send(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def wait_exit(self, timeout):
        """The exit status, or None if the process is still running after timeout."""
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._note_exit(code)
        return code

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig (SIGTERM by default), waits up to timeout, then SIGKILLs. Returns
        (exit status, whether it stopped by itself within the bound)."""
        if self.proc is None:
            return None, True
        if self.proc.poll() is not None:
            return self.proc.returncode, True
        os.kill(self.proc.pid, sig)
        code = self.wait_exit(timeout)
        if code is not None:
            return code, True
        self.kill9()
        return self.proc.returncode, False

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self._note_exit(self.proc.returncode)

    def _note_exit(self, code):
        if len(self.exit_codes) < self.starts:
            self.exit_codes.append(code)

    # observation
    def status(self):
        """The node's /status as a dict, or None if it does not answer."""
        return self.get_json("/status") if self.alive() else None

    def admin_get(self, path, timeout=None):
        """(status code, body) of GET path on the admin port, (None, error text) when it
        does not answer; the one place get_json() and health() ask (a subclass may speak
        another scheme)."""
        args = {} if timeout is None else {"timeout": timeout}
        return http_get(*self.admin, path, **args)

    def get_json(self, path, timeout=None):
        """GET path on the admin port: the JSON answer of a 200, else None."""
        code, body = self.admin_get(path, timeout)
        if code != 200:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def health(self):
        code, _ = self.admin_get("/health")
        return code

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_since_last_start(self):
        text = self.log()
        mark = text.rfind("=== harness: start #")
        return text[mark:] if mark >= 0 else text

    def log_tail(self, lines=LOG_TAIL_LINES):
        return "\n".join(self.log().splitlines()[-lines:])

    def __repr__(self):
        state = f"pid {self.pid}" if self.alive() else "stopped"
        return f"<{self.name} {state}>"


class Cluster:
    """A group of nodes (one Raft cluster), indexed by node id."""

    def __init__(self, harness, nodes):
        self.harness = harness
        self.nodes = {n.id: n for n in nodes}

    def __getitem__(self, node_id):
        return self.nodes[node_id]

    def start(self, ids=None):
        for i in ids if ids is not None else sorted(self.nodes):
            self.nodes[i].start()
        return self

    def live(self, ids=None):
        ids = ids if ids is not None else sorted(self.nodes)
        return [i for i in ids if self.nodes[i].alive()]

    def statuses(self, ids=None):
        """{id: /status dict or None} for the live nodes (or the given ids)."""
        return {i: self.nodes[i].status() for i in (ids if ids is not None else self.live())}

    def leader(self, ids=None):
        """The id of the live node reporting itself Leader (the highest term if, briefly,
        a deposed leader still does), or None."""
        best = None
        for i, s in self.statuses(ids).items():
            if s and s["state"] == "Leader" and (best is None or s["term"] > best[1]):
                best = (i, s["term"])
        return best[0] if best else None

    def agreed_leader(self, ids=None, exclude=()):
        """(leader id, statuses) when, in one round of polls, every node of ids (default:
        the live nodes) answers, exactly one is Leader, it is not in exclude, and all the
        others are Followers of it in the same term; (None, statuses) otherwise."""
        st = self.statuses(ids)
        if not st or any(s is None for s in st.values()):
            return None, st
        leaders = [i for i, s in st.items() if s["state"] == "Leader"]
        if len(leaders) != 1 or leaders[0] in exclude:
            return None, st
        lid = leaders[0]
        term = st[lid]["term"]
        for i, s in st.items():
            if i != lid and (s["state"] != "Follower" or s["leader_id"] != lid
                             or s["term"] != term):
                return None, st
        return lid, st

    def wait_for_leader(self, exclude=(), ids=None, timeout=20.0):
        """Waits until the live nodes (or ids) agree on one leader not in exclude; returns
        its id."""
        last = {}

        def cond():
            lid, st = self.agreed_leader(ids, exclude)
            last["statuses"] = st
            return lid

        return self.harness.wait_for(
            cond, timeout, f"one leader (not in {list(exclude)}) agreed by all", last)

    def converged(self, ids=None):
        """The statuses when every node of ids (default: live) answers with commit_index ==
        last_applied, the same on all of them (and not 0); else None."""
        st = self.statuses(ids)
        if not st or any(s is None for s in st.values()):
            return None
        pairs = {(s["commit_index"], s["last_applied"]) for s in st.values()}
        if len(pairs) != 1:
            return None
        commit, applied = pairs.pop()
        return st if commit == applied and commit > 0 else None

    def wait_for_convergence(self, ids=None, timeout=20.0, extra=None, what=""):
        """Waits until converged(ids) and, if given, extra(statuses) hold; returns the
        statuses."""
        last = {}

        def cond():
            st = self.converged(ids)
            last["statuses"] = st if st is not None else self.statuses(ids)
            if st is None or (extra is not None and not extra(st)):
                return None
            return st

        return self.harness.wait_for(
            cond, timeout, "commit_index == last_applied, equal on all nodes" + what, last)


class Harness:
    """Owns one test's temporary directory and every process it starts."""

    def __init__(self, test_name):
        safe = "".join(c if c.isalnum() else "-" for c in test_name)[-60:]
        self.root = tempfile.mkdtemp(prefix=f"helios-cluster-{safe}-")
        self.log_dir = os.path.join(self.root, "logs")
        self.data_root = os.path.join(self.root, "data")
        os.makedirs(self.log_dir)
        os.makedirs(self.data_root)
        self.procs = []  # every Popen this harness started
        self.nodes = []  # every Node, in creation order
        _LIVE_HARNESSES.append(self)

    # processes
    def spawn(self, argv, log_file):
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT, cwd=self.root,
                                preexec_fn=_die_with_parent)
        self.procs.append(proc)
        return proc

    def run(self, argv, timeout=30.0, name="run"):
        """Runs a short-lived command to its end (killed by PID after timeout); returns
        (exit status, its output)."""
        path = os.path.join(self.log_dir, f"{name}.log")
        with open(path, "ab") as log:
            log.write(f"=== harness: run: {' '.join(argv)}\n".encode())
            log.flush()
            proc = self.spawn(argv, log)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                raise AssertionError(f"{' '.join(argv)} still running after {timeout}s")
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        return code, text[text.rfind("=== harness: run:"):]

    def kill_all(self):
        """SIGKILLs, by PID, every process this harness started that is still running."""
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def cleanup(self, failed):
        """Kills everything; on failure prints each node's log tail and keeps the directory,
        on success removes it."""
        for node in self.nodes:
            node.kill9()  # records the exit status (-9) of nodes still running
        self.kill_all()
        if self in _LIVE_HARNESSES:
            _LIVE_HARNESSES.remove(self)
        if failed:
            out = [f"\n===== test failed; logs and data kept in {self.root} ====="]
            for node in self.nodes:
                out.append(f"----- {node.name} ({node.log_path}), exits {node.exit_codes}, "
                           f"last {LOG_TAIL_LINES} lines -----")
                out.append(node.log_tail())
            for name in sorted(os.listdir(self.log_dir)):
                if name.startswith("run"):
                    with open(os.path.join(self.log_dir, name), "rb") as f:
                        out.append(f"----- {name} -----")
                        out.append(f.read().decode("utf-8", "replace")[-4000:])
            sys.stderr.write("\n".join(out) + "\n")
            sys.stderr.flush()
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    # waiting
    def wait_for(self, condition, timeout, what, last=None):
        """Polls condition() every POLL_INTERVAL until it returns a truthy value (returned)
        or timeout seconds pass (AssertionError naming what, with the last statuses)."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() >= deadline:
                detail = ""
                if last is not None and "statuses" in last:
                    detail = "\nlast statuses:\n" + format_statuses(last["statuses"])
                raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")
            time.sleep(POLL_INTERVAL)

    def finish_writers(self, writers, stop, more=50, timeout=30.0, join_timeout=10.0):
        """Waits until each WriteLoop of writers has `more` further acknowledged writes,
        then sets stop and joins them (AssertionError if one does not stop)."""
        for w in writers:
            n = len(w.acked)
            self.wait_for(lambda w=w, n=n: len(w.acked) >= n + more, timeout,
                          f"{more} more acknowledged writes from {w.name}")
        stop.set()
        for w in writers:
            w.join(timeout=join_timeout)
            if w.is_alive():
                raise AssertionError(f"{w.name} did not stop")

    def observe(self, duration, check, what):
        """Polls check() (which returns None when all is well, else a complaint) for
        duration seconds: a property that must hold throughout, e.g. 'no leader', over
        several election timeouts. Fails at the first complaint; returns the poll count."""
        deadline = time.monotonic() + duration
        polls = 0
        while True:
            complaint = check()
            polls += 1
            if complaint:
                raise AssertionError(f"{what}: {complaint}")
            if time.monotonic() >= deadline:
                return polls
            time.sleep(POLL_INTERVAL)

    # clusters
    def _node(self, node_id, name, argv, admin_port, data_dir):
        node = Node(self, node_id, name, argv, admin_port, data_dir)
        self.nodes.append(node)
        return node

    def quickstart_cluster(self, redirect=None, name="quickstart", reserve=3, extra_args=()):
        """The raft-example cluster (node-1..node-3) on free port bases (peer, admin and
        client ports; node.client is its client (Redis protocol) address), data under
        <tmp>/data/<name>. redirect: None (the default, "forward"), "forward" or "moved".
        reserve: how many ports of each base to hold (9 leaves room for node-4..node-9,
        quickstart_joiner). extra_args: more flags for every node (e.g. --read-mode lease).
        Not started: call start() (ports are held until then)."""
        ports = PortReservation()
        peer_base = ports.take_base(reserve)
        admin_base = ports.take_base(reserve)
        client_base = ports.take_base(reserve)
        data_root = os.path.join(self.data_root, name)
        nodes = []
        for i in (1, 2, 3):
            argv = [binary("raft-example"), f"node-{i}", "--peer-port-base", str(peer_base),
                    "--admin-port-base", str(admin_base), "--client-port-base",
                    str(client_base), "--data-root", data_root]
            if redirect is not None:
                argv += ["--redirect", redirect]
            argv += list(extra_args)
            node = self._node(i, f"{name}-node-{i}" if name != "quickstart" else f"node-{i}",
                              argv, admin_base + i, os.path.join(data_root, f"node-{i}"))
            node.client = ("127.0.0.1", client_base + i)
            nodes.append(node)
        cluster = _Reserved(self, nodes, ports)
        cluster.peer_base = peer_base
        cluster.admin_base = admin_base
        cluster.client_base = client_base
        cluster.data_root = data_root
        return cluster

    def quickstart_joiner(self, cluster, n, join_id=1, learner=False, redirect=None):
        """raft-example node-n (4..9) of a quick-start cluster made with reserve=9, started
        with --join at node join_id's admin port; added to cluster.nodes. Not started.
        redirect: as for quickstart_cluster."""
        argv = [binary("raft-example"), f"node-{n}", "--peer-port-base", str(cluster.peer_base),
                "--admin-port-base", str(cluster.admin_base), "--client-port-base",
                str(cluster.client_base), "--data-root", cluster.data_root,
                "--join", f"127.0.0.1:{cluster.admin_base + join_id}"]
        if learner:
            argv.append("--learner")
        if redirect is not None:
            argv += ["--redirect", redirect]
        node = self._node(n, f"node-{n}", argv, cluster.admin_base + n,
                          os.path.join(cluster.data_root, f"node-{n}"))
        node.client = ("127.0.0.1", cluster.client_base + n)
        cluster.nodes[n] = node
        return node

    def atlasd_cluster(self, size, cluster_id="helios", heartbeat="50ms", election="150ms",
                       prefix=None):
        """size helios-atlasd nodes (ids 1..size) of cluster_id on free ports. Not started."""
        ports = PortReservation()
        peer_ports = ports.take_free(size)
        admin_ports = ports.take_free(size)
        peers = ",".join(f"{i}=127.0.0.1:{peer_ports[i - 1]}" for i in range(1, size + 1))
        prefix = prefix or cluster_id
        nodes = []
        for i in range(1, size + 1):
            name = f"{prefix}-node-{i}"
            data_dir = os.path.join(self.data_root, name)
            argv = atlasd_argv(i, cluster_id, data_dir, admin_ports[i - 1], peers,
                               heartbeat, election)
            nodes.append(self._node(i, name, argv, admin_ports[i - 1], data_dir))
        cluster = _Reserved(self, nodes, ports)
        cluster.peer_addresses = {i: f"127.0.0.1:{peer_ports[i - 1]}"
                                  for i in range(1, size + 1)}
        return cluster

    def atlasd_node(self, node_id, name, cluster_id, peers, admin_port, heartbeat="50ms",
                    election="150ms"):
        """A single helios-atlasd node with an explicit --peers string. Not started."""
        data_dir = os.path.join(self.data_root, name)
        argv = atlasd_argv(node_id, cluster_id, data_dir, admin_port, peers, heartbeat,
                           election)
        return self._node(node_id, name, argv, admin_port, data_dir)


class _Reserved(Cluster):
    """A cluster whose ports stay reserved until its first start()."""

    def __init__(self, harness, nodes, ports):
        super().__init__(harness, nodes)
        self._ports = ports

    def start(self, ids=None):
        self._ports.release()
        return super().start(ids)


def atlasd_argv(node_id, cluster_id, data_dir, admin_port, peers, heartbeat, election):
    return [binary("helios-atlasd"), "--node-id", str(node_id), "--cluster-id", cluster_id,
            "--data-dir", data_dir, "--admin", f"127.0.0.1:{admin_port}", "--peers", peers,
            "--heartbeat-timeout", heartbeat, "--election-timeout", election,
            "--log-level", "info"]


def format_statuses(statuses):
    if not statuses:
        return "  (none)"
    lines = []
    for i, s in sorted(statuses.items()):
        if s is None:
            lines.append(f"  {i}: no answer")
        else:
            lines.append(
                f"  {i}: {s.get('state')} term={s.get('term')} leader={s.get('leader')} "
                f"commit={s.get('commit_index')} applied={s.get('last_applied')} "
                f"last_log={s.get('last_log_index')} keys={s.get('keys')}")
    return "\n".join(lines)
