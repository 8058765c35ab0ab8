// The sorted-set commands (atlas/objects.h): the rows of the family, the shared parsing of
// obj_zset_internal.h, and ZADD (NX, XX, GT, LT, CH, INCR), ZINCRBY and ZREM, with Redis 7's
// replies and error lines. ZPOP*/ZMPOP/ZREMRANGEBY* are in obj_zset_pop.cc, the reads and
// ranges in obj_zset_range.cc, ZUNION/ZINTER/ZDIFF in obj_zset_algebra.cc.

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "atlas/integer.h"
#include "atlas/obj_zset_internal.h"

namespace helios::atlas::zset {

constexpr ObjectType kZSet = ObjectType::kZSet;

std::optional<double> parse_score(std::string_view text) {
  const std::string s(text);  // strtod needs the terminator; a NUL inside stops it early
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])) != 0) {
    return std::nullopt;
  }
  char* end = nullptr;
  const int saved = errno;
  errno = 0;
  const double d = std::strtod(s.c_str(), &end);
  const bool range_error = errno == ERANGE && (std::isinf(d) || d == 0);
  errno = saved;
  if (end != s.c_str() + s.size() || range_error || std::isnan(d)) {
    return std::nullopt;
  }
  return d;
}

std::optional<SortedSet::ScoreBound> parse_score_bound(const std::string& text) {
  // zslParseRange: strtod up to the terminator (or a NUL inside), "(" for exclusive; an empty
  // text or leading spaces pass as strtod takes them.
  SortedSet::ScoreBound b;
  const char* p = text.c_str();
  if (*p == '(') {
    b.exclusive = true;
    ++p;
  }
  char* end = nullptr;
  const int saved = errno;
  b.value = std::strtod(p, &end);
  errno = saved;
  if (*end != '\0' || std::isnan(b.value)) {
    return std::nullopt;
  }
  return b;
}

std::optional<SortedSet::LexBound> parse_lex_bound(std::string_view text) {
  using Kind = SortedSet::LexBound::Kind;
  if (text.empty()) {
    return std::nullopt;
  }
  // Redis reads "+" and "-" up to the terminator: "+\0x" is "+".
  const bool alone = text.size() == 1 || text[1] == '\0';
  switch (text[0]) {
    case '+':
      return alone ? std::optional(SortedSet::LexBound{Kind::kMax, ""}) : std::nullopt;
    case '-':
      return alone ? std::optional(SortedSet::LexBound{Kind::kMin, ""}) : std::nullopt;
    case '(':
      return SortedSet::LexBound{Kind::kExclusive, std::string(text.substr(1))};
    case '[':
      return SortedSet::LexBound{Kind::kInclusive, std::string(text.substr(1))};
    default:
      return std::nullopt;
  }
}

std::optional<std::int64_t> parse_long(std::string_view text, std::string* error) {
  std::optional<std::int64_t> v = parse_int64(text);
  if (!v.has_value()) {
    *error = std::string(kErrNotInteger);
  }
  return v;
}

std::string score_text(double score) {
  if (std::isinf(score)) {
    return score > 0 ? "inf" : "-inf";
  }
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, static_cast<std::size_t>(n));
}

ZSetObject* writable(ObjectWriter& w, const std::string& key, bool create, Reply* error) {
  ObjectWriter::Found f = w.find(key, kZSet);
  if (f.wrong_type) {
    *error = Reply::error(kErrWrongType);
    return nullptr;
  }
  if (f.object == nullptr) {
    return create ? &w.create(key, kZSet).as<ZSetObject>() : nullptr;
  }
  return &f.object->as<ZSetObject>();
}

const ZSetObject* readable(const ObjectReader& r, const std::string& key, Reply absent,
                           Reply* reply) {
  ObjectReader::Found f = r.find(key, kZSet);
  if (f.wrong_type) {
    *reply = Reply::error(kErrWrongType);
    return nullptr;
  }
  if (f.object == nullptr) {
    *reply = std::move(absent);
    return nullptr;
  }
  return &f.object->as<ZSetObject>();
}

