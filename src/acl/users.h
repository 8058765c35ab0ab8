#pragma once
// Users: the ACL registry of one node (Redis's Users rax and its ACL commands), a pure value:
// no clock, no I/O, no thread of its own. The server applies every change (ACL SETUSER,
// DELUSER, requirepass) on every replica in log order, so replicas hold the same registry,
// and snapshots it with encode() / decode().
//
// Semantics are Redis 7.2's (ACL LIST format, rule-order-preserving command rules, new users
// flagged sanitize-payload); redis-server 7.0.15 (on the build machine) was used to verify
// errors and behaviours, and differs only where its ACL LIST rebuilds command rules from
// bitmaps over its own full command table (see README.md).
//
// Threads: not thread-safe; one owner thread (the server's loop) uses it.
//
// References: find() returns a `const User&` that stays valid (and sees later changes to
// that user) until the user is deleted or the registry is assigned or destroyed. A session
// should keep the user's name and look it up per command (O(log users)).
//
// Limits (limits.h): at most kMaxUsers users, names of at most kMaxUserNameBytes bytes, and
// per user kMaxPasswords passwords, kMaxSelectors selectors, kMaxKeyPatterns key patterns,
// kMaxChannelPatterns channel patterns of kMaxPatternBytes, kMaxCommandRules command rules,
// kMaxFirstArgs first-args of kMaxFirstArgBytes per command, rules of kMaxRuleBytes, an
// encoded user of kMaxUserBytes, and kMaxEncodedBytes for the whole registry.

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/catalogue.h"
#include "acl/user.h"
#include "acl/verdict.h"
#include "base/status.h"

namespace helios::acl {

class Users {
 public:
  // A registry with only the `default` user (on nopass ~* &* +@all), as
  // Redis starts without requirepass or aclfile. `catalogue` must not be null.
  explicit Users(std::shared_ptr<const Catalogue> catalogue);

  // ACL SETUSER name rules...: creates the user if needed (off, no permission), then applies
  // the rules in order. All or nothing: on an error nothing changes and the status carries
  // Redis's error line: "ERR Error in ACL SETUSER modifier '<rule>': <why>", "ERR Usernames
  // can't contain spaces or null characters", "ERR Unmatched parenthesis in acl selector
  // starting at '<arg>'.", or a limit's. Selector rules split over several arguments
  // ("(~k*", "+get)") are joined first, as Redis joins them.
  Status setuser(std::string_view name, std::span<const std::string> rules);
  // ACL DELUSER: how many of `names` existed and were deleted; refused, deleting nothing,
  // if one of them is `default` ("ERR The 'default' user cannot be removed").
  Result<std::size_t> deluser(std::span<const std::string> names);
  // ACL GETUSER: the user's fields, or nothing (Redis replies a null).
  std::optional<UserInfo> getuser(std::string_view name) const;
  // The user named `name`, or nullptr.
  const User* find(std::string_view name) const;
  // ACL LIST: one line per user, sorted by name (bytewise, as Redis's rax).
  std::vector<std::string> list() const;
  // ACL USERS: the names, sorted.
  std::vector<std::string> usernames() const;
  // ACL SAVE's file: the ACL LIST lines, each ended by "\n" (parse_aclfile reads it back).
  std::string aclfile() const;
  std::size_t size() const { return users_.size(); }

  // CONFIG SET requirepass: the default user's passwords become exactly `password`
  // (Redis's resetpass then >password), or nopass if it is empty. Fails only on a
  // password longer than kMaxRuleBytes, changing nothing.
  Status set_requirepass(std::string_view password);

  // AUTH / HELLO AUTH: true if `user` exists, is on, and is nopass or has a password whose
  // SHA-256 is `password`'s. An unknown user, a disabled one and a wrong password all give
  // false after the same work: one SHA-256, and kMaxPasswords constant-time comparisons.
  bool authenticate(std::string_view user, std::string_view password) const;

  // May `user` (from this registry) run `command` (any case; a container's subcommand is
  // found from `first_arg`: "CONFIG" + "GET" is checked as config|get) with `first_arg` (the
  // argument after the name, if any) on `keys`, each needing `access`? Redis's
  // ACLCheckAllUserCommandPerm: allowed if any selector allows it; otherwise the verdict of
  // the most relevant refusal (a key refusal over a command one, the last key refused).
  // Commands flagged no_auth are always allowed; commands the catalogue does not know only
  // by selectors built from +@all. `match` is Redis's glob (atlas::glob_match).
  Verdict check(const User& user, std::string_view command,
                std::optional<std::string_view> first_arg, std::span<const std::string_view> keys,
                KeyAccess access, KeyMatcher match) const;

  // The canonical binary form (codec.cc: magic, version, length, body, XXH3 checksum):
  // equal registries encode to equal bytes. decode() is strict: it accepts only what
  // encode() produces (anything else, including corruption, a newer version, a rule naming
  // a command `catalogue` does not know, or a crossed limit, is kCorruption), never asserts,
  // and allocates no more than the input's size justifies.
  std::string encode() const;
  static Result<Users> decode(std::string_view bytes, std::shared_ptr<const Catalogue> catalogue);

  // ACL LOAD: Redis's aclfile format, "user <name> <rules...>" per line, blank lines
  // allowed, no comments (a '#' line is an error, as in Redis). All or nothing: on errors
  // the status is "ERR " + Redis's error list ("<file>:<line>: <why>. " per problem) +
  // "WARNING: ACL errors detected, no change to the previously active ACL rules was
  // performed". A file without `default` gets the default one.
  static Result<Users> parse_aclfile(std::string_view text,
                                     std::shared_ptr<const Catalogue> catalogue,
                                     std::string_view filename = "users.acl");

  const Catalogue& catalogue() const { return *catalogue_; }

  friend bool operator==(const Users& a, const Users& b) { return a.users_ == b.users_; }

 private:
  struct Empty {};
  Users(std::shared_ptr<const Catalogue> catalogue, Empty);
  // Replaces or adds `user`, if it keeps within the size limits.
  Status commit(User user);

  std::shared_ptr<const Catalogue> catalogue_;
  std::map<std::string, User, std::less<>> users_;
  std::size_t encoded_bytes_ = 0;  // the sum of the users' encoded sizes
};

}  // namespace helios::acl
