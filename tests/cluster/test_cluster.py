"""Helios cluster tests: real raft-example and helios-atlasd processes on 127.0.0.1, real
sockets and data directories, kill -9 and restarts. See README.md in this directory.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_cluster.py
    ctest --test-dir build/release -L cluster

Every wait polls the nodes' /status with short sleeps until its condition holds or a
generous deadline passes (this must pass on a loaded 2-core machine); the only fixed-length
waits are observation windows for properties that must hold throughout ("no leader for
3 s"). A failing test prints the tail of every node's log and keeps its directory.
"""

import os
import re
import signal
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

ELECTION_BOUND = 10.0  # seconds for a new leader after the old one dies
WAIT = 30.0  # seconds for anything else that must happen (start, catch up)
EXIT_BOUND = 10.0  # seconds for a process to exit after a signal or a refusal

ALICE = "\u2713 Set user:1:name = Alice"
BOB = "\u2713 Set user:2:name = Bob (TTL: 5m)"
COUNTER = "\u2713 Set counter = 1"


class ClusterTestCase(unittest.TestCase):
    def setUp(self):
        self.h = harness.Harness(self.id().split(".")[-1])
        self.addCleanup(lambda: self.h.cleanup(self._failed()))

    def _failed(self):
        """Whether this test has failed so far (cleanups run after the test's outcome is
        recorded: in the result on Python >= 3.11, in outcome.errors before)."""
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return True
        if getattr(outcome, "expectedFailure", None):
            return True
        errors = getattr(outcome, "errors", None)
        if errors is not None:
            return any(exc is not None for _, exc in errors)
        result = outcome.result
        recorded = getattr(result, "failures", []) + getattr(result, "errors", [])
        return any(test is self for test, _ in recorded)

    # helpers shared by the tests
    def assert_readable(self, node, writes):
        """Every acknowledged write (time, key, value) of a WriteLoop reads back at node."""
        with harness.RespConnection(*node.client, timeout=10.0) as r:
            for i in range(0, len(writes), 500):
                batch = writes[i:i + 500]
                got = r.call("MGET", *[k for _, k, _ in batch])
                for (_, key, value), v in zip(batch, got):
                    self.assertEqual(v, value.encode(), f"acknowledged {key} lost at {node.name}")

    def digest(self, node):
        try:
            with harness.RespConnection(*node.client, timeout=5.0) as conn:
                d = conn.command("DEBUG", "DIGEST")
        except (OSError, ValueError):
            return None
        if isinstance(d, bytes):
            d = d.decode()
        return d if isinstance(d, str) and re.fullmatch(r"[0-9a-f]{40}", d) else None

    def wait_for_equal_digests(self, c, ids, timeout=WAIT):
        """Waits until the nodes of ids have converged (commit == applied, equal) and
        DEBUG DIGEST answers the same 40 hex digits on each; returns the digest."""
        last = {}

        def cond():
            st = c.converged(ids)
            last["statuses"] = st if st is not None else c.statuses(ids)
            if st is None:
                return None
            digests = {i: self.digest(c[i]) for i in ids}
            last["digests"] = digests
            values = set(digests.values())
            if len(values) != 1 or None in values:
                return None
            return values.pop()

        try:
            return self.h.wait_for(cond, timeout, f"equal DEBUG DIGEST on nodes {ids}", last)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast digests: {last.get('digests')}") from None

    def start_quickstart(self):
        """Starts the quick start's cluster and waits for one leader and the seed's three
        keys applied on every node; returns (cluster, leader id, statuses)."""
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        st = c.wait_for_convergence(
            timeout=WAIT, extra=lambda st: all(s["keys"] == 3 for s in st.values()),
            what=" and keys == 3 on every node")
        return c, lid, st

    def wait_for_log(self, node, text, timeout=WAIT, since_start=False):
        def has():
            log = node.log_since_last_start() if since_start else node.log()
            return text in log
        self.h.wait_for(has, timeout, f"{text!r} in {node.name}'s log")

    def assert_exits(self, node, sig, expect_code=0, bound=EXIT_BOUND):
        started = time.monotonic()
        node.send(sig)
        code = node.wait_exit(bound)
        self.assertIsNotNone(code, f"{node.name} still running {bound}s after {sig.name}")
        self.assertEqual(code, expect_code, f"{node.name} exit status after {sig.name}")
        return time.monotonic() - started


