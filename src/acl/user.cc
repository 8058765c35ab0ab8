#include "acl/user.h"

#include <algorithm>
#include <optional>

#include "acl/ascii.h"
#include "acl/limits.h"
#include "acl/split_args.h"
#include "base/assert.h"

namespace helios::acl {

namespace {

SelectorInfo selector_info(const Selector& s) {
  return SelectorInfo{s.commands_text(), s.keys_text(), s.channels_text()};
}

// The hash a password rule names: of the password after '>' or '<', or the one after '#'
// or '!' (nothing if that is not a valid hash).
std::optional<PasswordHash> rule_hash(std::string_view rule) {
  if (rule[0] == '>' || rule[0] == '<') {
    return hash_password(rule.substr(1));
  }
  return parse_hash_hex(rule.substr(1));
}

}  // namespace

User::User(std::string name, const Catalogue& catalogue) : name_(std::move(name)) {
  selectors_.emplace_back(catalogue);
}

User User::make_default(const Catalogue& catalogue) {
  User user("default", catalogue);
  for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) {
    HELIOS_ASSERT(user.apply(rule, catalogue) == RuleError::kNone);
  }
  return user;
}

RuleError User::apply(std::string_view rule, const Catalogue& catalogue) {
  if (rule.size() > kMaxRuleBytes) {
    return RuleError::kRuleTooLong;
  }
  if (rule.empty()) {
    return RuleError::kNone;  // Redis: an empty rule is a no-op
  }
  // Keywords are compared as C strings, as Redis compares them (strcasecmp).
  const std::string_view text = rule.substr(0, rule.find('\0'));
  if (iequals(text, "on")) {
    enabled_ = true;
  } else if (iequals(text, "off")) {
    enabled_ = false;
  } else if (iequals(text, "skip-sanitize-payload")) {
    skip_sanitize_ = true;
    sanitize_ = false;
  } else if (iequals(text, "sanitize-payload")) {
    skip_sanitize_ = false;
    sanitize_ = true;
  } else if (iequals(text, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (iequals(text, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (rule[0] == '>' || rule[0] == '#') {
    return add_password(rule);
  } else if (rule[0] == '<' || rule[0] == '!') {
    return remove_password(rule);
  } else if (rule[0] == '(' && rule.back() == ')') {
    // Redis builds an empty selector when the body has unbalanced quotes.
    const std::vector<std::string> rules =
        split_args(rule.substr(1, rule.size() - 2)).value_or(std::vector<std::string>{});
    return add_selector(rules, catalogue);
  } else if (iequals(text, "clearselectors")) {
    selectors_.erase(selectors_.begin() + 1, selectors_.end());
  } else if (iequals(text, "reset")) {
    nopass_ = false;
    passwords_.clear();
    for (std::string_view r : {"resetkeys", "resetchannels", "-@all"}) {
      HELIOS_ASSERT(root().apply(r, catalogue) == RuleError::kNone);
    }
    enabled_ = false;
    skip_sanitize_ = false;
    sanitize_ = true;  // Redis 7.0's reset includes sanitize-payload
    selectors_.erase(selectors_.begin() + 1, selectors_.end());
  } else {
    return root().apply(rule, catalogue);
  }
  return RuleError::kNone;
}

RuleError User::add_selector(std::span<const std::string> rules, const Catalogue& catalogue) {
  if (selectors_.size() > kMaxSelectors) {
    return RuleError::kTooManySelectors;
  }
  Selector selector(catalogue);
  for (const std::string& rule : rules) {
    if (const RuleError error = selector.apply(rule, catalogue); error != RuleError::kNone) {
      return error;
    }
  }
  selectors_.push_back(std::move(selector));
  return RuleError::kNone;
}

RuleError User::add_password(std::string_view rule) {
  const std::optional<PasswordHash> hash = rule_hash(rule);
  if (!hash) {
    return RuleError::kBadHash;
  }
  if (std::find(passwords_.begin(), passwords_.end(), *hash) == passwords_.end()) {
    if (passwords_.size() >= kMaxPasswords) {
      return RuleError::kTooManyPasswords;
    }
    passwords_.push_back(*hash);
  }
  nopass_ = false;
  return RuleError::kNone;
}

RuleError User::remove_password(std::string_view rule) {
  const std::optional<PasswordHash> hash = rule_hash(rule);
  if (!hash) {
    return RuleError::kBadHash;
  }
  auto it = std::find(passwords_.begin(), passwords_.end(), *hash);
  if (it == passwords_.end()) {
    return RuleError::kNoSuchPassword;
  }
  passwords_.erase(it);
  return RuleError::kNone;
}

std::vector<std::string> User::flags() const {
  std::vector<std::string> out = {enabled_ ? "on" : "off"};
  if (nopass_) {
    out.emplace_back("nopass");
  }
  // Redis 7.0 (Debian 12's 7.0.15) shows either flag only once a rule set it (reset sets
  // sanitize-payload); 7.2 always shows one. Helios follows 7.0.
  if (skip_sanitize_) {
    out.emplace_back("skip-sanitize-payload");
  } else if (sanitize_) {
    out.emplace_back("sanitize-payload");
  }
  return out;
}

std::string User::describe() const {
  std::string out = "user " + name_ + " ";
  for (const std::string& flag : flags()) {
    out += flag + " ";
  }
  for (const PasswordHash& hash : passwords_) {
    out += "#" + to_hex(hash) + " ";
  }
  out += selectors_.front().describe();
  for (std::size_t i = 1; i < selectors_.size(); ++i) {
    out += " (" + selectors_[i].describe() + ")";
  }
  return out;
}

UserInfo User::info() const {
  UserInfo info;
  info.flags = flags();
  for (const PasswordHash& hash : passwords_) {
    info.passwords.push_back(to_hex(hash));
  }
  info.root = selector_info(selectors_.front());
  for (std::size_t i = 1; i < selectors_.size(); ++i) {
    info.selectors.push_back(selector_info(selectors_[i]));
  }
  return info;
}

}  // namespace helios::acl
