// The commands over several sets (atlas/obj_set.h): SINTER, SUNION, SDIFF, SINTERCARD,
// SINTERSTORE, SUNIONSTORE, SDIFFSTORE. A missing key is an empty set; a key of another type
// anywhere in the list is WRONGTYPE (Redis checks every key before it computes). Results are
// computed as views into the sources in the canonical order of obj_set.h, so the reply's
// order and the stored set do not depend on any hash table's order.

#include <algorithm>
#include <optional>

#include "atlas/integer.h"
#include "atlas/obj_common.h"
#include "atlas/obj_set.h"

namespace helios::atlas::set_family {

namespace {

constexpr ObjectType kSet = ObjectType::kSet;

using Sets = std::vector<const SetObject*>;  // nullptr: a missing key

// The sets named by args[first, end); nullopt if one of the keys holds another type.
template <typename Context>
std::optional<Sets> gather(Context& ctx, const Args& args, std::size_t first, std::size_t end) {
  Sets sets;
  sets.reserve(end - first);
  for (std::size_t i = first; i < end; ++i) {
    const auto found = ctx.find(args[i], kSet);
    if (found.wrong_type) {
      return std::nullopt;
    }
    sets.push_back(found.object == nullptr ? nullptr : &found.object->template as<SetObject>());
  }
  return sets;
}

// Whether `m` is in every set of `sets` other than `skip`.
bool in_all(const Sets& sets, const SetObject* skip, std::string_view m) {
  return std::all_of(sets.begin(), sets.end(),
                     [&](const SetObject* s) { return s == skip || s->contains(m); });
}

// The smallest set, or nullptr if one of the keys is missing (the intersection is empty).
const SetObject* smallest_of(const Sets& sets) {
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) {
    return nullptr;
  }
  return *std::min_element(sets.begin(), sets.end(), [](const SetObject* a, const SetObject* b) {
    return a->size() < b->size();
  });
}

// The intersection, in bytewise order. Walks the smallest set.
std::vector<std::string_view> intersect(const Sets& sets, MemberText& text) {
  const SetObject* smallest = smallest_of(sets);
  if (smallest == nullptr) {
    return {};
  }
  std::vector<std::string_view> out;
  for (std::string_view m : members_of(*smallest, text)) {
    if (in_all(sets, smallest, m)) {
      out.push_back(m);
    }
  }
  order_members(out);
  return out;
}

std::vector<std::string_view> unite(const Sets& sets, MemberText& text) {
  std::vector<std::string_view> out;
  for (const SetObject* s : sets) {
    if (s != nullptr) {
      const std::vector<std::string_view> members = s->members(text);
      out.insert(out.end(), members.begin(), members.end());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  order_members(out);
  return out;
}

// The members of the first set in none of the others.
std::vector<std::string_view> subtract(const Sets& sets, MemberText& text) {
  if (sets.front() == nullptr) {
    return {};
  }
  std::vector<std::string_view> out;
  for (std::string_view m : members_of(*sets.front(), text)) {
    const bool elsewhere = std::any_of(sets.begin() + 1, sets.end(), [&](const SetObject* s) {
      return s != nullptr && s->contains(m);
    });
    if (!elsewhere) {
      out.push_back(m);
    }
  }
  order_members(out);
  return out;
}

// The result's views point into the sets or into `text`.
using Algebra = std::vector<std::string_view> (*)(const Sets&, MemberText& text);

// SINTER / SUNION / SDIFF key [key ...]: a set reply.
Reply combine(const ObjectReader& r, const Args& args, Algebra algebra) {
  const std::optional<Sets> sets = gather(r, args, 0, args.size());
  if (!sets.has_value()) {
    return Reply::error(kErrWrongType);
  }
  MemberText text;
  return set_reply(algebra(*sets, text));
}

// S*STORE destination key [key ...]: replaces the destination (of any type) by the result,
// or deletes it when the result is empty; the result's size.
Reply combine_store(ObjectWriter& w, const Args& args, Algebra algebra) {
  const std::optional<Sets> sets = gather(w, args, 1, args.size());
  if (!sets.has_value()) {
    return Reply::error(kErrWrongType);
  }
  MemberText text;
  const std::vector<std::string_view> members = algebra(*sets, text);
  if (members.size() > kMaxMembers) {
    return Reply::error(kErrTooManyMembers);
  }
  Object result = make_object(kSet);
  auto& set = result.as<SetObject>();
  for (std::string_view m : members) {
    set.insert(m);
  }
  w.put(args[0], std::move(result));  // the views die here: the sources may include args[0]
  return Reply::of_integer(static_cast<std::int64_t>(members.size()));
}

// SINTERCARD's arguments: the number of keys (args[1..numkeys]) and the limit (0: none).
struct CardArgs {
  std::size_t numkeys = 0;
  std::uint64_t limit = 0;
};

std::optional<CardArgs> parse_sintercard(const Args& args, std::string* error) {
  const std::optional<std::int64_t> n = parse_int64(args[0]);
  if (!n.has_value() || *n < 1) {
    *error = "ERR numkeys should be greater than 0";
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(*n) > args.size() - 1) {
    *error = "ERR Number of keys can't be greater than number of args";
    return std::nullopt;
  }
  CardArgs a;
  a.numkeys = static_cast<std::size_t>(*n);
  for (std::size_t i = 1 + a.numkeys; i < args.size(); ++i) {
    if (!equals_upper(args[i], "LIMIT") || i + 1 >= args.size()) {
      *error = std::string(kErrSyntax);
      return std::nullopt;
    }
    ++i;
    const std::optional<std::int64_t> limit = parse_int64(args[i]);
    if (!limit.has_value() || *limit < 0) {
      *error = "ERR LIMIT can't be negative";
      return std::nullopt;
    }
    a.limit = static_cast<std::uint64_t>(*limit);
  }
  return a;
}

}  // namespace

Reply sinter(const ObjectReader& r, const Args& args) {
  return combine(r, args, intersect);
}
Reply sunion(const ObjectReader& r, const Args& args) {
  return combine(r, args, unite);
}
Reply sdiff(const ObjectReader& r, const Args& args) {
  return combine(r, args, subtract);
}
Reply sinterstore(ObjectWriter& w, const Args& args) {
  return combine_store(w, args, intersect);
}
Reply sunionstore(ObjectWriter& w, const Args& args) {
  return combine_store(w, args, unite);
}
Reply sdiffstore(ObjectWriter& w, const Args& args) {
  return combine_store(w, args, subtract);
}

std::string check_sintercard(const Args& args) {
  std::string error;
  return parse_sintercard(args, &error).has_value() ? std::string() : error;
}

std::vector<std::size_t> sintercard_keys(const Args& args) {
  std::string error;
  const std::optional<CardArgs> a = parse_sintercard(args, &error);
  std::vector<std::size_t> keys;
  for (std::size_t i = 1; a.has_value() && i <= a->numkeys; ++i) {
    keys.push_back(i);
  }
  return keys;
}

Reply sintercard(const ObjectReader& r, const Args& args) {
  std::string error;
  const std::optional<CardArgs> a = parse_sintercard(args, &error);
  if (!a.has_value()) {
    return Reply::error(error);
  }
  const std::optional<Sets> sets = gather(r, args, 1, 1 + a->numkeys);
  if (!sets.has_value()) {
    return Reply::error(kErrWrongType);
  }
  // Counts up to the limit, as Redis stops: min(limit, |intersection|), whatever the order
  // the smallest set is walked in.
  std::uint64_t count = 0;
  const SetObject* smallest = smallest_of(*sets);
  if (smallest != nullptr) {
    MemberText text;
    const std::vector<std::string_view> members = smallest->members(text);
    for (auto it = members.begin(); it != members.end() && (a->limit == 0 || count < a->limit);
         ++it) {
      count += in_all(*sets, smallest, *it) ? 1 : 0;
    }
  }
  return Reply::of_integer(static_cast<std::int64_t>(count));
}

}  // namespace helios::atlas::set_family