class TestElection(ClusterTestCase):
    def test_three_nodes_elect_exactly_one_leader(self):
        c = self.h.atlasd_cluster(3).start()
        lid = c.wait_for_leader(timeout=WAIT)
        lid, st = c.agreed_leader()  # re-read in one round: one leader, two followers
        self.assertIsNotNone(lid, harness.format_statuses(st))
        states = sorted(s["state"] for s in st.values())
        self.assertEqual(states, ["Follower", "Follower", "Leader"])
        for i, s in st.items():
            self.assertEqual(s["leader"], f"node-{lid}", f"node {i}")
            self.assertEqual(s["leader_id"], lid, f"node {i}")
        # Every node healthy, the leader connected to both followers; the logs agree.
        self.h.wait_for(lambda: all(s and s["healthy"] for s in c.statuses().values()),
                        WAIT, "every node healthy")
        self.h.wait_for(lambda: (lambda s: s and len(s["peers"]) == 2 and all(
            p["connected"] for p in s["peers"]))(c[lid].status()), WAIT,
            f"node-{lid} connected to both followers")
        self.wait_for_log(c[lid], f"Node node-{lid} is the LEADER")
        for i in c.live():
            if i != lid:
                self.wait_for_log(c[i], f"Node node-{i} is a FOLLOWER (leader node-{lid}")
                self.h.wait_for(lambda: c[i].health() == 200, WAIT, f"node {i} /health 200")


class TestQuickStart(ClusterTestCase):
    def test_test_data_written_once_and_replicated(self):
        c = self.h.quickstart_cluster().start()
        c.wait_for_leader(timeout=WAIT)
        # Settled: the three keys everywhere and every log entry committed. The leader's own
        # entries (the membership keeper records the members' addresses soon after it is
        # elected) may be appended just after the keys, so this is waited for, not read once.
        st = c.wait_for_convergence(
            timeout=WAIT,
            extra=lambda st: all(s["keys"] == 3 and s["last_log_index"] == s["commit_index"]
                                 for s in st.values()),
            what=" and keys == 3 and every entry committed on every node")
        # noop + three sets, at least; the same on every node (checked by convergence).
        commit = next(iter(st.values()))["commit_index"]
        self.assertGreaterEqual(commit, 4)
        for s in st.values():
            self.assertEqual(s["commit_index"], s["last_applied"])
            self.assertEqual(s["last_log_index"], commit)
        # The data is written once, by a node that was the leader.
        self.h.wait_for(lambda: any(COUNTER in n.log() for n in c.nodes.values()), WAIT,
                        f"{COUNTER!r} in a log")
        writers = [i for i in c.nodes if "Writing test data" in c[i].log()]
        self.assertEqual(len(writers), 1, f"nodes that wrote test data: {writers}")
        w = c[writers[0]]
        log = w.log()
        self.assertIn(f"Node {w.name} is the LEADER", log)
        for line in (ALICE, BOB, COUNTER):
            self.assertEqual(sum(n.log().count(line) for n in c.nodes.values()), 1, line)
        self.assertLess(log.index(ALICE), log.index(BOB))
        self.assertLess(log.index(BOB), log.index(COUNTER))


class TestFailover(ClusterTestCase):
    def test_kill9_leader_new_leader_then_old_one_rejoins(self):
        c = self.h.quickstart_cluster().start()
        old = c.wait_for_leader(timeout=WAIT)
        before = c.wait_for_convergence(
            timeout=WAIT, extra=lambda st: all(s["keys"] == 3 for s in st.values()))
        old_term = before[old]["term"]

        killed_at = time.monotonic()
        c[old].kill9()
        new = c.wait_for_leader(exclude=[old], timeout=ELECTION_BOUND)
        elapsed = time.monotonic() - killed_at
        self.assertNotEqual(new, old)
        self.assertLess(elapsed, ELECTION_BOUND)
        st = c.statuses()
        self.assertGreater(st[new]["term"], old_term)

        # The old leader restarts on the same data directory and ports: it comes back as a
        # follower (of the new leader, unless the load forced yet another election) and
        # catches up (the new term's no-op at least).
        c[old].start()
        c.wait_for_leader(exclude=[old], timeout=WAIT)  # all 3 agree; node-{old} follows
        after = c.wait_for_convergence(
            timeout=WAIT, extra=lambda st: len(st) == 3 and all(s["keys"] == 3
                                                                 for s in st.values()),
            what=" (3 nodes, keys == 3)")
        self.assertGreater(after[old]["commit_index"], before[old]["commit_index"])
        # It recovered its log from disk after kill -9 (it did not start empty).
        m = re.search(r"Raft node initialized nodeID=node-\d+ term=(\d+) lastLogIndex=(\d+)",
                      c[old].log_since_last_start())
        self.assertIsNotNone(m, "no 'Raft node initialized' line after the restart")
        self.assertGreaterEqual(int(m.group(1)), old_term)
        self.assertGreaterEqual(int(m.group(2)), before[old]["commit_index"])


