"""ACL users end to end on the quick start's three raft-example nodes: --requirepass and
--aclfile, AUTH / HELLO AUTH, -NOAUTH / -WRONGPASS / -NOPERM, ACL SETUSER / DELUSER / LOAD
replicated through the log, users in snapshots and in the log across restarts, TLS and a
password together. Error replies are compared with a real redis-server 7.0 (Debian's
redis-server, started here on a free port of 127.0.0.1 and stopped by its PID) given the
same commands. See README.md in this directory.

    HELIOS_BIN=build/bin /usr/bin/python3 -m unittest -v tests/cluster/test_acl.py
    ctest --test-dir build/release -R cluster_acl

Needs redis-server (Debian: redis-server, 7.0), and for TestTlsWithPassword redis-py,
redis-cli and redis-benchmark (python3-redis, redis-tools), like test_tls.py.
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import RespConnection, RespError  # noqa: E402
from test_admin_snapshot import http_request  # noqa: E402
from test_cluster import WAIT, ClusterTestCase  # noqa: E402
from test_compat import ClusterClassCase, need_redis_py, need_tool  # noqa: E402
from test_tls import TlsResp, TlsTestCase, last_line  # noqa: E402

try:
    import redis  # noqa: E402
except ImportError:  # need_redis_py() says what to do
    redis = None

HOST = "127.0.0.1"
PASS = "secret"  # --requirepass of every cluster here (and of the reference redis-server)
PROPAGATION = 5.0  # seconds for an applied ACL change to be enforced on every node
SOCKET_TIMEOUT = 15.0  # one command (a forwarded write may take write_timeout = 5 s)
CLOSE_BOUND = 5.0  # seconds for a node to close a connection it refused
RACE_ROUNDS = 300  # ACL changes at a follower, each checked at once at that follower
ANY = object()  # TestCompareWithRedis.step: any reply of the reference will do

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
ALICE = ("on", ">pw", "~k*", "+get", "+set")  # ACL SETUSER alice ...
CAROL = ("on", ">pw", "~k*", "+get", "+set", "+multi", "+exec")
ACLFILE = "user default on >secret ~* &* +@all\nuser ro on >ro ~* &* -@all +@read\n"
ACLFILE_RW = "user default on >secret ~* &* +@all\nuser rw on >rw ~* &* +@all -@dangerous\n"
BAD_ACLFILES = [  # ACL LOAD refuses each, changing nothing
    "user default on >secret ~* &* +@all\nuser rw on >rw ~* &* +@all badrule\n",
    "user default on >secret ~* &* +@all\nuser rw on >rw ~* +nosuchcmd\nuser x on\nbogus\n",
    "user default on >secret ~* &* +@all\nuser rw on >rw\nuser rw on >rw2\n",
]


def noperm(command):
    return f"NOPERM this user has no permissions to run the '{command}' command"


def sha256(password):
    return hashlib.sha256(password.encode()).hexdigest()


def norm(reply):
    """A reply as compared here: an error as ("-", its line), anything else as parsed."""
    return ("-", reply.message) if isinstance(reply, RespError) else reply


def is_error(value):
    return isinstance(value, tuple) and value[:1] == ("-",)


def show(value):
    return f"-{value[1]}" if is_error(value) else repr(value)


def fields(flat):
    """ACL GETUSER's / an ACL LOG entry's flat [name, value, ...] list as a dict."""
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in zip(flat[::2], flat[1::2])}


def log_entries(reply):
    """ACL LOG as comparable tuples (count, reason, context, object, username), newest
    first; ages, client info and 7.2's entry ids are left out. An error stays as it is."""
    if not isinstance(reply, list):
        return reply
    out = []
    for entry in reply:
        e = fields(entry)
        out.append((e["count"], *(e[k].decode() for k in
                                  ("reason", "context", "object", "username"))))
    return out


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


def read_file(path):
    with open(path) as f:
        return f.read()


def connect(address, *auth, timeout=SOCKET_TIMEOUT):
    """A RespConnection to address, after AUTH *auth (which must answer OK) if given."""
    conn = RespConnection(*address, timeout=timeout)
    if auth:
        reply = conn.command("AUTH", *auth)
        if reply != "OK":
            conn.close()
            raise AssertionError(f"AUTH {auth[0]}... at {address}: {norm(reply)}")
    return conn


def one_reply(address, *args, auth=()):
    """The reply (normalized) to args on a new connection to address, after AUTH *auth."""
    with connect(address, *auth) as conn:
        return norm(conn.command(*args))


# --- the reference: a real redis-server ----------------------------------------------------

