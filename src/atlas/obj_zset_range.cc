// The sorted-set reads (atlas/objects.h): ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT,
// ZLEXCOUNT, the ZRANGE family (ZRANGE with BYSCORE, BYLEX, REV, LIMIT, WITHSCORES; the
// legacy ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX) and ZRANGESTORE, ZRANDMEMBER and
// ZSCAN, with Redis 7's replies and error lines. Ranges go through SortedSet: O(log n + k).

#include <limits>

#include "atlas/integer.h"
#include "atlas/obj_zset_internal.h"

namespace helios::atlas::zset {

namespace {

enum class By { kAuto, kRank, kScore, kLex };
enum class Dir { kAuto, kForward, kReverse };

// <src> <min> <max> [BYSCORE | BYLEX] [REV] [WITHSCORES] [LIMIT offset count], parsed in
// Redis's order: options, their conflicts, then the range itself.
struct RangeArgs {
  By by = By::kAuto;
  bool reverse = false;
  bool with_scores = false;
  std::int64_t offset = 0;
  std::int64_t limit = -1;  // negative: no limit
  std::int64_t start = 0, end = 0;
  SortedSet::ScoreBound min, max;
  SortedSet::LexBound lex_min, lex_max;
};

std::optional<RangeArgs> parse_range(const Args& args, std::size_t src, bool store, By by, Dir dir,
                                     std::string* error) {
  RangeArgs a;
  for (std::size_t j = src + 3; j < args.size(); ++j) {
    const std::string& o = args[j];
    const std::size_t left = args.size() - j - 1;
    if (!store && equals_upper(o, "WITHSCORES")) {
      a.with_scores = true;
    } else if (equals_upper(o, "LIMIT") && left >= 2) {
      const std::optional<std::int64_t> off = parse_long(args[j + 1], error);
      const std::optional<std::int64_t> lim =
          off.has_value() ? parse_long(args[j + 2], error) : std::nullopt;
      if (!lim.has_value()) {
        return std::nullopt;
      }
      a.offset = *off;
      a.limit = *lim;
      j += 2;
    } else if (dir == Dir::kAuto && equals_upper(o, "REV")) {
      dir = Dir::kReverse;
    } else if (by == By::kAuto && equals_upper(o, "BYLEX")) {
      by = By::kLex;
    } else if (by == By::kAuto && equals_upper(o, "BYSCORE")) {
      by = By::kScore;
    } else {
      *error = std::string(kErrSyntax);
      return std::nullopt;
    }
  }
  a.by = by == By::kAuto ? By::kRank : by;
  a.reverse = dir == Dir::kReverse;
  if (a.limit != -1 && a.by == By::kRank) {
    *error =
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    return std::nullopt;
  }
  if (a.with_scores && a.by == By::kLex) {
    *error = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    return std::nullopt;
  }
  // Reversed score and lex ranges are given as max, min.
  const bool swap = a.reverse && a.by != By::kRank;
  const std::string& lo = args[src + (swap ? 2 : 1)];
  const std::string& hi = args[src + (swap ? 1 : 2)];
  if (a.by == By::kRank) {
    const std::optional<std::int64_t> s = parse_long(lo, error);
    const std::optional<std::int64_t> e = s.has_value() ? parse_long(hi, error) : std::nullopt;
    if (!e.has_value()) {
      return std::nullopt;
    }
    a.start = *s;
    a.end = *e;
  } else if (a.by == By::kScore) {
    const auto min = parse_score_bound(lo);
    const auto max = parse_score_bound(hi);
    if (!min.has_value() || !max.has_value()) {
      *error = std::string(kErrNotFloatRange);
      return std::nullopt;
    }
    a.min = *min;
    a.max = *max;
  } else {
    auto min = parse_lex_bound(lo);
    auto max = parse_lex_bound(hi);
    if (!min.has_value() || !max.has_value()) {
      *error = std::string(kErrNotLexRange);
      return std::nullopt;
    }
    a.lex_min = std::move(*min);
    a.lex_max = std::move(*max);
  }
  return a;
}

// The elements `a` selects from `z`, in reply order.
std::vector<SortedSet::Entry> select(const ZSetObject& z, const RangeArgs& a) {
  if (a.by == By::kRank) {
    const auto n = static_cast<std::int64_t>(z.size());
    const std::int64_t start = a.start < 0 ? std::max<std::int64_t>(a.start + n, 0) : a.start;
    const std::int64_t end = a.end < 0 ? a.end + n : a.end;
    if (start > end || start >= n) {
      return {};
    }
    return z.range_by_rank(static_cast<std::size_t>(start), static_cast<std::size_t>(end),
                           a.reverse);
  }
  if (a.offset < 0 || a.limit == 0) {  // Redis skips past the end, or takes nothing
    return {};
  }
  const auto offset = static_cast<std::size_t>(a.offset);
  const std::size_t limit = a.limit < 0 ? SIZE_MAX : static_cast<std::size_t>(a.limit);
  return a.by == By::kScore ? z.range_by_score(a.min, a.max, a.reverse, offset, limit)
                            : z.range_by_lex(a.lex_min, a.lex_max, a.reverse, offset, limit);
}

std::string check_range(const Args& args, std::size_t src, bool store, By by, Dir dir) {
  std::string error;
  parse_range(args, src, store, by, dir, &error);
  return error;
}

Reply range_read(const ObjectReader& r, const Args& args, By by, Dir dir) {
  std::string error;
  const std::optional<RangeArgs> a = parse_range(args, 0, false, by, dir, &error);
  if (!a.has_value()) {
    return Reply::error(error);
  }
  Reply reply;
  const ZSetObject* z = readable(r, args[0], Reply::array({}), &reply);
  return z == nullptr ? reply : entries_reply(select(*z, *a), a->with_scores);
}

}  // namespace

std::string check_zrange(const Args& args) {
  return check_range(args, 0, false, By::kAuto, Dir::kAuto);
}
std::string check_zrangestore(const Args& args) {
  return check_range(args, 1, true, By::kAuto, Dir::kAuto);
}
std::string check_zrevrange(const Args& args) {
  return check_range(args, 0, false, By::kRank, Dir::kReverse);
}
std::string check_zrangebyscore(const Args& args) {
  return check_range(args, 0, false, By::kScore, Dir::kForward);
}
std::string check_zrevrangebyscore(const Args& args) {
  return check_range(args, 0, false, By::kScore, Dir::kReverse);
}
std::string check_zrangebylex(const Args& args) {
  return check_range(args, 0, false, By::kLex, Dir::kForward);
}
std::string check_zrevrangebylex(const Args& args) {
  return check_range(args, 0, false, By::kLex, Dir::kReverse);
}

Reply zrange(const ObjectReader& r, const Args& args) {
  return range_read(r, args, By::kAuto, Dir::kAuto);
}
Reply zrevrange(const ObjectReader& r, const Args& args) {
  return range_read(r, args, By::kRank, Dir::kReverse);
}
Reply zrangebyscore(const ObjectReader& r, const Args& args) {
  return range_read(r, args, By::kScore, Dir::kForward);
}
Reply zrevrangebyscore(const ObjectReader& r, const Args& args) {
  return range_read(r, args, By::kScore, Dir::kReverse);
}
Reply zrangebylex(const ObjectReader& r, const Args& args) {
  return range_read(r, args, By::kLex, Dir::kForward);
}
Reply zrevrangebylex(const ObjectReader& r, const Args& args) {
  return range_read(r, args, By::kLex, Dir::kReverse);
}

// ZRANGESTORE dst src min max [...]: the number stored; an empty result deletes dst.
Reply zrangestore(ObjectWriter& w, const Args& args) {
  std::string error;
  const std::optional<RangeArgs> a = parse_range(args, 1, true, By::kAuto, Dir::kAuto, &error);
  if (!a.has_value()) {
    return Reply::error(error);
  }
  Reply wrong;
  const ZSetObject* z = writable(w, args[1], false, &wrong);
  if (wrong.is_error()) {
    return wrong;
  }
  const std::vector<SortedSet::Entry> picked =
      z == nullptr ? std::vector<SortedSet::Entry>() : select(*z, *a);
  w.put(args[0], object_of(picked));
  return Reply::of_integer(static_cast<std::int64_t>(picked.size()));
}

Reply zcard(const ObjectReader& r, const Args& args) {
  Reply reply;
  const ZSetObject* z = readable(r, args[0], Reply::of_integer(0), &reply);
  return z == nullptr ? reply : Reply::of_integer(static_cast<std::int64_t>(z->size()));
}

Reply zscore(const ObjectReader& r, const Args& args) {
  Reply reply;
  const ZSetObject* z = readable(r, args[0], Reply::nil(), &reply);
  if (z == nullptr) {
    return reply;
  }
  const std::optional<double> s = z->score(args[1]);
  return s.has_value() ? Reply::of_double(*s) : Reply::nil();
}

Reply zmscore(const ObjectReader& r, const Args& args) {
  Reply reply;
  const ZSetObject* z = readable(r, args[0], Reply::nil(), &reply);
  if (z == nullptr && reply.is_error()) {
    return reply;
  }
  std::vector<Reply> out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::optional<double> s = z == nullptr ? std::nullopt : z->score(args[i]);
    out.push_back(s.has_value() ? Reply::of_double(*s) : Reply::nil());
  }
  return Reply::array(std::move(out));
}

