"""Seeded command-script generators for test_differential.py: one per family (strings, keys,
hash, list, set, zset), each drawing keys, values, members, numbers and flags from small
pools so that types collide (WRONGTYPE), counters overflow, floats reach inf/NaN and flags
conflict, and every so often breaking a command's arity or a flag on purpose.

A generator is a pure function of (family, seed, the commands the server knows): the same
three give the same script, so a mismatch replays from its seed. It never draws what makes
two correct servers answer differently (relative TTLs compared with GT/LT, SCAN cursors
other than 0, huge offsets past Helios's value limit): see the normalization in
test_differential.py. Standard library only.
"""

import random
import zlib

# Twelve keys: ten plain ones, an empty name and a binary one.
KEYS = [b"k%d" % i for i in range(10)] + [b"", b"k\xff\x00"]
VALUES = [b"", b"0", b"1", b"-1", b"10", b"42", b"007", b"3.5", b"-2.25", b"1e3", b"+inf",
          b"-inf", b"inf", b"nan", b"abc", b"hello world", b"\x00\xff\x01\r\n",
          b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b" 1",
          b"0x1f"]
MEMBERS = [b"", b"a", b"b", b"c", b"d", b"e", b"A", b"1", b"2", b"10", b"-1", b"+inf",
           b"\x00\xff", b"hello world"]
INTS = [b"0", b"1", b"-1", b"2", b"3", b"5", b"-3", b"100", b"9223372036854775807",
        b"-9223372036854775808", b"abc", b"1.5", b"", b" 1", b"99999999999999999999"]
FLOATS = [b"0", b"1", b"1.5", b"-2.25", b"1e3", b"+inf", b"-inf", b"inf", b"nan", b"abc",
          b"0.1", b"-0", b"1e308", b"5.0e-3", b"3", b"", b" 1", b"1e-320"]
INDEXES = [b"0", b"1", b"2", b"3", b"5", b"-1", b"-2", b"-3", b"-5", b"10", b"100", b"-100",
           b"9223372036854775807", b"-9223372036854775808", b"x"]
COUNTS = [b"0", b"1", b"2", b"3", b"5", b"10", b"-1", b"-3", b"abc"]
RANGE_SCORES = [b"-inf", b"+inf", b"0", b"1", b"(1", b"1.5", b"(2", b"10", b"-1", b"abc",
                b"nan", b"(", b"((1", b"inf"]
LEX = [b"-", b"+", b"[a", b"(a", b"[c", b"(e", b"[", b"a", b"[\x00\xff", b"[1", b"(10"]
PATTERNS = [b"*", b"k*", b"k[0-4]", b"k?", b"*\xff*", b"", b"[", b"k[^1]", b"\\k1", b"?"]
# Relative TTLs (all far apart, never compared with GT/LT: two correct servers may set them
# a millisecond apart) and absolute ones in 2100 (exact, comparable, never reached).
TTL_S = [b"100000", b"250000", b"1000000", b"5000000"]
TTL_MS = [t + b"000" for t in TTL_S]
AT_S = [b"4102444800", b"4102444900", b"4102445000"]
AT_MS = [t + b"000" for t in AT_S]
BAD_TTLS = [b"0", b"-5", b"abc", b"9223372036854775807", b"1.5"]
SCAN_TYPES = [b"string", b"hash", b"list", b"set", b"zset", b"nosuchtype"]

# ====================================================================================
# KNOWN_MISMATCHES: forms the generators do not draw because Helios answers them unlike
# Redis today. Remove the entry with the fix, and the scripts cover the form again; each
# replay below is with that entry alone removed.
KNOWN_MISMATCHES = {
}
# ====================================================================================

FAMILIES = ["strings", "keys", "hash", "list", "set", "zset"]
# The command that tells whether a family exists on a server at all.
REPRESENTATIVE = {"strings": "SET", "keys": "DEL", "hash": "HSET", "list": "LPUSH",
                  "set": "SADD", "zset": "ZADD"}
# Writers of each type, drawn by the other families so that their keys collide.
CREATORS = {"strings": "SET", "hash": "HSET", "list": "RPUSH", "set": "SADD", "zset": "ZADD"}


