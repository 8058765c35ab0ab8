"""systemd readiness (sd_notify, apps/systemd_notify.h) against real raft-example processes.
Each node is started with NOTIFY_SOCKET naming a unix datagram socket this test binds, as
systemd does for a Type=notify unit (deploy/helios-raft@.service):

- READY=1 arrives once, and when it does the node answers on its client port (PING) and
  its admin port (/status);
- a node started with --join while the cluster is down says nothing while it retries, and
  READY=1 arrives only after the cluster added it (it is in GET /members);
- SIGHUP (the unit's ExecReload) sends RELOADING=1 then READY=1; SIGTERM sends STOPPING=1
  before the node exits 0.

Every other cluster test runs without NOTIFY_SOCKET, where notifying is a no-op.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_systemd_notify.py
    ctest --test-dir build/release -R cluster_systemd_notify
"""

import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import EXIT_BOUND, WAIT, ClusterTestCase  # noqa: E402
from test_membership import request  # noqa: E402


class NotifySocket:
    """A unix datagram socket standing in for systemd's notification socket."""

    def __init__(self, directory, name):
        # A short path: sun_path holds 108 bytes.
        self.path = os.path.join(directory, f"{name}.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def close(self):
        self.sock.close()

    def receive(self, timeout):
        """The next message as a dict of its KEY=VALUE lines, or None after timeout."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        fields = {}
        for line in data.decode().splitlines():
            key, _, value = line.partition("=")
            fields[key] = value
        return fields

    def wait_for(self, key, timeout):
        """The first message with key, skipping none: every message before it is returned
        too, as (message with key or None, [messages before it])."""
        deadline = time.monotonic() + timeout
        before = []
        while time.monotonic() < deadline:
            m = self.receive(max(0.01, deadline - time.monotonic()))
            if m is None:
                break
            if key in m:
                return m, before
            before.append(m)
        return None, before


def start_notified(node, notify):
    """Starts node with NOTIFY_SOCKET=notify.path (only this process gets it)."""
    os.environ["NOTIFY_SOCKET"] = notify.path
    try:
        node.start()
    finally:
        del os.environ["NOTIFY_SOCKET"]


def answers_ping(node):
    try:
        with harness.RespConnection(*node.client, timeout=2.0) as r:
            return r.call("PING") in (b"PONG", "PONG")
    except (OSError, ValueError, harness.RespError):
        return False


class TestSystemdNotify(ClusterTestCase):
    def setUp(self):
        super().setUp()
        self.sock_dir = tempfile.mkdtemp(prefix="helios-notify-")
        self.addCleanup(shutil.rmtree, self.sock_dir, True)

    def notify_socket(self, name):
        s = NotifySocket(self.sock_dir, name)
        self.addCleanup(s.close)
        return s

    def test_ready_reload_stopping(self):
        c = self.h.quickstart_cluster()
        sockets = {i: self.notify_socket(f"node-{i}") for i in (1, 2, 3)}
        c._ports.release()
        for i in (1, 2, 3):
            start_notified(c[i], sockets[i])
        for i in (1, 2, 3):
            ready, before = sockets[i].wait_for("READY", WAIT)
            self.assertIsNotNone(ready, f"node-{i} sent no READY=1 (before: {before})")
            # At once: the node serves by the time it says so.
            self.assertTrue(answers_ping(c[i]), f"node-{i} said READY=1 but does not answer PING")
            self.assertIsNotNone(c[i].status(), f"node-{i} said READY=1 but /status is silent")
            self.assertEqual(ready["READY"], "1")
            self.assertIn(f"serving as node-{i}", ready.get("STATUS", ""))
            self.assertEqual(before, [], f"node-{i} sent something before READY=1")
        c.wait_for_leader()

        # SIGHUP: a reload (of the TLS certificates, none here) framed as systemd wants it.
        c[2].send(signal.SIGHUP)
        reloading, _ = sockets[2].wait_for("RELOADING", WAIT)
        self.assertIsNotNone(reloading, "no RELOADING=1 after SIGHUP")
        self.assertGreater(int(reloading["MONOTONIC_USEC"]), 0)
        ready, before = sockets[2].wait_for("READY", WAIT)
        self.assertIsNotNone(ready, "no READY=1 after the reload")
        self.assertEqual(before, [])
        self.assertTrue(c[2].alive())

        # SIGTERM: STOPPING=1, then the process exits 0.
        c[3].send(signal.SIGTERM)
        stopping, before = sockets[3].wait_for("STOPPING", EXIT_BOUND)
        self.assertIsNotNone(stopping, "no STOPPING=1 after SIGTERM")
        self.assertEqual(before, [])
        self.assertEqual(c[3].wait_exit(EXIT_BOUND), 0)

    def test_joining_node_is_ready_once_added(self):
        c = self.h.quickstart_cluster(reserve=9)
        joiner = self.h.quickstart_joiner(c, 4)
        notify = self.notify_socket("node-4")
        c._ports.release()
        start_notified(joiner, notify)
        # The cluster is down: node-4 serves its admin port but keeps asking to join.
        self.h.wait_for(lambda: joiner.status() is not None, WAIT, "node-4's /status")
        early = notify.receive(2.0)
        self.assertIsNone(early, "node-4 notified before it joined")
        self.assertTrue(joiner.alive())

        c.start([1, 2, 3])
        ready, before = notify.wait_for("READY", WAIT)
        self.assertIsNotNone(ready, f"node-4 sent no READY=1 after the cluster came up "
                                    f"(before: {before})")
        code, members = request(c[1], "GET", "/members")
        self.assertEqual(code, 200, members)
        listed = [m["id"] for role in ("voters", "learners") for m in members[role]]
        self.assertIn(4, listed, "node-4 said READY=1 before the cluster added it")


if __name__ == "__main__":
    unittest.main()
