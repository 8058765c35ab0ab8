"""Checks that a node runs within the hardening of a helios-raft@.service unit, without
systemd: runs the node as the helios user under strace (writes, snapshots in a forked child,
SIGHUP, SIGTERM) and compares what it did with what the unit allows:

- every system call is in the unit's SystemCallFilter (its sets expanded by
  systemd-analyze syscall-filter, the ~ lines taken out);
- every socket's family is in RestrictAddressFamilies;
- no memory mapping is writable and executable at once (MemoryDenyWriteExecute);
- nothing is created, written, renamed or removed outside the unit's ReadWritePaths
  (ProtectSystem=strict), and nothing under /dev is opened (PrivateDevices) but the
  devices systemd keeps there.

    python3 check_sandbox.py UNIT_FILE BINARY DATA_DIR

Run by check_package.sh as root, with the packaged unit and binary; exits 1 naming what
the unit would forbid.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PRIVATE_DEVICES = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                   "/dev/tty"}


def unit_values(unit_text, key):
    return [line.split("=", 1)[1].strip() for line in unit_text.splitlines()
            if line.startswith(key + "=")]


def syscall_set(name, cache={}):
    """The system calls of a name or @set (sets expanded recursively)."""
    if not name.startswith("@"):
        return {name}
    if name not in cache:
        out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                             capture_output=True, text=True).stdout
        calls = set()
        for line in out.splitlines()[1:]:
            item = line.strip()
            if item and not item.startswith("#"):
                calls |= syscall_set(item)
        cache[name] = calls
    return cache[name]


def allowed_syscalls(unit_text):
    allowed = None
    denied = set()
    for value in unit_values(unit_text, "SystemCallFilter"):
        deny = value.startswith("~")
        names = set()
        for item in value.lstrip("~").split():
            names |= syscall_set(item)
        if deny:
            denied |= names
        else:
            allowed = names if allowed is None else allowed | names
    if allowed is None:
        raise SystemExit("the unit has no SystemCallFilter allow-list")
    return allowed - denied


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def resp(port, *args):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        msg = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
        s.sendall(msg.encode())
        return s.recv(4096)


def status(admin):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{admin}/status", timeout=1) as r:
            return json.load(r)
    except (OSError, ValueError):
        return None


def wait(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def run_node(binary, data_dir, trace):
    peer, admin, client = free_ports(3)
    argv = ["strace", "-f", "-qq", "-s", "256", "-o", trace, "-u", "helios", binary,
            "--node-id", "1", "--cluster-id", "sandbox-test", "--data-dir", data_dir,
            "--admin", f"127.0.0.1:{admin}", "--client", f"127.0.0.1:{client}",
            "--peers", f"1=127.0.0.1:{peer}/127.0.0.1:{client}",
            "--snapshot-threshold", "50"]
    log = open(trace + ".log", "wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait(lambda: (status(admin) or {}).get("state") == "Leader", 30, "a leader")
        for i in range(150):  # three snapshots by count, each in a forked child
            answer = resp(client, "SET", f"key{i}", f"value{i}")
            if answer != b"+OK\r\n":
                raise SystemExit(f"SET answered {answer!r}")
        wait(lambda: ((status(admin) or {}).get("snapshot") or {}).get("index", 0) >= 100,
             30, "a snapshot at index 100 or more")
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            node_pid = int(f.read().split()[0])  # strace's one child: the node
        os.kill(node_pid, signal.SIGHUP)
        time.sleep(0.5)
        os.kill(node_pid, signal.SIGTERM)
        code = proc.wait(timeout=30)
        if code != 0:
            raise SystemExit(f"the node exited with status {code}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def node_lines(trace, binary):
    """The trace's lines from the node's execve on (strace's own before it dropped)."""
    started = False
    with open(trace) as f:
        for line in f:
            if not started:
                started = f'execve("{binary}"' in line and "= 0" in line
                continue
            yield line


def check(unit_text, binary, trace):
    allowed = allowed_syscalls(unit_text)
    families = set(" ".join(unit_values(unit_text, "RestrictAddressFamilies")).split())
    writable = unit_values(unit_text, "ReadWritePaths")
    problems = set()
    calls = set()
    for line in node_lines(trace, binary):
        m = re.match(r"^\d+\s+([a-z0-9_]+)\((.*)", line)
        if not m:
            continue
        name, args = m.groups()
        calls.add(name)
        if name not in allowed:
            problems.add(f"system call {name} (SystemCallFilter)")
        if name == "socket" and args.split(",")[0] not in families:
            problems.add(f"socket family {args.split(',')[0]} (RestrictAddressFamilies)")
        if name in ("mmap", "mprotect", "pkey_mprotect") and "PROT_WRITE" in args \
                and "PROT_EXEC" in args:
            problems.add(f"writable and executable memory: {line.strip()}")
        paths = re.findall(r'"(/[^"]*)"', args)
        failed_exist = "= -1 EEXIST" in line  # mkdir of an existing parent changes nothing
        writes = (name in ("mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink",
                           "unlinkat", "rmdir", "link", "linkat", "symlink", "symlinkat",
                           "truncate", "chmod", "fchmodat", "chown", "fchownat")
                  or (name in ("open", "openat", "creat")
                      and re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", args)))
        for p in paths:
            if p.startswith("/dev/") and p not in PRIVATE_DEVICES and name in ("open", "openat"):
                problems.add(f"opens {p} (PrivateDevices)")
            if writes and not failed_exist and not any(
                    p == w or p.startswith(w.rstrip("/") + "/") for w in writable):
                problems.add(f"{name} {p} outside ReadWritePaths (ProtectSystem=strict)")
    if "clone" not in calls and "clone3" not in calls and "fork" not in calls:
        problems.add("the trace shows no forked snapshot writer: the check saw too little")
    return sorted(problems), len(calls)


def main():
    unit_file, binary, data_dir = sys.argv[1:4]
    with open(unit_file) as f:
        unit_text = f.read()
    with tempfile.TemporaryDirectory(prefix="helios-sandbox-") as tmp:
        trace = os.path.join(tmp, "node.strace")
        run_node(binary, data_dir, trace)
        problems, count = check(unit_text, binary, trace)
        if problems:
            with open(trace + ".log", "rb") as f:
                sys.stdout.write(f.read().decode("utf-8", "replace")[-3000:])
            print("FAIL: the node does what its unit forbids:")
            for p in problems:
                print("  " + p)
            sys.exit(1)
    print(f"the node ran within the unit's sandbox ({count} distinct system calls)")


if __name__ == "__main__":
    main()