class ScriptGen:
    """Commands (tuples of bytes, the name first) of one family from one seed, drawn only
    among `known` (upper-case names the server under test has)."""

    def __init__(self, family, seed, known):
        self.family = family
        self.r = random.Random((zlib.crc32(family.encode()) << 32) ^ seed)
        rows = [(w, name) for w, name in FAMILY_ROWS[family] if name in known]
        # Other types' writers (WRONGTYPE), and DEL so that keys change type again.
        rows += [(2, name) for fam, name in CREATORS.items()
                 if fam != family and name in known]
        rows += [(3, "DEL")] if family != "keys" and "DEL" in known else []
        if not rows:
            raise ValueError(f"no command of family {family} is known")
        self.weights = [w for w, _ in rows]
        self.names = [name for _, name in rows]

    # pools
    def pick(self, pool):
        return self.r.choice(pool)

    def k(self):
        return self.pick(KEYS)

    def some(self, pool, lo=1, hi=3):
        return [self.pick(pool) for _ in range(self.r.randint(lo, hi))]

    def maybe(self, p, *args):
        return list(args) if self.r.random() < p else []

    def one_of(self, *choices):
        return list(self.r.choice(choices))

    def command(self):
        name = self.r.choices(self.names, self.weights)[0]
        args = [name.encode()] + BUILDERS[name](self)
        x = self.r.random()
        if x < 0.02 and len(args) > 1:  # wrong arity (or a shorter valid form)
            args = args[:self.r.randint(1, len(args) - 1)]
        elif x < 0.04:  # one argument too many, or a flag Redis does not have
            args.append(self.pick([b"extra", b"NOSUCHFLAG", b"1"]))
        if self.r.random() < 0.1:  # command names are case-insensitive
            args[0] = args[0].lower()
        return tuple(args)

    def script(self, n):
        return [self.command() for _ in range(n)]


# --- strings ------------------------------------------------------------------------------

def set_args(g):
    groups = []  # option groups, each kept whole (EX and its number)
    x = g.r.random()
    if x < 0.1:
        groups.append([b"EX", g.pick(TTL_S)])
    elif x < 0.15:
        groups.append([b"PX", g.pick(TTL_MS)])
    elif x < 0.2:
        groups.append([b"EXAT", g.pick(AT_S)])
    elif x < 0.25:
        groups.append([b"PXAT", g.pick(AT_MS)])
    elif x < 0.32:
        groups.append([b"KEEPTTL"])
    elif x < 0.36:
        groups.append([g.pick([b"EX", b"PX", b"EXAT", b"PXAT"]), g.pick(BAD_TTLS)])
    elif x < 0.38:
        groups += [[b"EX", g.pick(TTL_S)], [b"KEEPTTL"]]
    y = g.r.random()
    if y < 0.15:
        groups.append([b"NX"])
    elif y < 0.3:
        groups.append([b"XX"])
    elif y < 0.32:
        groups += [[b"NX"], [b"XX"]]
    if g.r.random() < 0.2:
        groups.append([b"GET"])
    g.r.shuffle(groups)  # Redis takes the options in any order
    return [g.k(), g.pick(VALUES)] + sum(groups, [])


def getex_args(g):
    bad = [] if "getex-bad-ttl" in KNOWN_MISMATCHES else [[b"EX", g.pick(BAD_TTLS)]]
    return [g.k()] + g.one_of([], [b"EX", g.pick(TTL_S)], [b"PX", g.pick(TTL_MS)],
                              [b"EXAT", g.pick(AT_S)], [b"PXAT", g.pick(AT_MS)], [b"PERSIST"],
                              [b"PERSIST", b"EX", b"100000"], *bad)


def pairs(g, pool, lo=1, hi=3):
    out = []
    for _ in range(g.r.randint(lo, hi)):
        out += [g.k(), g.pick(pool)]
    return out