Reply entries_reply(const std::vector<SortedSet::Entry>& entries, bool with_scores) {
  std::vector<Reply> out;
  out.reserve(entries.size() * (with_scores ? 2 : 1));
  for (const SortedSet::Entry& e : entries) {
    out.push_back(Reply::bulk(e.member));
    if (with_scores) {
      out.push_back(Reply::of_double(e.score));
    }
  }
  return with_scores ? Reply::pairs(std::move(out)) : Reply::array(std::move(out));
}

Object object_of(const std::vector<SortedSet::Entry>& entries) {
  Object o = make_object(kZSet);
  for (const SortedSet::Entry& e : entries) {
    o.as<ZSetObject>().insert(e.member, e.score);
  }
  return o;
}

namespace {

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]; ZINCRBY key incr
// member is ZADD with INCR (its options are parsed too, and then leave a syntax error).
struct ZAddArgs {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  std::size_t first = 1;  // index of the first score
  std::vector<double> scores;
};

std::optional<ZAddArgs> parse_zadd(const Args& args, bool incr, std::string* error) {
  ZAddArgs a;
  a.incr = incr;
  for (; a.first < args.size(); ++a.first) {
    const std::string& o = args[a.first];
    bool* flag = equals_upper(o, "NX")     ? &a.nx
                 : equals_upper(o, "XX")   ? &a.xx
                 : equals_upper(o, "CH")   ? &a.ch
                 : equals_upper(o, "INCR") ? &a.incr
                 : equals_upper(o, "GT")   ? &a.gt
                 : equals_upper(o, "LT")   ? &a.lt
                                           : nullptr;
    if (flag == nullptr) {
      break;
    }
    *flag = true;
  }
  const std::size_t elements = args.size() - a.first;
  if (elements == 0 || elements % 2 != 0) {
    *error = std::string(kErrSyntax);
  } else if (a.nx && a.xx) {
    *error = "ERR XX and NX options at the same time are not compatible";
  } else if ((a.gt && a.nx) || (a.lt && a.nx) || (a.gt && a.lt)) {
    *error = "ERR GT, LT, and/or NX options at the same time are not compatible";
  } else if (a.incr && elements > 2) {
    *error = "ERR INCR option supports a single increment-element pair";
  }
  if (!error->empty()) {
    return std::nullopt;
  }
  for (std::size_t i = a.first; i < args.size(); i += 2) {
    const std::optional<double> s = parse_score(args[i]);
    if (!s.has_value()) {
      *error = std::string(kErrNotFloat);
      return std::nullopt;
    }
    a.scores.push_back(*s);
  }
  return a;
}

std::string check_zadd(const Args& args) {
  std::string error;
  parse_zadd(args, false, &error);
  return error;
}

std::string check_zincrby(const Args& args) {
  std::string error;
  parse_zadd(args, true, &error);
  return error;
}

// The number of members of `a` that ZADD would add to `z`.
std::size_t fresh_members(const ZSetObject& z, const Args& args, const ZAddArgs& a) {
  if (a.xx) {
    return 0;
  }
  std::vector<std::string_view> fresh;
  for (std::size_t i = a.first + 1; i < args.size(); i += 2) {
    if (!z.score(args[i]).has_value()) {
      fresh.emplace_back(args[i]);
    }
  }
  std::sort(fresh.begin(), fresh.end());
  return static_cast<std::size_t>(std::unique(fresh.begin(), fresh.end()) - fresh.begin());
}

