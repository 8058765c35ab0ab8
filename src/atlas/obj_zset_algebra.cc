// ZUNION, ZINTER, ZDIFF and ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE (atlas/objects.h), with
// WEIGHTS, AGGREGATE SUM|MIN|MAX and WITHSCORES, as Redis 7 computes them: an input may be a
// sorted set or a set (its members score 1), a missing key is empty, a weighted score that is
// NaN (inf * 0) counts as 0, and a sum that is NaN (inf + -inf) is 0.
//
// Determinism: the inputs are taken from the smallest to the largest (ties in argument order)
// and each input's members in its canonical order, so every replica adds the same scores in
// the same order; a set's members are sorted first.

#include <algorithm>
#include <cmath>
#include <map>

#include "atlas/integer.h"
#include "atlas/obj_zset_internal.h"

namespace helios::atlas::zset {

namespace {

enum class Op { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set, a set, or nothing (a missing key).
struct Source {
  const ZSetObject* zset = nullptr;
  const SetObject* set = nullptr;
  double weight = 1;

  std::size_t size() const {
    return zset != nullptr ? zset->size() : set != nullptr ? set->size() : 0;
  }
  std::optional<double> score(std::string_view member) const {
    if (zset != nullptr) {
      return zset->score(member);
    }
    return set != nullptr && set->contains(member) ? std::optional<double>(1) : std::nullopt;
  }
  // Every element in canonical order.
  std::vector<SortedSet::Entry> entries() const {
    if (zset != nullptr) {
      return zset->entries();
    }
    std::vector<SortedSet::Entry> out;
    if (set != nullptr) {
      MemberText text;
      std::vector<std::string_view> members = set->members(text);
      std::sort(members.begin(), members.end());
      for (std::string_view m : members) {
        out.push_back({std::string(m), 1});
      }
    }
    return out;
  }
};

// The command as parsed: numkeys at args[numkeys_at], the keys after it, then options.
struct Spec {
  std::string_view name;  // lower case, for the "at least 1 input key" error
  Op op = Op::kUnion;
  bool store = false;  // args[0] is the destination
};

std::size_t numkeys_at(const Spec& s) {
  return s.store ? 1 : 0;
}

// The key count, or an error (checked before any key).
std::optional<std::size_t> parse_numkeys(const Args& args, const Spec& s, std::string* error) {
  const std::size_t at = numkeys_at(s);
  const std::optional<std::int64_t> n = parse_long(args[at], error);
  if (!n.has_value()) {
    return std::nullopt;
  }
  if (*n < 1) {
    *error = "ERR at least 1 input key is needed for '" + std::string(s.name) + "' command";
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(*n) > args.size() - at - 1) {
    *error = std::string(kErrSyntax);
    return std::nullopt;
  }
  return static_cast<std::size_t>(*n);
}

struct Options {
  Aggregate aggregate = Aggregate::kSum;
  bool with_scores = false;
};

// The options after the keys (parsed after the keys' types are checked, as Redis does).
std::optional<Options> parse_options(const Args& args, const Spec& s, std::size_t j,
                                     std::vector<Source>& src, std::string* error) {
  Options o;
  while (j < args.size()) {
    const std::size_t remaining = args.size() - j;
    const std::string& a = args[j];
    if (s.op != Op::kDiff && remaining >= src.size() + 1 && equals_upper(a, "WEIGHTS")) {
      for (std::size_t i = 0; i < src.size(); ++i) {
        const std::optional<double> w = parse_score(args[j + 1 + i]);
        if (!w.has_value()) {
          *error = "ERR weight value is not a float";
          return std::nullopt;
        }
        src[i].weight = *w;
      }
      j += src.size() + 1;
    } else if (s.op != Op::kDiff && remaining >= 2 && equals_upper(a, "AGGREGATE")) {
      const std::string& f = args[j + 1];
      if (equals_upper(f, "SUM")) {
        o.aggregate = Aggregate::kSum;
      } else if (equals_upper(f, "MIN")) {
        o.aggregate = Aggregate::kMin;
      } else if (equals_upper(f, "MAX")) {
        o.aggregate = Aggregate::kMax;
      } else {
        *error = std::string(kErrSyntax);
        return std::nullopt;
      }
      j += 2;
    } else if (!s.store && equals_upper(a, "WITHSCORES")) {
      o.with_scores = true;
      ++j;
    } else {
      *error = std::string(kErrSyntax);
      return std::nullopt;
    }
  }
  return o;
}

void aggregate(double* target, double value, Aggregate how) {
  if (how == Aggregate::kSum) {
    *target += value;
    if (std::isnan(*target)) {
      *target = 0;
    }
  } else if (how == Aggregate::kMin) {
    *target = value < *target ? value : *target;
  } else {
    *target = value > *target ? value : *target;
  }
}

double weighted(const Source& s, double score) {
  const double v = s.weight * score;
  return std::isnan(v) ? 0 : v;
}

// The result, in canonical order (by score, then member).
std::vector<SortedSet::Entry> compute(std::vector<Source> src, Op op, Aggregate how) {
  std::map<std::string, double, std::less<>> acc;  // member order: deterministic
  if (op == Op::kDiff) {
    for (SortedSet::Entry& e : src[0].entries()) {
      if (std::none_of(src.begin() + 1, src.end(),
                       [&](const Source& s) { return s.score(e.member).has_value(); })) {
        acc.emplace(std::move(e.member), e.score);
      }
    }
  } else {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  if (op == Op::kInter) {
    for (SortedSet::Entry& e : src[0].entries()) {
      double score = weighted(src[0], e.score);
      bool everywhere = true;
      for (std::size_t j = 1; j < src.size() && everywhere; ++j) {
        const std::optional<double> v = src[j].score(e.member);
        everywhere = v.has_value();
        if (everywhere) {
          aggregate(&score, *v * src[j].weight, how);
        }
      }
      if (everywhere) {
        acc.emplace(std::move(e.member), score);
      }
    }
  } else if (op == Op::kUnion) {
    for (const Source& s : src) {
      for (SortedSet::Entry& e : s.entries()) {
        const double score = weighted(s, e.score);
        auto [it, fresh] = acc.try_emplace(std::move(e.member), score);
        if (!fresh) {
          aggregate(&it->second, score, how);
        }
      }
    }
  }
  std::vector<SortedSet::Entry> out;
  out.reserve(acc.size());
  for (auto& [member, score] : acc) {
    out.push_back({member, score});
  }
  std::sort(out.begin(), out.end(), [](const SortedSet::Entry& a, const SortedSet::Entry& b) {
    return a.score < b.score || (a.score == b.score && a.member < b.member);
  });
  return out;
}

// Finds the inputs through a writer or a reader: WRONGTYPE unless each is a sorted set, a
// set, or missing.
template <typename Context>
std::optional<std::vector<Source>> find_sources(Context& ctx, const Args& args, std::size_t first,
                                                std::size_t n) {
  // A writer removes keys found expired, which may move the objects found before: a first
  // pass lets it, the second takes the objects.
  for (std::size_t i = 0; i < n; ++i) {
    ctx.find(args[first + i], ObjectType::kZSet);
  }
  std::vector<Source> src(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& key = args[first + i];
    auto z = ctx.find(key, ObjectType::kZSet);
    if (!z.wrong_type) {
      src[i].zset = z.object == nullptr ? nullptr : &z.object->template as<ZSetObject>();
      continue;
    }
    auto s = ctx.find(key, ObjectType::kSet);
    if (s.wrong_type) {
      return std::nullopt;
    }
    src[i].set = &s.object->template as<SetObject>();
  }
  return src;
}

// Runs the command up to its result: the elements, or an error reply in `error`.
template <typename Context>
std::optional<std::vector<SortedSet::Entry>> run(Context& ctx, const Args& args, const Spec& s,
                                                 Options* options, Reply* error) {
  std::string text;
  const std::optional<std::size_t> n = parse_numkeys(args, s, &text);
  if (!n.has_value()) {
    *error = Reply::error(text);
    return std::nullopt;
  }
  const std::size_t first = numkeys_at(s) + 1;
  std::optional<std::vector<Source>> src = find_sources(ctx, args, first, *n);
  if (!src.has_value()) {
    *error = Reply::error(kErrWrongType);
    return std::nullopt;
  }
  const std::optional<Options> o = parse_options(args, s, first + *n, *src, &text);
  if (!o.has_value()) {
    *error = Reply::error(text);
    return std::nullopt;
  }
  *options = *o;
  std::vector<SortedSet::Entry> result = compute(std::move(*src), s.op, o->aggregate);
  if (result.size() > kMaxMembers) {
    *error = Reply::error(kErrTooManyMembers);
    return std::nullopt;
  }
  return result;
}

Reply store(ObjectWriter& w, const Args& args, const Spec& s) {
  Options o;
  Reply error;
  const std::optional<std::vector<SortedSet::Entry>> result = run(w, args, s, &o, &error);
  if (!result.has_value()) {
    return error;
  }
  w.put(args[0], object_of(*result));
  return Reply::of_integer(static_cast<std::int64_t>(result->size()));
}

Reply read(const ObjectReader& r, const Args& args, const Spec& s) {
  Options o;
  Reply error;
  const std::optional<std::vector<SortedSet::Entry>> result = run(r, args, s, &o, &error);
  return result.has_value() ? entries_reply(*result, o.with_scores) : error;
}

std::string check(const Args& args, const Spec& s) {
  std::string error;
  parse_numkeys(args, s, &error);
  return error;
}

constexpr Spec kUnionStore{"zunionstore", Op::kUnion, true};
constexpr Spec kInterStore{"zinterstore", Op::kInter, true};
constexpr Spec kDiffStore{"zdiffstore", Op::kDiff, true};
constexpr Spec kUnion{"zunion", Op::kUnion, false};
constexpr Spec kInter{"zinter", Op::kInter, false};
constexpr Spec kDiff{"zdiff", Op::kDiff, false};

// The key indexes after a count at args[at]; none if the count is not a number.
std::vector<std::size_t> keys_after(const Args& args, std::size_t at) {
  std::vector<std::size_t> keys;
  const std::optional<std::int64_t> n = at < args.size() ? parse_int64(args[at]) : std::nullopt;
  for (std::int64_t i = 0; n.has_value() && i < *n && at + 1 + i < args.size(); ++i) {
    keys.push_back(at + 1 + static_cast<std::size_t>(i));
  }
  return keys;
}

}  // namespace

std::vector<std::size_t> store_numkeys_keys(const Args& args) {
  std::vector<std::size_t> keys = keys_after(args, 1);
  keys.insert(keys.begin(), 0);
  return keys;
}

std::vector<std::size_t> numkeys_keys(const Args& args) {
  return keys_after(args, 0);
}

std::string check_zunionstore(const Args& args) {
  return check(args, kUnionStore);
}
std::string check_zinterstore(const Args& args) {
  return check(args, kInterStore);
}
std::string check_zdiffstore(const Args& args) {
  return check(args, kDiffStore);
}
std::string check_zunion(const Args& args) {
  return check(args, kUnion);
}
std::string check_zinter(const Args& args) {
  return check(args, kInter);
}
std::string check_zdiff(const Args& args) {
  return check(args, kDiff);
}

Reply zunionstore(ObjectWriter& w, const Args& args) {
  return store(w, args, kUnionStore);
}
Reply zinterstore(ObjectWriter& w, const Args& args) {
  return store(w, args, kInterStore);
}
Reply zdiffstore(ObjectWriter& w, const Args& args) {
  return store(w, args, kDiffStore);
}
Reply zunion(const ObjectReader& r, const Args& args) {
  return read(r, args, kUnion);
}
Reply zinter(const ObjectReader& r, const Args& args) {
  return read(r, args, kInter);
}
Reply zdiff(const ObjectReader& r, const Args& args) {
  return read(r, args, kDiff);
}

}  // namespace helios::atlas::zset
