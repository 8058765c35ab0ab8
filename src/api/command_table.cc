#include "api/command_table.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::api {

namespace {

bool by_name(const CommandSpec& a, const CommandSpec& b) {
  return a.name < b.name;
}

// Redis 7's subcommands of the containers Helios knows (only those it answers), sorted by
// name: a container's are contiguous ("CLIENT|..." before "COMMAND|...").
const std::vector<CommandSpec>& subcommand_table() {
  static const std::vector<CommandSpec> table = [] {
    constexpr Kind C = Kind::kConnection;
    constexpr std::string_view kAdmin = "admin noscript loading stale";
    constexpr std::string_view kPlain = "noscript loading stale";
    std::vector<CommandSpec> v = {
        {"ACL|CAT", -2, C, kPlain},
        {"ACL|DELUSER", -3, C, kAdmin},
        {"ACL|DRYRUN", -4, C, kAdmin},
        {"ACL|GENPASS", -2, C, kPlain},
        {"ACL|GETUSER", 3, C, kAdmin},
        {"ACL|HELP", 2, C, "loading stale"},
        {"ACL|LIST", 2, C, kAdmin},
        {"ACL|LOAD", 2, C, kAdmin},
        {"ACL|LOG", -2, C, kAdmin},
        {"ACL|SAVE", 2, C, kAdmin},
        {"ACL|SETUSER", -3, C, kAdmin},
        {"ACL|USERS", 2, C, kAdmin},
        {"ACL|WHOAMI", 2, C, kPlain},
        {"CLIENT|GETNAME", 2, C, kPlain},
        {"CLIENT|ID", 2, C, kPlain},
        {"CLIENT|INFO", 2, C, kPlain},
        {"CLIENT|LIST", -2, C, kAdmin},
        {"CLIENT|NO-EVICT", 3, C, kAdmin},
        {"CLIENT|NO-TOUCH", 3, C, kPlain},
        {"CLIENT|SETINFO", 4, C, kPlain},
        {"CLIENT|SETNAME", 3, C, kPlain},
        {"COMMAND|COUNT", 2, C, "loading stale"},
        {"COMMAND|DOCS", -2, C, "loading stale"},
        {"COMMAND|INFO", -2, C, "loading stale"},
        {"COMMAND|LIST", -2, C, "loading stale"},
        {"CONFIG|GET", -3, C, kAdmin},
        {"CONFIG|RESETSTAT", 2, C, kAdmin},
        {"CONFIG|SET", -4, C, kAdmin},
        {"LATENCY|HELP", 2, C, "loading stale"},
        {"LATENCY|HISTORY", 3, C, kAdmin},
        {"LATENCY|LATEST", 2, C, kAdmin},
        {"LATENCY|RESET", -2, C, kAdmin},
        {"SLOWLOG|GET", -2, C, "admin loading stale"},
        {"SLOWLOG|HELP", 2, C, "loading stale"},
        {"SLOWLOG|LEN", 2, C, "admin loading stale"},
        {"SLOWLOG|RESET", 2, C, "admin loading stale"},
    };
    std::sort(v.begin(), v.end(), by_name);
    return v;
  }();
  return table;
}

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
      {"ACL", -2, C, "", 0, 0, 0},
      {"COMMAND", -1, C, "loading stale", 0, 0, 0},
      {"CLIENT", -2, C, "", 0, 0, 0},
      {"CONFIG", -2, C, "", 0, 0, 0},
      {"DEBUG", -2, Kind::kDebug, "admin noscript loading stale protected", 0, 0, 0},
      {"INFO", -1, C, "loading stale", 0, 0, 0},
      {"TIME", 1, C, "loading stale fast", 0, 0, 0},
      {"WAIT", 3, C, "noscript", 0, 0, 0},
      {"READONLY", 1, C, "loading stale fast", 0, 0, 0},
      {"READWRITE", 1, C, "loading stale fast", 0, 0, 0},
      // Observability (session_observe.cc): the node's own views, never forwarded.
      {"SLOWLOG", -2, C, "", 0, 0, 0},
      {"LATENCY", -2, C, "", 0, 0, 0},
      {"MONITOR", 1, C, "admin noscript loading stale", 0, 0, 0},
      // Persistence: node-local, never forwarded (the node they are sent to snapshots).
      {"BGSAVE", -1, C, "admin noscript no_async_loading", 0, 0, 0},
      {"SAVE", 1, C, "admin noscript no_async_loading no_multi", 0, 0, 0},
      {"LASTSAVE", 1, C, "loading stale fast", 0, 0, 0},
  };
  std::sort(v.begin(), v.end(), by_name);
  const std::vector<CommandSpec>& subs = subcommand_table();
  for (CommandSpec& spec : v) {
    auto first = std::find_if(subs.begin(), subs.end(), [&](const CommandSpec& s) {
      return s.name.size() > spec.name.size() && s.name.starts_with(spec.name) &&
             s.name[spec.name.size()] == '|';
    });
    auto last = std::find_if(first, subs.end(),
                             [&](const CommandSpec& s) { return !s.name.starts_with(spec.name); });
    spec.subcommands = std::span<const CommandSpec>(first, last);
  }
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

const CommandSpec* find_subcommand(const CommandSpec& container, std::string_view upper_sub) {
  for (const CommandSpec& sub : container.subcommands) {
    if (sub.name.substr(container.name.size() + 1) == upper_sub) {
      return &sub;
    }
  }
  return nullptr;
}

const CommandSpec* find_command_or_subcommand(std::string_view upper_name) {
  const std::size_t bar = upper_name.find('|');
  const CommandSpec* spec = find_command(upper_name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) {
    return spec;
  }
  return find_subcommand(*spec, upper_name.substr(bar + 1));
}

std::size_t command_rows() {
  return all_commands().size() + subcommand_table().size();
}

std::size_t command_row(const CommandSpec& spec) {
  const std::vector<CommandSpec>& top = all_commands();
  if (&spec >= top.data() && &spec < top.data() + top.size()) {
    return static_cast<std::size_t>(&spec - top.data());
  }
  const std::vector<CommandSpec>& subs = subcommand_table();
  HELIOS_ASSERT(&spec >= subs.data() && &spec < subs.data() + subs.size());
  return top.size() + static_cast<std::size_t>(&spec - subs.data());
}

const CommandSpec& command_at_row(std::size_t row) {
  const std::vector<CommandSpec>& top = all_commands();
  return row < top.size() ? top[row] : subcommand_table().at(row - top.size());
}

bool arity_ok(const CommandSpec& spec, std::size_t argc) {
  const long n = static_cast<long>(argc);
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

}  // namespace helios::api
