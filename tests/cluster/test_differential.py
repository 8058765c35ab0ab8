"""The differential test of issue 14: the same seeded command scripts, family by family
(strings, keys, hash, list, set, zset), sent to a real redis-server 7.0 (Debian's, started
here on a free port of 127.0.0.1, no persistence, stopped by its PID) and to a three-node
raft-example cluster, command i going to node (i mod 3): every reply must be identical
(values and error lines, the error's code included), and so must the whole datasets at the
end of each script, read back at every node. Hand-written edge cases per family follow the
random scripts. See README.md in this directory.

    HELIOS_BIN=build/bin /usr/bin/python3 -m unittest -v tests/cluster/test_differential.py
    ctest --test-dir build/release -R cluster_differential

Replaying: a mismatch names its family, seed, protocol and command index;
HELIOS_DIFF_FAMILIES=strings HELIOS_DIFF_SEED=2 HELIOS_DIFF_PROTO=2 reruns that one script
(HELIOS_DIFF_SEED also takes "1,5,9" or a range "1-200" for more seeds, HELIOS_DIFF_N the
commands per script, default 400).

Normalization, only where Redis itself leaves the order or the value unspecified:
- SMEMBERS, SINTER, SUNION, SDIFF, HKEYS, HVALS, KEYS: sorted; HGETALL: as sorted pairs;
  a RESP3 map or set: sorted;
- SCAN, HSCAN, SSCAN, ZSCAN from cursor 0: iterated to cursor 0 (at one node), the union
  compared;
- TTL, PTTL: -2, -1 or "positive"; EXPIRETIME, PEXPIRETIME: exact for the absolute times the
  generators set (year 2100), else "relative" (two servers set a relative TTL a few
  milliseconds apart);
- SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY: by shape: the reply count, distinctness
  for a positive count, every element (and its value or score) in the key's contents read
  at redis-server just before;
- SPOP of fewer members than the set has: by shape, then each side's remaining members must
  be its own set minus what it popped; then the key is set to the same members on both
  sides (DEL + SADD), so the scripts go on from equal datasets.
OBJECT ENCODING is never sent (internal). Errors are compared as whole lines: redis-py's
parser is replaced by one that keeps the line (redis-py drops "ERR ").

RESP3: Debian 12's redis-py (4.3) has no protocol=3, so the RESP3 script of each family
runs on plain connections (harness.RespConnection after HELLO 3) on both sides.

A family whose representative command (HSET, LPUSH, SADD, ZADD) the cluster does not know
(COMMAND INFO answers a null entry) is skipped with a message, unless it is listed in
FAMILIES_REQUIRED; inside a family, a command the cluster does not know is never drawn: it
must be in PENDING_COMMANDS for a required family. TestReferenceSelfCheck runs every family
against two redis-servers: it proves the normalization leaves no false mismatch, and that a
real difference is caught.
"""

import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import diff_gen  # noqa: E402
import harness  # noqa: E402
from diff_gen import FAMILIES, REPRESENTATIVE, ScriptGen  # noqa: E402
from harness import RespConnection, RespError, RespSet  # noqa: E402
from test_acl import RedisServer  # noqa: E402
from test_compat import SOCKET_TIMEOUT, ClusterClassCase, need_redis_py  # noqa: E402

try:
    import redis  # noqa: E402
    from redis.connection import PythonParser  # noqa: E402
except ImportError:  # need_redis_py() says what to do
    redis = None
    PythonParser = object

# ====================================================================================
# FAMILIES_REQUIRED: the families that must run (and pass) against the cluster. The lead
# adds "hash", "list", "set", "zset" here as each type lands (issue 14); a family not listed
# is skipped, with a message, while the cluster does not know its representative command.
FAMILIES_REQUIRED = ["strings", "keys", "hash", "list", "set", "zset"]
# Families the cluster knows but still answers unlike Redis in places: skipped with this
# reason until fixed (replay with HELIOS_DIFF_FAMILIES=zset HELIOS_DIFF_FORCE=1).
FAMILIES_KNOWN_DIFFERENT = {}
# Commands of a required family that the cluster may not know yet (issue 14, item 6).
PENDING_COMMANDS = set()
# ====================================================================================

CI_SEEDS = [1, 2, 3]  # RESP2 scripts per family in CI; the first is also run over RESP3
DEFAULT_N = 400  # commands per script
CONTEXT = 8  # commands shown before a mismatch
SCAN_LIMIT = 10000  # cursor calls of one SCAN iteration before it counts as endless
TRYAGAIN_BOUND = 20.0  # seconds a command answered -TRYAGAIN is sent again
ABSOLUTE_S = 4102444800  # the generators' absolute expiry times start here (2100-01-01)

