// The list commands (atlas/objects.h): LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LMOVE,
// RPOPLPUSH, LMPOP here, LINDEX, LSET, LRANGE, LTRIM, LINSERT, LREM, LPOS in
// obj_list_index.cc; list_commands() gives the rows of both. Redis 7.0's replies and error
// lines, checked in Redis's order (some commands parse their arguments before they look at
// the key, others after: a row has a `check` only for the errors Redis reports first). Not
// the blocking commands (BLPOP...). A list is a ListObject (list_object.h: a quicklist), head
// first; nothing here depends on a hash table's order.

#include <algorithm>
#include <iterator>
#include <vector>

#include "atlas/integer.h"
#include "atlas/obj_list.h"

namespace helios::atlas {

namespace list {

ListObject* writable(ObjectWriter& w, const std::string& key, Reply* error) {
  ObjectWriter::Found f = w.find(key, ObjectType::kList);
  if (f.wrong_type) {
    *error = Reply::error(kErrWrongType);
    return nullptr;
  }
  return f.object == nullptr ? nullptr : &f.object->as<ListObject>();
}

const ListObject* readable(const ObjectReader& r, const std::string& key, Reply absent,
                           Reply* reply) {
  ObjectReader::Found f = r.find(key, ObjectType::kList);
  if (f.wrong_type) {
    *reply = Reply::error(kErrWrongType);
    return nullptr;
  }
  if (f.object == nullptr) {
    *reply = std::move(absent);
    return nullptr;
  }
  return &f.object->as<ListObject>();
}

bool too_many(std::size_t size, std::size_t added) {
  return added > kMaxMembers || size > kMaxMembers - added;
}

}  // namespace list

namespace {

using list::readable;
using list::too_many;
using list::writable;

constexpr ObjectType kList = ObjectType::kList;

// LEFT is the head (index 0), RIGHT the tail.
enum class End { kLeft, kRight };

std::optional<End> parse_end(std::string_view arg) {
  if (equals_upper(arg, "LEFT")) {
    return End::kLeft;
  }
  if (equals_upper(arg, "RIGHT")) {
    return End::kRight;
  }
  return std::nullopt;
}

// Removes up to `count` elements from `end` of `l`, in the order they leave (RPOP's: the tail
// first), as bulk replies.
std::vector<Reply> pop_elements(ListObject& l, End end, std::uint64_t count) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count, l.size()));
  std::vector<std::string> popped = end == End::kLeft ? l.pop_front(n) : l.pop_back(n);
  std::vector<Reply> out;
  out.reserve(popped.size());
  for (std::string& element : popped) {
    out.push_back(Reply::bulk(std::move(element)));
  }
  return out;
}

void push_element(ListObject& l, End end, std::string_view element) {
  if (end == End::kLeft) {
    l.push_front(element);
  } else {
    l.push_back(element);
  }
}

// LPUSH/RPUSH/LPUSHX/RPUSHX key element [element ...]: the new length (0 for the X forms on
// an absent key).
Reply push(ObjectWriter& w, const Args& args, End end, bool only_existing) {
  Reply error;
  ListObject* l = writable(w, args[0], &error);
  if (error.is_error()) {
    return error;
  }
  if (l == nullptr && only_existing) {
    return Reply::of_integer(0);
  }
  if (too_many(l == nullptr ? 0 : l->size(), args.size() - 1)) {
    return Reply::error(kErrTooManyMembers);
  }
  if (l == nullptr) {
    l = &w.create(args[0], kList).as<ListObject>();
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    push_element(*l, end, args[i]);
  }
  return Reply::of_integer(static_cast<std::int64_t>(l->size()));
}

Reply lpush(ObjectWriter& w, const Args& args) {
  return push(w, args, End::kLeft, false);
}
Reply rpush(ObjectWriter& w, const Args& args) {
  return push(w, args, End::kRight, false);
}
Reply lpushx(ObjectWriter& w, const Args& args) {
  return push(w, args, End::kLeft, true);
}
Reply rpushx(ObjectWriter& w, const Args& args) {
  return push(w, args, End::kRight, true);
}

// LPOP/RPOP key [count]: count is a non-negative integer; more arguments are an arity error.
std::optional<std::uint64_t> parse_pop_count(const Args& args, std::string_view name,
                                             std::string* error) {
  if (args.size() > 2) {
    *error = wrong_args(name);
    return std::nullopt;
  }
  if (args.size() == 1) {
    return 0;
  }
  const std::optional<std::int64_t> n = parse_int64(args[1]);
  if (!n.has_value() || *n < 0) {
    *error = std::string(kErrNotPositive);
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*n);
}

