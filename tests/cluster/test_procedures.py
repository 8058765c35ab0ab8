"""The step-by-step procedures of docs/operations.md ("Membership", "Leadership transfer and
rolling restarts") performed as written, with the real binaries and helios-cli, on the quick
start's three raft-example nodes: grow 3 to 5 with --join then shrink back with `member
remove`, replace a dead machine by a node at a new address (and the variant that keeps the
dead node's id), move every node to new machines one by one (the leader's last), and a
rolling restart (followers first, the leader last by SIGTERM). New machines are
helios-atlasd nodes started with `--config FILE --join HOST:ADMINPORT` on ports of their own.
Clients write continuously through the live members during each procedure; at the end every
acknowledged write reads back at every final member and DEBUG DIGEST agrees on all of them.
See README.md here.

    HELIOS_BIN=build/bin python3 -m unittest -v tests/cluster/test_procedures.py
    ctest --test-dir build/release -R cluster_procedures

Timings are printed, never asserted.
"""

import os
import re
import signal
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import ELECTION_BOUND, EXIT_BOUND, WAIT, ClusterTestCase  # noqa: E402

QUICKSTART_CLUSTER_ID = "helios-quickstart"  # raft-example's cluster id (docs: "Joining")
MEMBER_HEADER = re.compile(r"^(voters|learners|outgoing_voters) \((\d+)\):$")
MEMBER_LINE = re.compile(r"^\s+(node-\d+)\s+peer (\S+)\s+client (\S+)\s+admin (\S+)")
TRANSFERRED = re.compile(r"Transferred leadership to node-(\d+) in (\d+) ms \(term (\d+)\)")


def parse_member_list(out):
    """`helios-cli member list` (or a change's answer) as {"voters": [(name, peer, client,
    admin), ...], "learners": [...], ...} and whether a change is in progress."""
    lists, current = {}, None
    for line in out.splitlines():
        header = MEMBER_HEADER.match(line)
        if header:
            current = lists.setdefault(header[1], [])
            continue
        member = MEMBER_LINE.match(line)
        if member and current is not None:
            current.append(member.groups())
    return lists, "a configuration change is in progress" in out


def names(ids):
    return [f"node-{i}" for i in sorted(ids)]