class TestFollowerCatchUp(ClusterTestCase):
    def test_follower_down_while_log_grows_then_catches_up(self):
        """A follower is down while the log grows, then comes back and catches up.

        There is no client write API yet, so the log is grown without one: with follower F
        stopped (SIGTERM), the leader L is killed with -9 and restarted; L and the third
        node K elect a leader in a new term, whose no-op entry is committed by the two of
        them. Then F restarts and must catch up to the others' last_applied.
        """
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        before = c.wait_for_convergence(
            timeout=WAIT, extra=lambda st: all(s["keys"] == 3 for s in st.values()))
        f, k = [i for i in sorted(c.nodes) if i != lid]
        f_applied = before[f]["last_applied"]
        f_term = before[f]["term"]

        code, by_itself = c[f].stop(signal.SIGTERM)
        self.assertTrue(by_itself, f"node-{f} did not stop on SIGTERM")
        self.assertEqual(code, 0)
        c[lid].kill9()
        c[lid].start()
        two = [lid, k]
        c.wait_for_leader(ids=two, timeout=WAIT)
        grown = c.wait_for_convergence(
            ids=two, timeout=WAIT,
            extra=lambda st: all(s["last_applied"] > f_applied for s in st.values()),
            what=f" on nodes {two}, beyond node-{f}'s last_applied {f_applied}")
        target = grown[k]["last_applied"]
        self.assertGreater(grown[k]["term"], f_term)

        c[f].start()
        after = c.wait_for_convergence(
            timeout=WAIT, extra=lambda st: len(st) == 3 and st[f]["last_applied"] >= target,
            what=f" (3 nodes, node-{f} applied >= {target})")
        self.assertEqual(after[f]["last_applied"], after[k]["last_applied"])
        self.assertEqual(after[f]["commit_index"], after[k]["commit_index"])
        self.assertEqual(after[f]["keys"], 3)
        self.assertGreater(after[f]["term"], f_term)


class TestFiveNodes(ClusterTestCase):
    def test_five_nodes_survive_two_down_including_leader(self):
        c = self.h.atlasd_cluster(5).start()
        lid = c.wait_for_leader(timeout=WAIT)
        before = c.wait_for_convergence(timeout=WAIT, extra=lambda st: len(st) == 5)
        other = next(i for i in sorted(c.nodes) if i != lid)
        c[lid].kill9()
        c[other].kill9()
        down = [lid, other]
        new = c.wait_for_leader(exclude=down, timeout=ELECTION_BOUND)
        self.assertNotIn(new, down)
        self.assertEqual(len(c.live()), 3)
        after = c.wait_for_convergence(
            timeout=WAIT,
            extra=lambda st: all(s["commit_index"] > before[new]["commit_index"]
                                 for s in st.values()),
            what=" beyond the old commit index (the new term's no-op)")
        self.assertEqual(len(after), 3)
        self.assertGreater(after[new]["term"], before[new]["term"])