class RedisServer:
    """Debian's redis-server (7.0) on a free port of 127.0.0.1, no persistence, started with
    extra flags (e.g. --requirepass); its output goes to <tmp>/logs/run-redis-server.log
    (printed when a test fails). Stopped by its PID (SIGTERM, then SIGKILL)."""

    def __init__(self, h, *flags):
        path = shutil.which("redis-server")
        if path is None:
            raise AssertionError("redis-server not found on the PATH: install Debian's "
                                 "redis-server (7.0), the reference these replies are "
                                 "compared with")
        version = subprocess.run([path, "--version"], stdout=subprocess.PIPE, timeout=10,
                                 stderr=subprocess.STDOUT).stdout.decode()
        if not re.search(r"\bv=7\.0\.", version):
            raise AssertionError(f"the comparison is written against redis-server 7.0 "
                                 f"(Debian bookworm); found: {version.strip()}")
        ports = harness.PortReservation()
        port = ports.take_free(1)[0]
        work = os.path.join(h.root, f"redis-{port}")
        os.makedirs(work)
        argv = [path, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly",
                "no", "--dir", work, "--daemonize", "no", *flags]
        ports.release()
        with open(os.path.join(h.log_dir, "run-redis-server.log"), "ab") as log:
            log.write(f"=== harness: run: {' '.join(argv)}\n".encode())
            log.flush()
            self.proc = h.spawn(argv, log)
        self.address = (HOST, port)
        h.wait_for(self.answers, WAIT, f"redis-server answering on port {port}")

    def answers(self):
        try:
            with RespConnection(*self.address, timeout=1.0) as c:
                return c.command("PING") is not None  # PONG, or NOAUTH with a password
        except (OSError, ValueError):
            return False

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Twin:
    """One connection to a Helios node and one to redis-server: each command goes to both."""

    def __init__(self, helios, reference, *auth):
        self.helios = connect(helios, *auth)
        self.redis = connect(reference, *auth)

    def both(self, *args):
        return norm(self.helios.command(*args)), norm(self.redis.command(*args))

    def close(self):
        self.helios.close()
        self.redis.close()


# --- starting the quick start with ACL flags ------------------------------------------------

def start_cluster(h, flags=(), per_node=None):
    """The quick start with flags (per_node: {id: more flags}) on every node; waits for one
    leader and the seed's three keys applied everywhere. Returns (cluster, leader id)."""
    c = h.quickstart_cluster()
    for i, node in c.nodes.items():
        node.argv += [*flags, *(per_node or {}).get(i, ())]
    c.start()
    c.wait_for_leader(timeout=WAIT)
    c.wait_for_convergence(timeout=WAIT,
                           extra=lambda st: all(s["keys"] == 3 for s in st.values()),
                           what=" and the seed's 3 keys on every node")
    return c, c.wait_for_leader(timeout=WAIT)


# --- 1: the same requests to Helios and to redis-server -------------------------------------

