"""Disaster recovery (docs/disaster-recovery.md) with the real binaries on the quick start's
raft-example nodes:

- the majority is lost for good (two nodes SIGKILLed and their data directories wiped while a
  client writes through the leader); the survivor, stopped, is started once with
  --force-new-cluster and a new --cluster-id: it elects itself, every write acknowledged
  before the disaster reads back, two empty nodes join it (--join), DEBUG DIGEST agrees on
  all three; the flag left on a later start is refused, and without it the node starts;
- a data directory copied with tar and put back in place is refused (a copy may hold an
  older log than its node acknowledged) and changes nothing; with --accept-moved-data-dir
  it starts and catches up.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_disaster.py
    ctest --test-dir build/release -R cluster_disaster
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import WAIT, ClusterTestCase  # noqa: E402

NEW_CLUSTER_ID = "helios-dr-1"


class TestDisasterRecovery(ClusterTestCase):
    def voters_at(self, node):
        m = node.get_json("/members", timeout=5.0)
        if m is None or m["learners"] or m["outgoing_voters"] or m["change_in_progress"]:
            return None
        return sorted(x["id"] for x in m["voters"])

    def wait_for_voters(self, c, voters, at):
        for n in at:
            self.h.wait_for(lambda n=n: self.voters_at(c[n]) == sorted(voters), WAIT,
                            f"voters {sorted(voters)} at {c[n].name}")

    def test_force_new_cluster_after_losing_the_majority(self):
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        base_argv = {i: list(c[i].argv) for i in (1, 2, 3)}
        lost = [i for i in (1, 2, 3) if i != lid]

        # A client writes through the leader; the two followers die and lose their disks.
        stop = threading.Event()
        writer = harness.WriteLoop("w", c, [lid], stop, timeout=0.5)
        writer.start()
        self.h.wait_for(lambda: len(writer.acked) >= 300, WAIT, "300 acknowledged writes")
        for i in lost:
            c[i].kill9()
        time.sleep(1.0)  # writes now time out: no quorum
        stop.set()
        writer.join(10)
        c[lid].kill9()
        for i in lost:
            shutil.rmtree(c[i].data_dir)
        acked = len(writer.acked)
        self.assertGreaterEqual(acked, 300)

        # The survivor starts a new cluster with its data.
        survivor = c[lid]
        survivor.argv = base_argv[lid] + ["--force-new-cluster", "--cluster-id", NEW_CLUSTER_ID]
        survivor.start()
        self.h.wait_for(lambda: "is now the only member of cluster " + NEW_CLUSTER_ID
                        in survivor.log_since_last_start(), WAIT, "the forced summary")
        log = survivor.log_since_last_start()
        self.assertIn("(was helios-quickstart)", log)
        self.assertIn("never reached this node and are lost", log)
        c.wait_for_leader(ids=[lid], timeout=WAIT)
        harness.check_acked(survivor, [writer])
        # Not a new cluster: the quick start's seed data is not written again.
        self.assertNotIn("Writing test data", survivor.log_since_last_start())

        # Two empty nodes join it as the new majority.
        for i in lost:
            c[i].argv = base_argv[i] + ["--join", f"127.0.0.1:{survivor.admin[1]}",
                                        "--cluster-id", NEW_CLUSTER_ID]
            c[i].start()
        self.wait_for_voters(c, [1, 2, 3], at=[1, 2, 3])
        with harness.RespConnection(*survivor.client) as r:
            self.assertEqual(r.command("SET", "after", "disaster"), "OK")
        self.wait_for_equal_digests(c, [1, 2, 3])
        for i in (1, 2, 3):
            harness.check_acked(c[i], [writer])

        # --force-new-cluster left on the command line is refused and changes nothing ...
        survivor.stop()
        with open(os.path.join(survivor.data_dir, "META"), "rb") as f:
            meta = f.read()
        code, out = self.h.run(survivor.argv, timeout=30, name="force-again")
        self.assertNotEqual(code, 0, out)
        self.assertIn("already belongs to cluster " + NEW_CLUSTER_ID, out)
        with open(os.path.join(survivor.data_dir, "META"), "rb") as f:
            self.assertEqual(f.read(), meta)
        # ... and without it the node rejoins its new cluster.
        survivor.argv = base_argv[lid] + ["--cluster-id", NEW_CLUSTER_ID]
        survivor.start()
        self.wait_for_voters(c, [1, 2, 3], at=[1, 2, 3])
        self.wait_for_equal_digests(c, [1, 2, 3])
        # The old cluster id is refused by the data directory.
        survivor.stop()
        code, out = self.h.run(base_argv[lid], timeout=30, name="old-cluster-id")
        self.assertNotEqual(code, 0, out)
        self.assertIn(f"of cluster {NEW_CLUSTER_ID}, not", out)

    def test_copied_data_directory_is_refused(self):
        c, lid, _ = self.start_quickstart()
        with harness.RespConnection(*c[lid].client) as r:
            for i in range(100):
                self.assertEqual(r.command("SET", f"k{i}", f"v{i}"), "OK")
        self.wait_for_equal_digests(c, [1, 2, 3])
        victim = c[next(i for i in (1, 2, 3) if i != lid)]
        victim.stop()
        # The seed's backup: tar the directory; later, restore it in place.
        archive = os.path.join(self.h.root, "backup.tar")
        parent, name = os.path.split(victim.data_dir)
        subprocess.run(["tar", "-C", parent, "-cf", archive, name], check=True)
        shutil.rmtree(victim.data_dir)
        subprocess.run(["tar", "-C", parent, "-xf", archive], check=True)
        before = harness_tree(victim.data_dir)

        code, out = self.h.run(victim.argv, timeout=30, name="copy")
        self.assertNotEqual(code, 0, out)
        self.assertIn(f"data directory {victim.data_dir} is a copy", out)
        self.assertIn("--accept-moved-data-dir", out)
        self.assertEqual(harness_tree(victim.data_dir), before)

        # The operator vouches for it (it was taken while the node was stopped).
        victim.argv = victim.argv + ["--accept-moved-data-dir"]
        victim.start()
        self.wait_for_log(victim, "was copied or moved; accepted", since_start=True)
        with harness.RespConnection(*c[lid].client) as r:
            self.assertEqual(r.command("SET", "after", "restore"), "OK")
        self.wait_for_equal_digests(c, [1, 2, 3])


    def test_corrupted_wal_is_refused_then_the_node_is_reseeded(self):
        """A follower's WAL damaged in the middle: it refuses to start, naming the segment;
        docs/disaster-recovery.md's procedure (member remove, wipe, --join under the same
        id) brings it back with every acknowledged write."""
        c, lid, _ = self.start_quickstart()
        k = max(i for i in (1, 2, 3) if i != lid)
        victim = c[k]
        base_argv = list(victim.argv)
        with harness.RespConnection(*c[lid].client) as r:
            for i in range(2000):
                self.assertEqual(r.command("SET", f"k{i}", "x" * 100), "OK")
        self.wait_for_equal_digests(c, [1, 2, 3])
        victim.stop()
        segment, offset = damage_wal(victim.data_dir)

        victim.start()
        code = victim.wait_exit(WAIT)
        self.assertIsNotNone(code, f"node-{k} still running on a damaged WAL")
        self.assertNotEqual(code, 0)
        log = victim.log_since_last_start()
        self.assertIn(os.path.basename(segment), log)
        self.assertIn("CORRUPTION", log)

        # The procedure: remove it, wipe it, add it again under its id.
        code, out = self.h.run([harness.binary("helios-cli"), "--admin",
                                f"127.0.0.1:{c[lid].admin[1]}", "member", "remove", str(k)],
                               timeout=60, name="cli")
        self.assertEqual(code, 0, out)
        shutil.rmtree(victim.data_dir)
        victim.argv = base_argv + ["--join", f"127.0.0.1:{c[lid].admin[1]}"]
        victim.start()
        self.wait_for_voters(c, [1, 2, 3], at=[1, 2, 3])
        self.wait_for_equal_digests(c, [1, 2, 3])
        with harness.RespConnection(*victim.client) as r:
            self.assertEqual(r.command("GET", "k1999"), b"x" * 100)


def damage_wal(data_dir):
    """Flips one byte in the middle of the written part of the node's newest WAL segment
    (preallocated segments end in zeros: the written part ends at the last non-zero byte).
    Returns (segment path, offset)."""
    wal = os.path.join(data_dir, "wal")
    segments = sorted(f for f in os.listdir(wal) if f.endswith(".wal"))
    path = os.path.join(wal, segments[-1])
    with open(path, "r+b") as f:
        data = f.read()
        end = len(data.rstrip(b"\0"))
        offset = end // 2
        f.seek(offset)
        f.write(bytes([data[offset] ^ 0xFF]))
    return path, offset


def harness_tree(root):
    """{relative path: bytes} of every file under root (LOCK excluded: flock state only)."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f == "LOCK":
                continue
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


if __name__ == "__main__":
    unittest.main()