class TestMinority(ClusterTestCase):
    OBSERVE = 3.0  # seconds: 20 election timeouts of 150 ms

    def assert_no_leader_for(self, c, seconds):
        def complaint():
            for i, s in c.statuses().items():
                if s is None:
                    continue
                if s["state"] in ("Leader", "Candidate") or s["leader"] is not None:
                    return f"node {i}: {harness.format_statuses({i: s})}"
                if s["term"] != 0:  # pre-vote: a minority never raises its term
                    return f"node {i} raised its term: {harness.format_statuses({i: s})}"
            return None
        polls = self.h.observe(seconds, complaint, "a minority must not elect a leader")
        self.assertGreater(polls, 10)

    def test_lone_quickstart_node_waits_for_quorum(self):
        c = self.h.quickstart_cluster()
        c.start(ids=[1])
        self.h.wait_for(c[1].status, WAIT, "node-1 answering /status")
        self.assert_no_leader_for(c, self.OBSERVE)
        self.wait_for_log(c[1], "Node node-1 is waiting for quorum: 1/3 nodes reachable")
        self.assertNotIn("is the LEADER", c[1].log())
        self.assertNotIn("Set user:1:name", c[1].log())
        self.assertEqual(c[1].health(), 503)

    def test_two_of_five_never_elect(self):
        c = self.h.atlasd_cluster(5)
        c.start(ids=[1, 2])  # 3, 4 and 5 are never started
        self.h.wait_for(lambda: all(c.statuses().values()), WAIT, "nodes 1 and 2 answering")
        # The two see each other (so they do talk) but two votes of five are not a quorum.
        self.h.wait_for(lambda: all(any(p["connected"] for p in s["peers"])
                                    for s in c.statuses().values() if s),
                        WAIT, "nodes 1 and 2 connected to each other")
        self.assert_no_leader_for(c, self.OBSERVE)
        for i in (1, 2):
            self.assertNotIn("is the LEADER", c[i].log())


class TestClusterIdentity(ClusterTestCase):
    def test_node_of_another_cluster_is_refused(self):
        # Cluster A with a relaxed election timeout, so that its leader and term staying
        # unchanged depends on the intruder only, not on the machine's load.
        a = self.h.atlasd_cluster(3, cluster_id="a", heartbeat="100ms", election="1000ms")
        a.start()
        lid = a.wait_for_leader(timeout=WAIT)
        st = a.wait_for_convergence(timeout=WAIT, extra=lambda st: len(st) == 3)
        term = st[lid]["term"]

        # The intruder: node 3 of cluster "b", whose peers 1 and 2 are A's nodes 1 and 2.
        ports = harness.PortReservation()
        listen, admin = ports.take_free(2)
        peers = (f"1={a.peer_addresses[1]},2={a.peer_addresses[2]},"
                 f"3=127.0.0.1:{listen}")
        ports.release()
        intruder = self.h.atlasd_node(3, "b-node-3", "b", peers, admin).start()
        self.h.wait_for(intruder.status, WAIT, "the intruder answering /status")
        self.h.wait_for(lambda: any("refusing connection" in a[i].log() and
                                    "cluster 'b' is not 'a'" in a[i].log() for i in (1, 2)),
                        WAIT, "A's nodes 1 or 2 refusing the intruder")

        def complaint():
            s = intruder.status()
            if s is None:
                return "the intruder stopped answering" if not intruder.alive() else None
            if s["leader"] is not None or s["leader_id"] != 0 or s["state"] == "Leader":
                return "intruder follows a leader: " + harness.format_statuses({3: s})
            if s["term"] > 0:
                return "intruder's term rose: " + harness.format_statuses({3: s})
            if any(p["connected"] for p in s["peers"]):
                return f"intruder connected to A: {s['peers']}"
            lid_now, st_now = a.agreed_leader()
            if lid_now is not None and (lid_now != lid or st_now[lid]["term"] != term):
                return (f"A's leadership changed from node-{lid} term {term}:\n"
                        + harness.format_statuses(st_now))
            return None

        self.h.observe(3.0, complaint, "the intruder must stay outside cluster A")
        self.assertTrue(intruder.alive())
        lid_now, st_now = a.agreed_leader()
        self.assertEqual(lid_now, lid, harness.format_statuses(st_now))
        self.assertEqual(st_now[lid]["term"], term)
        self.assertNotIn("FOLLOWER", intruder.log())
        self.assertNotIn("is the LEADER", intruder.log())