class TestCompareWithRedis(ClusterClassCase):
    """A quick start and a redis-server, both with --requirepass, given the same requests:
    every error line (and the values that do not depend on the server) must be identical.
    Helios is reached at a follower (its ACL changes are forwarded to the leader); after
    each change the test waits until every node applied it (the change at the follower that
    answered is TestPropagation's race test). The mismatches of a test are all collected,
    then reported together."""

    @classmethod
    def setUpClass(cls):
        cls.failed = False
        cls.h = harness.Harness(cls.__name__)
        cls.addClassCleanup(lambda: cls.h.cleanup(cls.failed))
        try:
            cls.redis = RedisServer(cls.h, "--requirepass", PASS)
            cls.addClassCleanup(cls.redis.stop)
            cls.c, lid = start_cluster(cls.h, ("--requirepass", PASS))
            cls.node = cls.c[next(i for i in sorted(cls.c.nodes) if i != lid)]
        except BaseException:
            cls.failed = True
            raise

    def setUp(self):
        self.mismatches = []
        self.twins = []
        self.admin = self.twin(PASS)

    def tearDown(self):
        for t in self.twins:
            t.close()

    def twin(self, *auth):
        t = Twin(self.node.client, self.redis.address, *auth)
        self.twins.append(t)
        return t

    def step(self, t, *args, redis_says=ANY, same=True):
        """Sends args to both sides of t. redis_says (a check of the test itself): what the
        reference must answer, an error as "-CODE" (its first word) or a value. Helios must
        answer exactly what Redis did (same=False: only an error where Redis gave one, and
        not where it did not). Returns (Helios's reply, Redis's)."""
        hv, rv = t.both(*args)
        if redis_says is not ANY:
            want_error = isinstance(redis_says, str) and redis_says.startswith("-")
            ok = (is_error(rv) and rv[1].split(" ", 1)[0] == redis_says[1:] if want_error
                  else rv == redis_says)
            if not ok:
                raise AssertionError(f"redis-server answered {' '.join(args)} with {show(rv)}, "
                                     f"the test expects {redis_says!r}")
        if (hv != rv) if same else (is_error(hv) != is_error(rv)):
            self.mismatches.append(f"{' '.join(args)}\n    Helios: {show(hv)}\n"
                                   f"    Redis:  {show(rv)}")
        return hv, rv

    def acl(self, *args, redis_says="OK"):
        """ACL args on both as the default user (redis_says: Redis's reply); then waits
        until every node applied it."""
        self.step(self.admin, "ACL", *args, redis_says=redis_says)
        self.c.wait_for_convergence(timeout=WAIT)

    def fresh_user(self, name, rules):
        """name deleted (if there) and created again with rules, on both."""
        self.step(self.admin, "ACL", "DELUSER", name)
        self.acl("SETUSER", name, *rules)

    def assert_same(self):
        if self.mismatches:
            self.fail(f"Helios (node-{self.node.id}) and redis-server 7.0 differ:\n"
                      + "\n".join(self.mismatches))

    def test_before_and_at_authentication(self):
        t = self.twin()
        for args in (("GET", "k1"), ("SET", "k1", "v"), ("ACL", "WHOAMI")):
            _, rv = self.step(t, *args, redis_says="-NOAUTH")
            self.assertEqual(rv, ("-", NOAUTH), args)
        self.step(t, "HELLO", "3", redis_says="-NOAUTH")  # "HELLO must be called with..."
        wrong = [self.step(t, *args, redis_says="-WRONGPASS")[0] for args in (
            ("AUTH", "wrong"), ("AUTH", "nosuchuser", "pw"), ("AUTH", "default", "wrong"),
            ("HELLO", "3", "AUTH", "default", "wrong"), ("HELLO", "3", "AUTH", "nosuch", "pw"))]
        # A wrong password never tells whether the user exists.
        self.assertEqual([w for w in wrong if w != ("-", WRONGPASS)], [])
        self.step(t, "AUTH", redis_says="-ERR")  # wrong number of arguments
        self.step(t, "AUTH", "a", "b", "c", redis_says="-ERR")  # syntax error
        self.step(t, "HELLO", "3", "AUTH", "default", redis_says="-ERR")
        self.step(t, "HELLO", "4", "AUTH", "default", PASS, redis_says="-NOPROTO")
        self.step(t, "GET", "k1", redis_says="-NOAUTH")  # still not authenticated
        self.step(t, "AUTH", PASS, redis_says="OK")  # only a password: the default user
        self.step(t, "ACL", "WHOAMI", redis_says=b"default")
        self.step(self.twin(), "AUTH", "default", PASS, redis_says="OK")
        t3 = self.twin()
        hv, rv = self.step(t3, "HELLO", "3", "AUTH", "default", PASS, same=False)
        for side, v in (("Helios", hv), ("Redis", rv)):
            self.assertIsInstance(v, dict, f"{side}'s HELLO 3 AUTH")
            self.assertEqual(v.get("proto"), 3, f"{side}'s HELLO 3 AUTH")
        self.step(t3, "ACL", "WHOAMI", redis_says=b"default")
        self.step(t3, "ACL", "GETUSER", "nosuch", redis_says=None)  # RESP3's null
        self.assertEqual((t3.helios.last_type, t3.redis.last_type), ("_", "_"))
        self.assert_same()

    def test_default_user_without_password(self):
        """With the default user's password gone, AUTH <password> is refused with Redis's
        hint and a username/password AUTH of the default user takes any password."""
        self.acl("SETUSER", "default", "nopass")
        try:
            t = self.twin()
            self.step(t, "DEL", "k9", redis_says=0)  # no AUTH needed now
            self.step(t, "AUTH", "anything", redis_says="-ERR")
            self.step(t, "AUTH", "default", "anything", redis_says="OK")
        finally:
            self.acl("SETUSER", "default", "resetpass", f">{PASS}")
        self.step(self.twin(), "GET", "k1", redis_says="-NOAUTH")
        self.assert_same()

    def test_user_permissions(self):
        self.fresh_user("alice", ALICE)
        self.step(self.admin, "DEL", "k1")
        t = self.twin()
        self.step(t, "AUTH", "alice", "pw", redis_says="OK")
        self.step(t, "GET", "k1", redis_says=None)
        self.step(t, "SET", "k1", "v", redis_says="OK")
        self.step(t, "GET", "k1", redis_says=b"v")
        for args in (("GET", "x"), ("SET", "x", "v")):
            _, rv = self.step(t, *args, redis_says="-NOPERM")
            self.assertEqual(rv, ("-", NOPERM_KEY), args)
        for args, name in ((("DEL", "k1"), "del"), (("ACL", "WHOAMI"), "acl|whoami"),
                           (("FLUSHALL",), "flushall"), (("INCR", "k2"), "incr")):
            _, rv = self.step(t, *args, redis_says="-NOPERM")
            self.assertEqual(rv, ("-", noperm(name)), args)
        # A failed AUTH keeps the connection's user.
        self.step(t, "AUTH", "alice", "wrong", redis_says="-WRONGPASS")
        self.step(t, "SET", "k1", "w", redis_says="OK")
        self.step(t, "DEL", "k1", redis_says="-NOPERM")
        # ACL GETUSER's fields (7.0 rebuilds "commands" from its own table: not compared).
        hv, rv = self.step(self.admin, "ACL", "GETUSER", "alice", same=False)
        hv = fields(hv) if isinstance(hv, list) else {}
        for name in ("flags", "passwords", "keys", "channels", "selectors"):
            if hv.get(name) != fields(rv)[name]:
                self.mismatches.append(f"ACL GETUSER alice: {name}\n    Helios: "
                                       f"{hv.get(name)!r}\n    Redis:  {fields(rv)[name]!r}")
        self.assert_same()

    def test_read_and_write_key_patterns(self):
        """%W~ and %R~ patterns: what each command needs of its keys follows Redis 7's key
        specs (reads of the value need read rights; changes need write rights; EXISTS and TTL
        need neither)."""
        self.fresh_user("rw", ["on", ">p", "%W~k*", "%R~r*", "+@all"])
        t = self.twin()
        self.step(t, "AUTH", "rw", "p", redis_says="OK")
        for args, says in ((("SET", "k", "v"), "OK"), (("INCR", "k"), "-NOPERM"),
                           (("GET", "k"), "-NOPERM"), (("EXISTS", "k"), 1),
                           (("SET", "k", "v", "GET"), "-NOPERM"), (("APPEND", "k", "x"), 2),
                           (("GET", "r"), None), (("SET", "r", "1"), "-NOPERM"),
                           (("TTL", "r"), -2), (("SETRANGE", "k", "0", "a"), 2),
                           (("RENAME", "k", "k2"), "-NOPERM"), (("DEL", "k"), 1)):
            self.step(t, *args, redis_says=says)
        self.assert_same()

    def test_acl_errors_and_lookups(self):
        for rules in (["foo"], ["+nosuchcmd"], ["+@nosuchcat"], ["+@all|x"], ["-get|x"],
                      ["#abc"], ["<nosuch"], ["badflag"], ["%X~k*"], ["%~k*"],
                      ["allkeys", "~x"], ["("], ["(~x", "+get"]):
            self.step(self.admin, "ACL", "SETUSER", "bob", "on", ">pw", *rules,
                      redis_says="-ERR")
        self.step(self.admin, "ACL", "GETUSER", "bob", redis_says=None)  # all or nothing
        self.step(self.admin, "ACL", "SETUSER", "bad name", "on", redis_says="-ERR")
        self.step(self.admin, "ACL", "SETUSER", redis_says="-ERR")
        self.step(self.admin, "ACL", "DELUSER", "default", redis_says="-ERR")
        self.step(self.admin, "ACL", "DELUSER", "nosuch", redis_says=0)
        self.step(self.admin, "ACL", "GETUSER", "nosuch", redis_says=None)
        self.step(self.admin, "ACL", "CAT", "nosuch", redis_says="-ERR")
        self.step(self.admin, "ACL", "NOSUCH", redis_says="-ERR")
        self.step(self.admin, "ACL", redis_says="-ERR")
        self.step(self.admin, "ACL", "LOAD", redis_says="-ERR")  # no aclfile
        self.step(self.admin, "ACL", "SAVE", redis_says="-ERR")
        self.step(self.admin, "ACL", "GENPASS", "0", redis_says="-ERR")
        self.step(self.admin, "ACL", "GENPASS", "5000", redis_says="-ERR")
        hv, rv = self.step(self.admin, "ACL", "CAT", same=False)
        self.assertEqual(sorted(hv), sorted(rv), "ACL CAT's category names")
        self.assertIn(b"dangerous", rv)
        self.acl("SETUSER", "tmp", "reset")  # 7.0: reset includes sanitize-payload
        self.step(self.admin, "ACL", "GETUSER", "tmp",
                  redis_says=[b"flags", [b"off", b"sanitize-payload"], b"passwords", [],
                              b"commands", b"-@all", b"keys", b"", b"channels", b"",
                              b"selectors", []])
        self.acl("DELUSER", "tmp", redis_says=1)
        self.assert_same()

    def test_user_turned_off(self):
        self.fresh_user("alice", ALICE)
        before = self.twin("alice", "pw")  # authenticated before the change
        self.acl("SETUSER", "alice", "off")
        for auth in ((), (PASS,)):
            t = self.twin(*auth)
            self.step(t, "AUTH", "alice", "pw", redis_says="-WRONGPASS")
            self.step(t, "HELLO", "3", "AUTH", "alice", "pw", redis_says="-WRONGPASS")
        self.step(before, "SET", "k1", "v", redis_says="OK")  # Redis keeps it (7.0)
        self.acl("SETUSER", "alice", "on", "-set")
        self.step(before, "SET", "k1", "v", redis_says="-NOPERM")  # in force at once
        self.step(self.twin(), "AUTH", "alice", "pw", redis_says="OK")
        self.assert_same()

    def test_multi_with_a_forbidden_command(self):
        self.fresh_user("carol", CAROL)
        self.step(self.admin, "DEL", "k1")
        t = self.twin("carol", "pw")
        self.step(t, "MULTI", redis_says="OK")
        self.step(t, "SET", "k1", "v", redis_says="QUEUED")
        self.step(t, "DEL", "k1", redis_says="-NOPERM")
        self.step(t, "GET", "x", redis_says="-NOPERM")
        self.step(t, "GET", "k1", redis_says="QUEUED")
        self.step(t, "EXEC", redis_says="-EXECABORT")
        self.step(t, "GET", "k1", redis_says=None)  # nothing ran
        self.step(t, "MULTI", redis_says="OK")
        self.step(t, "SET", "k1", "w", redis_says="QUEUED")
        self.step(t, "EXEC", redis_says=["OK"])
        self.step(t, "GET", "k1", redis_says=b"w")
        self.assert_same()

    def test_exec_refused_outside_multi(self):
        """A user without +exec: MULTI is refused, and so is the EXEC that follows, which
        Redis 7.0 words as an aborted transaction ("EXECABORT Transaction discarded because
        of: NOPERM ...", rejectCommand -> execCommandAbort)."""
        self.fresh_user("alice", ALICE)
        t = self.twin("alice", "pw")
        self.step(t, "MULTI", redis_says="-NOPERM")
        self.step(t, "SET", "k1", "v", redis_says="OK")  # not queued: no transaction
        self.step(t, "EXEC", redis_says="-EXECABORT")
        self.assert_same()

    def test_dryrun(self):
        self.fresh_user("alice", ALICE)
        self.step(self.admin, "ACL", "DRYRUN", "alice", "set", "k1", "v", redis_says="OK")
        self.step(self.admin, "ACL", "DRYRUN", "alice", "get", "k1", redis_says="OK")
        self.step(self.admin, "ACL", "DRYRUN", "alice", "get", "x",
                  redis_says=b"This user has no permissions to access the 'x' key")
        self.step(self.admin, "ACL", "DRYRUN", "alice", "del", "k1",
                  redis_says=b"This user has no permissions to run the 'del' command")
        self.step(self.admin, "ACL", "DRYRUN", "nosuch", "get", "x", redis_says="-ERR")
        self.step(self.admin, "ACL", "DRYRUN", "alice", "nosuchcmd", redis_says="-ERR")
        self.step(self.admin, "ACL", "DRYRUN", "alice", "get", redis_says="-ERR")
        self.assert_same()

    def test_acl_log(self):
        """ACL LOG at the node that refused (per node, as per server in Redis): the same
        entries (count, reason, context, object, username) as Redis's, newest first."""
        self.fresh_user("alice", ALICE)
        self.fresh_user("carol", CAROL)
        self.step(self.admin, "ACL", "LOG", "RESET", redis_says="OK")
        t = self.twin()
        for args in (("AUTH", "nosuch", "pw"), ("HELLO", "3", "AUTH", "nosuch", "pw"),
                     ("auth", "default", "bad"), ("AUTH", "nosuch", "pw2")):
            self.step(t, *args, redis_says="-WRONGPASS")
        self.step(t, "AUTH", "carol", "pw", redis_says="OK")
        self.step(t, "MULTI", redis_says="OK")
        self.step(t, "DEL", "k1", redis_says="-NOPERM")  # context "multi"
        self.step(t, "EXEC", redis_says="-EXECABORT")
        for _ in range(2):
            self.step(t, "GET", "x", redis_says="-NOPERM")
        self.step(t, "AUTH", "alice", "pw", redis_says="OK")
        self.step(t, "EXEC", same=False)  # the exec case: test_exec_refused_outside_multi
        hv, rv = self.step(self.admin, "ACL", "LOG", same=False)
        self.assertEqual(len(rv), 6, rv)  # "AUTH nosuch" twice: one entry
        if log_entries(hv) != log_entries(rv):
            self.mismatches.append(f"ACL LOG\n    Helios: {log_entries(hv)}\n"
                                   f"    Redis:  {log_entries(rv)}")
        hv, rv = self.step(self.admin, "ACL", "LOG", "2", same=False)
        if log_entries(hv) != log_entries(rv):
            self.mismatches.append(f"ACL LOG 2\n    Helios: {log_entries(hv)}\n"
                                   f"    Redis:  {log_entries(rv)}")
        self.step(self.admin, "ACL", "LOG", "foo", redis_says="-ERR")
        self.step(self.admin, "ACL", "LOG", "-1", redis_says=[])
        self.step(self.admin, "ACL", "LOG", "RESET", redis_says="OK")
        self.step(self.admin, "ACL", "LOG", redis_says=[])
        self.assert_same()