Reply add_generic(ObjectWriter& w, const Args& args, bool incr) {
  std::string error;
  const std::optional<ZAddArgs> a = parse_zadd(args, incr, &error);
  if (!a.has_value()) {
    return Reply::error(error);
  }
  Reply wrong;
  ObjectWriter::Found f = w.find(args[0], kZSet);
  if (f.wrong_type) {
    return Reply::error(kErrWrongType);
  }
  if (f.object == nullptr && a->xx) {
    return a->incr ? Reply::nil() : Reply::of_integer(0);
  }
  ZSetObject* z = writable(w, args[0], true, &wrong);
  if (z->size() + fresh_members(*z, args, *a) > kMaxMembers) {
    w.done(args[0]);
    return Reply::error(kErrTooManyMembers);
  }
  std::int64_t added = 0;
  std::int64_t updated = 0;
  std::int64_t processed = 0;
  double last = 0;
  for (std::size_t j = 0; j < a->scores.size(); ++j) {
    const std::string& member = args[a->first + 1 + 2 * j];
    double score = a->scores[j];
    const std::optional<double> current = z->score(member);
    if (!current.has_value()) {
      if (a->xx) {
        continue;
      }
      z->insert(member, score);
      ++added;
    } else {
      if (a->nx) {
        continue;
      }
      if (a->incr) {
        score += *current;
        if (std::isnan(score)) {
          return Reply::error(kErrNaN);  // INCR: the only pair, nothing changed
        }
      }
      if ((a->lt && score >= *current) || (a->gt && score <= *current)) {
        continue;
      }
      if (score != *current) {
        z->insert(member, score);
        ++updated;
      }
    }
    ++processed;
    last = score;
  }
  w.done(args[0]);
  if (a->incr) {
    return processed > 0 ? Reply::of_double(last) : Reply::nil();
  }
  return Reply::of_integer(a->ch ? added + updated : added);
}

Reply zadd(ObjectWriter& w, const Args& args) {
  return add_generic(w, args, false);
}

Reply zincrby(ObjectWriter& w, const Args& args) {
  return add_generic(w, args, true);
}

Reply zrem(ObjectWriter& w, const Args& args) {
  Reply error;
  ZSetObject* z = writable(w, args[0], false, &error);
  if (z == nullptr) {
    return error.is_error() ? error : Reply::of_integer(0);
  }
  std::int64_t removed = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    removed += z->erase(args[i]) ? 1 : 0;
  }
  w.done(args[0]);
  return Reply::of_integer(removed);
}

constexpr std::string_view kRead = "readonly";
constexpr std::string_view kReadFast = "readonly fast";
constexpr std::string_view kWriteFast = "write fast";
constexpr std::string_view kStore = "write denyoom movablekeys";

