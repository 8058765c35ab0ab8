#pragma once
// The commands the client port knows, with what Redis's COMMAND reports about them (arity,
// flags, key positions) and how Helios runs them (Kind). Lookup is by upper-case name.
//
// Arity as in Redis: N > 0 means exactly N arguments counting the name; -N means at least N.
//
// Containers (Redis 7): CONFIG, CLIENT, COMMAND, SLOWLOG and LATENCY have subcommands, each
// with its own spec ("CONFIG|GET": arity counting the container's name, flags), as COMMAND
// INFO shows them; INFO commandstats counts them apart ("config|get").

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace helios::api {

enum class Kind : std::uint8_t {
  kData,         // plan.h: a read or a write of the store
  kKeys,         // KEYS, SCAN: a read barrier, then a walk of the store
  kDebug,        // DEBUG DIGEST, DIGEST-VALUE: a read barrier, then the store's digest
  kConnection,   // answered by the node itself (PING, HELLO, CLIENT, INFO, BGSAVE...)
  kTransaction,  // MULTI, EXEC, DISCARD, WATCH, UNWATCH
};

struct CommandSpec {
  std::string_view name;  // upper case
  int arity = 0;
  Kind kind = Kind::kConnection;
  std::string_view flags;  // Redis's flags, space separated: "write denyoom", "readonly fast"
  int first_key = 0;
  int last_key = 0;
  int step = 0;
  // A container's subcommands (names "PARENT|SUB"), else empty.
  std::span<const CommandSpec> subcommands = {};
};

// The spec of `upper_name`, or nullptr.
const CommandSpec* find_command(std::string_view upper_name);
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