# --- 2 to 4: the users on every node -------------------------------------------------------

class AclCase(ClusterTestCase):
    def wait_every_node(self, c, check, what, timeout=PROPAGATION, ids=None):
        """Waits until check(node) returns None (all is well; else a complaint) for every
        node of ids (default: all); fails with each node's last complaint."""
        ids = ids or sorted(c.nodes)
        last = {}

        def all_well():
            for i in ids:
                last[i] = check(c[i])
            return all(v is None for v in last.values())
        try:
            self.h.wait_for(all_well, timeout, what)
        except AssertionError as e:
            detail = "\n".join(f"  node {i}: {v or 'ok'}" for i, v in sorted(last.items()))
            raise AssertionError(f"{e}\n{detail}") from None

    @staticmethod
    def expect(node, args, want, auth=()):
        """None if args, on a new connection to node (after AUTH *auth), answer want (a
        normalized reply); else what they answered."""
        try:
            got = one_reply(node.client, *args, auth=auth)
        except (OSError, ValueError, AssertionError) as e:
            return f"{' '.join(args)}: {type(e).__name__}: {e}"
        return None if got == want else f"{' '.join(args)} -> {show(got)}, not {show(want)}"

    def acl_list(self, node):
        return one_reply(node.client, "ACL", "LIST", auth=(PASS,))

    def wait_same_acl_list(self, c, want=None, timeout=PROPAGATION):
        """Waits until ACL LIST is the same on every node (want, if given); returns it."""
        lists = {}

        def check(node):
            try:
                lists[node.id] = self.acl_list(node)
            except (OSError, ValueError, AssertionError) as e:
                return f"ACL LIST: {type(e).__name__}: {e}"
            ref = want if want is not None else lists.get(min(c.nodes))
            return None if lists[node.id] == ref else f"ACL LIST {lists[node.id]}, not {ref}"
        self.wait_every_node(c, check, "the same ACL LIST on every node", timeout)
        return lists[min(c.nodes)]

    def assert_refused(self, conn, what):
        """conn's next command is refused: the node closes it, at once or after one error
        reply (never a normal reply; closed within CLOSE_BOUND)."""
        try:
            reply = conn.command("GET", "k1")
        except socket.timeout:
            self.fail(f"{what}: no answer")
        except (ConnectionError, OSError):
            return  # closed
        self.assertIsInstance(reply, RespError, f"{what}: answered {reply!r}")
        conn.sock.settimeout(CLOSE_BOUND)
        try:
            extra = conn.read_reply()
        except socket.timeout:
            self.fail(f"{what}: still open {CLOSE_BOUND}s after -{reply.message}")
        except (ConnectionError, OSError):
            return
        self.fail(f"{what}: sent {norm(extra)!r} after -{reply.message}")

    def restart_all(self, c):
        for i in sorted(c.nodes):
            code, by_itself = c[i].stop()
            self.assertTrue(by_itself, f"node-{i} did not stop on SIGTERM (exit {code})")
            self.assertEqual(code, 0, f"node-{i}'s exit status after SIGTERM")
        c.start()
        return c.wait_for_leader(timeout=WAIT)


