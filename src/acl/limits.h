#pragma once
// The named bounds of the ACL model. Redis has none of these; Helios has them so that input
// from a client (ACL SETUSER), an aclfile or a replicated/snapshotted encoding cannot grow
// memory without bound. A rule that would cross one is refused with an error and changes
// nothing (see errors.h for the texts); decode() refuses an encoding that crosses one.

#include <cstddef>

namespace helios::acl {

inline constexpr std::size_t kMaxUsers = 10'000;          // users in one registry
inline constexpr std::size_t kMaxUserNameBytes = 256;     // bytes of a user name
inline constexpr std::size_t kMaxRuleBytes = 64 * 1024;   // bytes of one rule (modifier)
inline constexpr std::size_t kMaxPasswords = 64;          // password hashes per user
inline constexpr std::size_t kMaxSelectors = 16;          // selectors per user, beside the root
inline constexpr std::size_t kMaxKeyPatterns = 256;       // key patterns per selector
inline constexpr std::size_t kMaxChannelPatterns = 256;   // channel patterns per selector
inline constexpr std::size_t kMaxPatternBytes = 1024;     // bytes of one key/channel pattern
inline constexpr std::size_t kMaxCommandRules = 512;      // command rules kept per selector
inline constexpr std::size_t kMaxFirstArgs = 16;          // allowed first-args per command
inline constexpr std::size_t kMaxFirstArgBytes = 128;     // bytes of one first-arg
inline constexpr std::size_t kMaxCommands = 4096;         // commands in a Catalogue
inline constexpr std::size_t kMaxUserBytes = 1 << 20;     // one user's encoded size
inline constexpr std::size_t kMaxEncodedBytes = 4 << 20;  // the registry's encoded size
// (4 MiB: it travels in log entries and snapshots, as atlas::kMaxAclBytes)
inline constexpr std::size_t kAclLogMaxLen = 128;       // Redis's acllog-max-len default
inline constexpr std::size_t kMaxLogFieldBytes = 4096;  // an ACL LOG string (truncated)

}  // namespace helios::acl
