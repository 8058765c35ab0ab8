// The hash commands (atlas/objects.h): HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HEXISTS, HLEN,
// HSTRLEN, HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HSCAN, HRANDFIELD, with Redis 7's
// replies and error lines. Where Redis's order is a hash table's (HKEYS, HVALS, HGETALL),
// fields come in bytewise order.

#include <cmath>
#include <limits>

#include "atlas/floating.h"
#include "atlas/integer.h"
#include "atlas/obj_common.h"

namespace helios::atlas {

namespace {

constexpr ObjectType kHash = ObjectType::kHash;

// The hash of args[0] for a write: the existing one, a new one (create), or an error reply.
// `error` is set for a key of another type.
HashObject* writable(ObjectWriter& w, const std::string& key, bool create, Reply* error) {
  ObjectWriter::Found f = w.find(key, kHash);
  if (f.wrong_type) {
    *error = Reply::error(kErrWrongType);
    return nullptr;
  }
  if (f.object == nullptr) {
    return create ? &w.create(key, kHash).as<HashObject>() : nullptr;
  }
  return &f.object->as<HashObject>();
}

// HSET/HMSET key field value [field value ...]: the number of new fields. Fields beyond
// kMaxMembers: an error, nothing changes.
std::string check_pairs(const Args& args, std::string_view name) {
  return args.size() % 2 == 1 ? std::string() : wrong_args(name);
}
std::string check_hset(const Args& args) {
  return check_pairs(args, "hset");
}
std::string check_hmset(const Args& args) {
  return check_pairs(args, "hmset");
}

Reply set_pairs(ObjectWriter& w, const Args& args, std::string_view name, bool ok_reply) {
  if (std::string e = check_pairs(args, name); !e.empty()) {
    return Reply::error(e);
  }
  Reply error;
  HashObject* h = writable(w, args[0], true, &error);
  if (h == nullptr) {
    return error;
  }
  std::size_t fresh = 0;
  for (std::size_t i = 1; i < args.size(); i += 2) {
    fresh += h->contains(args[i]) ? 0 : 1;
  }
  if (h->size() + fresh > kMaxMembers) {
    w.done(args[0]);
    return Reply::error(kErrTooManyMembers);
  }
  std::int64_t added = 0;
  for (std::size_t i = 1; i < args.size(); i += 2) {
    added += h->set(args[i], args[i + 1]) ? 1 : 0;
  }
  return ok_reply ? Reply::ok() : Reply::of_integer(added);
}

Reply hset(ObjectWriter& w, const Args& args) {
  return set_pairs(w, args, "hset", false);
}

Reply hmset(ObjectWriter& w, const Args& args) {
  return set_pairs(w, args, "hmset", true);
}

Reply hsetnx(ObjectWriter& w, const Args& args) {
  Reply error;
  HashObject* h = writable(w, args[0], true, &error);
  if (h == nullptr) {
    return error;
  }
  if (h->contains(args[1])) {
    return Reply::of_integer(0);
  }
  if (h->size() >= kMaxMembers) {
    return Reply::error(kErrTooManyMembers);
  }
  h->set(args[1], args[2]);
  return Reply::of_integer(1);
}

Reply hdel(ObjectWriter& w, const Args& args) {
  Reply error;
  HashObject* h = writable(w, args[0], false, &error);
  if (h == nullptr) {
    return error.is_error() ? error : Reply::of_integer(0);
  }
  std::int64_t removed = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    removed += h->erase(args[i]) ? 1 : 0;
  }
  w.done(args[0]);
  return Reply::of_integer(removed);
}

std::string check_hincrby(const Args& args) {
  return parse_int64(args[2]).has_value() ? std::string() : std::string(kErrNotInteger);
}

Reply hincrby(ObjectWriter& w, const Args& args) {
  const std::optional<std::int64_t> delta = parse_int64(args[2]);
  if (!delta.has_value()) {
    return Reply::error(kErrNotInteger);
  }
  Reply error;
  HashObject* h = writable(w, args[0], true, &error);
  if (h == nullptr) {
    return error;
  }
  std::int64_t current = 0;
  if (const std::optional<std::string_view> old = h->find(args[1]); old.has_value()) {
    const std::optional<std::int64_t> v = parse_int64(*old);
    if (!v.has_value()) {
      return Reply::error(kErrHashNotInteger);
    }
    current = *v;
  } else if (h->size() >= kMaxMembers) {
    return Reply::error(kErrTooManyMembers);
  }
  const std::optional<std::int64_t> sum = checked_add(current, *delta);
  if (!sum.has_value()) {
    w.done(args[0]);
    return Reply::error(kErrOverflow);
  }
  h->set(args[1], format_int64(*sum));
  return Reply::of_integer(*sum);
}

std::string check_hincrbyfloat(const Args& args) {
  const std::optional<long double> incr = parse_long_double(args[2]);
  if (!incr.has_value()) {
    return std::string(kErrNotFloat);
  }
  return std::isfinite(*incr) ? std::string() : "ERR value is NaN or Infinity";
}

Reply hincrbyfloat(ObjectWriter& w, const Args& args) {
  if (std::string e = check_hincrbyfloat(args); !e.empty()) {
    return Reply::error(e);
  }
  const long double incr = *parse_long_double(args[2]);
  Reply error;
  HashObject* h = writable(w, args[0], true, &error);
  if (h == nullptr) {
    return error;
  }
  long double current = 0;
  if (const std::optional<std::string_view> old = h->find(args[1]); old.has_value()) {
    const std::optional<long double> v = parse_long_double(*old);
    if (!v.has_value()) {
      return Reply::error(kErrHashNotFloat);
    }
    current = *v;
  } else if (h->size() >= kMaxMembers) {
    return Reply::error(kErrTooManyMembers);
  }
  const long double sum = current + incr;
  if (!std::isfinite(sum)) {
    w.done(args[0]);
    return Reply::error(kErrNanOrInfinity);
  }
  std::string text = format_long_double(sum);
  h->set(args[1], text);
  return Reply::bulk(std::move(text));
}

// Reads.

// The hash of args[0] for a read, or the reply for an absent key / another type.
const HashObject* readable(const ObjectReader& r, const std::string& key, Reply absent,
                           Reply* reply) {
  ObjectReader::Found f = r.find(key, kHash);
  if (f.wrong_type) {
    *reply = Reply::error(kErrWrongType);
    return nullptr;
  }
  if (f.object == nullptr) {
    *reply = std::move(absent);
    return nullptr;
  }
  return &f.object->as<HashObject>();
}

Reply hget(const ObjectReader& r, const Args& args) {
  Reply reply;
  const HashObject* h = readable(r, args[0], Reply::nil(), &reply);
  if (h == nullptr) {
    return reply;
  }
  const std::optional<std::string_view> value = h->find(args[1]);
  return value.has_value() ? Reply::bulk(std::string(*value)) : Reply::nil();
}

Reply hmget(const ObjectReader& r, const Args& args) {
  Reply reply;
  const HashObject* h = readable(r, args[0], Reply::nil(), &reply);
  if (h == nullptr && reply.is_error()) {
    return reply;
  }
  std::vector<Reply> out;
  out.reserve(args.size() - 1);
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::optional<std::string_view> value = h == nullptr ? std::nullopt : h->find(args[i]);
    out.push_back(value.has_value() ? Reply::bulk(std::string(*value)) : Reply::nil());
  }
  return Reply::array(std::move(out));
}