class TestPropagation(AclCase):
    def test_setuser_and_deluser_reach_every_node(self):
        c, lid = start_cluster(self.h, ("--requirepass", PASS))
        ids = sorted(c.nodes)
        f1, f2 = [i for i in ids if i != lid]
        with connect(c[f1].client, PASS) as admin:
            self.assertEqual(admin.command("ACL", "SETUSER", "alice", *ALICE), "OK")
        self.wait_every_node(c, lambda n: self.expect(n, ("AUTH", "alice", "pw"), "OK"),
                             "alice able to AUTH at every node")
        listing = self.wait_same_acl_list(c)
        self.assertIn(b"user alice on #" + sha256("pw").encode() + b" ~k* resetchannels "
                      b"-@all +get +set", listing)

        # The same permissions everywhere; each node's ACL LOG has its own refusals only.
        alices = {i: connect(c[i].client, "alice", "pw") for i in ids}
        self.addCleanup(lambda: [a.close() for a in alices.values()])
        for i in ids:
            got = [norm(alices[i].command(*args)) for args in (
                ("SET", "k1", f"v{i}"), ("GET", "k1"), ("GET", "x"), ("SET", "x", "v"),
                ("DEL", "k1"), ("ACL", "WHOAMI"), ("FLUSHALL",))]
            self.assertEqual(got, ["OK", f"v{i}".encode(), ("-", NOPERM_KEY),
                                   ("-", NOPERM_KEY), ("-", noperm("del")),
                                   ("-", noperm("acl|whoami")), ("-", noperm("flushall"))],
                             f"alice at node-{i}")
        for i in ids:
            entries = log_entries(one_reply(c[i].client, "ACL", "LOG", auth=(PASS,)))
            self.assertEqual(sorted(e for e in entries if e[4] == "alice"), [
                (1, "command", "toplevel", "acl|whoami", "alice"),
                (1, "command", "toplevel", "del", "alice"),
                (1, "command", "toplevel", "flushall", "alice"),
                (2, "key", "toplevel", "x", "alice")], f"node-{i}'s ACL LOG")

        # A change of permissions reaches the connections already authenticated.
        with connect(c[lid].client, PASS) as admin:
            self.assertEqual(admin.command("ACL", "SETUSER", "alice", "-set"), "OK")

        def set_refused(node):
            got = norm(alices[node.id].command("SET", "k1", "w"))
            return None if got == ("-", noperm("set")) else f"SET k1 -> {show(got)}"
        self.wait_every_node(c, set_refused, "alice's SET refused at every node")

        # ACL DELUSER at the other follower: gone everywhere; its connections refused.
        with connect(c[f2].client, PASS) as admin:
            self.assertEqual(admin.command("ACL", "DELUSER", "alice"), 1)
        self.wait_every_node(
            c, lambda n: self.expect(n, ("AUTH", "alice", "pw"), ("-", WRONGPASS)),
            "alice's AUTH refused at every node")
        self.wait_same_acl_list(c, [b"user default on #" + sha256(PASS).encode()
                                    + b" ~* &* +@all"])
        for i in ids:
            self.assert_refused(alices[i], f"alice's connection at node-{i} after DELUSER")

    def test_change_in_force_at_the_node_that_answered(self):
        """OK to ACL SETUSER at a follower means the change is in force there (Redis: in
        force when OK is sent): AUTH on another connection to that node, and ACL GETUSER
        on the same one, see it at once. RACE_ROUNDS changes, each checked both ways."""
        c, lid = start_cluster(self.h, ("--requirepass", PASS))
        f = c[next(i for i in sorted(c.nodes) if i != lid)]
        stale = []
        with connect(f.client, PASS) as admin, connect(f.client) as other:
            for n in range(RACE_ROUNDS):
                self.assertEqual(admin.command("ACL", "SETUSER", "racer", "on", "resetpass",
                                               f">p{n}", "+@all"), "OK")
                got = norm(other.command("AUTH", "racer", f"p{n}"))
                if got != "OK":
                    stale.append(f"round {n}: AUTH racer with the new password -> {show(got)}")
                self.assertEqual(admin.command("ACL", "SETUSER", "racer", "resetpass",
                                               f">q{n}"), "OK")
                user = admin.command("ACL", "GETUSER", "racer")
                if not user or fields(user)["passwords"] != [sha256(f"q{n}").encode()]:
                    stale.append(f"round {n}: ACL GETUSER on the same connection shows "
                                 f"the previous password")
        if stale:
            self.fail(f"{len(stale)} of {2 * RACE_ROUNDS} checks at node-{f.id} (a follower) "
                      f"did not see the change it had just acknowledged:\n"
                      + "\n".join(stale[:10]))