namespace {

Reply rank_generic(const ObjectReader& r, const Args& args, bool reverse) {
  Reply reply;
  const ZSetObject* z = readable(r, args[0], Reply::nil(), &reply);
  if (z == nullptr) {
    return reply;
  }
  const std::optional<std::size_t> rank = z->rank(args[1], reverse);
  return rank.has_value() ? Reply::of_integer(static_cast<std::int64_t>(*rank)) : Reply::nil();
}

}  // namespace

Reply zrank(const ObjectReader& r, const Args& args) {
  return rank_generic(r, args, false);
}
Reply zrevrank(const ObjectReader& r, const Args& args) {
  return rank_generic(r, args, true);
}

std::string check_zcount(const Args& args) {
  return parse_score_bound(args[1]).has_value() && parse_score_bound(args[2]).has_value()
             ? std::string()
             : std::string(kErrNotFloatRange);
}

std::string check_zlexcount(const Args& args) {
  return parse_lex_bound(args[1]).has_value() && parse_lex_bound(args[2]).has_value()
             ? std::string()
             : std::string(kErrNotLexRange);
}

Reply zcount(const ObjectReader& r, const Args& args) {
  if (std::string e = check_zcount(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply reply;
  const ZSetObject* z = readable(r, args[0], Reply::of_integer(0), &reply);
  return z == nullptr ? reply
                      : Reply::of_integer(static_cast<std::int64_t>(
                            z->count(*parse_score_bound(args[1]), *parse_score_bound(args[2]))));
}

Reply zlexcount(const ObjectReader& r, const Args& args) {
  if (std::string e = check_zlexcount(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply reply;
  const ZSetObject* z = readable(r, args[0], Reply::of_integer(0), &reply);
  return z == nullptr ? reply
                      : Reply::of_integer(static_cast<std::int64_t>(
                            z->lex_count(*parse_lex_bound(args[1]), *parse_lex_bound(args[2]))));
}

namespace {

// ZRANDMEMBER key [count [WITHSCORES]]: count (absent: no count), in [-LONG_MAX, LONG_MAX];
// with WITHSCORES within half of that.
struct Draw {
  std::optional<std::int64_t> count;
  bool with_scores = false;
};

std::optional<Draw> parse_zrandmember(const Args& args, std::string* error) {
  Draw d;
  if (args.size() == 1) {
    return d;
  }
  d.count = parse_long(args[1], error);
  if (!d.count.has_value()) {
    return std::nullopt;
  }
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (*d.count < -kMax) {
    *error = "ERR value is out of range, value must between -9223372036854775807 and " +
             std::to_string(kMax);
  } else if (args.size() > 3 || (args.size() == 3 && !equals_upper(args[2], "WITHSCORES"))) {
    *error = std::string(kErrSyntax);
  } else if (args.size() == 3 && (*d.count < -kMax / 2 || *d.count > kMax / 2)) {
    *error = "ERR value is out of range";
  }
  d.with_scores = args.size() == 3;
  return error->empty() ? std::optional(d) : std::nullopt;
}

}  // namespace

std::string check_zrandmember(const Args& args) {
  std::string error;
  parse_zrandmember(args, &error);
  return error;
}

// Picks by rank (the canonical order), from the op's seed.
Reply zrandmember(const ObjectReader& r, const Args& args) {
  std::string error;
  const std::optional<Draw> d = parse_zrandmember(args, &error);
  if (!d.has_value()) {
    return Reply::error(error);
  }
  Reply reply;
  const ZSetObject* z =
      readable(r, args[0], d->count.has_value() ? Reply::array({}) : Reply::nil(), &reply);
  if (z == nullptr) {
    return reply;
  }
  SeededDraw draw(r.seed());
  if (!d->count.has_value()) {
    return Reply::bulk(z->at(draw.index(z->size())).member);
  }
  std::vector<std::size_t> ranks;
  if (*d->count < 0) {  // repeats allowed
    const auto n = static_cast<std::uint64_t>(-*d->count);
    if (n > kMaxMembers) {
      return Reply::error("ERR value is out of range");
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      ranks.push_back(draw.index(z->size()));
    }
  } else {
    const auto n = std::min<std::uint64_t>(static_cast<std::uint64_t>(*d->count), z->size());
    ranks = draw.distinct(z->size(), static_cast<std::size_t>(n));
  }
  std::vector<SortedSet::Entry> picked;
  picked.reserve(ranks.size());
  for (std::size_t rank : ranks) {
    picked.push_back(z->at(rank));
  }
  return entries_reply(picked, d->with_scores);
}

Reply zscan(const ObjectReader& r, const Args& args) {
  // Redis's order: the cursor, then the key, then the options (obj_common.h).
  if (std::string e = check_scan(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply reply;
  const ZSetObject* z = readable(r, args[0], scan_reply(0, {}), &reply);
  if (z == nullptr) {
    return reply;
  }
  std::string error;
  const std::optional<ScanArgs> scan = parse_scan(args, &error);
  if (!scan.has_value()) {
    return Reply::error(error);
  }
  const std::vector<SortedSet::Entry> entries = z->entries();
  std::vector<std::string_view> members;
  members.reserve(entries.size());
  for (const SortedSet::Entry& e : entries) {
    members.emplace_back(e.member);
  }
  const ElementPage page = scan_elements(members, *scan);
  std::vector<Reply> out;
  out.reserve(page.members.size() * 2);
  for (std::string_view m : page.members) {
    out.push_back(Reply::bulk(std::string(m)));
    out.push_back(Reply::bulk(score_text(*z->score(m))));
  }
  return scan_reply(page.next_cursor, std::move(out));
}

}  // namespace helios::atlas::zset