class TestShutdown(ClusterTestCase):
    def test_sigint_shuts_down_cleanly(self):
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        c.wait_for_convergence(timeout=WAIT, extra=lambda st: len(st) == 3)
        # Ctrl+C in the leader's terminal, as in the quick start's failover section.
        took = self.assert_exits(c[lid], signal.SIGINT, expect_code=0)
        self.assertLess(took, EXIT_BOUND)
        log = c[lid].log()
        self.assertIn("Shutting down...", log)
        self.assertIn("Shutdown complete", log)
        self.assertLess(log.index("Shutting down..."), log.index("Shutdown complete"))
        # The two others elect a new leader; SIGTERM stops a follower as cleanly.
        new = c.wait_for_leader(exclude=[lid], timeout=ELECTION_BOUND)
        follower = next(i for i in c.live() if i != new)
        self.assert_exits(c[follower], signal.SIGTERM, expect_code=0)
        self.assertIn("Shutdown complete", c[follower].log())


class TestBadConfiguration(ClusterTestCase):
    def setUp(self):
        super().setUp()
        ports = harness.PortReservation()
        self.peer_ports = ports.take_free(3)
        self.admin_ports = ports.take_free(3)
        ports.release()
        self.peers = ",".join(f"{i}=127.0.0.1:{p}" for i, p in enumerate(self.peer_ports, 1))
        self.data_dir = os.path.join(self.h.data_root, "node")

    def atlasd(self, *overrides, node_id=1, peers=None, admin=None):
        args = {"--node-id": str(node_id), "--cluster-id": "c", "--data-dir": self.data_dir,
                "--admin": admin or f"127.0.0.1:{self.admin_ports[node_id - 1]}",
                "--peers": peers or self.peers}
        argv = [harness.binary("helios-atlasd")]
        for k, v in args.items():
            argv += [k, v]
        return argv + list(overrides)

    def assert_refused(self, argv, *needles, code=2):
        got, out = self.h.run(argv, timeout=EXIT_BOUND, name="run-bad-config")
        self.assertEqual(got, code, out)
        for needle in needles:
            self.assertIn(needle, out)
        return out

    def test_election_timeout_below_twice_heartbeat(self):
        self.assert_refused(
            self.atlasd("--heartbeat-timeout", "100ms", "--election-timeout", "150ms"),
            "election_timeout", "twice heartbeat_timeout", "150ms vs 100ms")
        self.assertFalse(os.path.exists(self.data_dir), "a refused start created its data dir")

    def test_node_missing_from_peers(self):
        self.assert_refused(self.atlasd(node_id=1, peers=self.peers.split(",", 1)[1]),
                            "node 1 is missing from its own peers")
        self.assertFalse(os.path.exists(self.data_dir))

    def test_malformed_addresses(self):
        bad_port = f"1=127.0.0.1:notaport,{self.peers.split(',', 1)[1]}"
        self.assert_refused(self.atlasd(peers=bad_port), "'1=127.0.0.1:notaport'",
                            "is not ID=HOST:PORT")
        too_big = f"1=127.0.0.1:70000,{self.peers.split(',', 1)[1]}"
        self.assert_refused(self.atlasd(peers=too_big), "'1=127.0.0.1:70000'")
        self.assert_refused(self.atlasd(admin="127.0.0.1"), "admin", "'127.0.0.1'",
                            "host:port")
        self.assertFalse(os.path.exists(self.data_dir))

    def test_data_dir_of_another_node_is_refused(self):
        first = self.h.atlasd_node(1, "node-1", "c", self.peers, self.admin_ports[0])
        first.argv[first.argv.index("--data-dir") + 1] = self.data_dir
        first.start()
        self.h.wait_for(first.status, WAIT, "node 1 answering /status")
        code, by_itself = first.stop(signal.SIGTERM)
        self.assertTrue(by_itself)
        self.assertEqual(code, 0)
        out = self.assert_refused(self.atlasd(node_id=2), self.data_dir, "belongs to node 1",
                                  code=1)
        self.assertNotIn("started on", out)
        # ... and node 1 still starts on it afterwards: the refusal changed nothing.
        first.start()
        self.h.wait_for(first.status, WAIT, "node 1 answering /status after the refusal")

    def test_bad_snapshot_flags_name_the_flag(self):
        for flag, value, needle in (("--snapshot-threshold", "many", "'many'"),
                                    ("--snapshot-threshold", "-1", "'-1'"),
                                    ("--snapshot-interval", "soon", "is not a duration"),
                                    ("--snapshot-interval", "5d", "unknown unit"),
                                    ("--snapshot-trailing-entries", "1.5", "'1.5'")):
            out = self.assert_refused(self.atlasd(flag, value), f"{flag}: ", needle)
            self.assertNotIn("terminate called", out)
        self.assertFalse(os.path.exists(self.data_dir), "a refused start created its data dir")

    def test_bad_snapshot_keys_in_the_file_name_the_key(self):
        path = os.path.join(self.h.root, "node.toml")
        for text, key in (("snapshot_retain = 0\n", "snapshot_retain"),
                          ("snapshot_chunk_bytes = 1024\n", "snapshot_chunk_bytes"),
                          ("snapshot_chunk_bytes = 33554432\n", "snapshot_chunk_bytes"),
                          ("snapshot_trailing_entries = -5\n", "snapshot_trailing_entries")):
            with open(path, "w") as f:
                f.write(text)
            self.assert_refused(self.atlasd("--config", path), f"config: {key}: ")
        # A malformed value in the file is refused before any flag applies.
        with open(path, "w") as f:
            f.write('snapshot_interval = "later"\n')
        self.assert_refused(self.atlasd("--config", path), "snapshot_interval")
        self.assertFalse(os.path.exists(self.data_dir), "a refused start created its data dir")