STRING_BUILDERS = {
    "SET": set_args,
    "GET": lambda g: [g.k()],
    "MGET": lambda g: g.some(KEYS, 1, 4),
    "MSET": lambda g: pairs(g, VALUES),
    "MSETNX": lambda g: pairs(g, VALUES),
    "APPEND": lambda g: [g.k(), g.pick(VALUES)],
    "SETRANGE": lambda g: [g.k(), g.pick([b"0", b"1", b"3", b"10", b"100", b"-1", b"abc"]),
                           g.pick(VALUES)],
    "GETRANGE": lambda g: [g.k(), g.pick(INDEXES), g.pick(INDEXES)],
    "SUBSTR": lambda g: [g.k(), g.pick(INDEXES), g.pick(INDEXES)],
    "INCR": lambda g: [g.k()],
    "DECR": lambda g: [g.k()],
    "INCRBY": lambda g: [g.k(), g.pick(INTS)],
    "DECRBY": lambda g: [g.k(), g.pick(INTS)],
    "INCRBYFLOAT": lambda g: [g.k(), g.pick(
        [f for f in FLOATS if b"inf" not in f] if "incrbyfloat-inf" in KNOWN_MISMATCHES
        else FLOATS)],
    "GETDEL": lambda g: [g.k()],
    "GETEX": getex_args,
    "GETSET": lambda g: [g.k(), g.pick(VALUES)],
    "STRLEN": lambda g: [g.k()],
    "SETNX": lambda g: [g.k(), g.pick(VALUES)],
    "SETEX": lambda g: [g.k(), g.pick(TTL_S + BAD_TTLS[:3]), g.pick(VALUES)],
    "PSETEX": lambda g: [g.k(), g.pick(TTL_MS + BAD_TTLS[:3]), g.pick(VALUES)],
}

# --- keys ---------------------------------------------------------------------------------


def expire_args(g, ttls, absolute):
    out = [g.k(), g.pick(ttls)]
    # GT/LT only with absolute times: a relative TTL set twice in the same millisecond on
    # one server and in two on the other would answer differently.
    flags = [b"NX", b"XX"] + ([b"GT", b"LT"] if absolute else [])
    x = g.r.random()
    if x < 0.4:
        out.append(g.pick(flags))
    elif x < 0.45:
        out += [g.pick(flags), g.pick(flags)]
    return out


def scan_args(g):
    out = [b"0"] if g.r.random() < 0.95 else [b"abc"]
    if g.r.random() < 0.4:
        out += [b"MATCH", g.pick(PATTERNS)]
    if g.r.random() < 0.3:
        out += [b"COUNT", g.pick([b"1", b"2", b"5", b"100", b"0", b"-1", b"x"])]
    if g.r.random() < 0.3:
        out += [b"TYPE", g.pick(SCAN_TYPES)]
    return out


def sub_scan_args(g):  # HSCAN / SSCAN / ZSCAN key 0 [MATCH] [COUNT]
    out = [g.k(), b"0" if g.r.random() < 0.95 else b"abc"]
    if g.r.random() < 0.3:
        out += [b"MATCH", g.pick([b"*", b"a*", b"?", b"1*", b"[a-c]", b""])]
    if g.r.random() < 0.3:
        out += [b"COUNT", g.pick([b"1", b"3", b"100", b"0", b"x"])]
    return out


KEY_BUILDERS = {
    "DEL": lambda g: g.some(KEYS, 1, 3),
    "UNLINK": lambda g: g.some(KEYS, 1, 3),
    "EXISTS": lambda g: g.some(KEYS, 1, 4),
    "TOUCH": lambda g: g.some(KEYS, 1, 3),
    "TYPE": lambda g: [g.k()],
    "RENAME": lambda g: [g.k(), g.k()],
    "RENAMENX": lambda g: [g.k(), g.k()],
    "COPY": lambda g: [g.k(), g.k()] + g.maybe(0.4, b"REPLACE"),
    "EXPIRE": lambda g: expire_args(g, TTL_S, False),
    "PEXPIRE": lambda g: expire_args(g, TTL_MS, False),
    "EXPIREAT": lambda g: expire_args(g, AT_S, True),
    "PEXPIREAT": lambda g: expire_args(g, AT_MS, True),
    "PERSIST": lambda g: [g.k()],
    "TTL": lambda g: [g.k()],
    "PTTL": lambda g: [g.k()],
    "EXPIRETIME": lambda g: [g.k()],
    "PEXPIRETIME": lambda g: [g.k()],
    "DBSIZE": lambda g: [],
    "KEYS": lambda g: [g.pick(PATTERNS)],
    "SCAN": scan_args,
    "RANDOMKEY": lambda g: [],
}

# --- hash ---------------------------------------------------------------------------------

FIELDS = MEMBERS


def rand_args(g, flag):  # HRANDFIELD / SRANDMEMBER / ZRANDMEMBER key [count [flag]]
    out = [g.k()]
    if g.r.random() < 0.7:
        out.append(g.pick(COUNTS))
        if flag and g.r.random() < 0.4:
            out.append(flag)
    return out