class TestPersistence(AclCase):
    def test_users_survive_restarts_from_the_log_and_from_snapshots(self):
        # --snapshot-trailing-entries 0: a snapshot drops the whole log behind it, so that
        # after the second restart the users can only come from the snapshots.
        c, lid = start_cluster(self.h, ("--requirepass", PASS,
                                        "--snapshot-trailing-entries", "0"))
        follower = next(i for i in sorted(c.nodes) if i != lid)
        with connect(c[follower].client, PASS) as admin:
            for args in (("SETUSER", "alice", *ALICE), ("SETUSER", "bob", "on", ">pw2", "~*",
                                                        "+@read"),
                         ("DELUSER", "bob"), ("SETUSER", "carol", "on", ">pw3", "~*",
                                              "-@all", "+@read")):
                self.assertIn(admin.command("ACL", *args), ("OK", 1), args)
        listing = self.wait_same_acl_list(c)
        self.assertEqual([line.split(b" ")[1] for line in listing],
                         [b"alice", b"carol", b"default"])
        st = c.wait_for_convergence(timeout=WAIT)
        self.assertEqual({s["snapshot"]["index"] for s in st.values()}, {0},
                         "no snapshot yet: the restart replays the log")

        def users_enforced(node):
            for args, want in ((("AUTH", "bob", "pw2"), ("-", WRONGPASS)),
                               (("AUTH", "carol", "pw3"), "OK")):
                complaint = self.expect(node, args, want)
                if complaint:
                    return complaint
            try:
                with connect(node.client, "alice", "pw") as a:
                    got = [norm(a.command(*args)) for args in (("GET", "x"), ("DEL", "k1"))]
            except (OSError, ValueError, AssertionError) as e:
                return f"alice: {type(e).__name__}: {e}"
            want = [("-", NOPERM_KEY), ("-", noperm("del"))]
            return None if got == want else f"alice: {got}"

        self.restart_all(c)
        self.wait_same_acl_list(c, listing, timeout=WAIT)
        self.wait_every_node(c, users_enforced, "the users after a log replay")

        # Then changes, a snapshot on every node, and a restart from the snapshots.
        with connect(c[follower].client, PASS) as admin:
            self.assertEqual(admin.command("ACL", "SETUSER", "dave", "on", ">pw4", "~d*",
                                           "+@all"), "OK")
            self.assertEqual(admin.command("ACL", "DELUSER", "carol"), 1)
        listing = self.wait_same_acl_list(c)
        self.assertEqual([line.split(b" ")[1] for line in listing],
                         [b"alice", b"dave", b"default"])
        applied = c.wait_for_convergence(timeout=WAIT)[lid]["last_applied"]
        for i in sorted(c.nodes):
            code, body = http_request(c[i], "POST", "/snapshot")
            self.assertEqual(code, 202, f"POST /snapshot at node-{i}: {body}")

        def snapshotted(node):
            s = node.status()
            snap = s and s["snapshot"]
            if not snap or snap["in_progress"] or snap["index"] < applied:
                return f"snapshot {snap}, want index >= {applied}"
            if s["first_log_index"] != snap["index"] + 1:
                return f"first_log_index {s['first_log_index']}, snapshot {snap['index']}"
            return None
        self.wait_every_node(c, snapshotted, "a snapshot of the users on every node, the log "
                             "behind it dropped", timeout=WAIT)
        self.restart_all(c)
        self.wait_same_acl_list(c, listing, timeout=WAIT)
        for i in sorted(c.nodes):
            s = c[i].status()
            self.assertTrue(s and s["snapshot"]["index"] >= applied,
                            f"node-{i}'s snapshot after the restart: {s and s['snapshot']}")

        def users_after_snapshot(node):
            for args, want, auth in (
                    (("AUTH", "carol", "pw3"), ("-", WRONGPASS), ()),
                    (("SET", "d1", "v"), "OK", ("dave", "pw4")),
                    (("SET", "x", "v"), ("-", NOPERM_KEY), ("dave", "pw4")),
                    (("SET", "k1", "v"), "OK", ("alice", "pw")),
                    (("DEL", "k1"), ("-", noperm("del")), ("alice", "pw"))):
                complaint = self.expect(node, args, want, auth)
                if complaint:
                    return f"as {auth[:1]}: {complaint}"
            return None
        self.wait_every_node(c, users_after_snapshot, "the users after a restart from "
                             "snapshots")


