#pragma once
// The commands the client port knows: one row per command (CommandSpec) with everything the
// server needs to run it, and what Redis's COMMAND reports about it. Dispatch is one lookup
// of the upper-case name (a hash map built once), then the row's function:
//   - `plan` (plan.h): a command that becomes ATLAS operations (a read of the store, or a
//     write through the log); the session plans it, the executor plans it again at the
//     leader with the batch's stamp;
//   - `handle`: a command the connection answers itself (PING, AUTH, CLIENT, INFO, MULTI...,
//     session_*.cc). A row may have both (ACL: the session answers it, its changes are
//     planned as replicated AclOps).
// Adding a command is one row (in the rows of its family: plan_strings.cc for the string
// commands, session_rows.cc for the connection's, atlas/obj_*.cc for hashes, lists, sets and
// sorted sets, which plan_objects.cc turns into rows) plus its planner or handler.
//
// Arity as in Redis: N > 0 means exactly N arguments counting the name; -N means at least N.
// Flags are Redis's ("write denyoom fast"): COMMAND INFO shows them, and they decide the
// command's ACL categories (acl::categories_for: @read, @write, @admin, @fast...), SLOWLOG's
// skip_slowlog and LATENCY's fast-command.
//
// Containers (Redis 7): CONFIG, CLIENT, COMMAND, SLOWLOG, LATENCY and ACL have subcommands,
// each with its own row ("CONFIG|GET": arity counting the container's name, flags), as COMMAND
// INFO shows them; INFO commandstats counts them apart ("config|get"). A subcommand with a
// handler runs it; one without runs its container's.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "api/plan.h"
#include "atlas/objects.h"

namespace helios::api {

class Session;

enum class Kind : std::uint8_t {
  kData,         // plan.h: a read or a write of the store
  kKeys,         // KEYS, SCAN: a read barrier, then a walk of the store
  kDebug,        // DEBUG DIGEST, DIGEST-VALUE: a read barrier, then the store's digest
  kConnection,   // answered by the node itself (PING, HELLO, CLIENT, INFO, BGSAVE...)
  kTransaction,  // MULTI, EXEC, DISCARD, WATCH, UNWATCH
};

// The ATLAS operations of a command whose arity was checked (argv[0] is its name as sent);
// relative TTLs count from `now_ms`. Errors: kInvalidArgument, the whole Redis error line.
using Planner = Result<Plan> (*)(PlanArgs& argv, std::uint64_t now_ms);
// A command the connection answers itself, its arity (and subcommand's) checked and the
// client admitted by ACL.
using Handler = void (Session::*)(Argv& argv);

// What a command does when it arrives inside MULTI.
enum class InMulti : std::uint8_t {
  kQueue,         // queued for EXEC (a data command), or refused: not allowed in MULTI
  kRun,           // runs at once (MULTI, EXEC, DISCARD, WATCH, QUIT, RESET)
  kDenyBlocking,  // MONITOR: refused at once, the transaction goes on (as Redis's EXEC does)
};

struct CommandSpec {
  std::string_view name;  // upper case
  int arity = 0;
  Kind kind = Kind::kConnection;
  std::string_view flags;  // Redis's flags, space separated: "write denyoom", "readonly fast"
  int first_key = 0;
  int last_key = 0;
  int step = 0;
  Planner plan = nullptr;
  Handler handle = nullptr;
  InMulti in_multi = InMulti::kQueue;
  // A container's subcommands (names "PARENT|SUB"), else empty.
  std::span<const CommandSpec> subcommands = {};
  // An object command's atlas row (plan_objects.cc), else nullptr: its key positions
  // (atlas::object_key_positions) are the authority for commands that count their keys.
  const atlas::ObjectCommand* object = nullptr;
};

// The rows of each family, in any order (the table sorts them by name).
std::vector<CommandSpec> string_command_rows();      // plan_strings.cc
std::vector<CommandSpec> object_command_rows();      // plan_objects.cc
std::vector<CommandSpec> blocking_command_rows();    // blocking.cc
std::vector<CommandSpec> session_command_rows();     // session_rows.cc
std::vector<CommandSpec> session_subcommand_rows();  // session_rows.cc: "PARENT|SUB"

// The spec of `upper_name`, or nullptr.
const CommandSpec* find_command(std::string_view upper_name);
// Every command, sorted by name (COMMAND's order).
const std::vector<CommandSpec>& all_commands();
// A container's subcommand by its upper-case name ("GET" for CONFIG GET), or nullptr.
const CommandSpec* find_subcommand(const CommandSpec& container, std::string_view upper_sub);
// COMMAND INFO / DOCS: a command or "PARENT|SUB" (upper case), or nullptr.
const CommandSpec* find_command_or_subcommand(std::string_view upper_name);
// Every command and subcommand has a row (0 .. command_rows() - 1), for per-command state:
// the commands in all_commands() order, then the subcommands.
std::size_t command_rows();
std::size_t command_row(const CommandSpec& spec);
const CommandSpec& command_at_row(std::size_t row);
// True if `argc` (arguments counting the name) satisfies the spec's arity.
bool arity_ok(const CommandSpec& spec, std::size_t argc);

}  // namespace helios::api