std::string check_lpop(const Args& args) {
  std::string error;
  return parse_pop_count(args, "lpop", &error).has_value() ? std::string() : error;
}
std::string check_rpop(const Args& args) {
  std::string error;
  return parse_pop_count(args, "rpop", &error).has_value() ? std::string() : error;
}

// Without a count: the element (bulk) or nil. With one: an array (empty for count 0), or the
// null array for an absent key.
Reply pop(ObjectWriter& w, const Args& args, End end, std::string_view name) {
  std::string parse_error;
  const std::optional<std::uint64_t> count = parse_pop_count(args, name, &parse_error);
  if (!count.has_value()) {
    return Reply::error(parse_error);
  }
  const bool with_count = args.size() == 2;
  Reply error;
  ListObject* l = writable(w, args[0], &error);
  if (l == nullptr) {
    return error.is_error() ? error : (with_count ? Reply::nil_array() : Reply::nil());
  }
  if (!with_count) {
    Reply element = std::move(pop_elements(*l, end, 1).front());
    w.done(args[0]);
    return element;
  }
  std::vector<Reply> out = pop_elements(*l, end, *count);
  w.done(args[0]);
  return Reply::array(std::move(out));
}

Reply lpop(ObjectWriter& w, const Args& args) {
  return pop(w, args, End::kLeft, "lpop");
}
Reply rpop(ObjectWriter& w, const Args& args) {
  return pop(w, args, End::kRight, "rpop");
}

Reply llen(const ObjectReader& r, const Args& args) {
  Reply reply;
  const ListObject* l = readable(r, args[0], Reply::of_integer(0), &reply);
  return l == nullptr ? reply : Reply::of_integer(static_cast<std::int64_t>(l->size()));
}
// LMOVE / RPOPLPUSH: pops from `from` of args[0], pushes to `to` of args[1] (the same key:
// a rotation); the element, or nil for an absent source. A destination of another type is
// WRONGTYPE and nothing moves.
Reply move(ObjectWriter& w, const Args& args, End from, End to) {
  Reply error;
  if (writable(w, args[0], &error) == nullptr) {
    return error.is_error() ? error : Reply::nil();
  }
  ListObject* dst = writable(w, args[1], &error);
  if (error.is_error()) {
    return error;
  }
  if (dst != nullptr && args[0] != args[1] && too_many(dst->size(), 1)) {
    return Reply::error(kErrTooManyMembers);
  }
  if (dst == nullptr) {
    dst = &w.create(args[1], kList).as<ListObject>();
  }
  // The source's handle is taken after the destination's lookup (which removes the key if
  // it expired) and creation: either may invalidate handles (ObjectWriter).
  ListObject* src = writable(w, args[0], &error);
  std::string element = std::move(pop_elements(*src, from, 1).front().text);
  push_element(*dst, to, element);
  w.done(args[0]);
  return Reply::bulk(std::move(element));
}

std::string check_lmove(const Args& args) {
  return parse_end(args[2]).has_value() && parse_end(args[3]).has_value() ? std::string()
                                                                          : std::string(kErrSyntax);
}

Reply lmove(ObjectWriter& w, const Args& args) {
  if (std::string e = check_lmove(args); !e.empty()) {
    return Reply::error(e);
  }
  return move(w, args, *parse_end(args[2]), *parse_end(args[3]));
}

