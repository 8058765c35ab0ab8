#include "acl/users.h"

#include <algorithm>
#include <array>

#include "acl/ascii.h"
#include "acl/codec.h"
#include "acl/errors.h"
#include "acl/limits.h"
#include "acl/split_args.h"
#include "base/assert.h"

namespace helios::acl {

namespace {

Status invalid(std::string message) {
  return Status(Code::kInvalidArgument, std::move(message));
}

std::string limit_error(std::string_view what, std::size_t limit) {
  return "ERR " + std::string(what) + " (the limit is " + std::to_string(limit) + ")";
}

}  // namespace

Users::Users(std::shared_ptr<const Catalogue> catalogue, Empty) : catalogue_(std::move(catalogue)) {
  HELIOS_ASSERT(catalogue_ != nullptr);
}

Users::Users(std::shared_ptr<const Catalogue> catalogue) : Users(std::move(catalogue), Empty{}) {
  HELIOS_ASSERT(commit(User::make_default(*catalogue_)).is_ok());
}

Status Users::commit(User user) {
  const std::size_t size = encoded_size(user);
  if (size > kMaxUserBytes) {
    return invalid(limit_error("ACL user too large once encoded, in bytes", kMaxUserBytes));
  }
  auto it = users_.find(user.name());
  const std::size_t old_size = it == users_.end() ? 0 : encoded_size(it->second);
  if (encoded_bytes_ - old_size + size > kMaxEncodedBytes) {
    return invalid(limit_error("ACL users too large once encoded, in bytes", kMaxEncodedBytes));
  }
  encoded_bytes_ = encoded_bytes_ - old_size + size;
  if (it != users_.end()) {
    it->second = std::move(user);
  } else {
    std::string name = user.name();
    users_.emplace(std::move(name), std::move(user));
  }
  return Status::ok();
}

Status Users::setuser(std::string_view name, std::span<const std::string> rules) {
  if (has_space_or_nul(name)) {
    return invalid(std::string(kBadUserName));
  }
  if (name.size() > kMaxUserNameBytes) {
    return invalid(limit_error("ACL user name too long, in bytes", kMaxUserNameBytes));
  }
  std::size_t open_at = 0;
  const std::optional<std::vector<std::string>> merged = merge_selector_args(rules, &open_at);
  if (!merged) {
    return invalid("ERR Unmatched parenthesis in acl selector starting at '" + rules[open_at] +
                   "'.");
  }
  auto it = users_.find(name);
  if (it == users_.end() && users_.size() >= kMaxUsers) {
    return invalid(limit_error("Too many ACL users", kMaxUsers));
  }
  User user = it != users_.end() ? it->second : User(std::string(name), *catalogue_);
  for (const std::string& rule : *merged) {
    if (const RuleError error = user.apply(rule, *catalogue_); error != RuleError::kNone) {
      return invalid(setuser_error(rule, error));
    }
  }
  return commit(std::move(user));
}

Result<std::size_t> Users::deluser(std::span<const std::string> names) {
  if (std::find(names.begin(), names.end(), "default") != names.end()) {
    return invalid(std::string(kDefaultCannotBeRemoved));
  }
  std::size_t deleted = 0;
  for (const std::string& name : names) {
    auto it = users_.find(name);
    if (it != users_.end()) {
      encoded_bytes_ -= encoded_size(it->second);
      users_.erase(it);
      ++deleted;
    }
  }
  return deleted;
}

std::optional<UserInfo> Users::getuser(std::string_view name) const {
  const User* user = find(name);
  return user == nullptr ? std::nullopt : std::optional<UserInfo>(user->info());
}

const User* Users::find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

std::vector<std::string> Users::list() const {
  std::vector<std::string> lines;
  lines.reserve(users_.size());
  for (const auto& [name, user] : users_) {
    lines.push_back(user.describe());
  }
  return lines;
}

std::vector<std::string> Users::usernames() const {
  std::vector<std::string> names;
  names.reserve(users_.size());
  for (const auto& [name, user] : users_) {
    names.push_back(name);
  }
  return names;
}

std::string Users::aclfile() const {
  std::string text;
  for (const std::string& line : list()) {
    text += line;
    text += '\n';
  }
  return text;
}

Status Users::set_requirepass(std::string_view password) {
  const User* current = find("default");
  HELIOS_ASSERT(current != nullptr);
  User user = *current;
  HELIOS_ASSERT(user.apply("resetpass", *catalogue_) == RuleError::kNone);
  const std::string rule = password.empty() ? "nopass" : ">" + std::string(password);
  if (const RuleError error = user.apply(rule, *catalogue_); error != RuleError::kNone) {
    return invalid("ERR requirepass: " + rule_error_text(error));
  }
  return commit(std::move(user));
}

bool Users::authenticate(std::string_view user, std::string_view password) const {
  static const PasswordHash kUnused{};
  const PasswordHash hash = hash_password(password);
  const User* found = find(user);
  const std::span<const PasswordHash> stored =
      found != nullptr ? std::span<const PasswordHash>(found->passwords())
                       : std::span<const PasswordHash>();
  // Always kMaxPasswords comparisons, whatever the user and its number of passwords.
  bool matched = false;
  for (std::size_t i = 0; i < kMaxPasswords; ++i) {
    const bool real = i < stored.size();
    const bool equal = hashes_equal(real ? stored[i] : kUnused, hash);
    matched = matched || (real && equal);
  }
  return found != nullptr && found->enabled() && (found->nopass() || matched);
}

Verdict Users::check(const User& user, std::string_view command,
                     std::optional<std::string_view> first_arg,
                     std::span<const std::string_view> keys, KeyAccess access,
                     KeyMatcher match) const {
  Catalogue::Id id = catalogue_->find(command);
  if (id != Catalogue::kNone && !catalogue_->subcommands(id).empty() && first_arg) {
    if (const Catalogue::Id sub = catalogue_->find_subcommand(id, *first_arg);
        sub != Catalogue::kNone) {
      id = sub;
      first_arg.reset();  // first-args are never allowed for subcommands
    }
  }
  Verdict verdict;
  verdict.command = id == Catalogue::kNone ? std::string_view() : catalogue_->name(id);
  verdict.kind = Verdict::Kind::kDeniedCommand;
  for (const Selector& selector : user.selectors()) {
    const Selector::Outcome outcome =
        selector.check(*catalogue_, id, first_arg, keys, access, match);
    if (outcome.kind == Verdict::Kind::kAllowed) {
      verdict.kind = Verdict::Kind::kAllowed;
      verdict.key_index = 0;
      return verdict;
    }
    if (outcome.kind > verdict.kind ||
        (outcome.kind == verdict.kind && outcome.key_index > verdict.key_index)) {
      verdict.kind = outcome.kind;
      verdict.key_index = outcome.key_index;
    }
  }
  return verdict;
}

}  // namespace helios::acl