// Codes: stable (part of the log format).
constexpr ObjectCommand kRows[] = {
    {.name = "ZADD",
     .code = 400,
     .arity = -4,
     .flags = "write denyoom fast",
     .write = zadd,
     .check = check_zadd},
    {.name = "ZINCRBY",
     .code = 401,
     .arity = 4,
     .flags = "write denyoom fast",
     .write = zincrby,
     .check = check_zincrby},
    {.name = "ZREM", .code = 402, .arity = -3, .flags = kWriteFast, .write = zrem},
    {.name = "ZCARD", .code = 403, .arity = 2, .flags = kReadFast, .read = zcard},
    {.name = "ZSCORE", .code = 404, .arity = 3, .flags = kReadFast, .read = zscore},
    {.name = "ZMSCORE", .code = 405, .arity = -3, .flags = kReadFast, .read = zmscore},
    {.name = "ZRANK", .code = 406, .arity = 3, .flags = kReadFast, .read = zrank},
    {.name = "ZREVRANK", .code = 407, .arity = 3, .flags = kReadFast, .read = zrevrank},
    {.name = "ZCOUNT",
     .code = 408,
     .arity = 4,
     .flags = kReadFast,
     .read = zcount,
     .check = check_zcount},
    {.name = "ZLEXCOUNT",
     .code = 409,
     .arity = 4,
     .flags = kReadFast,
     .read = zlexcount,
     .check = check_zlexcount},
    {.name = "ZRANGE",
     .code = 410,
     .arity = -4,
     .flags = kRead,
     .read = zrange,
     .check = check_zrange},
    {.name = "ZRANGESTORE",
     .code = 411,
     .arity = -5,
     .flags = "write denyoom",
     .last_key = 2,
     .write = zrangestore,
     .check = check_zrangestore},
    {.name = "ZREVRANGE",
     .code = 412,
     .arity = -4,
     .flags = kRead,
     .read = zrevrange,
     .check = check_zrevrange},
    {.name = "ZRANGEBYSCORE",
     .code = 413,
     .arity = -4,
     .flags = kRead,
     .read = zrangebyscore,
     .check = check_zrangebyscore},
    {.name = "ZREVRANGEBYSCORE",
     .code = 414,
     .arity = -4,
     .flags = kRead,
     .read = zrevrangebyscore,
     .check = check_zrevrangebyscore},
    {.name = "ZRANGEBYLEX",
     .code = 415,
     .arity = -4,
     .flags = kRead,
     .read = zrangebylex,
     .check = check_zrangebylex},
    {.name = "ZREVRANGEBYLEX",
     .code = 416,
     .arity = -4,
     .flags = kRead,
     .read = zrevrangebylex,
     .check = check_zrevrangebylex},
    {.name = "ZPOPMIN",
     .code = 417,
     .arity = -2,
     .flags = kWriteFast,
     .write = zpopmin,
     .check = check_zpop},
    {.name = "ZPOPMAX",
     .code = 418,
     .arity = -2,
     .flags = kWriteFast,
     .write = zpopmax,
     .check = check_zpop},
    {.name = "ZMPOP",
     .code = 419,
     .arity = -4,
     .flags = "write movablekeys",
     .first_key = 0,
     .last_key = 0,
     .step = 0,
     .write = zmpop,
     .check = check_zmpop,
     .keys = numkeys_keys},
    {.name = "ZREMRANGEBYRANK",
     .code = 420,
     .arity = 4,
     .flags = "write",
     .write = zremrangebyrank,
     .check = check_remrangebyrank},
    {.name = "ZREMRANGEBYSCORE",
     .code = 421,
     .arity = 4,
     .flags = "write",
     .write = zremrangebyscore,
     .check = check_remrangebyscore},
    {.name = "ZREMRANGEBYLEX",
     .code = 422,
     .arity = 4,
     .flags = "write",
     .write = zremrangebylex,
     .check = check_remrangebylex},
    {.name = "ZUNIONSTORE",
     .code = 423,
     .arity = -4,
     .flags = kStore,
     .write = zunionstore,
     .check = check_zunionstore,
     .keys = store_numkeys_keys},
    {.name = "ZINTERSTORE",
     .code = 424,
     .arity = -4,
     .flags = kStore,
     .write = zinterstore,
     .check = check_zinterstore,
     .keys = store_numkeys_keys},
    {.name = "ZDIFFSTORE",
     .code = 425,
     .arity = -4,
     .flags = kStore,
     .write = zdiffstore,
     .check = check_zdiffstore,
     .keys = store_numkeys_keys},
    {.name = "ZUNION",
     .code = 426,
     .arity = -3,
     .flags = "readonly movablekeys",
     .first_key = 0,
     .last_key = 0,
     .step = 0,
     .read = zunion,
     .check = check_zunion,
     .keys = numkeys_keys},
    {.name = "ZINTER",
     .code = 427,
     .arity = -3,
     .flags = "readonly movablekeys",
     .first_key = 0,
     .last_key = 0,
     .step = 0,
     .read = zinter,
     .check = check_zinter,
     .keys = numkeys_keys},
    {.name = "ZDIFF",
     .code = 428,
     .arity = -3,
     .flags = "readonly movablekeys",
     .first_key = 0,
     .last_key = 0,
     .step = 0,
     .read = zdiff,
     .check = check_zdiff,
     .keys = numkeys_keys},
    {.name = "ZRANDMEMBER",
     .code = 429,
     .arity = -2,
     .flags = kRead,
     .read = zrandmember,
     .check = check_zrandmember,
     .random = true},
    {.name = "ZSCAN", .code = 430, .arity = -3, .flags = kRead, .read = zscan, .check = check_scan},
};

}  // namespace

}  // namespace helios::atlas::zset

namespace helios::atlas {

std::span<const ObjectCommand> zset_commands() {
  return zset::kRows;
}

}  // namespace helios::atlas
