// The list commands that address elements by index or by value (atlas/obj_list.h): LINDEX,
// LSET, LRANGE, LTRIM, LINSERT, LREM, LPOS, with Redis 7.0's replies and error lines, in
// Redis's order (LINDEX and LSET look at the key before they parse the index; the others
// parse first, and their rows' `check` says so).

#include <algorithm>
#include <limits>

#include "atlas/integer.h"
#include "atlas/obj_list.h"

namespace helios::atlas::list {

namespace {

// Redis's element index: negative counts from the tail. nullopt if outside the list.
std::optional<std::size_t> element_index(std::int64_t index, std::size_t size) {
  const auto n = static_cast<std::int64_t>(size);
  const std::int64_t i = index < 0 ? index + n : index;
  return i >= 0 && i < n ? std::optional<std::size_t>(static_cast<std::size_t>(i)) : std::nullopt;
}

// Redis's inclusive range [start, stop] (LRANGE, LTRIM) clamped to the list: [first, last),
// empty (first == last) when nothing is in range.
struct Span {
  std::size_t first = 0;
  std::size_t last = 0;
};
Span clamp_range(std::int64_t start, std::int64_t stop, std::size_t size) {
  const auto n = static_cast<std::int64_t>(size);
  start = start < 0 ? std::max<std::int64_t>(start + n, 0) : start;
  stop = stop < 0 ? stop + n : stop;
  if (start > stop || start >= n) {
    return {};
  }
  stop = std::min(stop, n - 1);
  return {static_cast<std::size_t>(start), static_cast<std::size_t>(stop) + 1};
}

// LINDEX key index: the key is looked at before the index is parsed (an absent key is nil
// whatever the index).
Reply lindex(const ObjectReader& r, const Args& args) {
  Reply reply;
  const ListObject* l = readable(r, args[0], Reply::nil(), &reply);
  if (l == nullptr) {
    return reply;
  }
  const std::optional<std::int64_t> index = parse_int64(args[1]);
  if (!index.has_value()) {
    return Reply::error(kErrNotInteger);
  }
  const std::optional<std::size_t> i = element_index(*index, l->size());
  return i.has_value() ? Reply::bulk(std::string(l->at(*i))) : Reply::nil();
}

// LSET key index element: OK; "no such key" for an absent key (before the index is parsed).
Reply lset(ObjectWriter& w, const Args& args) {
  Reply error;
  ListObject* l = writable(w, args[0], &error);
  if (l == nullptr) {
    return error.is_error() ? error : Reply::error(kErrNoSuchKey);
  }
  const std::optional<std::int64_t> index = parse_int64(args[1]);
  if (!index.has_value()) {
    return Reply::error(kErrNotInteger);
  }
  const std::optional<std::size_t> i = element_index(*index, l->size());
  if (!i.has_value()) {
    return Reply::error(kErrIndexOutOfRange);
  }
  l->set(*i, args[2]);
  return Reply::ok();
}

// LRANGE / LTRIM key start stop: both integers, parsed before the key.
std::string check_range(const Args& args) {
  return parse_int64(args[1]).has_value() && parse_int64(args[2]).has_value()
             ? std::string()
             : std::string(kErrNotInteger);
}

Reply lrange(const ObjectReader& r, const Args& args) {
  if (std::string e = check_range(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply reply;
  const ListObject* l = readable(r, args[0], Reply::array({}), &reply);
  if (l == nullptr) {
    return reply;
  }
  const Span span = clamp_range(*parse_int64(args[1]), *parse_int64(args[2]), l->size());
  std::vector<Reply> out;
  out.reserve(span.last - span.first);
  l->for_range(span.first, span.last,
               [&](std::string_view e) { out.push_back(Reply::bulk(std::string(e))); });
  return Reply::array(std::move(out));
}

// LTRIM: OK, also for an absent key; a range that keeps nothing removes the key.
Reply ltrim(ObjectWriter& w, const Args& args) {
  if (std::string e = check_range(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply error;
  ListObject* l = writable(w, args[0], &error);
  if (l == nullptr) {
    return error.is_error() ? error : Reply::ok();
  }
  const Span span = clamp_range(*parse_int64(args[1]), *parse_int64(args[2]), l->size());
  l->trim(span.first, span.last);
  w.done(args[0]);
  return Reply::ok();
}

// LINSERT key BEFORE|AFTER pivot element: the new length, -1 if the pivot is not in the list,
// 0 for an absent key.
std::string check_linsert(const Args& args) {
  return equals_upper(args[1], "BEFORE") || equals_upper(args[1], "AFTER")
             ? std::string()
             : std::string(kErrSyntax);
}

Reply linsert(ObjectWriter& w, const Args& args) {
  if (std::string e = check_linsert(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply error;
  ListObject* l = writable(w, args[0], &error);
  if (l == nullptr) {
    return error.is_error() ? error : Reply::of_integer(0);
  }
  std::optional<std::size_t> pivot;
  l->scan(false, [&](std::size_t i, std::string_view e) {
    if (e == args[2]) {
      pivot = i;
    }
    return !pivot.has_value();
  });
  if (!pivot.has_value()) {
    return Reply::of_integer(-1);
  }
  if (too_many(l->size(), 1)) {
    return Reply::error(kErrTooManyMembers);
  }
  l->insert(equals_upper(args[1], "AFTER") ? *pivot + 1 : *pivot, args[3]);
  return Reply::of_integer(static_cast<std::int64_t>(l->size()));
}

// LREM key count element: the number removed; count > 0 removes the first `count` matches
// from the head, count < 0 the first |count| from the tail, 0 every match.
std::string check_lrem(const Args& args) {
  return parse_int64(args[1]).has_value() ? std::string() : std::string(kErrNotInteger);
}

Reply lrem(ObjectWriter& w, const Args& args) {
  const std::optional<std::int64_t> count = parse_int64(args[1]);
  if (!count.has_value()) {
    return Reply::error(kErrNotInteger);
  }
  Reply error;
  ListObject* l = writable(w, args[0], &error);
  if (l == nullptr) {
    return error.is_error() ? error : Reply::of_integer(0);
  }
  // |count| without overflow; 0: no limit.
  const std::uint64_t limit =
      *count < 0 ? 0 - static_cast<std::uint64_t>(*count) : static_cast<std::uint64_t>(*count);
  const std::size_t removed = l->remove(args[2], limit, *count < 0);
  w.done(args[0]);
  return Reply::of_integer(static_cast<std::int64_t>(removed));
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
struct PosArgs {
  std::int64_t rank = 1;    // never 0; negative: from the tail
  std::int64_t count = -1;  // -1: not given (a single index or nil); 0: every match
  std::int64_t maxlen = 0;  // elements compared at most; 0: all
};

// A non-negative integer option: `message` for anything else, as Redis's
// getPositiveLongFromObjectOrReply with a message.
std::optional<std::int64_t> parse_non_negative(std::string_view arg, std::string_view message,
                                               std::string* error) {
  const std::optional<std::int64_t> n = parse_int64(arg);
  if (!n.has_value() || *n < 0) {
    *error = std::string(message);
    return std::nullopt;
  }
  return n;
}

std::optional<PosArgs> parse_lpos(const Args& args, std::string* error) {
  PosArgs a;
  for (std::size_t j = 2; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    std::optional<std::int64_t> n;
    if (more && equals_upper(args[j], "RANK")) {
      n = parse_int64(args[++j]);
      if (!n.has_value()) {
        *error = std::string(kErrNotInteger);
        return std::nullopt;
      }
      if (*n == 0) {
        *error =
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list";
        return std::nullopt;
      }
      a.rank = *n;
    } else if (more && equals_upper(args[j], "COUNT")) {
      n = parse_non_negative(args[++j], "ERR COUNT can't be negative", error);
      if (!n.has_value()) {
        return std::nullopt;
      }
      a.count = *n;
    } else if (more && equals_upper(args[j], "MAXLEN")) {
      n = parse_non_negative(args[++j], "ERR MAXLEN can't be negative", error);
      if (!n.has_value()) {
        return std::nullopt;
      }
      a.maxlen = *n;
    } else {
      *error = std::string(kErrSyntax);
      return std::nullopt;
    }
  }
  return a;
}

std::string check_lpos(const Args& args) {
  std::string error;
  return parse_lpos(args, &error).has_value() ? std::string() : error;
}

// The indexes (from the head) of the matches LPOS reports. Redis 7.0 negates a negative rank
// in a C long: RANK -9223372036854775808 stays negative there, so it searches from the tail,
// every match counts from the first, and COUNT never stops it; kept as Redis does.
std::vector<std::int64_t> find_positions(const ListObject& l, const std::string& element,
                                         const PosArgs& a) {
  const bool from_tail = a.rank < 0;
  const bool min_rank = a.rank == std::numeric_limits<std::int64_t>::min();
  const std::uint64_t rank =
      min_rank ? 1 : static_cast<std::uint64_t>(from_tail ? -a.rank : a.rank);
  const std::uint64_t count =
      min_rank ? 0 : static_cast<std::uint64_t>(std::max<std::int64_t>(a.count, 0));
  const bool with_count = a.count != -1;
  const auto maxlen = static_cast<std::uint64_t>(a.maxlen);
  std::vector<std::int64_t> out;
  std::uint64_t matches = 0;
  std::uint64_t compared = 0;
  l.scan(from_tail, [&](std::size_t i, std::string_view e) {
    if (maxlen != 0 && compared++ >= maxlen) {
      return false;
    }
    if (e != element || ++matches < rank) {
      return true;
    }
    out.push_back(static_cast<std::int64_t>(i));
    return with_count && (count == 0 || matches - rank + 1 < count);
  });
  return out;
}

// An array of indexes with COUNT, else the index or nil.
Reply lpos(const ObjectReader& r, const Args& args) {
  std::string parse_error;
  const std::optional<PosArgs> a = parse_lpos(args, &parse_error);
  if (!a.has_value()) {
    return Reply::error(parse_error);
  }
  const bool with_count = a->count != -1;
  Reply reply;
  const ListObject* l = readable(r, args[0], with_count ? Reply::array({}) : Reply::nil(), &reply);
  if (l == nullptr) {
    return reply;
  }
  const std::vector<std::int64_t> found = find_positions(*l, args[1], *a);
  if (!with_count) {
    return found.empty() ? Reply::nil() : Reply::of_integer(found.front());
  }
  std::vector<Reply> out;
  out.reserve(found.size());
  for (std::int64_t i : found) {
    out.push_back(Reply::of_integer(i));
  }
  return Reply::array(std::move(out));
}
constexpr ObjectCommand kRows[] = {
    {.name = "LINDEX", .code = 207, .arity = 3, .flags = "readonly", .read = lindex},
    {.name = "LRANGE",
     .code = 208,
     .arity = 4,
     .flags = "readonly",
     .read = lrange,
     .check = check_range},
    {.name = "LSET", .code = 209, .arity = 4, .flags = "write denyoom", .write = lset},
    {.name = "LINSERT",
     .code = 210,
     .arity = 5,
     .flags = "write denyoom",
     .write = linsert,
     .check = check_linsert},
    {.name = "LREM", .code = 211, .arity = 4, .flags = "write", .write = lrem, .check = check_lrem},
    {.name = "LTRIM",
     .code = 212,
     .arity = 4,
     .flags = "write",
     .write = ltrim,
     .check = check_range},
    {.name = "LPOS",
     .code = 213,
     .arity = -3,
     .flags = "readonly",
     .read = lpos,
     .check = check_lpos},
};

}  // namespace

std::span<const ObjectCommand> index_commands() {
  return kRows;
}

}  // namespace helios::atlas::list