HASH_BUILDERS = {
    "HSET": lambda g: [g.k()] + sum(([g.pick(FIELDS), g.pick(VALUES)]
                                     for _ in range(g.r.randint(1, 3))), []),
    "HMSET": lambda g: [g.k()] + sum(([g.pick(FIELDS), g.pick(VALUES)]
                                      for _ in range(g.r.randint(1, 3))), []),
    "HSETNX": lambda g: [g.k(), g.pick(FIELDS), g.pick(VALUES)],
    "HGET": lambda g: [g.k(), g.pick(FIELDS)],
    "HMGET": lambda g: [g.k()] + g.some(FIELDS, 1, 4),
    "HDEL": lambda g: [g.k()] + g.some(FIELDS, 1, 3),
    "HEXISTS": lambda g: [g.k(), g.pick(FIELDS)],
    "HLEN": lambda g: [g.k()],
    "HSTRLEN": lambda g: [g.k(), g.pick(FIELDS)],
    "HKEYS": lambda g: [g.k()],
    "HVALS": lambda g: [g.k()],
    "HGETALL": lambda g: [g.k()],
    "HINCRBY": lambda g: [g.k(), g.pick(FIELDS), g.pick(INTS)],
    "HINCRBYFLOAT": lambda g: [g.k(), g.pick(FIELDS), g.pick(FLOATS)],
    "HSCAN": sub_scan_args,
    "HRANDFIELD": lambda g: rand_args(g, b"WITHVALUES"),
}

# --- list ---------------------------------------------------------------------------------

END = [b"LEFT", b"RIGHT"]


def lpos_args(g):
    out = [g.k(), g.pick(MEMBERS)]
    for opt, pool in ((b"RANK", [b"1", b"2", b"-1", b"-2", b"0", b"x"]),
                      (b"COUNT", [b"0", b"1", b"2", b"-1"]), (b"MAXLEN", [b"0", b"2", b"-1"])):
        if g.r.random() < 0.3:
            out += [opt, g.pick(pool)]
    return out


def mpop_args(g, ends):  # LMPOP / ZMPOP numkeys key... end [COUNT c]
    keys = g.some(KEYS, 1, 3)
    numkeys = str(len(keys)).encode() if g.r.random() < 0.9 else g.pick([b"0", b"5", b"x"])
    out = [numkeys] + keys + [g.pick(ends + [b"MIDDLE"] if g.r.random() < 0.05 else ends)]
    if g.r.random() < 0.5:
        out += [b"COUNT", g.pick([b"1", b"2", b"5", b"0", b"-1"])]
    return out


LIST_BUILDERS = {
    "LPUSH": lambda g: [g.k()] + g.some(MEMBERS, 1, 4),
    "RPUSH": lambda g: [g.k()] + g.some(MEMBERS, 1, 4),
    "LPUSHX": lambda g: [g.k()] + g.some(MEMBERS, 1, 3),
    "RPUSHX": lambda g: [g.k()] + g.some(MEMBERS, 1, 3),
    "LPOP": lambda g: [g.k()] + g.maybe(0.5, g.pick(COUNTS)),
    "RPOP": lambda g: [g.k()] + g.maybe(0.5, g.pick(COUNTS)),
    "LLEN": lambda g: [g.k()],
    "LINDEX": lambda g: [g.k(), g.pick(INDEXES)],
    "LRANGE": lambda g: [g.k(), g.pick(INDEXES), g.pick(INDEXES)],
    "LSET": lambda g: [g.k(), g.pick(INDEXES), g.pick(MEMBERS)],
    "LINSERT": lambda g: [g.k(), g.pick([b"BEFORE", b"AFTER", b"before", b"MIDDLE"]),
                          g.pick(MEMBERS), g.pick(MEMBERS)],
    "LREM": lambda g: [g.k(), g.pick(INDEXES[:10]), g.pick(MEMBERS)],
    "LTRIM": lambda g: [g.k(), g.pick(INDEXES), g.pick(INDEXES)],
    "LPOS": lpos_args,
    "LMOVE": lambda g: [g.k(), g.k(), g.pick(END + [b"UP"] * (g.r.random() < 0.05)),
                        g.pick(END)],
    "RPOPLPUSH": lambda g: [g.k(), g.k()],
    "LMPOP": lambda g: mpop_args(g, END),
}

