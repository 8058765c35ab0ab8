#pragma once
// Redis's ACL command categories (ACL CAT, +@category rules, COMMAND INFO's ACL categories).
//
// CategoryBits is a bitmask; the bits follow Redis's own order (keyspace first, scripting
// last), which is also the order ACL CAT lists them and COMMAND INFO prints them in.
//
// categories_for() gives a command the categories Redis 7 gives it: the ones implied by its
// flags (Redis's setImplicitACLCategories: write -> @write, readonly -> @read, admin ->
// @admin @dangerous, pubsub -> @pubsub, fast -> @fast, blocking -> @blocking, and @slow for
// every command that ends up without @fast) plus the ones Redis declares per command
// (@string, @keyspace, @connection, @transaction, @dangerous...), known here for every
// command Helios answers (verified against redis-server 7.0.15's COMMAND INFO; Redis 7.2 is
// the same for these commands).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace helios::acl {

using CategoryBits = std::uint32_t;

enum Category : CategoryBits {
  kKeyspace = 1u << 0,
  kRead = 1u << 1,
  kWrite = 1u << 2,
  kSet = 1u << 3,
  kSortedSet = 1u << 4,
  kList = 1u << 5,
  kHash = 1u << 6,
  kString = 1u << 7,
  kBitmap = 1u << 8,
  kHyperLogLog = 1u << 9,
  kGeo = 1u << 10,
  kStream = 1u << 11,
  kPubSub = 1u << 12,
  kAdmin = 1u << 13,
  kFast = 1u << 14,
  kSlow = 1u << 15,
  kBlocking = 1u << 16,
  kDangerous = 1u << 17,
  kConnection = 1u << 18,
  kTransaction = 1u << 19,
  kScripting = 1u << 20,
};

inline constexpr std::size_t kCategoryCount = 21;

// The category named `name` (without '@', any case), or nothing. "all" is not a category
// (the rules +@all / -@all are handled apart, as in Redis).
std::optional<CategoryBits> category_by_name(std::string_view name);
// Every category's name, in Redis's order (ACL CAT without argument).
std::span<const std::string_view> category_names();
// "@read @string @fast": the categories in `bits`, in Redis's order, as COMMAND INFO shows
// them (space separated; empty for none).
std::string category_tags(CategoryBits bits);
// Redis's reply to ACL CAT with an unknown category: "ERR Unknown category '<name>'" (the
// name cut at 128 bytes, as Redis's %.128s does).
std::string unknown_category_error(std::string_view name);

// The categories Redis 7 gives the command `name` (any case; a subcommand as "CONFIG|GET")
// whose Redis flags are `redis_flags` (space separated, as in api::CommandSpec::flags:
// "write denyoom fast").
CategoryBits categories_for(std::string_view name, std::string_view redis_flags);

}  // namespace helios::acl
