// The set commands (atlas/objects.h): the rows of the family, and the commands on one set:
// SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SPOP, SRANDMEMBER, SMOVE, SSCAN, with
// Redis 7.0's replies and error lines. The commands over several sets are in
// obj_set_algebra.cc. Members come in the canonical order of obj_set.h (Redis's intset order
// for a small set of integers, else bytewise where Redis's is a hash table's); SPOP and
// SRANDMEMBER draw from the op's seed over that order, so every replica picks the same.

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>
#include <utility>

#include "atlas/glob.h"
#include "atlas/integer.h"
#include "atlas/obj_common.h"
#include "atlas/obj_set.h"

namespace helios::atlas {

namespace set_family {

bool order_members(std::vector<std::string_view>& members) {
  std::sort(members.begin(), members.end());
  if (members.size() > kIntsetEntries) {
    return false;
  }
  std::vector<std::pair<std::int64_t, std::string_view>> numbers;
  numbers.reserve(members.size());
  for (std::string_view m : members) {
    const std::optional<std::int64_t> n = parse_int64(m);
    if (!n.has_value()) {
      return false;
    }
    numbers.emplace_back(*n, m);
  }
  std::sort(numbers.begin(), numbers.end());
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    members[i] = numbers[i].second;
  }
  return true;
}

std::vector<std::string_view> members_of(const SetObject& s, MemberText& text) {
  std::vector<std::string_view> members = s.members(text);
  order_members(members);
  return members;
}

Reply set_reply(const std::vector<std::string_view>& members) {
  Reply reply = bulk_array(members);
  reply.kind = Reply::Kind::kSet;
  return reply;
}

}  // namespace set_family

namespace {

using namespace set_family;

constexpr ObjectType kSet = ObjectType::kSet;

// The set of `key` for a write, or nullptr: absent (error untouched) or another type (error
// set to WRONGTYPE).
SetObject* writable(ObjectWriter& w, const std::string& key, Reply* error) {
  ObjectWriter::Found f = w.find(key, kSet);
  if (f.wrong_type) {
    *error = Reply::error(kErrWrongType);
  }
  return f.object == nullptr ? nullptr : &f.object->as<SetObject>();
}

// The set of `key` for a read, or nullptr with `reply` set to `absent` or WRONGTYPE.
const SetObject* readable(const ObjectReader& r, const std::string& key, Reply absent,
                          Reply* reply) {
  ObjectReader::Found f = r.find(key, kSet);
  if (f.wrong_type) {
    *reply = Reply::error(kErrWrongType);
    return nullptr;
  }
  if (f.object == nullptr) {
    *reply = std::move(absent);
    return nullptr;
  }
  return &f.object->as<SetObject>();
}

Reply sadd(ObjectWriter& w, const Args& args) {
  Reply error;
  SetObject* s = writable(w, args[0], &error);
  if (error.is_error()) {
    return error;
  }
  std::unordered_set<std::string_view> fresh;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (s == nullptr || !s->contains(args[i])) {
      fresh.insert(args[i]);
    }
  }
  if ((s == nullptr ? 0 : s->size()) + fresh.size() > kMaxMembers) {
    return Reply::error(kErrTooManyMembers);
  }
  if (s == nullptr) {
    s = &w.create(args[0], kSet).as<SetObject>();
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    s->insert(args[i]);
  }
  return Reply::of_integer(static_cast<std::int64_t>(fresh.size()));
}

Reply srem(ObjectWriter& w, const Args& args) {
  Reply error;
  SetObject* s = writable(w, args[0], &error);
  if (s == nullptr) {
    return error.is_error() ? error : Reply::of_integer(0);
  }
  std::int64_t removed = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    removed += s->erase(args[i]) ? 1 : 0;
  }
  w.done(args[0]);
  return Reply::of_integer(removed);
}

// SMOVE source destination member.
Reply smove(ObjectWriter& w, const Args& args) {
  const std::string& from = args[0];
  const std::string& to = args[1];
  const std::string& member = args[2];
  Reply error;
  SetObject* src = writable(w, from, &error);
  if (src == nullptr) {  // a missing source answers 0 whatever the destination holds
    return error.is_error() ? error : Reply::of_integer(0);
  }
  const SetObject* dst = writable(w, to, &error);
  if (error.is_error()) {
    return error;
  }
  if (!src->contains(member)) {
    return Reply::of_integer(0);
  }
  if (from == to) {
    return Reply::of_integer(1);
  }
  if (dst != nullptr && !dst->contains(member) && dst->size() >= kMaxMembers) {
    return Reply::error(kErrTooManyMembers);
  }
  src->erase(member);
  w.done(from);
  SetObject* target = writable(w, to, &error);  // found again: done() may have erased a key
  if (target == nullptr) {
    target = &w.create(to, kSet).as<SetObject>();
  }
  target->insert(member);
  return Reply::of_integer(1);
}