Reply hexists(const ObjectReader& r, const Args& args) {
  Reply reply;
  const HashObject* h = readable(r, args[0], Reply::of_integer(0), &reply);
  return h == nullptr ? reply : Reply::of_integer(h->contains(args[1]) ? 1 : 0);
}

Reply hlen(const ObjectReader& r, const Args& args) {
  Reply reply;
  const HashObject* h = readable(r, args[0], Reply::of_integer(0), &reply);
  return h == nullptr ? reply : Reply::of_integer(static_cast<std::int64_t>(h->size()));
}

Reply hstrlen(const ObjectReader& r, const Args& args) {
  Reply reply;
  const HashObject* h = readable(r, args[0], Reply::of_integer(0), &reply);
  if (h == nullptr) {
    return reply;
  }
  const std::optional<std::string_view> value = h->find(args[1]);
  return Reply::of_integer(value.has_value() ? static_cast<std::int64_t>(value->size()) : 0);
}

std::vector<std::string_view> fields_of(const HashObject& h) {
  return h.fields();
}

// HKEYS (fields), HVALS (values), HGETALL (both, a map).
enum class Part { kFields, kValues, kBoth };

Reply listing(const ObjectReader& r, const Args& args, Part part) {
  Reply reply;
  const HashObject* h =
      readable(r, args[0], part == Part::kBoth ? Reply::map({}) : Reply::array({}), &reply);
  if (h == nullptr) {
    return reply;
  }
  std::vector<Reply> out;
  out.reserve(h->size() * (part == Part::kBoth ? 2 : 1));
  for (std::string_view field : fields_of(*h)) {
    if (part != Part::kValues) {
      out.push_back(Reply::bulk(std::string(field)));
    }
    if (part != Part::kFields) {
      out.push_back(Reply::bulk(std::string(*h->find(field))));
    }
  }
  return part == Part::kBoth ? Reply::map(std::move(out)) : Reply::array(std::move(out));
}

