#include "api/command_table.h"

#include <algorithm>

namespace helios::api {

namespace {

std::vector<CommandSpec> build() {
  constexpr Kind D = Kind::kData;
  constexpr Kind C = Kind::kConnection;
  constexpr Kind T = Kind::kTransaction;
  std::vector<CommandSpec> v = {
      // Reads.
      {"GET", 2, D, "readonly fast", 1, 1, 1},
      {"MGET", -2, D, "readonly fast", 1, -1, 1},
      {"STRLEN", 2, D, "readonly fast", 1, 1, 1},
      {"GETRANGE", 4, D, "readonly", 1, 1, 1},
      {"SUBSTR", 4, D, "readonly", 1, 1, 1},
      {"EXISTS", -2, D, "readonly fast", 1, -1, 1},
      {"TTL", 2, D, "readonly fast", 1, 1, 1},
      {"PTTL", 2, D, "readonly fast", 1, 1, 1},
      {"EXPIRETIME", 2, D, "readonly fast", 1, 1, 1},
      {"PEXPIRETIME", 2, D, "readonly fast", 1, 1, 1},
      {"TYPE", 2, D, "readonly fast", 1, 1, 1},
      {"DBSIZE", 1, D, "readonly fast", 0, 0, 0},
      {"KEYS", 2, Kind::kKeys, "readonly", 0, 0, 0},
      {"SCAN", -2, Kind::kKeys, "readonly", 0, 0, 0},
      // Writes.
      {"SET", -3, D, "write denyoom", 1, 1, 1},
      {"SETNX", 3, D, "write denyoom fast", 1, 1, 1},
      {"SETEX", 4, D, "write denyoom", 1, 1, 1},
      {"PSETEX", 4, D, "write denyoom", 1, 1, 1},
      {"GETSET", 3, D, "write denyoom fast", 1, 1, 1},
      {"GETDEL", 2, D, "write fast", 1, 1, 1},
      {"GETEX", -2, D, "write fast", 1, 1, 1},
      {"MSET", -3, D, "write denyoom", 1, -1, 2},
      {"MSETNX", -3, D, "write denyoom", 1, -1, 2},
      {"APPEND", 3, D, "write denyoom fast", 1, 1, 1},
      {"SETRANGE", 4, D, "write denyoom", 1, 1, 1},
      {"DEL", -2, D, "write", 1, -1, 1},
      {"UNLINK", -2, D, "write fast", 1, -1, 1},
      {"RENAME", 3, D, "write", 1, 2, 1},
      {"RENAMENX", 3, D, "write fast", 1, 2, 1},
      {"EXPIRE", -3, D, "write fast", 1, 1, 1},
      {"PEXPIRE", -3, D, "write fast", 1, 1, 1},
      {"EXPIREAT", -3, D, "write fast", 1, 1, 1},
      {"PEXPIREAT", -3, D, "write fast", 1, 1, 1},
      {"PERSIST", 2, D, "write fast", 1, 1, 1},
      {"INCR", 2, D, "write denyoom fast", 1, 1, 1},
      {"DECR", 2, D, "write denyoom fast", 1, 1, 1},
      {"INCRBY", 3, D, "write denyoom fast", 1, 1, 1},
      {"DECRBY", 3, D, "write denyoom fast", 1, 1, 1},
      {"INCRBYFLOAT", 3, D, "write denyoom fast", 1, 1, 1},
      {"FLUSHDB", -1, D, "write", 0, 0, 0},
      {"FLUSHALL", -1, D, "write", 0, 0, 0},
      // Transactions.
      {"MULTI", 1, T, "noscript loading stale fast", 0, 0, 0},
      {"EXEC", 1, T, "noscript loading stale skip_slowlog", 0, 0, 0},
      {"DISCARD", 1, T, "noscript loading stale fast", 0, 0, 0},
      {"WATCH", -2, T, "noscript loading stale fast", 1, -1, 1},
      {"UNWATCH", 1, T, "noscript loading stale fast", 0, 0, 0},
      // The connection and the server.
      {"PING", -1, C, "fast", 0, 0, 0},
      {"ECHO", 2, C, "fast", 0, 0, 0},
      {"HELLO", -1, C, "noscript loading stale fast no_auth", 0, 0, 0},
      {"QUIT", -1, C, "noscript loading stale fast no_auth", 0, 0, 0},
      {"RESET", 1, C, "noscript loading stale fast no_auth", 0, 0, 0},
      {"SELECT", 2, C, "loading stale fast", 0, 0, 0},
      {"AUTH", -2, C, "noscript loading stale fast no_auth", 0, 0, 0},
      {"COMMAND", -1, C, "loading stale", 0, 0, 0},
      {"CLIENT", -2, C, "loading stale", 0, 0, 0},
      {"CONFIG", -2, C, "admin noscript loading stale", 0, 0, 0},
      {"DEBUG", -2, Kind::kDebug, "admin noscript loading stale protected", 0, 0, 0},
      {"INFO", -1, C, "loading stale", 0, 0, 0},
      {"TIME", 1, C, "loading stale fast", 0, 0, 0},
      {"WAIT", 3, C, "noscript", 0, 0, 0},
      {"READONLY", 1, C, "loading stale fast", 0, 0, 0},
      {"READWRITE", 1, C, "loading stale fast", 0, 0, 0},
      // Persistence: node-local, never forwarded (the node they are sent to snapshots).
      {"BGSAVE", -1, C, "admin noscript no_async_loading", 0, 0, 0},
      {"SAVE", 1, C, "admin noscript no_async_loading no_multi", 0, 0, 0},
      {"LASTSAVE", 1, C, "loading stale fast", 0, 0, 0},
  };
  std::sort(v.begin(), v.end(),
            [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
  return v;
}

}  // namespace

const std::vector<CommandSpec>& all_commands() {
  static const std::vector<CommandSpec> table = build();
  return table;
}

const CommandSpec* find_command(std::string_view upper_name) {
  const std::vector<CommandSpec>& t = all_commands();
  auto it = std::lower_bound(t.begin(), t.end(), upper_name,
                             [](const CommandSpec& s, std::string_view n) { return s.name < n; });
  return it != t.end() && it->name == upper_name ? &*it : nullptr;
}

bool arity_ok(const CommandSpec& spec, std::size_t argc) {
  const long n = static_cast<long>(argc);
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

}  // namespace helios::api