// SPOP key [count]: the errors Redis answers before it looks at the key.
std::string check_spop(const Args& args) {
  if (args.size() > 2) {
    return std::string(kErrSyntax);
  }
  if (args.size() == 2) {
    const std::optional<std::int64_t> n = parse_int64(args[1]);
    if (!n.has_value() || *n < 0) {  // Redis's message for both: "must be positive"
      return std::string(kErrNotPositive);
    }
  }
  return {};
}

Reply spop(ObjectWriter& w, const Args& args) {
  if (std::string e = check_spop(args); !e.empty()) {
    return Reply::error(e);
  }
  const bool with_count = args.size() == 2;
  Reply error;
  SetObject* s = writable(w, args[0], &error);
  if (s == nullptr) {
    return error.is_error() ? error : with_count ? Reply::set({}) : Reply::nil();
  }
  MemberText text;
  std::vector<std::string_view> members = members_of(*s, text);
  if (unordered_picks_planted()) {  // PLANTED BUG (simulator): the table's order
    members = s->members(text);
  }
  SeededDraw draw(w.seed());
  std::vector<std::string> picked;
  if (!with_count) {
    picked.emplace_back(members[draw.index(members.size())]);
  } else {
    const auto count = static_cast<std::uint64_t>(*parse_int64(args[1]));
    if (count >= members.size()) {  // the whole set: no draw
      picked.assign(members.begin(), members.end());
    } else {
      for (std::size_t i : draw.distinct(members.size(), static_cast<std::size_t>(count))) {
        picked.emplace_back(members[i]);
      }
    }
  }
  for (const std::string& m : picked) {
    s->erase(m);
  }
  w.done(args[0]);
  if (!with_count) {
    return Reply::bulk(std::move(picked.front()));
  }
  return set_reply(std::vector<std::string_view>(picked.begin(), picked.end()));
}

// Reads.

Reply scard(const ObjectReader& r, const Args& args) {
  Reply reply;
  const SetObject* s = readable(r, args[0], Reply::of_integer(0), &reply);
  return s == nullptr ? reply : Reply::of_integer(static_cast<std::int64_t>(s->size()));
}

Reply sismember(const ObjectReader& r, const Args& args) {
  Reply reply;
  const SetObject* s = readable(r, args[0], Reply::of_integer(0), &reply);
  return s == nullptr ? reply : Reply::of_integer(s->contains(args[1]) ? 1 : 0);
}

Reply smismember(const ObjectReader& r, const Args& args) {
  Reply reply;
  const SetObject* s = readable(r, args[0], Reply::nil(), &reply);
  if (reply.is_error()) {
    return reply;
  }
  std::vector<Reply> out;
  out.reserve(args.size() - 1);
  for (std::size_t i = 1; i < args.size(); ++i) {
    out.push_back(Reply::of_integer(s != nullptr && s->contains(args[i]) ? 1 : 0));
  }
  return Reply::array(std::move(out));
}

Reply smembers(const ObjectReader& r, const Args& args) {
  Reply reply;
  const SetObject* s = readable(r, args[0], Reply::set({}), &reply);
  MemberText text;
  return s == nullptr ? reply : set_reply(members_of(*s, text));
}

// SRANDMEMBER key [count]: the count, if any (nullopt in `count` when absent).
std::string parse_srandmember(const Args& args, std::optional<std::int64_t>* count) {
  if (args.size() > 2) {
    return std::string(kErrSyntax);
  }
  if (args.size() == 2) {
    *count = parse_int64(args[1]);
    if (!count->has_value()) {
      return std::string(kErrNotInteger);
    }
    if (**count == std::numeric_limits<std::int64_t>::min()) {
      return "ERR value is out of range, value must between -9223372036854775807 and "
             "9223372036854775807";
    }
  }
  return {};
}

std::string check_srandmember(const Args& args) {
  std::optional<std::int64_t> count;
  return parse_srandmember(args, &count);
}