# --- set ----------------------------------------------------------------------------------


def numkeys_args(g):  # SINTERCARD numkeys key... [LIMIT l]
    keys = g.some(KEYS, 1, 3)
    numkeys = str(len(keys)).encode() if g.r.random() < 0.9 else g.pick([b"0", b"7", b"x"])
    return [numkeys] + keys + g.maybe(0.4, b"LIMIT", g.pick([b"0", b"1", b"2", b"-1", b"x"]))


SET_BUILDERS = {
    "SADD": lambda g: [g.k()] + g.some(MEMBERS, 1, 4),
    "SREM": lambda g: [g.k()] + g.some(MEMBERS, 1, 3),
    "SCARD": lambda g: [g.k()],
    "SISMEMBER": lambda g: [g.k(), g.pick(MEMBERS)],
    "SMISMEMBER": lambda g: [g.k()] + g.some(MEMBERS, 1, 3),
    "SMEMBERS": lambda g: [g.k()],
    "SPOP": lambda g: [g.k()] + g.maybe(0.6, g.pick(COUNTS)),
    "SRANDMEMBER": lambda g: rand_args(g, None),
    "SMOVE": lambda g: [g.k(), g.k(), g.pick(MEMBERS)],
    "SINTER": lambda g: g.some(KEYS, 1, 3),
    "SUNION": lambda g: g.some(KEYS, 1, 3),
    "SDIFF": lambda g: g.some(KEYS, 1, 3),
    "SINTERCARD": numkeys_args,
    "SINTERSTORE": lambda g: [g.k()] + g.some(KEYS, 1, 3),
    "SUNIONSTORE": lambda g: [g.k()] + g.some(KEYS, 1, 3),
    "SDIFFSTORE": lambda g: [g.k()] + g.some(KEYS, 1, 3),
    "SSCAN": sub_scan_args,
}

# --- zset ---------------------------------------------------------------------------------

SCORES = FLOATS


def zadd_args(g):
    out = [g.k()]
    for flag, p in ((b"NX", 0.1), (b"XX", 0.1), (b"GT", 0.1), (b"LT", 0.08), (b"CH", 0.2),
                    (b"INCR", 0.1)):
        if g.r.random() < p:
            out.append(flag)
    for _ in range(g.r.randint(1, 3)):
        out += [g.pick(SCORES), g.pick(MEMBERS)]
    return out


def zrange_args(g):
    x = g.r.random()
    if x < 0.4:
        out = [g.k(), g.pick(INDEXES), g.pick(INDEXES)]
    elif x < 0.7:
        out = [g.k(), g.pick(RANGE_SCORES), g.pick(RANGE_SCORES), b"BYSCORE"]
    else:
        out = [g.k(), g.pick(LEX), g.pick(LEX), b"BYLEX"]
    out += g.maybe(0.3, b"REV")
    out += g.maybe(0.3, b"LIMIT", g.pick(COUNTS), g.pick(COUNTS))
    out += g.maybe(0.3, b"WITHSCORES")
    return out


def by_score(g, withscores=True):
    return ([g.k(), g.pick(RANGE_SCORES), g.pick(RANGE_SCORES)]
            + (g.maybe(0.4, b"WITHSCORES") if withscores else [])
            + g.maybe(0.3, b"LIMIT", g.pick(COUNTS), g.pick(COUNTS)))


def by_lex(g):
    return [g.k(), g.pick(LEX), g.pick(LEX)] + g.maybe(0.3, b"LIMIT", g.pick(COUNTS),
                                                        g.pick(COUNTS))


def zcombine_args(g, store, withscores, options=True):
    """Z(UNION|INTER|DIFF)[STORE] [dst] numkeys key... [WEIGHTS] [AGGREGATE] [WITHSCORES];
    ZDIFF takes no WEIGHTS nor AGGREGATE (options=False)."""
    keys = g.some(KEYS, 1, 3)
    numkeys = str(len(keys)).encode() if g.r.random() < 0.9 else g.pick([b"0", b"9", b"x"])
    out = ([g.k()] if store else []) + [numkeys] + keys
    if options and g.r.random() < 0.3:
        out += [b"WEIGHTS"] + [g.pick([b"1", b"2", b"-1", b"0.5", b"inf", b"x"])
                               for _ in keys]
    if options and g.r.random() < 0.3:
        out += [b"AGGREGATE", g.pick([b"SUM", b"MIN", b"MAX", b"AVG"])]
    if withscores:
        out += g.maybe(0.4, b"WITHSCORES")
    return out


