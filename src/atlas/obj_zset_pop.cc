// The sorted-set writes that take elements out by position or range (atlas/objects.h):
// ZPOPMIN, ZPOPMAX, ZMPOP, ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX, with Redis 7's
// replies and error lines. A key left empty is removed (w.done).

#include "atlas/integer.h"
#include "atlas/obj_zset_internal.h"

namespace helios::atlas::zset {

namespace {

// Pops up to `count` elements from the low (max: high) end of `z`.
std::vector<SortedSet::Entry> pop(ZSetObject& z, std::uint64_t count, bool max) {
  std::vector<SortedSet::Entry> out;
  while (count-- > 0 && !z.empty()) {
    out.push_back(z.at(max ? z.size() - 1 : 0));
    z.erase(out.back().member);
  }
  return out;
}

// ZPOPMIN/ZPOPMAX key [count]: count absent is -1.
std::optional<std::int64_t> parse_pop_count(const Args& args, std::string* error) {
  if (args.size() > 2) {
    *error = std::string(kErrSyntax);
    return std::nullopt;
  }
  if (args.size() == 1) {
    return -1;
  }
  // Redis's getPositiveLongFromObjectOrReply: a non-number is "out of range" too.
  const std::optional<std::int64_t> n = parse_int64(args[1]);
  if (!n.has_value() || *n < 0) {
    *error = std::string(kErrNotPositive);
    return std::nullopt;
  }
  return n;
}

}  // namespace

std::string check_zpop(const Args& args) {
  std::string error;
  parse_pop_count(args, &error);
  return error;
}

namespace {

Reply pop_generic(ObjectWriter& w, const Args& args, bool max) {
  std::string error;
  const std::optional<std::int64_t> count = parse_pop_count(args, &error);
  if (!count.has_value()) {
    return Reply::error(error);
  }
  Reply wrong;
  ZSetObject* z = writable(w, args[0], false, &wrong);
  if (z == nullptr || *count == 0) {
    return wrong.is_error() ? wrong : Reply::array({});
  }
  const std::vector<SortedSet::Entry> popped =
      pop(*z, *count < 0 ? 1 : static_cast<std::uint64_t>(*count), max);
  w.done(args[0]);
  if (*count < 0) {  // one element, flat in both protocols
    return Reply::array({Reply::bulk(popped[0].member), Reply::of_double(popped[0].score)});
  }
  return entries_reply(popped, true);
}

}  // namespace

Reply zpopmin(ObjectWriter& w, const Args& args) {
  return pop_generic(w, args, false);
}

Reply zpopmax(ObjectWriter& w, const Args& args) {
  return pop_generic(w, args, true);
}

namespace {

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
struct MPopArgs {
  std::size_t numkeys = 0;
  bool max = false;
  std::uint64_t count = 1;
};

// An integer in [1, LONG_MAX], or `message`.
std::optional<std::int64_t> parse_positive(std::string_view text, std::string_view message,
                                           std::string* error) {
  const std::optional<std::int64_t> n = parse_int64(text);
  if (!n.has_value() || *n < 1) {
    *error = std::string(message);
    return std::nullopt;
  }
  return n;
}

std::optional<MPopArgs> parse_zmpop(const Args& args, std::string* error) {
  MPopArgs a;
  const std::optional<std::int64_t> n =
      parse_positive(args[0], "ERR numkeys should be greater than 0", error);
  if (!n.has_value()) {
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(*n) >= args.size() - 1) {
    *error = std::string(kErrSyntax);
    return std::nullopt;
  }
  a.numkeys = static_cast<std::size_t>(*n);
  const std::string& where = args[a.numkeys + 1];
  if (!equals_upper(where, "MIN") && !equals_upper(where, "MAX")) {
    *error = std::string(kErrSyntax);
    return std::nullopt;
  }
  a.max = equals_upper(where, "MAX");
  bool counted = false;
  for (std::size_t j = a.numkeys + 2; j < args.size(); ++j) {
    if (counted || !equals_upper(args[j], "COUNT") || j + 1 >= args.size()) {
      *error = std::string(kErrSyntax);
      return std::nullopt;
    }
    const std::optional<std::int64_t> c =
        parse_positive(args[++j], "ERR count should be greater than 0", error);
    if (!c.has_value()) {
      return std::nullopt;
    }
    a.count = static_cast<std::uint64_t>(*c);
    counted = true;
  }
  return a;
}

}  // namespace

std::string check_zmpop(const Args& args) {
  std::string error;
  parse_zmpop(args, &error);
  return error;
}

Reply zmpop(ObjectWriter& w, const Args& args) {
  std::string error;
  const std::optional<MPopArgs> a = parse_zmpop(args, &error);
  if (!a.has_value()) {
    return Reply::error(error);
  }
  for (std::size_t i = 1; i <= a->numkeys; ++i) {
    Reply wrong;
    ZSetObject* z = writable(w, args[i], false, &wrong);
    if (wrong.is_error()) {
      return wrong;
    }
    if (z == nullptr) {
      continue;
    }
    const std::vector<SortedSet::Entry> popped = pop(*z, a->count, a->max);
    w.done(args[i]);
    std::vector<Reply> pairs;
    for (const SortedSet::Entry& e : popped) {
      pairs.push_back(Reply::array({Reply::bulk(e.member), Reply::of_double(e.score)}));
    }
    return Reply::array({Reply::bulk(args[i]), Reply::array(std::move(pairs))});
  }
  return Reply::nil_array();
}

namespace {

// ZREMRANGEBYRANK/BYSCORE/BYLEX key min max: the elements the range selects.
enum class By { kRank, kScore, kLex };

std::string parse_remrange(const Args& args, By by) {
  std::string error;
  if (by == By::kRank) {
    if (parse_long(args[1], &error).has_value()) {
      parse_long(args[2], &error);
    }
  } else if (by == By::kScore) {
    if (!parse_score_bound(args[1]).has_value() || !parse_score_bound(args[2]).has_value()) {
      error = std::string(kErrNotFloatRange);
    }
  } else if (!parse_lex_bound(args[1]).has_value() || !parse_lex_bound(args[2]).has_value()) {
    error = std::string(kErrNotLexRange);
  }
  return error;
}

std::vector<SortedSet::Entry> remrange_entries(const ZSetObject& z, const Args& args, By by) {
  if (by == By::kScore) {
    return z.range_by_score(*parse_score_bound(args[1]), *parse_score_bound(args[2]), false);
  }
  if (by == By::kLex) {
    return z.range_by_lex(*parse_lex_bound(args[1]), *parse_lex_bound(args[2]), false);
  }
  const auto n = static_cast<std::int64_t>(z.size());
  std::int64_t start = *parse_int64(args[1]);
  std::int64_t end = *parse_int64(args[2]);
  start = start < 0 ? std::max<std::int64_t>(start + n, 0) : start;
  end = end < 0 ? end + n : end;
  if (start > end || start >= n) {
    return {};
  }
  return z.range_by_rank(static_cast<std::size_t>(start), static_cast<std::size_t>(end), false);
}

Reply remrange(ObjectWriter& w, const Args& args, By by) {
  if (std::string e = parse_remrange(args, by); !e.empty()) {
    return Reply::error(e);
  }
  Reply error;
  ZSetObject* z = writable(w, args[0], false, &error);
  if (z == nullptr) {
    return error.is_error() ? error : Reply::of_integer(0);
  }
  const std::vector<SortedSet::Entry> doomed = remrange_entries(*z, args, by);
  for (const SortedSet::Entry& e : doomed) {
    z->erase(e.member);
  }
  w.done(args[0]);
  return Reply::of_integer(static_cast<std::int64_t>(doomed.size()));
}

}  // namespace

std::string check_remrangebyrank(const Args& args) {
  return parse_remrange(args, By::kRank);
}
std::string check_remrangebyscore(const Args& args) {
  return parse_remrange(args, By::kScore);
}
std::string check_remrangebylex(const Args& args) {
  return parse_remrange(args, By::kLex);
}
Reply zremrangebyrank(ObjectWriter& w, const Args& args) {
  return remrange(w, args, By::kRank);
}
Reply zremrangebyscore(ObjectWriter& w, const Args& args) {
  return remrange(w, args, By::kScore);
}
Reply zremrangebylex(ObjectWriter& w, const Args& args) {
  return remrange(w, args, By::kLex);
}

}  // namespace helios::atlas::zset