Reply rpoplpush(ObjectWriter& w, const Args& args) {
  return move(w, args, End::kRight, End::kLeft);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: args[0] is numkeys.
struct MpopArgs {
  std::size_t numkeys = 0;
  End end = End::kLeft;
  std::uint64_t count = 1;
};

std::optional<MpopArgs> parse_lmpop(const Args& args, std::string* error) {
  MpopArgs a;
  const std::optional<std::int64_t> numkeys = parse_int64(args[0]);
  if (!numkeys.has_value() || *numkeys < 1) {
    *error = "ERR numkeys should be greater than 0";
    return std::nullopt;
  }
  // The direction follows the keys.
  if (static_cast<std::uint64_t>(*numkeys) >= args.size() - 1) {
    *error = std::string(kErrSyntax);
    return std::nullopt;
  }
  a.numkeys = static_cast<std::size_t>(*numkeys);
  const std::optional<End> end = parse_end(args[a.numkeys + 1]);
  if (!end.has_value()) {
    *error = std::string(kErrSyntax);
    return std::nullopt;
  }
  a.end = *end;
  const std::size_t rest = a.numkeys + 2;
  if (rest == args.size()) {
    return a;
  }
  if (rest + 1 < args.size() && equals_upper(args[rest], "COUNT")) {
    const std::optional<std::int64_t> count = parse_int64(args[rest + 1]);
    if (!count.has_value() || *count < 1) {
      *error = "ERR count should be greater than 0";
      return std::nullopt;
    }
    a.count = static_cast<std::uint64_t>(*count);
    if (rest + 2 == args.size()) {
      return a;
    }
  }
  *error = std::string(kErrSyntax);
  return std::nullopt;
}

std::string check_lmpop(const Args& args) {
  std::string error;
  return parse_lmpop(args, &error).has_value() ? std::string() : error;
}

// The keys: args[1..numkeys] (none while numkeys does not parse).
std::vector<std::size_t> lmpop_keys(const Args& args) {
  const std::optional<std::int64_t> numkeys = parse_int64(args[0]);
  std::vector<std::size_t> keys;
  if (numkeys.has_value() && *numkeys > 0) {
    const auto n = std::min<std::uint64_t>(static_cast<std::uint64_t>(*numkeys), args.size() - 1);
    for (std::size_t i = 1; i <= n; ++i) {
      keys.push_back(i);
    }
  }
  return keys;
}

// [key, [elements]] from the first key that holds a list, or the null array; a key of another
// type met before one is WRONGTYPE.
Reply lmpop(ObjectWriter& w, const Args& args) {
  std::string parse_error;
  const std::optional<MpopArgs> a = parse_lmpop(args, &parse_error);
  if (!a.has_value()) {
    return Reply::error(parse_error);
  }
  for (std::size_t i = 1; i <= a->numkeys; ++i) {
    Reply error;
    ListObject* l = writable(w, args[i], &error);
    if (error.is_error()) {
      return error;
    }
    if (l == nullptr) {
      continue;
    }
    std::vector<Reply> top;
    top.push_back(Reply::bulk(args[i]));
    top.push_back(Reply::array(pop_elements(*l, a->end, a->count)));
    w.done(args[i]);
    return Reply::array(std::move(top));
  }
  return Reply::nil_array();
}
constexpr ObjectCommand kRows[] = {
    {.name = "LPUSH", .code = 200, .arity = -3, .flags = "write denyoom fast", .write = lpush},
    {.name = "RPUSH", .code = 201, .arity = -3, .flags = "write denyoom fast", .write = rpush},
    {.name = "LPUSHX", .code = 202, .arity = -3, .flags = "write denyoom fast", .write = lpushx},
    {.name = "RPUSHX", .code = 203, .arity = -3, .flags = "write denyoom fast", .write = rpushx},
    {.name = "LPOP",
     .code = 204,
     .arity = -2,
     .flags = "write fast",
     .write = lpop,
     .check = check_lpop},
    {.name = "RPOP",
     .code = 205,
     .arity = -2,
     .flags = "write fast",
     .write = rpop,
     .check = check_rpop},
    {.name = "LLEN", .code = 206, .arity = 2, .flags = "readonly fast", .read = llen},
    {.name = "LMOVE",
     .code = 214,
     .arity = 5,
     .flags = "write denyoom",
     .first_key = 1,
     .last_key = 2,
     .write = lmove,
     .check = check_lmove},
    {.name = "RPOPLPUSH",
     .code = 215,
     .arity = 3,
     .flags = "write denyoom",
     .first_key = 1,
     .last_key = 2,
     .write = rpoplpush},
    {.name = "LMPOP",
     .code = 216,
     .arity = -4,
     .flags = "write movablekeys",
     .first_key = 0,
     .last_key = 0,
     .step = 0,
     .write = lmpop,
     .check = check_lmpop,
     .keys = lmpop_keys},
};

}  // namespace

std::span<const ObjectCommand> list_commands() {
  static const std::vector<ObjectCommand> rows = [] {
    std::vector<ObjectCommand> all(std::begin(kRows), std::end(kRows));
    const std::span<const ObjectCommand> more = list::index_commands();
    all.insert(all.end(), more.begin(), more.end());
    return all;
  }();
  return rows;
}

}  // namespace helios::atlas