ZSET_BUILDERS = {
    "ZADD": zadd_args,
    "ZINCRBY": lambda g: [g.k(), g.pick(SCORES), g.pick(MEMBERS)],
    "ZREM": lambda g: [g.k()] + g.some(MEMBERS, 1, 3),
    "ZCARD": lambda g: [g.k()],
    "ZSCORE": lambda g: [g.k(), g.pick(MEMBERS)],
    "ZMSCORE": lambda g: [g.k()] + g.some(MEMBERS, 1, 3),
    "ZRANK": lambda g: [g.k(), g.pick(MEMBERS)],
    "ZREVRANK": lambda g: [g.k(), g.pick(MEMBERS)],
    "ZCOUNT": lambda g: [g.k(), g.pick(RANGE_SCORES), g.pick(RANGE_SCORES)],
    "ZLEXCOUNT": lambda g: [g.k(), g.pick(LEX), g.pick(LEX)],
    "ZRANGE": zrange_args,
    "ZRANGESTORE": lambda g: [g.k()] + [a for a in zrange_args(g) if a != b"WITHSCORES"],
    "ZREVRANGE": lambda g: [g.k(), g.pick(INDEXES), g.pick(INDEXES)] + g.maybe(
        0.4, b"WITHSCORES"),
    "ZRANGEBYSCORE": by_score,
    "ZREVRANGEBYSCORE": by_score,
    "ZRANGEBYLEX": by_lex,
    "ZREVRANGEBYLEX": by_lex,
    "ZPOPMIN": lambda g: [g.k()] + g.maybe(0.5, g.pick(COUNTS)),
    "ZPOPMAX": lambda g: [g.k()] + g.maybe(0.5, g.pick(COUNTS)),
    "ZMPOP": lambda g: mpop_args(g, [b"MIN", b"MAX"]),
    "ZREMRANGEBYRANK": lambda g: [g.k(), g.pick(INDEXES), g.pick(INDEXES)],
    "ZREMRANGEBYSCORE": lambda g: [g.k(), g.pick(RANGE_SCORES), g.pick(RANGE_SCORES)],
    "ZREMRANGEBYLEX": lambda g: [g.k(), g.pick(LEX), g.pick(LEX)],
    "ZUNIONSTORE": lambda g: zcombine_args(g, True, False),
    "ZINTERSTORE": lambda g: zcombine_args(g, True, False),
    "ZDIFFSTORE": lambda g: zcombine_args(g, True, False, options=False),
    "ZUNION": lambda g: zcombine_args(g, False, True),
    "ZINTER": lambda g: zcombine_args(g, False, True),
    "ZDIFF": lambda g: zcombine_args(g, False, True, options=False),
    "ZRANDMEMBER": lambda g: rand_args(g, b"WITHSCORES"),
    "ZSCAN": sub_scan_args,
}

BUILDERS = {**STRING_BUILDERS, **KEY_BUILDERS, **HASH_BUILDERS, **LIST_BUILDERS,
            **SET_BUILDERS, **ZSET_BUILDERS}


def weighted(builders, heavy=(), light=()):
    """(weight, name) rows: 10 for the writers that build data (heavy), 2 for light ones."""
    return [(10 if n in heavy else 2 if n in light else 5, n) for n in builders]


FAMILY_ROWS = {
    "strings": weighted(STRING_BUILDERS, heavy=("SET", "APPEND", "INCRBY", "MSET"),
                        light=("SUBSTR", "SETEX", "PSETEX")),
    # keys: the string writer too (and the other types' via CREATORS), so there are keys.
    "keys": weighted(KEY_BUILDERS, light=("DBSIZE", "RANDOMKEY")) + [(25, "SET")],
    "hash": weighted(HASH_BUILDERS, heavy=("HSET",)),
    "list": weighted(LIST_BUILDERS, heavy=("RPUSH", "LPUSH")),
    "set": weighted(SET_BUILDERS, heavy=("SADD",)),
    "zset": weighted(ZSET_BUILDERS, heavy=("ZADD",)),
}


def all_command_names():
    return sorted(BUILDERS)
