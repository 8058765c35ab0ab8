"""Online backup and restore into a new cluster, end to end, on raft-example processes.

A 3-node source cluster writes continuously (a WriteLoop recording every acknowledged
write); `helios-cli backup FILE` is taken from a follower during the load; `helios-cli backup
verify` passes, and fails on a copy with one flipped byte. `--restore` refuses the damaged
copy, a non-empty data directory and the source's own cluster id, changing nothing each
time. node-1 of a NEW cluster is restored from the backup (a random cluster id, printed), a
node of the old cluster id is refused by it, nodes 2 and 3 join it with --join; the restored
cluster's DEBUG DIGEST equals the digest `backup verify` printed for the backup, and every
write acknowledged before the backup command started reads back there.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_backup.py
    ctest --test-dir build/release -R cluster_backup

Timings are printed, never asserted.
"""

import os
import re
import shutil
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import EXIT_BOUND, WAIT, ClusterTestCase  # noqa: E402


def fields(out):
    """The 'name: value' lines of helios-cli backup's summary, as a dict."""
    return dict(m.groups() for m in re.finditer(r"^([a-z ]+): (.*)$", out, re.M))


def tree(path):
    """Every file under path with its size (what a refused restore must leave alone)."""
    out = {}
    for root, _, files in os.walk(path):
        for name in files:
            p = os.path.join(root, name)
            out[os.path.relpath(p, path)] = os.path.getsize(p)
    return out


