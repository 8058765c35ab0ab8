#include "acl/category.h"

#include <algorithm>
#include <array>

#include "acl/ascii.h"

namespace helios::acl {

namespace {

constexpr std::array<std::string_view, kCategoryCount> kNames = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

// The categories Redis declares per command (its JSON files' "acl_categories"), for the
// commands Helios answers. Verified with COMMAND INFO against redis-server 7.0.15.
struct Declared {
  std::string_view name;  // upper case
  CategoryBits bits;
};

constexpr CategoryBits kKeyspaceDangerous = kKeyspace | kDangerous;

constexpr std::array kDeclared = {
    // Strings.
    Declared{"APPEND", kString},
    Declared{"DECR", kString},
    Declared{"DECRBY", kString},
    Declared{"GET", kString},
    Declared{"GETDEL", kString},
    Declared{"GETEX", kString},
    Declared{"GETRANGE", kString},
    Declared{"GETSET", kString},
    Declared{"INCR", kString},
    Declared{"INCRBY", kString},
    Declared{"INCRBYFLOAT", kString},
    Declared{"MGET", kString},
    Declared{"MSET", kString},
    Declared{"MSETNX", kString},
    Declared{"PSETEX", kString},
    Declared{"SET", kString},
    Declared{"SETEX", kString},
    Declared{"SETNX", kString},
    Declared{"SETRANGE", kString},
    Declared{"STRLEN", kString},
    Declared{"SUBSTR", kString},
    // The keyspace.
    Declared{"COPY", kKeyspace},
    Declared{"DBSIZE", kKeyspace},
    Declared{"DEL", kKeyspace},
    Declared{"EXISTS", kKeyspace},
    Declared{"EXPIRE", kKeyspace},
    Declared{"EXPIREAT", kKeyspace},
    Declared{"EXPIRETIME", kKeyspace},
    Declared{"FLUSHALL", kKeyspaceDangerous},
    Declared{"FLUSHDB", kKeyspaceDangerous},
    Declared{"KEYS", kKeyspaceDangerous},
    Declared{"OBJECT", kKeyspace},
    Declared{"PERSIST", kKeyspace},
    Declared{"PEXPIRE", kKeyspace},
    Declared{"PEXPIREAT", kKeyspace},
    Declared{"PEXPIRETIME", kKeyspace},
    Declared{"PTTL", kKeyspace},
    Declared{"RANDOMKEY", kKeyspace},
    Declared{"RENAME", kKeyspace},
    Declared{"RENAMENX", kKeyspace},
    Declared{"SCAN", kKeyspace},
    Declared{"TOUCH", kKeyspace},
    Declared{"TTL", kKeyspace},
    Declared{"TYPE", kKeyspace},
    Declared{"UNLINK", kKeyspace},
    // Transactions.
    Declared{"DISCARD", kTransaction},
    Declared{"EXEC", kTransaction},
    Declared{"MULTI", kTransaction},
    Declared{"UNWATCH", kTransaction},
    Declared{"WATCH", kTransaction},
    // The connection and the server.
    Declared{"AUTH", kConnection},
    Declared{"COMMAND", kConnection},
    Declared{"ECHO", kConnection},
    Declared{"HELLO", kConnection},
    Declared{"INFO", kDangerous},
    Declared{"LASTSAVE", kAdmin | kDangerous},
    Declared{"PING", kConnection},
    Declared{"QUIT", kConnection},
    Declared{"READONLY", kConnection},
    Declared{"READWRITE", kConnection},
    Declared{"RESET", kConnection},
    Declared{"SELECT", kConnection},
    Declared{"WAIT", kConnection},
};

// The collection commands (atlas/objects.h rows), by type: Redis declares each @hash, @list,
// @set or @sortedset.
constexpr std::string_view kHashCommands[] = {
    "HDEL",  "HEXISTS", "HGET",  "HGETALL", "HINCRBY", "HINCRBYFLOAT", "HKEYS",      "HLEN",
    "HMGET", "HMSET",   "HSCAN", "HSET",    "HSETNX",  "HSTRLEN",      "HRANDFIELD", "HVALS"};
constexpr std::string_view kListCommands[] = {
    "BLMOVE", "BLMPOP", "BLPOP", "BRPOP",     "BRPOPLPUSH", "LINDEX", "LINSERT", "LLEN",
    "LMOVE",  "LMPOP",  "LPOP",  "LPOS",      "LPUSH",      "LPUSHX", "LRANGE",  "LREM",
    "LSET",   "LTRIM",  "RPOP",  "RPOPLPUSH", "RPUSH",      "RPUSHX"};
constexpr std::string_view kSetCommands[] = {
    "SADD",        "SCARD",     "SDIFF",    "SDIFFSTORE", "SINTER",     "SINTERCARD",
    "SINTERSTORE", "SISMEMBER", "SMEMBERS", "SMISMEMBER", "SMOVE",      "SPOP",
    "SRANDMEMBER", "SREM",      "SSCAN",    "SUNION",     "SUNIONSTORE"};
constexpr std::string_view kSortedSetCommands[] = {
    "BZMPOP",         "BZPOPMAX",        "BZPOPMIN",
    "ZADD",           "ZCARD",           "ZCOUNT",
    "ZDIFF",          "ZDIFFSTORE",      "ZINCRBY",
    "ZINTER",         "ZINTERCARD",      "ZINTERSTORE",
    "ZLEXCOUNT",      "ZMPOP",           "ZMSCORE",
    "ZPOPMAX",        "ZPOPMIN",         "ZRANDMEMBER",
    "ZRANGE",         "ZRANGEBYLEX",     "ZRANGEBYSCORE",
    "ZRANGESTORE",    "ZRANK",           "ZREM",
    "ZREMRANGEBYLEX", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE",
    "ZREVRANGE",      "ZREVRANGEBYLEX",  "ZREVRANGEBYSCORE",
    "ZREVRANK",       "ZSCAN",           "ZSCORE",
    "ZUNION",         "ZUNIONSTORE"};

template <std::size_t N>
bool listed(const std::string_view (&names)[N], std::string_view name) {
  return std::any_of(std::begin(names), std::end(names),
                     [&](std::string_view n) { return iequals(n, name); });
}

// Every subcommand of these containers is @connection in Redis 7 (the containers
// themselves are not).
constexpr std::array<std::string_view, 2> kConnectionContainers = {"CLIENT|", "COMMAND|"};

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

CategoryBits declared_for(std::string_view name) {
  for (const Declared& d : kDeclared) {
    if (iequals(d.name, name)) {
      return d.bits;
    }
  }
  for (std::string_view prefix : kConnectionContainers) {
    if (starts_with_icase(name, prefix)) {
      return kConnection;
    }
  }
  if (listed(kHashCommands, name)) {
    return kHash;
  }
  if (listed(kListCommands, name)) {
    return kList;
  }
  if (listed(kSetCommands, name)) {
    return kSet;
  }
  if (listed(kSortedSetCommands, name)) {
    return kSortedSet;
  }
  return 0;
}

CategoryBits implied_by_flag(std::string_view flag) {
  if (iequals(flag, "write")) {
    return kWrite;
  }
  if (iequals(flag, "readonly")) {
    return kRead;
  }
  if (iequals(flag, "admin")) {
    return kAdmin | kDangerous;
  }
  if (iequals(flag, "pubsub")) {
    return kPubSub;
  }
  if (iequals(flag, "fast")) {
    return kFast;
  }
  if (iequals(flag, "blocking")) {
    return kBlocking;
  }
  return 0;
}

}  // namespace

std::optional<CategoryBits> category_by_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (iequals(kNames[i], name)) {
      return CategoryBits{1} << i;
    }
  }
  return std::nullopt;
}

std::span<const std::string_view> category_names() {
  return kNames;
}

std::string category_tags(CategoryBits bits) {
  std::string out;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if ((bits & (CategoryBits{1} << i)) != 0) {
      out += out.empty() ? "@" : " @";
      out += kNames[i];
    }
  }
  return out;
}

std::string unknown_category_error(std::string_view name) {
  return "ERR Unknown category '" + std::string(name.substr(0, 128)) + "'";
}

CategoryBits categories_for(std::string_view name, std::string_view redis_flags) {
  CategoryBits bits = declared_for(name);
  std::size_t pos = 0;
  while (pos < redis_flags.size()) {
    const std::size_t end = std::min(redis_flags.find(' ', pos), redis_flags.size());
    const std::string_view flag = redis_flags.substr(pos, end - pos);
    // Redis leaves scripting commands out of @read even when they are read-only.
    if (!(iequals(flag, "readonly") && (bits & kScripting) != 0)) {
      bits |= implied_by_flag(flag);
    }
    pos = end + 1;
  }
  if ((bits & kFast) == 0) {
    bits |= kSlow;
  }
  return bits;
}

}  // namespace helios::acl
