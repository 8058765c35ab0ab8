#pragma once
// A Catalogue of the commands Helios answers (src/api/command_table.cc: names and Redis
// flags) plus ACL and its subcommands, for the ACL tests and acl_fuzz, with the categories
// redis-server 7.0.15 reports for each in COMMAND INFO (verified on the build machine;
// CLIENT|NO-TOUCH and CLIENT|SETINFO are 7.2's and come from its command JSON files).
#include <memory>
#include <string_view>
#include <vector>

#include "acl/catalogue.h"
#include "acl/category.h"

namespace helios::acl::acltest {

struct CommandRow {
  std::string_view name;
  std::string_view flags;             // Redis's flags, as in the command table
  std::string_view redis_categories;  // COMMAND INFO's ACL categories
};

inline const std::vector<CommandRow>& command_rows() {
  static const std::vector<CommandRow> rows = {
      {"GET", "readonly fast", "@read @string @fast"},
      {"MGET", "readonly fast", "@read @string @fast"},
      {"STRLEN", "readonly fast", "@read @string @fast"},
      {"GETRANGE", "readonly", "@read @string @slow"},
      {"SUBSTR", "readonly", "@read @string @slow"},
      {"EXISTS", "readonly fast", "@keyspace @read @fast"},
      {"TTL", "readonly fast", "@keyspace @read @fast"},
      {"PTTL", "readonly fast", "@keyspace @read @fast"},
      {"EXPIRETIME", "readonly fast", "@keyspace @read @fast"},
      {"PEXPIRETIME", "readonly fast", "@keyspace @read @fast"},
      {"TYPE", "readonly fast", "@keyspace @read @fast"},
      {"DBSIZE", "readonly fast", "@keyspace @read @fast"},
      {"KEYS", "readonly", "@keyspace @read @slow @dangerous"},
      {"SCAN", "readonly", "@keyspace @read @slow"},
      {"SET", "write denyoom", "@write @string @slow"},
      {"SETNX", "write denyoom fast", "@write @string @fast"},
      {"SETEX", "write denyoom", "@write @string @slow"},
      {"PSETEX", "write denyoom", "@write @string @slow"},
      {"GETSET", "write denyoom fast", "@write @string @fast"},
      {"GETDEL", "write fast", "@write @string @fast"},
      {"GETEX", "write fast", "@write @string @fast"},
      {"MSET", "write denyoom", "@write @string @slow"},
      {"MSETNX", "write denyoom", "@write @string @slow"},
      {"APPEND", "write denyoom fast", "@write @string @fast"},
      {"SETRANGE", "write denyoom", "@write @string @slow"},
      {"DEL", "write", "@keyspace @write @slow"},
      {"UNLINK", "write fast", "@keyspace @write @fast"},
      {"RENAME", "write", "@keyspace @write @slow"},
      {"RENAMENX", "write fast", "@keyspace @write @fast"},
      {"EXPIRE", "write fast", "@keyspace @write @fast"},
      {"PEXPIRE", "write fast", "@keyspace @write @fast"},
      {"EXPIREAT", "write fast", "@keyspace @write @fast"},
      {"PEXPIREAT", "write fast", "@keyspace @write @fast"},
      {"PERSIST", "write fast", "@keyspace @write @fast"},
      {"INCR", "write denyoom fast", "@write @string @fast"},
      {"DECR", "write denyoom fast", "@write @string @fast"},
      {"INCRBY", "write denyoom fast", "@write @string @fast"},
      {"DECRBY", "write denyoom fast", "@write @string @fast"},
      {"INCRBYFLOAT", "write denyoom fast", "@write @string @fast"},
      {"FLUSHDB", "write", "@keyspace @write @slow @dangerous"},
      {"FLUSHALL", "write", "@keyspace @write @slow @dangerous"},
      {"MULTI", "noscript loading stale fast", "@fast @transaction"},
      {"EXEC", "noscript loading stale skip_slowlog", "@slow @transaction"},
      {"DISCARD", "noscript loading stale fast", "@fast @transaction"},
      {"WATCH", "noscript loading stale fast", "@fast @transaction"},
      {"UNWATCH", "noscript loading stale fast", "@fast @transaction"},
      {"PING", "fast", "@fast @connection"},
      {"ECHO", "fast", "@fast @connection"},
      {"HELLO", "noscript loading stale fast no_auth", "@fast @connection"},
      {"QUIT", "noscript loading stale fast no_auth", "@fast @connection"},
      {"RESET", "noscript loading stale fast no_auth", "@fast @connection"},
      {"SELECT", "loading stale fast", "@fast @connection"},
      {"AUTH", "noscript loading stale fast no_auth", "@fast @connection"},
      {"COMMAND", "loading stale", "@slow @connection"},
      {"CLIENT", "", "@slow"},
      {"CONFIG", "", "@slow"},
      {"DEBUG", "admin noscript loading stale protected", "@admin @slow @dangerous"},
      {"INFO", "loading stale", "@slow @dangerous"},
      {"TIME", "loading stale fast", "@fast"},
      {"WAIT", "noscript", "@slow @connection"},
      {"READONLY", "loading stale fast", "@fast @connection"},
      {"READWRITE", "loading stale fast", "@fast @connection"},
      {"SLOWLOG", "", "@slow"},
      {"LATENCY", "", "@slow"},
      {"MONITOR", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"BGSAVE", "admin noscript no_async_loading", "@admin @slow @dangerous"},
      {"SAVE", "admin noscript no_async_loading no_multi", "@admin @slow @dangerous"},
      {"LASTSAVE", "loading stale fast", "@admin @fast @dangerous"},
      {"ACL", "", "@slow"},
      {"ACL|CAT", "noscript loading stale", "@slow"},
      {"ACL|DELUSER", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|DRYRUN", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|GENPASS", "noscript loading stale", "@slow"},
      {"ACL|GETUSER", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|LIST", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|LOAD", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|LOG", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|SAVE", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|SETUSER", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|USERS", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"ACL|WHOAMI", "noscript loading stale", "@slow"},
      {"CLIENT|GETNAME", "noscript loading stale", "@slow @connection"},
      {"CLIENT|ID", "noscript loading stale", "@slow @connection"},
      {"CLIENT|INFO", "noscript loading stale", "@slow @connection"},
      {"CLIENT|LIST", "admin noscript loading stale", "@admin @slow @dangerous @connection"},
      {"CLIENT|NO-EVICT", "admin noscript loading stale", "@admin @slow @dangerous @connection"},
      {"CLIENT|NO-TOUCH", "noscript loading stale", "@slow @connection"},
      {"CLIENT|SETINFO", "noscript loading stale", "@slow @connection"},
      {"CLIENT|SETNAME", "noscript loading stale", "@slow @connection"},
      {"COMMAND|COUNT", "loading stale", "@slow @connection"},
      {"COMMAND|DOCS", "loading stale", "@slow @connection"},
      {"COMMAND|INFO", "loading stale", "@slow @connection"},
      {"COMMAND|LIST", "loading stale", "@slow @connection"},
      {"CONFIG|GET", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"CONFIG|RESETSTAT", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"CONFIG|SET", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"LATENCY|HELP", "loading stale", "@slow"},
      {"LATENCY|HISTORY", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"LATENCY|LATEST", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"LATENCY|RESET", "admin noscript loading stale", "@admin @slow @dangerous"},
      {"SLOWLOG|GET", "admin loading stale", "@admin @slow @dangerous"},
      {"SLOWLOG|HELP", "loading stale", "@slow"},
      {"SLOWLOG|LEN", "admin loading stale", "@admin @slow @dangerous"},
      {"SLOWLOG|RESET", "admin loading stale", "@admin @slow @dangerous"},
  };
  return rows;
}

inline std::shared_ptr<const Catalogue> test_catalogue() {
  static const std::shared_ptr<const Catalogue> catalogue = [] {
    std::vector<CommandRef> refs;
    for (const CommandRow& row : command_rows()) {
      refs.push_back(CommandRef{row.name, categories_for(row.name, row.flags),
                                row.flags.find("no_auth") != std::string_view::npos});
    }
    return std::make_shared<const Catalogue>(refs);
  }();
  return catalogue;
}

inline bool glob_rest(std::string_view pattern, std::string_view key) {
  if (pattern.empty()) {
    return key.empty();
  }
  if (pattern[0] == '*') {
    for (std::size_t i = 0; i <= key.size(); ++i) {
      if (glob_rest(pattern.substr(1), key.substr(i))) {
        return true;
      }
    }
    return false;
  }
  return !key.empty() && (pattern[0] == '?' || pattern[0] == key[0]) &&
         glob_rest(pattern.substr(1), key.substr(1));
}

// Redis's glob for the tests, enough for '*' and '?' (the server passes atlas::glob_match).
// As in Redis's stringmatchlen, a nonempty pattern never matches the empty key.
inline bool test_glob(std::string_view pattern, std::string_view key) {
  return key.empty() ? pattern.empty() : glob_rest(pattern, key);
}

}  // namespace helios::acl::acltest