class TestAclfile(AclCase):
    def test_bootstrap_users_and_acl_load(self):
        files = {i: os.path.join(self.h.root, f"users-node-{i}.acl") for i in (1, 2, 3)}
        for path in files.values():
            write_file(path, ACLFILE)
        c, lid = start_cluster(self.h, per_node={i: ["--aclfile", p] for i, p in files.items()})
        ids = sorted(c.nodes)
        f, g = [i for i in ids if i != lid]

        def bootstrap_users(node):
            try:
                with connect(node.client) as conn:
                    got = [norm(conn.command(*args)) for args in (
                        ("GET", "user:1:name"), ("AUTH", "ro", "ro"), ("GET", "user:1:name"),
                        ("GET", "nokey"), ("SET", "k", "v"), ("DEL", "k"), ("AUTH", PASS),
                        ("SET", "k", "v"), ("ACL", "USERS"))]
            except (OSError, ValueError) as e:
                return f"{type(e).__name__}: {e}"
            want = [("-", NOAUTH), "OK", b"Alice", None, ("-", noperm("set")),
                    ("-", noperm("del")), "OK", "OK", [b"default", b"ro"]]
            return None if got == want else f"{got}"
        self.wait_every_node(c, bootstrap_users, "the aclfile's users on every node")
        self.wait_same_acl_list(c, [
            b"user default on #" + sha256(PASS).encode() + b" ~* &* +@all",
            b"user ro on #" + sha256("ro").encode() + b" ~* &* -@all +@read"])

        # ACL LOAD at a follower reads that node's file: its users replace the others on
        # every node (whose own files are not read).
        write_file(files[f], ACLFILE_RW)
        with connect(c[f].client, PASS) as admin:
            self.assertEqual(admin.command("ACL", "LOAD"), "OK")

        def loaded(node):
            for args, want, auth in (
                    (("AUTH", "ro", "ro"), ("-", WRONGPASS), ()),
                    (("SET", "k", "w"), "OK", ("rw", "rw")),
                    (("FLUSHALL",), ("-", noperm("flushall")), ("rw", "rw")),
                    (("ACL", "USERS"), [b"default", b"rw"], (PASS,))):
                complaint = self.expect(node, args, want, auth)
                if complaint:
                    return complaint
            return None
        self.wait_every_node(c, loaded, f"the users of node-{f}'s file on every node")
        self.assertEqual([read_file(files[i]) for i in ids if i != f], [ACLFILE] * 2)

        # ACL SAVE at another node writes the replicated users to that node's file.
        with connect(c[g].client, PASS) as admin:
            self.assertEqual(admin.command("ACL", "SAVE"), "OK")
        saved = read_file(files[g])
        self.assertIn("\nuser rw on #" + sha256("rw"), "\n" + saved)
        self.assertNotIn("user ro ", saved)

        # Files with errors are refused with Redis's text, and change nothing.
        ref_file = os.path.join(self.h.root, "redis-users.acl")
        write_file(ref_file, ACLFILE)
        reference = RedisServer(self.h, "--aclfile", ref_file)
        self.addCleanup(reference.stop)
        with connect(c[f].client, PASS) as helios, connect(reference.address, PASS) as ref:
            for text in BAD_ACLFILES:
                write_file(files[f], text)
                write_file(ref_file, text)
                hv = norm(helios.command("ACL", "LOAD"))
                rv = norm(ref.command("ACL", "LOAD"))
                self.assertTrue(is_error(rv), f"redis-server loaded {text!r}: {rv!r}")
                self.assertEqual(show(hv).replace(files[f], "FILE"),
                                 show(rv).replace(ref_file, "FILE"), f"ACL LOAD of {text!r}")
        self.wait_every_node(c, loaded, "rw still the only user beside default")


