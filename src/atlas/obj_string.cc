// The string commands that need a type check before they change anything (atlas/objects.h):
// GETDEL and GETEX. Both are planned by the client port (src/api/plan_strings.cc), which
// turns GETEX's relative TTLs into a deadline: these rows take the planned arguments.

#include "atlas/integer.h"
#include "atlas/objects.h"

namespace helios::atlas {

namespace {

// GETDEL key: the value (bulk) or nil; the key is deleted. WRONGTYPE for another type, which
// stays.
Reply getdel(ObjectWriter& w, const Args& args) {
  bool wrong_type = false;
  const std::string* value = w.find_string(args[0], &wrong_type);
  if (wrong_type) {
    return Reply::error(kErrWrongType);
  }
  if (value == nullptr) {
    return Reply::nil();
  }
  Reply reply = Reply::bulk(*value);
  w.erase(args[0]);
  return reply;
}

// GETEX key PERSIST | GETEX key PXAT deadline_ms (the planner's forms): the value, then the
// deadline changes (one at or before the stamp deletes the key). WRONGTYPE for another type.
Reply getex(ObjectWriter& w, const Args& args) {
  std::uint64_t deadline_ms = 0;
  if (args[1] == "PXAT") {
    const std::optional<std::int64_t> d = args.size() == 3 ? parse_int64(args[2]) : std::nullopt;
    if (!d.has_value() || *d < 0) {
      return Reply::error(kErrSyntax);
    }
    deadline_ms = static_cast<std::uint64_t>(*d);
  } else if (args[1] != "PERSIST" || args.size() != 2) {
    return Reply::error(kErrSyntax);
  }
  bool wrong_type = false;
  const std::string* value = w.find_string(args[0], &wrong_type);
  if (wrong_type) {
    return Reply::error(kErrWrongType);
  }
  if (value == nullptr) {
    return Reply::nil();
  }
  Reply reply = Reply::bulk(*value);
  if (args[1] == "PERSIST") {
    w.set_deadline(args[0], 0);
  } else if (deadline_ms <= w.stamp_ms()) {
    w.erase(args[0]);  // a deadline in the past (0 is the epoch) deletes the key
  } else {
    w.set_deadline(args[0], deadline_ms);
  }
  return reply;
}

constexpr ObjectCommand kRows[] = {
    {.name = "GETDEL", .code = 1, .arity = 2, .flags = "write fast", .write = getdel},
    {.name = "GETEX",
     .code = 2,
     .arity = -3,
     .flags = "write fast",
     .write = getex,
     .client = false},
};

}  // namespace

std::span<const ObjectCommand> string_object_commands() {
  return kRows;
}

}  // namespace helios::atlas
