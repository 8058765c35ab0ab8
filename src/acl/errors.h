#pragma once
// Why a rule (an ACL SETUSER modifier) was refused, and Redis's exact texts.
//
// Every Status this library returns carries, as its message, the whole error line Redis
// would send, without the leading '-' ("ERR Error in ACL SETUSER modifier 'foo': Syntax
// error"): the server writes '-' + message + "\r\n". The strings marked "verified" were
// checked against redis-server 7.0.15 on the build machine; 7.2 has the same ones.

#include <cstdint>
#include <string>
#include <string_view>

namespace helios::acl {

enum class RuleError : std::uint8_t {
  kNone = 0,
  kSyntax,              // EINVAL: "Syntax error"
  kUnknownName,         // ENOENT: unknown command or category
  kKeyAfterAllKeys,     // EEXIST: ~pattern after ~* / allkeys
  kChannelAfterAll,     // EISDIR: &pattern after &* / allchannels
  kNoSuchPassword,      // ENODEV: <password or !hash not set
  kBadHash,             // EBADMSG: #hash / !hash not 64 lowercase hex digits
  kSubcommandFirstArg,  // ECHILD: +config|get|x
  // Helios's limits (limits.h); Redis has none.
  kTooManyPasswords,
  kTooManySelectors,
  kTooManyKeyPatterns,
  kTooManyChannelPatterns,
  kPatternTooLong,
  kTooManyCommandRules,
  kTooManyFirstArgs,
  kFirstArgTooLong,
  kRuleTooLong,
};

// Redis's ACLSetUserStringError text for `error` (verified for every Redis one), or
// Helios's for a limit.
std::string rule_error_text(RuleError error);
// "ERR Error in ACL SETUSER modifier '<rule>': <text>" (verified). A rule longer than
// kMaxRuleBytes is cut, with "...", rather than echoed whole.
std::string setuser_error(std::string_view rule, RuleError error);

// Verified texts of the replies the server builds around the registry.
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthWithoutPassword =
    "ERR AUTH <password> called without any password configured for the default user. Are "
    "you sure your configuration is correct?";
inline constexpr std::string_view kDefaultCannotBeRemoved =
    "ERR The 'default' user cannot be removed";
inline constexpr std::string_view kBadUserName =
    "ERR Usernames can't contain spaces or null characters";

}  // namespace helios::acl
