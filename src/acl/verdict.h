#pragma once
// The answer of a permission check (Users::check) and the texts the server builds from it.
//
// The NOPERM texts are Redis 7.0's (Debian 12's redis-server 7.0.15, which the tests
// compare against): "NOPERM this user has no permissions to run the 'set' command" and
// "NOPERM this user has no permissions to access one of the keys used as arguments" (7.2
// names the user instead). ACL DRYRUN's texts are 7.0's too: "This user has no
// permissions to run the 'del' command", "... to access the 'x' key".

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace helios::acl {

// What a command does to its keys, as Redis's key-spec flags say (ACCESS -> read; INSERT,
// DELETE, UPDATE -> write), for %R~ / %W~ patterns: a key needing kRead passes a %R~ or ~
// pattern, kWrite a %W~ or ~ pattern, kReadWrite only a ~ pattern (or both %R~ and %W~ on
// the same pattern), kNone any pattern.
enum class KeyAccess : std::uint8_t { kNone = 0, kRead = 1, kWrite = 2, kReadWrite = 3 };

// Matches a key against a key pattern with Redis's glob rules (stringmatchlen); the server
// passes atlas::glob_match (acl stays below atlas). Never called for ~* / allkeys.
using KeyMatcher = bool (*)(std::string_view pattern, std::string_view key);

struct Verdict {
  enum class Kind : std::uint8_t { kAllowed, kDeniedCommand, kDeniedKey };
  Kind kind = Kind::kAllowed;
  // The command's lower-case full name, as Redis logs it ("get", "config|set"); from the
  // catalogue, valid while it lives. Empty for a command the catalogue does not know.
  std::string_view command;
  std::size_t key_index = 0;  // kDeniedKey: the index in `keys` of the key refused

  bool allowed() const { return kind == Kind::kAllowed; }
};

// The error line for a refused command, without the leading '-' (the user is not named,
// as in Redis 7.0):
//   "NOPERM this user has no permissions to run the '<command>' command"
//   "NOPERM this user has no permissions to access one of the keys used as arguments"
std::string noperm_error(const Verdict& verdict, std::string_view username);
// ACL DRYRUN's reply for a refusal (a bulk string): "This user has no permissions to run the
// '<command>' command" / "This user has no permissions to access the '<key>' key".
std::string dryrun_denial(const Verdict& verdict, std::string_view username, std::string_view key);

}  // namespace helios::acl