class TestCommandLine(ClusterTestCase):
    """raft-example's and helios-atlasd's flags: --help lists them and exits 0; a bad value
    stops the process at once with exit status 2 and one line naming the flag."""

    QUICKSTART_FLAGS = ("--peer-port-base", "--admin-port-base", "--client-port-base",
                        "--data-root", "--redirect")
    TUNING_FLAGS = ("--heartbeat-timeout", "--election-timeout", "--max-entries-per-append",
                    "--snapshot-threshold", "--snapshot-interval",
                    "--snapshot-trailing-entries", "--snapshot-threshold-bytes",
                    "--snapshot-trailing-bytes", "--max-batches-in-flight", "--log-level")

    def run_binary(self, name, *args):
        code, out = self.h.run([harness.binary(name), *args], timeout=EXIT_BOUND,
                               name="run-flags")
        return code, out.split("\n", 1)[1]  # without the harness's header line

    def test_raft_example_help_lists_every_flag(self):
        for help_flag in ("--help", "-h"):
            code, out = self.run_binary("raft-example", help_flag)
            self.assertEqual(code, 0, out)
            self.assertIn("Usage: raft-example", out)
            for flag in self.QUICKSTART_FLAGS + self.TUNING_FLAGS:
                self.assertIn(flag, out)
            self.assertIn("node-1", out)

    def test_atlasd_help_lists_the_snapshot_flags(self):
        code, out = self.run_binary("helios-atlasd", "--help")
        self.assertEqual(code, 0, out)
        for flag in self.TUNING_FLAGS + ("--config", "--peers"):
            self.assertIn(flag, out)

    def test_raft_example_bad_values_name_the_flag(self):
        ports = harness.PortReservation()
        bases = [str(ports.take_base(3)) for _ in range(3)]
        ports.release()
        data_root = os.path.join(self.h.data_root, "bad-flags")
        good = ["node-1", "--peer-port-base", bases[0], "--admin-port-base", bases[1],
                "--client-port-base", bases[2], "--data-root", data_root]
        for flag, value in (("--snapshot-threshold", "many"), ("--snapshot-threshold", "-1"),
                            ("--snapshot-interval", "soon"), ("--snapshot-interval", "5d"),
                            ("--snapshot-trailing-entries", "1.5"),
                            ("--heartbeat-timeout", "fast"), ("--election-timeout", "2x"),
                            ("--max-entries-per-append", "lots"), ("--log-level", "loud"),
                            ("--max-batches-in-flight", "one"),
                            ("--peer-port-base", "70000"), ("--redirect", "sideways")):
            code, out = self.run_binary("raft-example", *good, flag, value)
            self.assertEqual(code, 2, f"{flag} {value}: {out}")
            lines = out.strip().splitlines()
            self.assertEqual(len(lines), 1, f"{flag} {value}: {out}")
            self.assertTrue(lines[0].startswith(f"raft-example: {flag}: "), lines[0])
        # A flag without its value, an unknown flag, an unknown node.
        for args, needle in ((good + ["--snapshot-interval"], "--snapshot-interval"),
                             (good + ["--snapshot-treshold", "5"], "--snapshot-treshold"),
                             (["node-4"] + good[1:], "node-4")):
            code, out = self.run_binary("raft-example", *args)
            self.assertEqual(code, 2, out)
            self.assertEqual(len(out.strip().splitlines()), 1, out)
            self.assertIn(needle, out)
        # A base in range whose node ports are not: node-N listens on base+N, and node-1..3
        # dial base+1..base+3.
        for node, flag, base, port in (("node-1", "--peer-port-base", "65533", "65536"),
                                       ("node-9", "--client-port-base", "65530", "65539")):
            args = [node] + good[1:]
            args[args.index(flag) + 1] = base
            code, out = self.run_binary("raft-example", *args)
            self.assertEqual(code, 2, out)
            self.assertEqual(len(out.strip().splitlines()), 1, out)
            self.assertIn(f"{flag} {base}: {node} needs port {port}, above 65535", out)
        # A value each flag accepts but the configuration as a whole does not: the key.
        code, out = self.run_binary("raft-example", *good, "--max-entries-per-append", "0")
        self.assertEqual(code, 2, out)
        self.assertIn("max_entries_per_append: must be at least 1", out)
        self.assertFalse(os.path.exists(data_root), "a refused start created its data dir")

    def test_quickstart_runs_with_the_tuning_flags(self):
        c = self.h.quickstart_cluster()
        for node in c.nodes.values():
            node.argv += ["--snapshot-threshold", "0", "--snapshot-interval", "1s",
                          "--snapshot-trailing-entries", "5", "--heartbeat-timeout", "60ms",
                          "--election-timeout", "300ms", "--max-entries-per-append", "10",
                          "--log-level", "debug"]
        c.start()
        c.wait_for_leader(timeout=WAIT)
        c.wait_for_convergence(
            timeout=WAIT, extra=lambda st: all(s["keys"] == 3 for s in st.values()),
            what=" and keys == 3 on every node")
        self.assertTrue(any("[DEBUG]" in n.log() for n in c.nodes.values()),
                        "--log-level debug logged nothing at debug level")