class TestBackup(ClusterTestCase):
    def cli(self, *args, timeout=120):
        return self.h.run([harness.binary("helios-cli"), *args], timeout=timeout, name="run-cli")

    def test_backup_under_load_and_restore_into_a_new_cluster(self):
        src = self.h.quickstart_cluster(name="source").start()
        lid = src.wait_for_leader(timeout=WAIT)
        stop = threading.Event()
        writer = harness.WriteLoop("w", src, [lid], stop)
        writer.start()
        self.h.wait_for(lambda: len(writer.acked) >= 300, WAIT, "300 acknowledged writes")
        # An older snapshot on the follower, which the backup must not be content with.
        follower = next(i for i in (1, 2, 3) if i != lid)
        code, out = self.cli("snapshot", "--admin", f"127.0.0.1:{src[follower].admin[1]}")
        self.assertEqual(code, 0, out)
        self.h.wait_for(lambda: src[follower].status()["snapshot"]["index"] > 0, WAIT,
                        "the follower's first snapshot")
        old_snapshot = src[follower].status()["snapshot"]["index"]
        n = len(writer.acked)
        self.h.wait_for(lambda: len(writer.acked) >= n + 200, WAIT, "200 more writes")

        # The backup, from the follower, while the writer goes on.
        commit_before = src[lid].status()["commit_index"]
        started = time.monotonic()
        path = os.path.join(self.h.root, "source.backup")
        code, out = self.cli("backup", path, "--admin", f"127.0.0.1:{src[follower].admin[1]}")
        finished = time.monotonic()
        self.assertEqual(code, 0, out)
        self.assertIn("(verified)", out)
        taken = fields(out)
        acked_before = [a for a in writer.acked if a[0] < started]
        print(f"\nbackup of {taken['keys']} keys at index {taken['index']} in "
              f"{finished - started:.2f} s; {len(acked_before)} writes acknowledged before; "
              f"longest gap between acknowledged writes meanwhile "
              f"{writer.longest_gap(started, finished) * 1000:.0f} ms")
        self.assertGreaterEqual(int(taken["index"]), commit_before,
                                "the backup is older than the leader's commit index before it")
        self.assertGreater(int(taken["index"]), old_snapshot)
        self.assertFalse(os.path.exists(path + ".tmp"))
        self.h.finish_writers([writer], stop)
        self.assertEqual(writer.unexpected, [])

        # Writes stopped: a backup now holds exactly the cluster's state, and a second one
        # reuses the snapshot the first took (its index already covers the read index).
        # The seed's TTL goes first: while a key has one, a leader's reads may append clock
        # entries (docs/consistency.md, "Time and TTLs"), and the log would not stay still.
        with harness.RespConnection(*src[lid].client) as r:
            self.assertEqual(r.call("PERSIST", "user:2:name"), 1)
        quiet = self.wait_for_equal_digests(src, [1, 2, 3])
        again = [os.path.join(self.h.root, f"quiet-{k}.backup") for k in (1, 2)]
        results = []
        for p in again:
            code, out = self.cli("backup", p, "--admin", f"127.0.0.1:{src[lid].admin[1]}")
            self.assertEqual(code, 0, out)
            results.append(fields(out))
        self.assertEqual(results[0]["digest"], quiet)
        self.assertEqual(results[1]["index"], results[0]["index"])
        self.assertEqual(results[1]["digest"], quiet)
        self.assertEqual(src[lid].status()["snapshot"]["index"], int(results[0]["index"]))

        # Only its owner may read a backup (it holds every key).
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        # Offline verification, and a flipped byte.
        code, out = self.cli("backup", "verify", path)
        self.assertEqual(code, 0, out)
        verified = fields(out)
        for key in ("index", "term", "keys", "digest", "cluster", "node"):
            self.assertEqual(verified[key], taken[key], key)
        self.assertEqual(verified["cluster"], "helios-quickstart")
        self.assertEqual(verified["node"], str(follower))
        damaged = os.path.join(self.h.root, "damaged.backup")
        shutil.copyfile(path, damaged)
        with open(damaged, "r+b") as f:
            f.seek(os.path.getsize(damaged) // 2)
            b = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([b[0] ^ 0x40]))
        code, out = self.cli("backup", "verify", damaged)
        self.assertEqual(code, 1, out)
        self.assertIn("checksum", out)

        # The new cluster: its ports, nothing started yet.
        new = self.h.quickstart_cluster(name="restored")
        example = harness.binary("raft-example")
        base = [example, "node-1", "--peer-port-base", str(new.peer_base),
                "--admin-port-base", str(new.admin_base), "--client-port-base",
                str(new.client_base), "--data-root", new.data_root]
        dir1 = new[1].data_dir

        def refused(argv, what):
            code, out = self.h.run(argv, timeout=30, name="run-restore")
            self.assertEqual(code, 2, f"{what}: {out}")
            self.assertIn("nothing was changed", out, what)
            return out

        # A damaged backup, and the source's own cluster id: refused, nothing created.
        out = refused(base + ["--restore", damaged], "damaged backup")
        self.assertIn("checksum", out)
        self.assertFalse(os.path.exists(dir1))
        out = refused(base + ["--restore", path, "--cluster-id", "helios-quickstart"],
                      "the source's cluster id")
        self.assertIn("helios-quickstart", out)
        self.assertFalse(os.path.exists(dir1))
        # A non-empty data directory: refused, left exactly as it was.
        os.makedirs(dir1)
        with open(os.path.join(dir1, "precious"), "w") as f:
            f.write("operator data")
        before = tree(dir1)
        out = refused(base + ["--restore", path], "a non-empty data directory")
        self.assertIn("not empty", out)
        self.assertEqual(tree(dir1), before)
        shutil.rmtree(dir1)

        # node-1 restored: the only voter of a new cluster with a random id.
        new[1].argv += ["--restore", path]
        new.start(ids=[1])
        self.assertEqual(new.wait_for_leader(ids=[1], timeout=WAIT), 1)
        m = re.search(r"NEW cluster '([A-Za-z0-9._-]+)'", new[1].log())
        self.assertIsNotNone(m, "the restored node prints its new cluster id")
        cluster_id = m[1]
        self.assertNotEqual(cluster_id, "helios-quickstart")
        s = new[1].status()
        self.assertEqual(s["voters"], [1])
        self.assertGreaterEqual(s["last_applied"], int(taken["index"]))
        self.assertEqual(self.digest(new[1]), taken["digest"])

        # A node of the old cluster (its id) is refused by the restored one.
        intruder = self.h._node(2, "old-cluster-node-2", base[:1] + ["node-2"] + base[2:],
                                new.admin_base + 2, os.path.join(self.h.root, "intruder"))
        intruder.argv[intruder.argv.index("--data-root") + 1] = os.path.join(self.h.root,
                                                                              "intruder")
        intruder.start()
        refusal = f"cluster 'helios-quickstart' is not '{cluster_id}'"
        self.h.wait_for(lambda: refusal in new[1].log(), WAIT,
                        "the restored node refusing the old cluster's node")
        self.assertEqual(new[1].status()["voters"], [1])
        self.assertEqual(new[1].status()["state"], "Leader")
        intruder.stop()

        # Nodes 2 and 3 join the restored cluster.
        for i in (2, 3):
            new[i].argv += ["--cluster-id", cluster_id, "--join",
                            f"127.0.0.1:{new.admin_base + 1}"]
        new.start(ids=[2, 3])
        self.h.wait_for(lambda: (new[1].status() or {}).get("voters") == [1, 2, 3], WAIT,
                        "voters [1, 2, 3] on the restored cluster")
        digest = self.wait_for_equal_digests(new, [1, 2, 3])
        self.assertEqual(digest, taken["digest"],
                         "the restored cluster holds exactly the backup's state")
        # Every write acknowledged before the backup command started is in it.
        self.assert_readable(new[2], acked_before)

        # The restored directory is a normal one: node-1 restarts with the new cluster id.
        new[1].stop()
        self.assertEqual(new[1].exit_codes[-1], 0)
        new[1].argv[new[1].argv.index("--restore"):] = ["--cluster-id", cluster_id]
        new[1].start()
        self.assertEqual(self.wait_for_equal_digests(new, [1, 2, 3]), taken["digest"])

    def test_backup_needs_the_admin_token(self):
        """GET /backup reads every key: with admin_token_file set it needs the token, as
        POST /snapshot does; with the token the CLI takes the backup."""
        token_file = os.path.join(self.h.root, "admin.token")
        with open(token_file, "w") as f:
            f.write("s3cret-token\n")
        c = self.h.quickstart_cluster(extra_args=["--admin-token-file", token_file]).start()
        lid = c.wait_for_leader(timeout=WAIT)
        code, body = harness.http_get("127.0.0.1", c[lid].admin[1], "/backup", timeout=10)
        self.assertEqual(code, 401, body)
        path = os.path.join(self.h.root, "b.backup")
        code, out = self.cli("backup", path, "--admin", f"127.0.0.1:{c[lid].admin[1]}")
        self.assertEqual(code, 1, out)
        self.assertIn("401", out)
        self.assertFalse(os.path.exists(path))
        code, out = self.cli("--token", "s3cret-token", "backup", path, "--admin",
                             f"127.0.0.1:{c[lid].admin[1]}")
        self.assertEqual(code, 0, out)
        self.assertTrue(os.path.exists(path))


if __name__ == "__main__":
    unittest.main()