# --- 5: TLS and a password together --------------------------------------------------------

class TestTlsWithPassword(TlsTestCase):
    def test_redis_cli_redis_py_benchmark(self):
        need_redis_py()
        cli, bench = need_tool("redis-cli"), need_tool("redis-benchmark")
        c = self.h.tls_quickstart(("--requirepass", PASS)).start()
        lid = c.wait_for_leader(timeout=WAIT)
        ids = sorted(c.nodes)
        follower = next(i for i in ids if i != lid)

        def tls_auth_ping(node):
            try:
                with TlsResp(node.client, self.h.ctx, timeout=2.0) as conn:
                    got = [norm(conn.command("PING")), norm(conn.command("AUTH", PASS)),
                           norm(conn.command("PING"))]
            except (OSError, ValueError) as e:
                return f"{type(e).__name__}: {e}"
            return None if got == [("-", NOAUTH), "OK", "PONG"] else f"{got}"
        for i in ids:
            self.h.wait_for(lambda i=i: tls_auth_ping(c[i]) is None, WAIT,
                            f"node-{i}: PING refused, then AUTH and PING over TLS")

        port = {i: str(c[i].client[1]) for i in ids}
        tls = ["--tls", "--cacert", self.h.ca, "-h", HOST]
        code, out = self.tool(cli, *tls, "-a", PASS, "-p", port[follower], "set", "acl:cli",
                              "hello")
        self.assertEqual((code, last_line(out)), (0, "OK"), out)
        for i in ids:
            code, out = self.tool(cli, *tls, "-a", PASS, "-p", port[i], "get", "acl:cli")
            self.assertEqual((code, last_line(out)), (0, "hello"), f"node-{i}: {out}")
            code, out = self.tool(cli, *tls, "-p", port[i], "get", "acl:cli")
            self.assertEqual(last_line(out), NOAUTH, f"node-{i} without -a: {out}")
            code, out = self.tool(cli, *tls, "-a", "wrong", "-p", port[i], "get", "acl:cli")
            self.assertIn(f"AUTH failed: {WRONGPASS}", out, f"node-{i} with -a wrong")

        opts = dict(host=HOST, ssl=True, ssl_ca_certs=self.h.ca, ssl_cert_reqs="required",
                    socket_timeout=SOCKET_TIMEOUT, decode_responses=True)
        clients = {i: redis.Redis(port=c[i].client[1], password=PASS, **opts) for i in ids}
        try:
            for i in ids:
                self.assertIs(clients[i].set(f"acl:py:{i}", f"v{i}"), True)
            for i in ids:
                self.assertEqual(clients[i].mget([f"acl:py:{j}" for j in ids] + ["acl:cli"]),
                                 [f"v{j}" for j in ids] + ["hello"], f"node-{i}")
        finally:
            for r in clients.values():
                r.close()
        bad = redis.Redis(port=c[follower].client[1], password="wrong", **opts)
        with self.assertRaises(redis.RedisError) as cm:
            bad.get("acl:cli")
        self.assertIn(WRONGPASS, str(cm.exception))
        bad.close()

        for i in (lid, follower):
            code, out = self.tool(bench, *tls, "-a", PASS, "-p", port[i], "-t", "set,get",
                                  "-n", "2000", "-q")
            self.assertEqual(code, 0, out)
            lines = [x.strip() for x in re.split(r"[\r\n]+", out) if x.strip()]
            self.assertEqual([x for x in lines if re.search("err|NOAUTH|WRONGPASS", x,
                                                            re.IGNORECASE)], [], out)
            for test in ("SET", "GET"):
                self.assertTrue(any(re.match(rf"{test}: [0-9.]+ requests per second", x)
                                    for x in lines), f"no {test} result at node-{i}: {out}")
        code, out = self.tool(bench, *tls, "-a", "wrong", "-p", port[follower], "-t", "get",
                              "-n", "100", "-q")
        self.assertNotEqual(code, 0, out)
        self.assertIn(WRONGPASS, out)


if __name__ == "__main__":
    unittest.main()