class TestBatchHolding(ClusterTestCase):
    """--max-batches-in-flight 1: a leader holds its next batch while one is in flight; every
    write is still answered and applied on every node."""

    CLIENTS = 16
    PIPELINE = 40

    def info_field(self, address, field):
        with harness.RespConnection(*address) as r:
            info = r.call("INFO", "stats").decode()
        return int(re.search(rf"^{field}:(\d+)", info, re.M).group(1))

    def test_a_held_batch_is_proposed_and_every_write_applied(self):
        c = self.h.quickstart_cluster(extra_args=("--max-batches-in-flight", "1"))
        c.start()
        lid = c.wait_for_leader(timeout=WAIT)
        leader = c[lid].client
        clients = [harness.RespConnection(*leader) for _ in range(self.CLIENTS)]
        written = {}
        deadline = time.monotonic() + WAIT
        held = 0
        rounds = 0
        try:
            # Pipelined writes from many connections at once, until the leader held a batch.
            while held == 0 and time.monotonic() < deadline:
                sent = []
                for i, r in enumerate(clients):
                    keys = [f"hold:{rounds}:{i}:{j}" for j in range(self.PIPELINE)]
                    r.send_raw(b"".join(r.encode("SET", k, k + ":v") for k in keys))
                    sent.append(keys)
                for r, keys in zip(clients, sent):
                    for k in keys:
                        reply = r.read_reply()
                        if reply == "OK":
                            written[k] = k + ":v"
                        else:  # only a leader change under this load may refuse a write
                            self.assertRegex(str(reply), r"^(UNCERTAIN|TRYAGAIN) ")
                rounds += 1
                held = self.info_field(leader, "write_batches_held")
        finally:
            for r in clients:
                r.close()
        self.assertGreater(held, 0, f"no batch held in {rounds} rounds of writes")
        self.assertLess(self.info_field(leader, "write_batches"),
                        self.info_field(leader, "write_commands"))
        # Every acknowledged write is applied everywhere (reads at each node: linearizable).
        for node in c.nodes.values():
            with harness.RespConnection(*node.client) as r:
                for k in list(written)[::97] + [list(written)[-1]]:
                    self.assertEqual(r.call("GET", k), written[k].encode(), f"{k} at {node}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