SORTED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF", "HKEYS", "HVALS", "KEYS"}
PAIRS = {"HGETALL"}
TTLS = {"TTL", "PTTL"}
EXPIRETIMES = {"EXPIRETIME": 1, "PEXPIRETIME": 1000}
SCANS = {"SCAN": 1, "SSCAN": 2, "HSCAN": 2, "ZSCAN": 2}  # index of the cursor argument
RANDOM = {"SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER", "RANDOMKEY"}


class Err(tuple):
    """An error reply: ("ERR", its whole line), equal only to the same line."""

    def __new__(cls, line):
        return super().__new__(cls, ("-ERROR", line))

    def __repr__(self):
        return f"-{self[1]}"


class ExactErrors(PythonParser):
    """redis-py's parser, except that an error reply keeps its whole line (redis-py cuts
    "ERR " off and maps codes to classes: "ERR WRONGTYPE x" and "WRONGTYPE x" would look
    the same)."""

    def parse_error(self, response):
        return redis.ResponseError(response)


class PlainConnection(RespConnection):
    """A RespConnection (exact reply types: a simple string is a str, a bulk string bytes),
    after HELLO 3 for proto 3, whose RESP3 map keys stay bytes (binary field names)."""

    def __init__(self, address, proto):
        super().__init__(*address, timeout=SOCKET_TIMEOUT)
        if proto == 3:
            hello = self.command("HELLO", "3")
            if not isinstance(hello, dict):
                raise AssertionError(f"HELLO 3 at {address}: {hello!r}")

    def _read(self):
        while not self._buf:
            self._fill()
        if self._buf[:1] != b"%":
            return super()._read()
        out = {}
        for _ in range(int(self._line()[1:])):
            k = self._read()[0]
            out[k] = self._read()[0]
        return out, "%"


# How a script reaches a server: redis-py (RESP2; it cannot tell a simple string from a bulk
# one), or plain connections in RESP2 (the edge cases) or RESP3 (HELLO 3: Debian 12's
# redis-py 4.3 has no protocol=3).
REDIS_PY, PLAIN2, PLAIN3 = "RESP2 (redis-py)", "RESP2", "RESP3"


class Side:
    """One server as the runner sees it: its connections (command i goes to conns[i % n])
    and their names; call() answers a reply with errors as Err. A -TRYAGAIN (a cluster
    between leaders: the command was certainly not applied) is sent again, for up to
    TRYAGAIN_BOUND seconds; -UNCERTAIN is a reply like any other (a mismatch)."""

    def __init__(self, name, conns, labels, via):
        self.name, self.conns, self.labels, self.via = name, conns, labels, via
        self.resp3 = via == PLAIN3

    def at(self, i):
        return i % len(self.conns)

    def call(self, i, args):
        deadline = time.monotonic() + TRYAGAIN_BOUND
        while True:
            reply = self.call_once(i, args)
            if not (isinstance(reply, Err) and reply[1].startswith("TRYAGAIN")
                    and time.monotonic() < deadline):
                return reply
            time.sleep(0.1)

    def call_once(self, i, args):
        conn = self.conns[self.at(i)]
        if self.via != REDIS_PY:
            reply = conn.command(*args)
            return Err(reply.message) if isinstance(reply, RespError) else reply
        try:
            return conn.execute_command(*args)
        except redis.ResponseError as e:
            return Err(str(e))

    def close(self):
        for c in self.conns:
            if self.via == REDIS_PY:
                c.connection_pool.disconnect()
            else:
                c.close()


def redis_py(address):
    pool = redis.ConnectionPool(host=address[0], port=address[1], parser_class=ExactErrors,
                                socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=5.0)
    r = redis.Redis(connection_pool=pool)
    r.response_callbacks.clear()  # the replies as parsed, nothing converted
    return r


def make_side(name, addresses, via):
    conns = [redis_py(a) if via == REDIS_PY else PlainConnection(a, 3 if via == PLAIN3 else 2)
             for a in addresses]
    labels = [f"{name}@{a[1]}" for a in addresses]
    return Side(name, conns, labels, via)


# --- normalization -------------------------------------------------------------------

def skey(v):
    return repr(v)


def canon(v):
    """A reply with Redis's unordered containers (RESP3 maps and sets) sorted."""
    if isinstance(v, dict):
        return ("map", sorted(((canon(k), canon(x)) for k, x in v.items()), key=skey))
    if isinstance(v, RespSet):
        return ("set", sorted((canon(x) for x in v), key=skey))
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, harness.Verbatim):
        return bytes(v)
    return v