Reply hkeys(const ObjectReader& r, const Args& args) {
  return listing(r, args, Part::kFields);
}
Reply hvals(const ObjectReader& r, const Args& args) {
  return listing(r, args, Part::kValues);
}
Reply hgetall(const ObjectReader& r, const Args& args) {
  return listing(r, args, Part::kBoth);
}

Reply hscan(const ObjectReader& r, const Args& args) {
  if (std::string e = check_scan(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply reply;
  const HashObject* h = readable(r, args[0], scan_reply(0, {}), &reply);
  if (h == nullptr) {
    return reply;
  }
  std::string error;
  const std::optional<ScanArgs> scan = parse_scan(args, &error);
  if (!scan.has_value()) {
    return Reply::error(error);
  }
  const ElementPage page = scan_elements(fields_of(*h), *scan);
  std::vector<Reply> out;
  out.reserve(page.members.size() * 2);
  for (std::string_view field : page.members) {
    out.push_back(Reply::bulk(std::string(field)));
    out.push_back(Reply::bulk(std::string(*h->find(field))));
  }
  return scan_reply(page.next_cursor, std::move(out));
}

// HRANDFIELD key [count [WITHVALUES]].
struct RandArgs {
  bool with_count = false;
  std::int64_t count = 0;
  bool with_values = false;
};

std::optional<RandArgs> parse_hrandfield(const Args& args, std::string* error) {
  RandArgs a;
  if (args.size() == 1) {
    return a;
  }
  const std::optional<std::int64_t> n = parse_int64(args[1]);
  if (!n.has_value()) {
    *error = std::string(kErrNotInteger);
    return std::nullopt;
  }
  if (*n == std::numeric_limits<std::int64_t>::min()) {
    *error =
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807";
    return std::nullopt;
  }
  a.with_count = true;
  a.count = *n;
  if (args.size() > 3 || (args.size() == 3 && !equals_upper(args[2], "WITHVALUES"))) {
    *error = std::string(kErrSyntax);
    return std::nullopt;
  }
  a.with_values = args.size() == 3;
  constexpr std::int64_t kHalf = std::numeric_limits<std::int64_t>::max() / 2;
  if (a.with_values && (a.count < -kHalf || a.count > kHalf)) {
    *error = "ERR value is out of range";
    return std::nullopt;
  }
  return a;
}

std::string check_hrandfield(const Args& args) {
  std::string error;
  return parse_hrandfield(args, &error).has_value() ? std::string() : error;
}

Reply hrandfield(const ObjectReader& r, const Args& args) {
  std::string error;
  const std::optional<RandArgs> a = parse_hrandfield(args, &error);
  if (!a.has_value()) {
    return Reply::error(error);
  }
  Reply reply;
  const HashObject* h =
      readable(r, args[0], a->with_count ? Reply::array({}) : Reply::nil(), &reply);
  if (h == nullptr) {
    return reply;
  }
  const std::vector<std::string_view> fields = fields_of(*h);
  SeededDraw draw(r.seed());
  if (!a->with_count) {
    return Reply::bulk(std::string(fields[draw.index(fields.size())]));
  }
  std::vector<std::size_t> picked;
  if (a->count < 0) {  // repeats allowed: |count| independent draws
    const std::uint64_t n = static_cast<std::uint64_t>(-a->count);
    if (n > kMaxMembers) {
      return Reply::error("ERR value is out of range");
    }
    picked.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      picked.push_back(draw.index(fields.size()));
    }
  } else {
    const auto n = std::min<std::uint64_t>(static_cast<std::uint64_t>(a->count), fields.size());
    picked = draw.distinct(fields.size(), static_cast<std::size_t>(n));
  }
  std::vector<Reply> out;
  out.reserve(picked.size() * (a->with_values ? 2 : 1));
  for (std::size_t i : picked) {
    out.push_back(Reply::bulk(std::string(fields[i])));
    if (a->with_values) {
      out.push_back(Reply::bulk(std::string(*h->find(fields[i]))));
    }
  }
  return a->with_values ? Reply::pairs(std::move(out)) : Reply::array(std::move(out));
}

constexpr ObjectCommand kRows[] = {
    {.name = "HSET",
     .code = 100,
     .arity = -4,
     .flags = "write denyoom fast",
     .write = hset,
     .check = check_hset},
    {.name = "HSETNX", .code = 101, .arity = 4, .flags = "write denyoom fast", .write = hsetnx},
    {.name = "HGET", .code = 102, .arity = 3, .flags = "readonly fast", .read = hget},
    {.name = "HMGET", .code = 103, .arity = -3, .flags = "readonly fast", .read = hmget},
    {.name = "HMSET",
     .code = 104,
     .arity = -4,
     .flags = "write denyoom fast",
     .write = hmset,
     .check = check_hmset},
    {.name = "HDEL", .code = 105, .arity = -3, .flags = "write fast", .write = hdel},
    {.name = "HEXISTS", .code = 106, .arity = 3, .flags = "readonly fast", .read = hexists},
    {.name = "HLEN", .code = 107, .arity = 2, .flags = "readonly fast", .read = hlen},
    {.name = "HSTRLEN", .code = 108, .arity = 3, .flags = "readonly fast", .read = hstrlen},
    {.name = "HKEYS", .code = 109, .arity = 2, .flags = "readonly", .read = hkeys},
    {.name = "HVALS", .code = 110, .arity = 2, .flags = "readonly", .read = hvals},
    {.name = "HGETALL", .code = 111, .arity = 2, .flags = "readonly", .read = hgetall},
    {.name = "HINCRBY",
     .code = 112,
     .arity = 4,
     .flags = "write denyoom fast",
     .write = hincrby,
     .check = check_hincrby},
    {.name = "HINCRBYFLOAT",
     .code = 113,
     .arity = 4,
     .flags = "write denyoom fast",
     .write = hincrbyfloat,
     .check = check_hincrbyfloat},
    {.name = "HSCAN",
     .code = 114,
     .arity = -3,
     .flags = "readonly",
     .read = hscan,
     .check = check_scan},
    {.name = "HRANDFIELD",
     .code = 115,
     .arity = -2,
     .flags = "readonly",
     .read = hrandfield,
     .check = check_hrandfield,
     .random = true},
};

}  // namespace

std::span<const ObjectCommand> hash_commands() {
  return kRows;
}

}  // namespace helios::atlas