Reply srandmember(const ObjectReader& r, const Args& args) {
  std::optional<std::int64_t> count;
  if (std::string e = parse_srandmember(args, &count); !e.empty()) {
    return Reply::error(e);
  }
  Reply reply;
  const SetObject* s =
      readable(r, args[0], count.has_value() ? Reply::array({}) : Reply::nil(), &reply);
  if (s == nullptr) {
    return reply;
  }
  MemberText text;
  const std::vector<std::string_view> members = members_of(*s, text);
  SeededDraw draw(r.seed());
  if (!count.has_value()) {
    return Reply::bulk(std::string(members[draw.index(members.size())]));
  }
  std::vector<std::string_view> out;
  if (*count < 0) {  // repeats allowed: |count| independent draws, in draw order
    const auto n = static_cast<std::uint64_t>(-*count);
    if (n > kMaxMembers) {
      return Reply::error("ERR value is out of range");
    }
    out.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      out.push_back(members[draw.index(members.size())]);
    }
  } else if (static_cast<std::uint64_t>(*count) >= members.size()) {
    out = members;
  } else {
    for (std::size_t i : draw.distinct(members.size(), static_cast<std::size_t>(*count))) {
      out.push_back(members[i]);
    }
  }
  return bulk_array(out);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]: Redis reads the cursor before the key and
// the options after it (a missing key answers an empty page whatever the options). A set
// Redis would hold as an intset comes whole in one page, as Redis scans one.
std::string check_sscan(const Args& args) {
  return check_scan(Args{args[0], args[1]});
}

Reply sscan(const ObjectReader& r, const Args& args) {
  if (std::string e = check_sscan(args); !e.empty()) {
    return Reply::error(e);
  }
  Reply reply;
  const SetObject* s = readable(r, args[0], scan_reply(0, {}), &reply);
  if (s == nullptr) {
    return reply;
  }
  std::string error;
  const std::optional<ScanArgs> scan = parse_scan(args, &error);
  if (!scan.has_value()) {
    return Reply::error(error);
  }
  MemberText text;
  std::vector<std::string_view> members = s->members(text);
  ElementPage page;
  if (order_members(members)) {  // an intset's scan: every match at once, in order, cursor 0
    std::erase_if(members, [&](std::string_view m) { return !glob_match(scan->pattern, m); });
    page.members = std::move(members);
  } else {
    page = scan_elements(members, *scan);
  }
  std::vector<Reply> out;
  out.reserve(page.members.size());
  for (std::string_view m : page.members) {
    out.push_back(Reply::bulk(std::string(m)));
  }
  return scan_reply(page.next_cursor, std::move(out));
}

constexpr ObjectCommand kRows[] = {
    {.name = "SADD", .code = 300, .arity = -3, .flags = "write denyoom fast", .write = sadd},
    {.name = "SREM", .code = 301, .arity = -3, .flags = "write fast", .write = srem},
    {.name = "SCARD", .code = 302, .arity = 2, .flags = "readonly fast", .read = scard},
    {.name = "SISMEMBER", .code = 303, .arity = 3, .flags = "readonly fast", .read = sismember},
    {.name = "SMISMEMBER", .code = 304, .arity = -3, .flags = "readonly fast", .read = smismember},
    {.name = "SMEMBERS", .code = 305, .arity = 2, .flags = "readonly", .read = smembers},
    {.name = "SPOP",
     .code = 306,
     .arity = -2,
     .flags = "write fast",
     .write = spop,
     .check = check_spop,
     .random = true},
    {.name = "SRANDMEMBER",
     .code = 307,
     .arity = -2,
     .flags = "readonly",
     .read = srandmember,
     .check = check_srandmember,
     .random = true},
    {.name = "SMOVE",
     .code = 308,
     .arity = 4,
     .flags = "write fast",
     .first_key = 1,
     .last_key = 2,
     .write = smove},
    {.name = "SINTER",
     .code = 309,
     .arity = -2,
     .flags = "readonly",
     .last_key = -1,
     .read = sinter},
    {.name = "SUNION",
     .code = 310,
     .arity = -2,
     .flags = "readonly",
     .last_key = -1,
     .read = sunion},
    {.name = "SDIFF", .code = 311, .arity = -2, .flags = "readonly", .last_key = -1, .read = sdiff},
    {.name = "SINTERCARD",
     .code = 312,
     .arity = -3,
     .flags = "readonly movablekeys",
     .first_key = 0,
     .last_key = 0,
     .step = 0,
     .read = sintercard,
     .check = check_sintercard,
     .keys = sintercard_keys},
    {.name = "SINTERSTORE",
     .code = 313,
     .arity = -3,
     .flags = "write denyoom",
     .last_key = -1,
     .write = sinterstore},
    {.name = "SUNIONSTORE",
     .code = 314,
     .arity = -3,
     .flags = "write denyoom",
     .last_key = -1,
     .write = sunionstore},
    {.name = "SDIFFSTORE",
     .code = 315,
     .arity = -3,
     .flags = "write denyoom",
     .last_key = -1,
     .write = sdiffstore},
    {.name = "SSCAN",
     .code = 316,
     .arity = -3,
     .flags = "readonly",
     .read = sscan,
     .check = check_sscan},
};

}  // namespace

std::span<const ObjectCommand> set_commands() {
  return kRows;
}

}  // namespace helios::atlas
