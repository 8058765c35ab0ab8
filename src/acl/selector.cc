#include "acl/selector.h"

#include <algorithm>

#include "acl/ascii.h"
#include "acl/limits.h"

namespace helios::acl {

namespace {

// The byte at `i`, or NUL past the end (Redis reads its rules as C strings).
char at(std::string_view s, std::size_t i) {
  return i < s.size() ? s[i] : '\0';
}

// Whether the new rule `lower_rule` (without its sign) replaces the kept rule `existing`
// (with its sign): the same name, or a subcommand or first-arg of it ("config|get" is
// replaced by "config").
bool replaces(std::string_view lower_rule, std::string_view existing) {
  const std::string_view name = existing.substr(1);
  return name == lower_rule || (name.size() > lower_rule.size() && name.starts_with(lower_rule) &&
                                name[lower_rule.size()] == '|');
}

std::string pattern_text(const KeyPattern& p) {
  const std::string_view prefix =
      p.perms == kPermAll ? "~" : (p.perms == kPermRead ? "%R~" : "%W~");
  return std::string(prefix) + p.pattern;
}

}  // namespace

Selector::Selector(const Catalogue& catalogue) : bits_((catalogue.size() + 63) / 64, 0) {}

bool Selector::allows_command(Catalogue::Id id) const {
  return id / 64 < bits_.size() && ((bits_[id / 64] >> (id % 64)) & 1) != 0;
}

void Selector::set_bit(Catalogue::Id id, bool allow) {
  const std::uint64_t bit = std::uint64_t{1} << (id % 64);
  if (allow) {
    bits_.at(id / 64) |= bit;
  } else {
    bits_.at(id / 64) &= ~bit;
  }
}

void Selector::set_all(bool allow) {
  std::fill(bits_.begin(), bits_.end(), allow ? ~std::uint64_t{0} : 0);
  future_ = allow;
  first_args_.clear();
  rules_.clear();
}

void Selector::change_perm(const Catalogue& catalogue, Catalogue::Id id, bool allow) {
  set_bit(id, allow);
  first_args_.erase(id);
  for (Catalogue::Id sub : catalogue.subcommands(id)) {
    set_bit(sub, allow);
  }
}

bool Selector::rules_fit(std::string_view lower_rule) const {
  const auto kept = std::count_if(rules_.begin(), rules_.end(),
                                  [&](const std::string& r) { return !replaces(lower_rule, r); });
  return static_cast<std::size_t>(kept) < kMaxCommandRules;
}

void Selector::update_rules(bool allow, std::string_view lower_rule) {
  std::erase_if(rules_, [&](const std::string& r) { return replaces(lower_rule, r); });
  rules_.push_back((allow ? "+" : "-") + std::string(lower_rule));
}

RuleError Selector::apply(std::string_view rule, const Catalogue& catalogue) {
  // Keywords, commands and categories are read as C strings, as Redis reads them; patterns
  // keep every byte (a NUL in one is refused).
  const std::string_view text = rule.substr(0, rule.find('\0'));
  if (iequals(text, "allkeys") || text == "~*") {
    all_keys_ = true;
    keys_.clear();
  } else if (iequals(text, "resetkeys")) {
    all_keys_ = false;
    keys_.clear();
  } else if (iequals(text, "allchannels") || text == "&*") {
    all_channels_ = true;
    channels_.clear();
  } else if (iequals(text, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
  } else if (iequals(text, "allcommands") || iequals(text, "+@all")) {
    set_all(true);
  } else if (iequals(text, "nocommands") || iequals(text, "-@all")) {
    set_all(false);
  } else if (at(rule, 0) == '~' || at(rule, 0) == '%') {
    return apply_key_pattern(rule);
  } else if (at(rule, 0) == '&') {
    return apply_channel_pattern(rule);
  } else if ((at(text, 0) == '+' || at(text, 0) == '-') && at(text, 1) != '@') {
    return apply_command(text, catalogue);
  } else if ((at(text, 0) == '+' || at(text, 0) == '-') && at(text, 1) == '@') {
    return apply_category(text, catalogue);
  } else {
    return RuleError::kSyntax;
  }
  return RuleError::kNone;
}

RuleError Selector::apply_key_pattern(std::string_view rule) {
  if (all_keys_) {
    return RuleError::kKeyAfterAllKeys;
  }
  std::uint8_t perms = 0;
  std::size_t offset = 1;
  if (rule[0] == '%') {
    bool ok = true;
    for (; offset < rule.size(); ++offset) {
      const char c = ascii_lower(rule[offset]);
      if (c == 'r' && (perms & kPermRead) == 0) {
        perms |= kPermRead;
      } else if (c == 'w' && (perms & kPermWrite) == 0) {
        perms |= kPermWrite;
      } else if (c == '~') {
        ++offset;
        break;
      } else {
        ok = false;
        break;
      }
    }
    if (perms == 0 || !ok) {
      return RuleError::kSyntax;
    }
  } else {
    perms = kPermAll;
  }
  const std::string_view pattern = rule.substr(offset);
  if (has_space_or_nul(pattern)) {
    return RuleError::kSyntax;
  }
  if (pattern.size() > kMaxPatternBytes) {
    return RuleError::kPatternTooLong;
  }
  auto it = std::find_if(keys_.begin(), keys_.end(),
                         [&](const KeyPattern& k) { return k.pattern == pattern; });
  if (it != keys_.end()) {
    it->perms |= perms;
  } else if (keys_.size() >= kMaxKeyPatterns) {
    return RuleError::kTooManyKeyPatterns;
  } else {
    keys_.push_back(KeyPattern{std::string(pattern), perms});
  }
  all_keys_ = false;
  return RuleError::kNone;
}

RuleError Selector::apply_channel_pattern(std::string_view rule) {
  if (all_channels_) {
    return RuleError::kChannelAfterAll;
  }
  const std::string_view pattern = rule.substr(1);
  if (has_space_or_nul(pattern)) {
    return RuleError::kSyntax;
  }
  if (pattern.size() > kMaxPatternBytes) {
    return RuleError::kPatternTooLong;
  }
  if (std::find(channels_.begin(), channels_.end(), pattern) == channels_.end()) {
    if (channels_.size() >= kMaxChannelPatterns) {
      return RuleError::kTooManyChannelPatterns;
    }
    channels_.emplace_back(pattern);
  }
  all_channels_ = false;
  return RuleError::kNone;
}

RuleError Selector::apply_command(std::string_view rule, const Catalogue& catalogue) {
  const bool allow = rule[0] == '+';
  if (allow && rule.find('|') != std::string_view::npos) {
    return allow_first_arg(rule, catalogue);
  }
  const Catalogue::Id id = catalogue.find(rule.substr(1));
  if (id == Catalogue::kNone) {
    return RuleError::kUnknownName;
  }
  const std::string& name = catalogue.name(id);
  if (!rules_fit(name)) {
    return RuleError::kTooManyCommandRules;
  }
  change_perm(catalogue, id, allow);
  update_rules(allow, name);
  return RuleError::kNone;
}

// "+name|sub": a subcommand of a container, or else an allowed first argument of a command
// (Redis's ACLSetSelector, '+' with a '|', split at the last '|').
RuleError Selector::allow_first_arg(std::string_view rule, const Catalogue& catalogue) {
  const std::string_view name = rule.substr(1);
  const std::size_t bar = name.rfind('|');
  const std::string_view sub = name.substr(bar + 1);
  const Catalogue::Id id = catalogue.find(name.substr(0, bar));
  if (id == Catalogue::kNone) {
    return RuleError::kUnknownName;
  }
  if (catalogue.parent(id) != Catalogue::kNone) {
    return RuleError::kSubcommandFirstArg;
  }
  if (sub.empty()) {
    return RuleError::kSyntax;
  }
  const std::string lower = ascii_lower(name);
  if (!catalogue.subcommands(id).empty()) {
    const Catalogue::Id full = catalogue.find(name);
    if (full == Catalogue::kNone) {
      return RuleError::kUnknownName;
    }
    if (!rules_fit(lower)) {
      return RuleError::kTooManyCommandRules;
    }
    change_perm(catalogue, full, true);
  } else {
    // Helios refuses white space in a first-arg (Redis takes it, and then writes an ACL
    // LIST line that does not load back).
    if (has_space_or_nul(sub)) {
      return RuleError::kSyntax;
    }
    if (sub.size() > kMaxFirstArgBytes) {
      return RuleError::kFirstArgTooLong;
    }
    const std::string lower_sub = ascii_lower(sub);
    auto found = first_args_.find(id);
    const bool known = found != first_args_.end() && found->second.contains(lower_sub);
    if (!known && found != first_args_.end() && found->second.size() >= kMaxFirstArgs) {
      return RuleError::kTooManyFirstArgs;
    }
    if (!rules_fit(lower)) {
      return RuleError::kTooManyCommandRules;
    }
    first_args_[id].insert(lower_sub);
  }
  update_rules(true, lower);
  return RuleError::kNone;
}

RuleError Selector::apply_category(std::string_view rule, const Catalogue& catalogue) {
  const bool allow = rule[0] == '+';
  const std::optional<CategoryBits> category = category_by_name(rule.substr(2));
  if (!category) {
    return RuleError::kUnknownName;
  }
  const std::string lower = ascii_lower(rule.substr(1));
  if (!rules_fit(lower)) {
    return RuleError::kTooManyCommandRules;
  }
  update_rules(allow, lower);
  for (Catalogue::Id id = 0; id < catalogue.size(); ++id) {
    if ((catalogue.categories(id) & *category) != 0) {
      change_perm(catalogue, id, allow);
    }
  }
  return RuleError::kNone;
}

std::string Selector::commands_text() const {
  std::string out = future_ ? "+@all" : "-@all";
  for (const std::string& rule : rules_) {
    out += ' ';
    out += rule;
  }
  return out;
}

std::string Selector::keys_text() const {
  if (all_keys_) {
    return "~*";
  }
  std::string out;
  for (const KeyPattern& p : keys_) {
    out += out.empty() ? "" : " ";
    out += pattern_text(p);
  }
  return out;
}

std::string Selector::channels_text() const {
  if (all_channels_) {
    return "&*";
  }
  std::string out;
  for (const std::string& c : channels_) {
    out += out.empty() ? "&" : " &";
    out += c;
  }
  return out;
}

std::string Selector::describe() const {
  std::string out;
  if (all_keys_) {
    out += "~* ";
  } else {
    for (const KeyPattern& p : keys_) {
      out += pattern_text(p) + " ";
    }
  }
  if (all_channels_) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (const std::string& c : channels_) {
      out += "&" + c + " ";
    }
  }
  return out + commands_text();
}

Selector::Outcome Selector::check(const Catalogue& catalogue, Catalogue::Id id,
                                  std::optional<std::string_view> first_arg,
                                  std::span<const std::string_view> keys, KeyAccess access,
                                  KeyMatcher match) const {
  bool command_ok = false;
  if (id == Catalogue::kNone) {
    command_ok = future_;  // a command the catalogue does not know: only from +@all
  } else if (catalogue.no_auth(id) || allows_command(id)) {
    command_ok = true;
  } else if (first_arg) {
    auto it = first_args_.find(id);
    command_ok = it != first_args_.end() &&
                 std::any_of(it->second.begin(), it->second.end(),
                             [&](const std::string& arg) { return iequals(arg, *first_arg); });
  }
  if (!command_ok) {
    return Outcome{Verdict::Kind::kDeniedCommand, 0};
  }
  if (all_keys_) {
    return Outcome{};
  }
  const auto needed = static_cast<std::uint8_t>(access);
  for (std::size_t j = 0; j < keys.size(); ++j) {
    const bool ok = std::any_of(keys_.begin(), keys_.end(), [&](const KeyPattern& p) {
      return (p.perms & needed) == needed && match(p.pattern, keys[j]);
    });
    if (!ok) {
      return Outcome{Verdict::Kind::kDeniedKey, j};
    }
  }
  return Outcome{};
}

}  // namespace helios::acl