class TestProcedures(ClusterTestCase):
    # --- starting things -------------------------------------------------------------

    def start_cluster(self, extra_args=()):
        """The quick start's node-1..node-3 (ports reserved for node-4..node-9 as well), with
        extra_args on their command lines; returns (cluster, leader id). self.members: the
        ids the writers write through."""
        c = self.h.quickstart_cluster(reserve=9)
        for node in c.nodes.values():
            node.argv += list(extra_args)
        c.start()
        lid = c.wait_for_leader(timeout=WAIT)
        self.wait_for_voters(c, [1, 2, 3], at=[1, 2, 3])
        self.members = [1, 2, 3]
        self.clock = time.monotonic()
        return c, lid

    def new_machine(self, c, node_id, join_id, name=None):
        """A helios-atlasd node on ports of its own (a new machine) with an empty data
        directory, configured by a TOML file as docs/operations.md "Joining" says (node_id,
        cluster_id, data_dir, listen, admin, [client], no peers), started with --join at
        node join_id's admin address. Added to c.nodes[node_id] (replacing what was there)."""
        name = name or f"node-{node_id}"
        ports = harness.PortReservation()
        peer, admin, client = ports.take_free(3)
        data_dir = os.path.join(self.h.data_root, name)
        conf_dir = os.path.join(self.h.root, "conf")
        os.makedirs(conf_dir, exist_ok=True)
        path = os.path.join(conf_dir, f"{name}.toml")
        with open(path, "w") as f:
            f.write(f'node_id = {node_id}\n'
                    f'cluster_id = "{QUICKSTART_CLUSTER_ID}"\n'
                    f'data_dir = "{data_dir}"\n'
                    f'listen = "127.0.0.1:{peer}"\n'
                    f'admin = "127.0.0.1:{admin}"\n'
                    f'log_level = "info"\n'
                    f'\n[client]\nlisten = "127.0.0.1:{client}"\n')
        argv = [harness.binary("helios-atlasd"), "--config", path,
                "--join", f"127.0.0.1:{c[join_id].admin[1]}"]
        node = harness.Node(self.h, node_id, name, argv, admin, data_dir)
        node.client = ("127.0.0.1", client)
        node.peer = f"127.0.0.1:{peer}"
        self.h.nodes.append(node)  # killed, and its log printed on failure, by the harness
        c.nodes[node_id] = node
        ports.release()
        return node.start()

    # --- helios-cli and the admin API ----------------------------------------------------

    def cli(self, *args):
        return self.h.run([harness.binary("helios-cli"), *args], timeout=60, name="run-cli")

    def peer_of(self, c, node_id):
        """The peer address node node_id listens on (raft-example: the quick start's)."""
        return getattr(c[node_id], "peer", None) or f"127.0.0.1:{c.peer_base + node_id}"

    def admins(self, c, ids):
        return ",".join(f"127.0.0.1:{c[i].admin[1]}" for i in ids)

    def step(self, what):
        now = time.monotonic()
        print(f"\n  [{now - self.clock:6.2f} s] {what}", file=sys.stderr, end="")

    def members_at(self, node):
        return node.get_json("/members", timeout=5.0)

    def wait_for_voters(self, c, voters, at):
        """Waits until GET /members at each node of `at` shows exactly `voters`, no learner
        and no change in progress."""
        for n in at:
            last = {}

            def done(n=n):
                m = self.members_at(c[n])
                last["m"] = m
                return (m is not None and sorted(x["id"] for x in m["voters"]) == sorted(voters)
                        and not m["learners"] and not m["outgoing_voters"]
                        and not m["change_in_progress"])
            try:
                self.h.wait_for(done, WAIT, f"voters {sorted(voters)} at {c[n].name}")
            except AssertionError as e:
                raise AssertionError(f"{e}\nlast members at {c[n].name}: {last.get('m')}")

    def assert_member_list(self, c, voters, at):
        """`helios-cli --admin NODE member list` at each node of `at` shows exactly `voters`
        (with the peer addresses the nodes listen on), no learner, no change in progress.
        Returns the voters' lines of the last one."""
        for n in at:
            code, out = self.cli("--admin", self.admins(c, [n]), "member", "list")
            self.assertEqual(code, 0, out)
            lists, in_progress = parse_member_list(out)
            self.assertEqual([v[0] for v in lists.get("voters", [])], names(voters), out)
            self.assertIn(f"voters ({len(voters)}):", out)
            self.assertEqual(lists.get("learners"), [], out)
            self.assertNotIn("outgoing_voters", lists, out)
            self.assertFalse(in_progress, out)
            for name, peer, client, _ in lists["voters"]:
                node = c[int(name.split("-")[1])]
                self.assertEqual(peer, self.peer_of(c, node.id), out)
                self.assertEqual(client, f"{node.client[0]}:{node.client[1]}", out)
        return lists["voters"]

    def assert_status_voters(self, c, voters):
        """`helios-cli status --nodes ...` of every voter shows `- Voters: node-a, ...` for
        each of them."""
        code, out = self.cli("status", "--nodes", self.admins(c, sorted(voters)))
        self.assertEqual(code, 0, out)
        line = "- Voters: " + ", ".join(names(voters))
        self.assertEqual(out.count(line + "\n"), len(voters), out)
        self.assertEqual(out.count("- Learners: none"), len(voters), out)
        self.assertNotIn("Joint configuration", out)

    def remove(self, c, node_id, voters_left, removed_exits=True):
        """`helios-cli member remove ID` (asked of every member, as an operator would: it
        follows a follower's 421 to the leader); the removed node exits 0 by itself."""
        self.step(f"helios-cli member remove {node_id}")
        known = sorted(set(voters_left) | {node_id})
        code, out = self.cli("--admin", self.admins(c, [i for i in known if c[i].alive()]),
                             "member", "remove", str(node_id))
        self.assertEqual(code, 0, out)
        lists, _ = parse_member_list(out)
        self.assertEqual([v[0] for v in lists.get("voters", [])], names(voters_left), out)
        if len(voters_left) % 2 == 0:
            self.assertIn(f"warning: {len(voters_left)} voters", out)
        else:
            self.assertNotIn("warning:", out)
        self.members = sorted(voters_left)
        if removed_exits:
            self.assert_removed_exits(c[node_id])
        self.keep_writing()
        return out

    def assert_removed_exits(self, node):
        """The removed node logs its removal, writes REMOVED and exits 0 by itself."""
        started = time.monotonic()
        code = node.wait_exit(WAIT)
        self.assertIsNotNone(code, f"{node.name} still running {WAIT}s after its removal")
        self.assertEqual(code, 0, f"{node.name}'s exit status after its removal")
        self.assertIn(f"Node {node.name.split('@')[0]} was removed from the cluster",
                      node.log_since_last_start())
        self.assertTrue(os.path.exists(os.path.join(node.data_dir, "REMOVED")))
        print(f" ({node.name} exited 0 {time.monotonic() - started:.2f} s after the change)",
              file=sys.stderr, end="")

    def join_and_wait(self, c, node_id, join_id, voters, raft_example=False, name=None):
        """Step 1-2 of "Grow" / "Replace": starts node_id with --join at join_id's admin port
        (raft-example node-N, or a new helios-atlasd machine), waits until every member
        shows it among the voters with no change in progress. The writers then write
        through it too."""
        self.step(f"{'raft-example' if raft_example else 'helios-atlasd'} node-{node_id} "
                  f"--join (admin of node-{join_id})")
        started = time.monotonic()
        if raft_example:
            self.h.quickstart_joiner(c, node_id, join_id=join_id).start()
        else:
            self.new_machine(c, node_id, join_id, name=name)
        self.wait_for_voters(c, voters, at=[i for i in sorted(voters) if c[i].alive()])
        log = c[node_id].log_since_last_start()
        self.assertIn(f"Node node-{node_id} asks 127.0.0.1:{c[join_id].admin[1]} to add it", log)
        self.assertIn(f"Node node-{node_id} was added to the cluster; catching up", log)
        self.members = sorted(voters)
        self.step(f"node-{node_id} is a voter ({time.monotonic() - started:.2f} s after start)")
        self.keep_writing()

    # --- the writers and the final checks ------------------------------------------------

    def start_writers(self, c, count=2):
        stop = threading.Event()
        self.addCleanup(stop.set)

        def targets():
            return [c[i].client for i in list(self.members) if c[i].alive()]
        writers = [harness.WriteLoop(f"w{k}", None, [], stop, targets=targets, move_on_error=True,
                                     timeout=3.0) for k in range(count)]
        for w in writers:
            w.start()
        self.h.wait_for(lambda: all(len(w.acked) >= 50 for w in writers), WAIT,
                        "50 acknowledged writes from each client")
        self.procedure_started = time.monotonic()
        self.writers = writers
        return writers, stop

    def keep_writing(self, more=20):
        """Between two steps: each client gets `more` further writes acknowledged (the
        cluster serves writes in every intermediate configuration)."""
        for w in self.writers:
            n = len(w.acked)
            self.h.wait_for(lambda w=w, n=n: len(w.acked) >= n + more, WAIT,
                            f"{more} more acknowledged writes from {w.name}")

    def finish(self, c, writers, stop, final):
        """The writers acknowledge more writes after the procedure, then stop; every final
        member applies the same index, reads every acknowledged write back, and DEBUG DIGEST
        is the same on all of them."""
        ended = time.monotonic()
        self.h.finish_writers(writers, stop, more=50, timeout=WAIT, join_timeout=EXIT_BOUND)
        c.wait_for_convergence(ids=final, timeout=WAIT)
        lid = c.wait_for_leader(ids=final, timeout=ELECTION_BOUND)
        for n in [lid] + [i for i in final if i != lid]:
            for w in writers:
                self.assert_readable(c[n], w.acked)
        digest = self.wait_for_equal_digests(c, final)
        took = ended - self.procedure_started
        for w in writers:
            print(f"\n  {w.name}: {len(w.acked)} acknowledged writes "
                  f"({w.acked_between(self.procedure_started, ended)} during the "
                  f"{took:.1f} s procedure, longest gap "
                  f"{w.longest_gap(self.procedure_started, ended):.2f} s), errors {w.errors}",
                  file=sys.stderr, end="")
            self.assertEqual(w.unexpected, [], f"{w.name}: answers other than OK, -TRYAGAIN, "
                                               f"-UNCERTAIN")
        print(f"\n  final members {names(final)}, leader node-{lid}, digest "
              f"{digest}", file=sys.stderr)

    # --- the procedures -------------------------------------------------------------------

    def test_grow_3_to_5_then_shrink_5_to_3(self):
        c, lid = self.start_cluster()
        writers, stop = self.start_writers(c)

        # Grow: node-4, then node-5, join (quick start: raft-example node-N --join
        # 127.0.0.1:8001, here node-1's admin port), each a voter before the next starts.
        self.join_and_wait(c, 4, 1, [1, 2, 3, 4], raft_example=True)
        self.assert_member_list(c, [1, 2, 3, 4], at=[1])
        self.join_and_wait(c, 5, 1, [1, 2, 3, 4, 5], raft_example=True)
        self.assert_member_list(c, [1, 2, 3, 4, 5], at=[1, 2, 3, 4, 5])
        self.assert_status_voters(c, [1, 2, 3, 4, 5])
        self.assertEqual(sorted(c.live()), [1, 2, 3, 4, 5])

        # Shrink: member remove 5, wait for voters (4), member remove 4. Each exits 0.
        self.remove(c, 5, [1, 2, 3, 4])
        self.wait_for_voters(c, [1, 2, 3, 4], at=[1, 2, 3, 4])
        self.assert_member_list(c, [1, 2, 3, 4], at=[1, 2, 3, 4])
        self.remove(c, 4, [1, 2, 3])
        self.wait_for_voters(c, [1, 2, 3], at=[1, 2, 3])
        self.assert_member_list(c, [1, 2, 3], at=[1, 2, 3])
        self.assert_status_voters(c, [1, 2, 3])

        # "it would refuse to start anyway"
        c[5].start()
        code = c[5].wait_exit(EXIT_BOUND)
        self.assertEqual(code, 1, "node-5 started again after its removal")
        self.assertIn("node-5 was removed from the cluster", c[5].log_since_last_start())
        self.finish(c, writers, stop, [1, 2, 3])

    def test_replace_a_dead_machine_at_a_new_address(self):
        c, lid = self.start_cluster()
        writers, stop = self.start_writers(c)

        # node-3 dies for good.
        self.step(f"kill -9 node-3 (the leader was node-{lid})")
        c[3].kill9()
        self.members = [1, 2]
        c.wait_for_leader(ids=[1, 2], timeout=ELECTION_BOUND)
        self.keep_writing()

        # 1. node-6 on a new machine (new ports) joins: it becomes the 4th voter.
        self.join_and_wait(c, 6, 1, [1, 2, 3, 6])
        self.members = [1, 2, 6]
        # 2. member remove 3: C(old={1,2,3,6}, new={1,2,6}), both majorities live.
        self.remove(c, 3, [1, 2, 6], removed_exits=False)
        self.wait_for_voters(c, [1, 2, 6], at=[1, 2, 6])
        # 3. member list shows voters 1, 2, 6.
        voters = self.assert_member_list(c, [1, 2, 6], at=[1, 2, 6])
        self.assertEqual(voters[2][1], c[6].peer)
        self.assert_status_voters(c, [1, 2, 6])
        # The dead machine comes back with its old data directory. It never received its
        # removal, and a leader elected since does not know it (the one that removed it
        # would still send it the entries it lacks): the members tell it when it asks for
        # votes. It stops (exit 0), and refuses to start again.
        lid = c.wait_for_leader(ids=[1, 2, 6], timeout=ELECTION_BOUND)
        target = next(n for n in (1, 2, 6) if n != lid)
        code, out = self.cli("--admin", self.admins(c, [1, 2, 6]), "transfer-leader",
                             str(target))
        self.assertEqual(code, 0, out)
        self.step("the old node-3 comes back with its data")
        c[3].start()
        self.assertEqual(c[3].wait_exit(EXIT_BOUND), 0)
        self.assertIn("committed a configuration without it", c[3].log())
        c[3].start()
        code = c[3].wait_exit(EXIT_BOUND)
        self.assertIsNotNone(code)
        self.assertNotEqual(code, 0)
        self.assertIn("was removed from the cluster", c[3].log_since_last_start())
        self.finish(c, writers, stop, [1, 2, 6])

    def test_replace_a_dead_machine_keeping_its_id(self):
        """The variant of step 3: remove the dead node first, then join the new machine
        (another address, a wiped data directory) under the same id.

        The nodes take no snapshot by count (--snapshot-threshold 0), so that the log is
        not compacted during the test: the leader must send the new node-3 its log ("The
        leader sends it the log, or its snapshot when the log was compacted"), and a
        snapshot sent once the log happens to be compacted cannot hide whether that works.
        node-3 dies as a follower (leadership is moved away first if it leads), so that the
        leader that stays had replicated to it (a leader elected after its death would start
        with nothing known of it)."""
        c, lid = self.start_cluster(extra_args=["--snapshot-threshold", "0"])
        if lid == 3:
            code, out = self.cli("--admin", self.admins(c, [1, 2, 3]), "transfer-leader", "1")
            self.assertEqual(code, 0, out)
            lid = c.wait_for_leader(timeout=ELECTION_BOUND)
        writers, stop = self.start_writers(c)
        old, old_peer = c[3], self.peer_of(c, 3)

        self.step(f"kill -9 node-3 (a follower of node-{lid})")
        c[3].kill9()
        self.members = [1, 2]
        lid = c.wait_for_leader(ids=[1, 2], timeout=ELECTION_BOUND)
        self.keep_writing()
        dead_match = next(p["match_index"] for p in c[lid].status()["peers"] if p["id"] == 3)

        # Remove it first (the cluster has one failure less to spare in between) ...
        self.remove(c, 3, [1, 2], removed_exits=False)
        self.wait_for_voters(c, [1, 2], at=[1, 2])
        # ... then join the new machine under id 3, at new ports, with an empty directory.
        try:
            self.join_and_wait(c, 3, 1, [1, 2, 3], name="node-3@new-machine")
        except AssertionError as e:
            lid = c.leader(ids=[1, 2])
            st, m = (c[lid].status(), self.members_at(c[lid])) if lid else (None, None)
            peer = [p for p in st["peers"] if p["id"] == 3] if st else None
            new = c[3].status()
            raise AssertionError(
                f"the new node-3 (same id, new address, empty directory) did not catch up: "
                f"{e}\nthe dead node-3's match index at node-{lid} when it died: {dead_match};"
                f" now node-{lid} lists voters {m and [x['id'] for x in m['voters']]}, "
                f"learners {m and [x['id'] for x in m['learners']]}, its peer entry for node 3"
                f" is {peer}, its last index {st and st['last_log_index']}, first index "
                f"{st and st['first_log_index']}; the new node-3's last_log_index is "
                f"{new and new['last_log_index']}, commit_index {new and new['commit_index']}"
            ) from None
        self.assertNotEqual(c[3].peer, old_peer)
        voters = self.assert_member_list(c, [1, 2, 3], at=[1, 2, 3])
        self.assertEqual(voters[2][1], c[3].peer)
        self.assert_status_voters(c, [1, 2, 3])
        self.assertFalse(os.path.exists(os.path.join(c[3].data_dir, "REMOVED")))
        self.assertFalse(old.alive())
        self.finish(c, writers, stop, [1, 2, 3])
        self.assertTrue(c[3].alive(), "the new node-3 stopped")

    def test_move_every_node_to_new_machines(self):
        c, lid = self.start_cluster()
        writers, stop = self.start_writers(c)
        old, voters = [1, 2, 3], [1, 2, 3]
        for new in (4, 5, 6):
            # Join the new one (at any member's admin address), wait until it is a voter ...
            voters = voters + [new]
            self.join_and_wait(c, new, voters[0], voters)
            # ... remove an old one, the leader's machine last.
            lid = c.wait_for_leader(ids=voters, timeout=ELECTION_BOUND)
            gone = next(i for i in old if i != lid) if len(old) > 1 else old[0]
            self.step(f"node-{lid} leads")
            old.remove(gone)
            voters = [i for i in voters if i != gone]
            self.remove(c, gone, voters)
            self.wait_for_voters(c, voters, at=voters)
        self.assertEqual(voters, [4, 5, 6])
        self.assert_member_list(c, [4, 5, 6], at=[4, 5, 6])
        self.assert_status_voters(c, [4, 5, 6])
        for i in (1, 2, 3):
            self.assertEqual(c[i].exit_codes, [0], f"node-{i}'s exit statuses")
        self.finish(c, writers, stop, [4, 5, 6])

    def test_rolling_restart(self):
        c, lid = self.start_cluster()
        writers, stop = self.start_writers(c)
        ids = [1, 2, 3]

        def caught_up(n):
            """node n is a Follower of a leader and its commit_index has reached the
            leader's (read first: under writes the leader's keeps moving)."""
            last = {}

            def cond():
                leader = c.leader(ids=[i for i in ids if i != n])
                ls = c[leader].status() if leader else None
                s = c[n].status()
                last["statuses"] = c.statuses(ids)
                return (ls is not None and s is not None and s["state"] == "Follower"
                        and s["leader_id"] == leader and s["commit_index"] >= ls["commit_index"])
            self.h.wait_for(cond, WAIT, f"node-{n} a Follower caught up with the leader", last)

        # 1. The followers, one by one: stop (SIGTERM), start on the same data directory,
        # wait until it is a Follower with the leader's commit index.
        for n in [i for i in ids if i != lid]:
            self.step(f"restart follower node-{n}")
            started = time.monotonic()
            code, by_itself = c[n].stop(signal.SIGTERM, timeout=EXIT_BOUND)
            self.assertEqual((code, by_itself), (0, True), f"node-{n} after SIGTERM")
            self.assertNotIn("Transferring leadership", c[n].log_since_last_start())
            c[n].start()
            caught_up(n)
            self.assertEqual(c.leader(ids=ids), lid, "a follower's restart moved leadership")
            self.step(f"node-{n} caught up {time.monotonic() - started:.2f} s after SIGTERM")
            self.keep_writing()

        # 2. The leader last: SIGTERM hands leadership to the most up-to-date follower.
        self.step(f"restart the leader node-{lid}")
        term = c[lid].status()["term"]
        started = time.monotonic()
        code, by_itself = c[lid].stop(signal.SIGTERM, timeout=EXIT_BOUND)
        self.assertEqual((code, by_itself), (0, True), f"node-{lid} after SIGTERM")
        log = c[lid].log_since_last_start()
        found = TRANSFERRED.search(log)
        self.assertIsNotNone(found, f"node-{lid} did not log a transfer:\n{log[-3000:]}")
        target, new_term = int(found[1]), int(found[3])
        self.assertIn(target, ids)
        self.assertNotEqual(target, lid)
        self.assertEqual(new_term, term + 1)
        self.assertLess(log.index("Transferring leadership to"), log.index("Shutdown complete"))
        self.assertEqual(c.wait_for_leader(ids=[i for i in ids if i != lid],
                                           timeout=ELECTION_BOUND), target)
        c[lid].start()
        caught_up(lid)
        self.step(f"node-{lid} caught up {time.monotonic() - started:.2f} s after SIGTERM "
                  f"(transfer to node-{target} in {found[2]} ms)")

        # Membership did not change; every node restarted once.
        self.wait_for_voters(c, ids, at=ids)
        self.assert_member_list(c, ids, at=ids)
        self.assert_status_voters(c, ids)
        for i in ids:
            self.assertEqual(c[i].exit_codes, [0], f"node-{i}'s exit statuses")
            self.assertEqual(c[i].starts, 2)
        self.finish(c, writers, stop, ids)


if __name__ == "__main__":
    unittest.main()
