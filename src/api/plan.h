#pragma once
// Plan: what one Redis data command (GET, SET, INCR, MGET...) becomes: the ATLAS operations
// that carry it out, in order, and how their replies turn back into the command's reply.
//
// A plan whose operations all only read (atlas::Store::is_read) is a read: the node serves
// it from its own store after a read barrier (or at once with READONLY). Any other plan is a
// write: it goes through the log as one atlas::Command (several commands of a batch or a
// MULTI share one), so every replica applies the same operations at the same stamp.
//
// make_plan parses the arguments exactly as Redis does and answers Redis's error for bad
// ones ("ERR syntax error", "ERR value is not an integer or out of range", "ERR invalid
// expire time in 'set' command"...), as a Status of code kInvalidArgument whose message is
// the whole error line; nothing is proposed then. Relative TTLs (EX, PX, EXPIRE, SETEX...)
// become absolute deadlines counted from `now_ms`, the stamp the leader is about to use.
// Pure: no clock, no I/O.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/command.h"
#include "atlas/reply.h"
#include "base/status.h"
#include "resp/writer.h"

namespace helios::api {

using Argv = std::vector<std::string>;

// How the replies of a plan's operations make the command's reply.
enum class Shape : std::uint8_t {
  kAsIs,     // the only operation's reply
  kFirst,    // the first operation's reply (GETDEL, GETEX: a read, then the change)
  kOkToInt,  // OK -> 1, nil -> 0 (SETNX)
  kAllOk,    // +OK whatever the operations replied (MSET)
  kSum,      // the sum of the integer replies (EXISTS k1 k2...)
  kSeconds,  // integer milliseconds -> seconds, rounded as Redis does; -1 and -2 kept (TTL)
  kArray,    // an array of every reply (MGET)
  // LMPOP's / ZMPOP's [key, [x]] of one element made flat: [key, element] (BLPOP) or [key,
  // member, score] (BZPOPMIN); the null array and errors as they are.
  kKeyedOne,
};

struct Plan {
  std::vector<atlas::Op> ops;
  Shape shape = Shape::kAsIs;
  bool write = false;  // false: every op only reads (atlas::Store::is_read)
};

struct CommandSpec;

// The plan of `argv` by its row's planner (command_table.h: `spec.plan` set; the arity
// already checked): a data command, or ACL SETUSER / DELUSER / LOAD (api/acl_state.h: a
// replicated change of the users). Arguments beyond ATLAS's limits are refused first.
Result<Plan> make_plan(const CommandSpec& spec, const Argv& argv, std::uint64_t now_ms);

// The seeds of random picks (SPOP...) are drawn from the plan's time and a count of the plans
// this thread drew: restarts the count (a simulator, before each run, so that a seed
// replays alike whatever ran on the thread before it).
void reset_plan_seeds();

// For planners: a plan of one read of `key`, or of one write.
Plan read_plan(atlas::ReadKind what, const std::string& key, Shape shape = Shape::kAsIs);
Plan write_plan(atlas::Op op, Shape shape = Shape::kAsIs);

// Writes the reply of a plan of shape `shape` whose operations replied `replies`.
void render(Shape shape, const atlas::Reply* replies, std::size_t count, resp::Writer& w);
void render_reply(const atlas::Reply& reply, resp::Writer& w);

}  // namespace helios::api
