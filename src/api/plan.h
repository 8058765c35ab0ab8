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

// An argument that a lending plan moved out of argv into one of its operations instead of
// copying it: argv[arg], whose bytes are at `bytes` (a long string's bytes keep their address
// when the string moves, so the operation's string is found again by them).
struct Loan {
  std::size_t arg = 0;
  const char* bytes = nullptr;
};

struct Plan {
  std::vector<atlas::Op> ops;
  Shape shape = Shape::kAsIs;
  bool write = false;       // false: every op only reads (atlas::Store::is_read)
  std::vector<Loan> loans;  // make_plan_lending: the arguments its ops hold
};

// Arguments shorter than this are always copied: they live inside the std::string itself
// (the short-string buffer), so moving one copies it anyway, and its bytes change address.
inline constexpr std::size_t kLendMinBytes = 16;

// The arguments a planner reads (argv[0] is the command's name, as sent), read-only, and the
// one way an operation keeps one: take(). A copying PlanArgs copies; a lending one moves an
// argument of kLendMinBytes or more out of argv (leaving it empty) and notes the loan, so
// that a value is not copied on its way from the client's request to the log entry. A
// planner must not read an argument after taking it.
class PlanArgs {
 public:
  explicit PlanArgs(const Argv& argv) : argv_(&argv) {}
  PlanArgs(Argv& argv, std::vector<Loan>& loans) : argv_(&argv), lent_(&argv), loans_(&loans) {}

  std::size_t size() const { return argv_->size(); }
  const std::string& operator[](std::size_t i) const { return (*argv_)[i]; }
  Argv::const_iterator begin() const { return argv_->begin(); }
  Argv::const_iterator end() const { return argv_->end(); }
  const Argv& all() const { return *argv_; }

  // Argument i, for an operation to keep.
  std::string take(std::size_t i);
  // Arguments [first, size()), each as take() gives it.
  std::vector<std::string> take_from(std::size_t first);
  // Before refusing the command: puts back what take_from(first) gave, into argv.
  void give_back(std::vector<std::string>& taken, std::size_t first);

 private:
  const Argv* argv_;
  Argv* lent_ = nullptr;  // lending: the same argv, writable
  std::vector<Loan>* loans_ = nullptr;
};

struct CommandSpec;

// The plan of `argv` by its row's planner (command_table.h: `spec.plan` set; the arity
// already checked): a data command, or ACL SETUSER / DELUSER / LOAD (api/acl_state.h: a
// replicated change of the users). Arguments beyond ATLAS's limits are refused first.
Result<Plan> make_plan(const CommandSpec& spec, const Argv& argv, std::uint64_t now_ms);

// As make_plan, but the plan's operations take their long values out of `argv` instead of
// copying them (plan.loans says which; argv keeps the other arguments). `argv` can be
// planned again only after repay().
Result<Plan> make_plan_lending(const CommandSpec& spec, Argv& argv, std::uint64_t now_ms);

// Moves every loan back from `ops` (the operations of the lending plan, in any order and
// wherever they were moved since, their values not changed) into `argv`, which is then as
// it was before planning. Every loan must be found: an always-on assertion.
void repay(std::vector<atlas::Op>::iterator first, std::vector<atlas::Op>::iterator last,
           const std::vector<Loan>& loans, Argv& argv);

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