def as_pairs(v):
    """A flat [a, b, c, d] (RESP2) or nested [[a, b], [c, d]] (RESP3) list as pairs."""
    if v and isinstance(v[0], list):
        return [tuple(p) for p in v]
    return list(zip(v[::2], v[1::2]))


def normalize(name, args, reply):
    if isinstance(reply, Err):
        return reply
    if name in SORTED and isinstance(reply, list):  # an array, or a RESP3 set
        return type(reply).__name__, sorted((canon(x) for x in reply), key=skey)
    if name in PAIRS and isinstance(reply, list):
        return sorted(as_pairs(reply), key=skey)
    if name in TTLS and isinstance(reply, int) and reply >= 0:
        return "positive"
    if name in EXPIRETIMES and isinstance(reply, int) and 0 <= reply < (
            ABSOLUTE_S * EXPIRETIMES[name]):
        return "relative"
    return canon(reply)


def contents(side, i, key):
    """(type, content) of key at side (node i): a string's value, a hash's {field: value},
    a list, a set's members as a set, a zset's {member: score as replied}; (b"none", None)."""
    t = side.call(i, (b"TYPE", key))
    t = t.encode() if isinstance(t, str) else t
    if t == b"string":
        return t, side.call(i, (b"GET", key))
    if t == b"hash":
        return t, dict(as_pairs(side.call(i, (b"HGETALL", key)))
                       if not side.resp3 else side.call(i, (b"HGETALL", key)))
    if t == b"list":
        return t, side.call(i, (b"LRANGE", key, b"0", b"-1"))
    if t == b"set":
        return t, set(side.call(i, (b"SMEMBERS", key)))
    if t == b"zset":
        return t, dict(as_pairs(side.call(i, (b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"))))
    return t, None


def dump(side, i):
    """The whole dataset at node i of side: {key: (type, content, PEXPIRETIME normalized)}."""
    out = {}
    for key in sorted(side.call(i, (b"KEYS", b"*"))):
        t, c = contents(side, i, key)
        if isinstance(c, set):
            c = sorted(c)
        elif isinstance(c, dict):
            c = sorted(c.items(), key=skey)
        exp = normalize("PEXPIRETIME", (), side.call(i, (b"PEXPIRETIME", key)))
        out[key] = (t, c, exp)
    return out


def random_shape(name, args, reply, before):
    """What a random command's reply says independently of the draw: ("ok", count) when it
    fits `before` (the key's (type, content), or RANDOMKEY's key list), else ("bad", why)."""
    if name == "RANDOMKEY":
        if reply is None:
            return ("ok", 0) if not before else ("bad", "nil with keys present")
        return ("ok", 1) if reply in before else ("bad", f"{reply!r} is no key")
    _, content = before
    content = content or {}
    if len(args) < 3:  # one element, or nil
        if reply is None:
            return ("ok", 0) if not content else ("bad", "nil from a non-empty key")
        return ("ok", 1) if reply in content else ("bad", f"{reply!r} not in the key")
    count = int(args[2])
    flagged = len(args) > 3
    items = as_pairs(reply) if flagged else list(reply)
    keys = [p[0] if flagged else p for p in items]
    for p in items:
        if (p[0] if flagged else p) not in content:
            return ("bad", f"{p!r} not in the key")
        if flagged and content[p[0]] != p[1]:
            return ("bad", f"{p!r}: the key has {content[p[0]]!r}")
    if count >= 0:
        if len(set(keys)) != len(keys):
            return ("bad", "repeated elements for a positive count")
        want = min(count, len(content))
    else:
        want = -count if content else 0
    return ("ok", len(keys)) if len(keys) == want else ("bad", f"{len(keys)} != {want}")


# --- the runner ------------------------------------------------------------------------

class Mismatch(AssertionError):
    pass


class Runner:
    """Sends scripts to a reference side and a side under test and compares the replies;
    fails (Mismatch) at the first difference, naming how to replay it."""

    def __init__(self, ref, test):
        self.ref, self.test = ref, test
        self.sent = 0

    def both(self, i, args):
        self.sent += 1
        return self.ref.call(i, args), self.test.call(i, args)

    def scan(self, side, i, args):
        """The union of a whole iteration from cursor 0, or the error / odd reply."""
        pos = SCANS[args[0].decode().upper()]
        seen, cursor, args = set(), b"0", list(args)
        for _ in range(SCAN_LIMIT):
            args[pos] = cursor
            reply = side.call(i, tuple(args))
            if isinstance(reply, Err) or not isinstance(reply, list) or len(reply) != 2:
                return canon(reply)
            cursor, items = reply
            seen.update(as_pairs(items) if pos == 2 and args[0].upper() != b"SSCAN"
                        else items)
            if cursor == b"0":
                return ("scanned", sorted(seen, key=skey))
        return ("endless scan", args)

    def step(self, i, args):
        """Runs one command on both sides: (reference's, test's) normalized replies."""
        name = args[0].decode().upper()
        if name in SCANS and len(args) > SCANS[name] and args[SCANS[name]] == b"0":
            self.sent += 1
            return self.scan(self.ref, i, args), self.scan(self.test, i, args)
        if name in RANDOM or name == "SPOP":
            return self.random_step(i, name, args)
        rv, tv = self.both(i, args)
        return normalize(name, args, rv), normalize(name, args, tv)

    def random_step(self, i, name, args):
        key = args[1] if len(args) > 1 else None
        if name == "RANDOMKEY":
            before = set(self.ref.call(0, (b"KEYS", b"*")))
        else:
            before = contents(self.ref, 0, key) if key is not None else (None, None)
        rv, tv = self.both(i, args)
        if isinstance(rv, Err) or isinstance(tv, Err) or rv is None or tv is None:
            return rv, tv  # arity, wrong type, bad count, no key: exact
        if name != "SPOP":
            return (random_shape(name, args, rv, before),
                    random_shape(name, args, tv, before))
        members = before[1]
        if members is None or (len(args) > 2 and int(args[2]) >= len(members)):
            return sorted(canon(rv), key=skey), sorted(canon(tv), key=skey)  # all popped
        popped = [rv, tv] if len(args) < 3 else [set(rv), set(tv)]
        shapes = []
        for side, got in zip((self.ref, self.test), popped):
            got = got if isinstance(got, set) else {got}
            left = set(side.call(i, (b"SMEMBERS", key)))
            ok = got <= members and left == members - got and (
                len(got) == (int(args[2]) if len(args) > 2 else 1))
            shapes.append(("ok", len(got)) if ok else ("bad", sorted(got), sorted(left)))
        # The same members on both sides again (what is left at the reference, in order).
        left = sorted(members - popped[0] if isinstance(popped[0], set)
                      else members - {popped[0]})
        for resync in ((b"DEL", key), (b"SADD", key, *left) if left else None):
            if resync is not None:
                self.both(i, resync)
        return tuple(shapes)

    def run(self, label, commands, replay):
        """Each command on both sides; then the datasets at every node of the test side."""
        for i, args in enumerate(commands):
            rv, tv = self.step(i, args)
            if rv != tv:
                shown = "\n".join(f"  #{j} {show(commands[j])}"
                                  for j in range(max(0, i - CONTEXT), i))
                raise Mismatch(
                    f"{label}: command #{i} at {self.test.labels[self.test.at(i)]}: "
                    f"{show(args)}\n    {self.test.name}: {tv!r}\n    {self.ref.name}: "
                    f"{rv!r}\n  replay: {replay}\n  before it:\n{shown}")
        self.compare_datasets(label, replay)

    def compare_datasets(self, label, replay):
        want = dump(self.ref, 0)
        for n in range(len(self.test.conns)):
            got = dump(self.test, n)
            if got != want:
                diff = [f"  {k!r}: {self.test.name} {got.get(k)!r} / {self.ref.name} "
                        f"{want.get(k)!r}" for k in sorted(set(got) | set(want), key=skey)
                        if got.get(k) != want.get(k)]
                raise Mismatch(f"{label}: the datasets differ at {self.test.labels[n]} after "
                               f"the script\n" + "\n".join(diff[:20]) + f"\n  replay: {replay}")


def show(args):
    return " ".join(repr(a)[2:-1] if len(a) <= 40 else f"<{len(a)} bytes>" for a in args)


# --- the hand-written edge cases -------------------------------------------------------
# (command, what redis-server must answer: "-CODE" for an error line starting with CODE (or
# "-CODE words": with these words), a value, or ANY). The reference's answer is checked
# first (the case tests what it means to); the side under test must answer exactly the same.

ANY = object()

EDGES = {
    "strings": [
        ("SET s 10", "OK"), ("INCRBY s 9223372036854775807", "-ERR"), ("GET s", b"10"),
        ("DECRBY s -9223372036854775808", "-ERR"), ("INCRBYFLOAT big 1e308", ANY),
        ("INCRBYFLOAT big 1e308", ANY), ("INCRBYFLOAT s +inf", "-ERR"),
        ("INCRBYFLOAT s nan", "-ERR"),
        ("SET f 1.5", "OK"), ("INCR f", "-ERR"), ("INCRBYFLOAT f 0.1", b"1.6"),
        ("INCRBYFLOAT f 5.0e3", b"5001.60000000000000009"), ("SET s v EX 10 KEEPTTL", "-ERR"),
        ("SET s v NX XX", "-ERR"), ("SET s v EX 0", "-ERR"), ("SET s v PX -1", "-ERR"),
        ("SET s v EX 9223372036854775807", "-ERR"), ("SET s v GET", b"10"),
        ("SETRANGE s -1 x", "-ERR"), ("SETRANGE e 0 \"\"", 0), ("EXISTS e", 0),
        ("GETRANGE s 0 -1", b"v"), ("GETRANGE s 5 1", b""), ("GETRANGE nokey 0 -1", b""),
        ("GETEX s PERSIST EX 5", "-ERR"), ("GETEX nokey EX 100000", None),
        ("MSET a", "-ERR"), ("MSETNX a 1 s 2", 0), ("GET a", None),
        ("APPEND nokey \"\"", 0), ("STRLEN nokey", 0), ("SETEX s 0 v", "-ERR"),
        ("SETNX s x", 0), ("GETDEL s", b"v"), ("GETDEL s", None), ("set", "-ERR"),
        ("SET s v EX 0 NX XX", "-ERR syntax"), ("SET s v PX abc FOO", "-ERR syntax"),
        ("SET s v EX 9223372036854775807 NX 1", "-ERR syntax"),
    ],
    "keys": [
        ("SET a 1 EXAT 4102444800", "OK"), ("EXPIRETIME a", 4102444800),
        ("EXPIREAT a 4102444900 NX", 0), ("EXPIREAT a 4102444700 GT", 0),
        ("EXPIREAT a 4102444900 GT", 1), ("EXPIREAT a 4102444700 LT", 1),
        ("EXPIRE a 100 NX XX", "-ERR"), ("EXPIRE a 100 GT LT", "-ERR"),
        ("EXPIRE a abc", "-ERR"), ("EXPIRE a 100 FOO", "-ERR"),
        ("EXPIRE nokey 100000", 0), ("PERSIST a", 1), ("PERSIST a", 0), ("TTL a", -1),
        ("TTL nokey", -2), ("EXPIRE a 9223372036854775807", "-ERR"), ("EXPIRE a -1", 1),
        ("EXISTS a", 0), ("SET b 2", "OK"), ("EXPIREAT b 1", 1), ("TYPE b", "none"),
        ("RENAME nokey x", "-ERR"), ("SET c 3", "OK"), ("RENAME c c", "OK"),
        ("RENAMENX c c", 0), ("SET d 4", "OK"), ("RENAMENX c d", 0), ("RENAME c d", "OK"),
        ("EXISTS c d d", 2), ("DEL", "-ERR"), ("DBSIZE x", "-ERR"), ("SCAN x", "-ERR"),
        ("SCAN 0 COUNT 0", "-ERR"), ("SCAN 0 MATCH", "-ERR"), ("KEYS", "-ERR"),
        ("COPY d e", 1), ("COPY d e", 0), ("COPY d e REPLACE", 1), ("TOUCH d e nokey", 2),
        ("TYPE d", "string"),
    ],
    "hash": [
        ("HSET h f 1 g", "-ERR"), ("HSET h f 1.5 i 10", 2), ("HINCRBY h f 1", "-ERR"),
        ("HINCRBYFLOAT h f abc", "-ERR"), ("HINCRBYFLOAT h f 1e308", ANY),
        ("HINCRBYFLOAT h f 1e308", ANY), ("HINCRBYFLOAT h f -inf", "-ERR"), ("HSET h s abc", 1),
        ("HINCRBYFLOAT h s 1", "-ERR"), ("HINCRBY h i 9223372036854775807", "-ERR"),
        ("HINCRBY h new -5", -5), ("HSTRLEN h i", 2), ("HSTRLEN h nofield", 0),
        ("HGET nokey f", None), ("HMGET h i nofield", [b"10", None]), ("HDEL h", "-ERR"),
        ("HRANDFIELD h 0", ANY), ("HRANDFIELD h -3 WITHVALUES", ANY),
        ("HRANDFIELD h 1 NOSUCH", "-ERR"), ("SET str x", "OK"), ("HGET str f", "-WRONGTYPE"),
        ("HSET str f v", "-WRONGTYPE"), ("HSETNX h i 99", 0), ("HLEN h", 4),
    ],
    "list": [
        ("RPUSH l a b c a", 4), ("LRANGE l -100 100", [b"a", b"b", b"c", b"a"]),
        ("LRANGE l 5 10", []), ("LRANGE l 2 1", []), ("LINDEX l 100", None),
        ("LINDEX l x", "-ERR"), ("LSET l 10 z", "-ERR"), ("LSET nokey 0 z", "-ERR"),
        ("LPOS l a RANK 0", "-ERR"), ("LPOS l a RANK -1", 3), ("LPOS l a COUNT 0", [0, 3]),
        ("LPOS l a MAXLEN -1", "-ERR"), ("LPOS l a COUNT -1", "-ERR"),
        ("LINSERT l MIDDLE a x", "-ERR"), ("LINSERT l BEFORE nosuch x", -1),
        ("LINSERT nokey BEFORE a x", 0), ("LPOP l 0", []), ("LPOP l -1", "-ERR"),
        ("LPOP nokey 2", None), ("LREM l 0 a", 2), ("LTRIM l 5 10", "OK"),
        ("EXISTS l", 0), ("LMPOP 0 l LEFT", "-ERR"), ("LMPOP 2 l LEFT", "-ERR"),
        ("LMPOP 1 l LEFT COUNT 0", "-ERR"), ("LMPOP 1 nokey LEFT", None),
        ("LMOVE a b UP LEFT", "-ERR"), ("SET s x", "OK"), ("LPUSH s a", "-WRONGTYPE"),
        ("RPUSH l2 x", 1), ("LMOVE l2 s LEFT LEFT", "-WRONGTYPE"), ("LLEN l2", 1),
        ("RPOPLPUSH l2 l2", b"x"), ("LPUSHX nokey a", 0),
    ],
    "set": [
        ("SADD s1 a b c", 3), ("SADD s2 b c d", 3), ("SINTERCARD 2 s1 s2", 2),
        ("SINTERCARD 2 s1 s2 LIMIT 1", 1), ("SINTERCARD 2 s1 s2 LIMIT -1", "-ERR"),
        ("SINTERCARD 0 s1", "-ERR"), ("SINTERCARD 3 s1 s2", "-ERR"),
        ("SINTERCARD 1 s1 LIMIT", "-ERR"), ("SMOVE s1 s2 a", 1), ("SMOVE s1 s2 zz", 0),
        ("SINTERSTORE dst s1 nokey", 0), ("EXISTS dst", 0), ("SDIFFSTORE dst s2 s1", 2),
        ("SPOP s1 -1", "-ERR"), ("SPOP s1 0", ANY), ("SRANDMEMBER s1 0", ANY),
        ("SRANDMEMBER nokey 5", ANY), ("SRANDMEMBER nokey", None), ("SPOP nokey", None),
        ("SISMEMBER nokey a", 0), ("SMISMEMBER s2 a zz", [1, 0]), ("SET str x", "OK"),
        ("SADD str a", "-WRONGTYPE"), ("SUNION s1 str", "-WRONGTYPE"),
        ("SMOVE s1 str b", "-WRONGTYPE"), ("SPOP s2 100", ANY), ("EXISTS s2", 0),
    ],
    "zset": [
        ("ZADD z GT LT 1 a", "-ERR"), ("ZADD z NX GT 1 a", "-ERR"),
        ("ZADD z INCR 1 a 2 b", "-ERR"), ("ZADD z nan a", "-ERR"), ("ZADD z 1 a 2", "-ERR"),
        ("ZADD z 1 a 2 b +inf c -inf d", 4), ("ZINCRBY z -inf c", "-ERR"),
        ("ZADD z INCR 1.5 a", b"2.5"), ("ZADD z XX INCR 1 nosuch", None),
        ("ZADD z GT CH 1 a", 0), ("ZADD z LT CH 1 a", 1), ("ZSCORE z c", b"inf"),
        ("ZRANGE z 0 -1 WITHSCORES", ANY), ("ZRANGE z (1 +inf BYSCORE LIMIT 0 1", [b"b"]),
        ("ZRANGE z + - BYLEX REV", ANY), ("ZRANGE z 0 -1 BYLEX", "-ERR"),
        ("ZRANGE z 0 -1 LIMIT 0 1", "-ERR"), ("ZRANGEBYSCORE z abc 1", "-ERR"),
        ("ZRANGEBYLEX z a b", "-ERR"), ("ZCOUNT z -inf +inf", 4), ("ZLEXCOUNT z - +", 4),
        ("ZRANK z nosuch", None), ("ZREVRANK z d", 3), ("ZMSCORE z a nosuch", [b"1", None]),
        ("ZUNIONSTORE out 2 z nokey WEIGHTS 2", "-ERR"),
        ("ZUNIONSTORE out 2 z nokey WEIGHTS 2 3 AGGREGATE MAX", 4),
        ("ZINTER 2 z out WITHSCORES", ANY), ("ZDIFF 1 z WITHSCORES", ANY),
        ("ZPOPMIN z -1", "-ERR"), ("ZPOPMAX z 2", ANY), ("ZMPOP 1 z MIN COUNT 0", "-ERR"),
        ("ZMPOP 1 nokey MAX", None), ("ZREMRANGEBYRANK z 0 0", 1), ("ZRANDMEMBER z 0", ANY),
        ("SET str x", "OK"), ("ZADD str 1 a", "-WRONGTYPE"), ("ZSCORE str a", "-WRONGTYPE"),
    ],
}


def split_command(text):
    """'SET k "" x' as (b"SET", b"k", b"", b"x")."""
    return tuple(b"" if w == '""' else w.encode() for w in text.split(" "))


def run_edges(runner, family, known):
    """Each edge case of family whose command known has, at node i mod 3: the reference must
    answer what the case says, the side under test the same. Returns the skipped commands."""
    skipped = set()
    for i, (text, says) in enumerate(EDGES[family]):
        args = split_command(text)
        name = args[0].decode().upper()
        if name not in known:
            skipped.add(name)
            continue
        rv, tv = runner.step(i, args)
        if says is not ANY:
            ok = (isinstance(rv, Err) and f"{rv[1]} ".startswith(f"{says[1:]} ")
                  if isinstance(says, str) and says.startswith("-") else rv == says)
            if not ok:
                raise AssertionError(f"{runner.ref.name} answered {text} with {rv!r}; the "
                                     f"edge case expects {says!r}")
        if rv != tv:
            raise Mismatch(f"{family} edge case #{i} at {runner.test.labels[runner.test.at(i)]}"
                           f": {text}\n    {runner.test.name}: {tv!r}\n"
                           f"    {runner.ref.name}: {rv!r}")
    runner.compare_datasets(f"{family} edge cases", f"the edge cases of {family}")
    return skipped


# --- what to run -----------------------------------------------------------------------

def env_seeds():
    text = os.environ.get("HELIOS_DIFF_SEED", "").strip()
    if not text:
        return None
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds += list(range(int(lo), int(hi) + 1)) if hi else [int(lo)]
    return seeds


def env_families():
    text = os.environ.get("HELIOS_DIFF_FAMILIES", "").strip()
    families = [f.strip() for f in text.split(",") if f.strip()] if text else FAMILIES
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise AssertionError(f"HELIOS_DIFF_FAMILIES: unknown {unknown}; families: {FAMILIES}")
    return families


def plan():
    """[(seed, protocol)] to run per family: CI's, or the environment's."""
    n = int(os.environ.get("HELIOS_DIFF_N", DEFAULT_N))
    proto = os.environ.get("HELIOS_DIFF_PROTO", "").strip()
    seeds = env_seeds()
    if seeds is None:
        runs = [(s, 2) for s in CI_SEEDS] + [(CI_SEEDS[0], 3)]
    else:
        runs = [(s, p) for s in seeds for p in (2, 3)]
    if proto:
        runs = [(s, p) for s, p in runs if p == int(proto)]
    return runs, n


def known_commands(address):
    """The upper-case names, among every command the generators and edge cases use, that
    the server at address knows (COMMAND INFO answers a null entry for the others)."""
    names = sorted(set(diff_gen.all_command_names())
                   | {split_command(t)[0].decode().upper()
                      for cases in EDGES.values() for t, _ in cases} | {"FLUSHALL"})
    r = redis_py(address)
    try:
        info = r.execute_command("COMMAND", "INFO", *names)
    finally:
        r.close()
    return {n for n, entry in zip(names, info) if entry is not None}


def run_family(family, ref_addrs, test_addrs, known, names=("redis-server", "Helios")):
    """Every planned script of family, then its edge cases; returns (commands sent, the
    edge cases' skipped commands)."""
    runs, n = plan()
    sent, skipped = 0, set()
    for seed, proto in runs + [("edges", 2)]:
        via = PLAIN2 if seed == "edges" else REDIS_PY if proto == 2 else PLAIN3
        ref = make_side(names[0], ref_addrs, via)
        test = make_side(names[1], test_addrs, via)
        try:
            runner = Runner(ref, test)
            for side in (ref, test):
                if side.call(0, (b"FLUSHALL",)) not in ("OK", b"OK"):
                    raise AssertionError(f"FLUSHALL at {side.name} failed")
            if seed == "edges":
                skipped = run_edges(runner, family, known)
            else:
                script = ScriptGen(family, seed, known).script(n)
                replay = (f"HELIOS_DIFF_FAMILIES={family} HELIOS_DIFF_SEED={seed} "
                          f"HELIOS_DIFF_PROTO={proto} HELIOS_DIFF_N={n}")
                runner.run(f"{family} seed {seed} {via}", script, replay)
            sent += runner.sent
        finally:
            ref.close()
            test.close()
    return sent, skipped


class TestDifferential(ClusterClassCase):
    """redis-server 7.0 and a three-node raft-example cluster given the same scripts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.redis = cls.start_reference(RedisServer)
        try:
            cls.nodes = [cls.c[i].client for i in sorted(cls.c.nodes)]
            cls.known = known_commands(cls.nodes[0])
            cls.reference_known = known_commands(cls.redis.address)
        except BaseException:
            cls.failed = True
            raise

    def family(self, family):
        if family not in env_families():
            self.skipTest("not in HELIOS_DIFF_FAMILIES")
        rep = REPRESENTATIVE[family]
        if rep not in self.known:
            if family in FAMILIES_REQUIRED:
                self.fail(f"{family} is in FAMILIES_REQUIRED but the cluster does not know "
                          f"{rep}")
            print(f"\n[differential] {family}: skipped, the cluster does not know {rep} yet "
                  f"(add it to FAMILIES_REQUIRED when it lands)", flush=True)
            self.skipTest(f"the cluster does not know {rep} yet")
        if family in FAMILIES_KNOWN_DIFFERENT and not os.environ.get("HELIOS_DIFF_FORCE"):
            print(f"\n[differential] {family}: skipped: {FAMILIES_KNOWN_DIFFERENT[family]}",
                  flush=True)
            self.skipTest(FAMILIES_KNOWN_DIFFERENT[family])
        used = {n for w, n in diff_gen.FAMILY_ROWS[family]} | {
            split_command(t)[0].decode().upper() for t, _ in EDGES[family]}
        missing = sorted(used - self.known)
        if family in FAMILIES_REQUIRED:
            self.assertEqual(sorted(set(missing) - PENDING_COMMANDS), [],
                             f"{family} is required: commands the cluster does not know")
        if missing:
            print(f"\n[differential] {family}: not drawn (unknown to the cluster): "
                  f"{' '.join(missing)}", flush=True)
        self.assertEqual(sorted(used - self.reference_known), [],
                         "commands redis-server does not know: a test bug")
        start = time.monotonic()
        sent, _ = run_family(family, [self.redis.address], self.nodes, self.known)
        print(f"\n[differential] {family}: {sent} commands on each side, identical, in "
              f"{time.monotonic() - start:.1f} s", flush=True)

    def test_strings(self):
        self.family("strings")

    def test_keys(self):
        self.family("keys")

    def test_hash(self):
        self.family("hash")

    def test_list(self):
        self.family("list")

    def test_set(self):
        self.family("set")

    def test_zset(self):
        self.family("zset")


class TestReferenceSelfCheck(ClusterClassCase):
    """Every family's scripts and edge cases against two redis-servers: the normalization
    must leave no difference between two correct servers, and a real one must be caught.
    (ClusterClassCase for its bookkeeping only: the harness kept on failure; no cluster.)"""

    @classmethod
    def setUpClass(cls):
        cls.h = harness.Harness(cls.__name__)
        cls.addClassCleanup(lambda: cls.h.cleanup(cls.failed))
        try:
            need_redis_py()
            cls.a = RedisServer(cls.h)
            cls.addClassCleanup(cls.a.stop)
            cls.b = RedisServer(cls.h)
            cls.addClassCleanup(cls.b.stop)
            cls.known = known_commands(cls.a.address)
        except BaseException:
            cls.failed = True
            raise

    def test_two_redis_servers_agree(self):
        """Spread like the cluster: three connections to the second server."""
        for family in env_families():
            with self.subTest(family=family):
                run_family(family, [self.a.address], [self.b.address] * 3, self.known,
                           names=("redis-a", "redis-b"))

    def test_a_difference_is_caught(self):
        """One server holding a key the other has not: caught at the first command that
        sees it, or at the end by the datasets, with the replay line."""
        ref = make_side("redis-a", [self.a.address], REDIS_PY)
        test = make_side("redis-b", [self.b.address], REDIS_PY)
        try:
            for side in (ref, test):
                side.call(0, (b"FLUSHALL",))
            test.call(0, (b"SET", b"k1", b"x"))
            with self.assertRaises(Mismatch) as cm:
                Runner(ref, test).run("strings seed 7", [(b"SET", b"k2", b"1"), (b"GET", b"k1")],
                                      "REPLAY-LINE")
            self.assertIn("command #1", str(cm.exception))
            self.assertIn("REPLAY-LINE", str(cm.exception))
            test.call(0, (b"FLUSHALL",))
            test.call(0, (b"SADD", b"k\xff\x00", b"a"))
            with self.assertRaises(Mismatch) as cm:
                Runner(ref, test).run("strings", [(b"PING",)], "REPLAY-2")
            self.assertIn("the datasets differ", str(cm.exception))
        finally:
            ref.close()
            test.close()


if __name__ == "__main__":
    unittest.main()
