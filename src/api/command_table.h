#pragma once
// The commands the client port knows, with what Redis's COMMAND reports about them (arity,
// flags, key positions) and how Helios runs them (Kind). Lookup is by upper-case name.
//
// Arity as in Redis: N > 0 means exactly N arguments counting the name; -N means at least N.

#include <cstdint>
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
};

// The spec of `upper_name`, or nullptr.
const CommandSpec* find_command(std::string_view upper_name);
const std::vector<CommandSpec>& all_commands();
// True if `argc` (arguments counting the name) satisfies the spec's arity.
bool arity_ok(const CommandSpec& spec, std::size_t argc);

}  // namespace helios::api
