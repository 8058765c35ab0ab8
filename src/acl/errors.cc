#include "acl/errors.h"

#include "acl/limits.h"

namespace helios::acl {

namespace {

std::string limit_text(std::string_view what, std::size_t limit) {
  return std::string(what) + " (the limit is " + std::to_string(limit) + ")";
}

}  // namespace

std::string rule_error_text(RuleError error) {
  switch (error) {
    case RuleError::kSyntax:
      return "Syntax error";
    case RuleError::kUnknownName:
      return "Unknown command or category name in ACL";
    case RuleError::kKeyAfterAllKeys:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
             "does not have any effect. Try 'resetkeys' to start with an empty list of "
             "patterns";
    case RuleError::kChannelAfterAll:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
             "and does not have any effect. Try 'resetchannels' to start with an empty list "
             "of channels";
    case RuleError::kNoSuchPassword:
      return "The password you are trying to remove from the user does not exist";
    case RuleError::kBadHash:
      return "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters";
    case RuleError::kSubcommandFirstArg:
      return "Allowing first-arg of a subcommand is not supported";
    case RuleError::kTooManyPasswords:
      return limit_text("Too many passwords for one user", kMaxPasswords);
    case RuleError::kTooManySelectors:
      return limit_text("Too many selectors for one user", kMaxSelectors);
    case RuleError::kTooManyKeyPatterns:
      return limit_text("Too many key patterns in one selector", kMaxKeyPatterns);
    case RuleError::kTooManyChannelPatterns:
      return limit_text("Too many channel patterns in one selector", kMaxChannelPatterns);
    case RuleError::kPatternTooLong:
      return limit_text("Pattern too long", kMaxPatternBytes);
    case RuleError::kTooManyCommandRules:
      return limit_text("Too many command rules in one selector", kMaxCommandRules);
    case RuleError::kTooManyFirstArgs:
      return limit_text("Too many first-args for one command", kMaxFirstArgs);
    case RuleError::kFirstArgTooLong:
      return limit_text("First-arg too long", kMaxFirstArgBytes);
    case RuleError::kRuleTooLong:
      return limit_text("Rule too long", kMaxRuleBytes);
    case RuleError::kNone:
      break;
  }
  return "Wrong format";
}

std::string setuser_error(std::string_view rule, RuleError error) {
  std::string shown(rule.substr(0, kMaxRuleBytes));
  if (rule.size() > kMaxRuleBytes) {
    shown.resize(64);
    shown += "...";
  }
  return "ERR Error in ACL SETUSER modifier '" + shown + "': " + rule_error_text(error);
}

}  // namespace helios::acl
