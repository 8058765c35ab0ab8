#pragma once
// Selector: one set of command, key and channel permissions (Redis's aclSelector). A user has
// a root selector (the rules given outside parentheses) and up to kMaxSelectors more
// ("(~k* +get)"); a command runs if any of them allows it.
//
// State, all of it canonical (Redis 7.2's model):
//   - which commands may run: one bit per catalogue id, plus `future`: whether the command
//     rules start from +@all (so commands the catalogue does not know are allowed) or from
//     -@all; plus allowed first-args per command (+select|0), kept in lower case;
//   - the command rules, in order, as given (lower case): "+@read -@string +set
//     +select|0". A new rule first removes the earlier rules of the same command or category
//     (and of that command's subcommands), as Redis's ACLUpdateCommandRules does, so the list
//     stays short and replaying it from the base gives the same bits; encode() stores only
//     the base and the rules, and decode() replays them;
//   - key patterns with their permissions (~p, %R~p, %W~p) or allkeys (~*);
//   - channel patterns (&p) or allchannels (&*): accepted and shown, never checked (Helios
//     has no pub/sub).
//
// apply() takes one rule with Redis's ACLSetSelector semantics and errors. On an error the
// selector may be half-changed: callers apply rules to a copy and drop it on error.
// Bits are sized for the catalogue given at construction; every call must pass that same
// catalogue.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/catalogue.h"
#include "acl/errors.h"
#include "acl/verdict.h"

namespace helios::acl {

// A key pattern's permissions (Redis's ACL_READ_PERMISSION, ACL_WRITE_PERMISSION).
inline constexpr std::uint8_t kPermRead = 1;
inline constexpr std::uint8_t kPermWrite = 2;
inline constexpr std::uint8_t kPermAll = kPermRead | kPermWrite;

struct KeyPattern {
  std::string pattern;
  std::uint8_t perms = kPermAll;

  friend bool operator==(const KeyPattern&, const KeyPattern&) = default;
};

class Selector {
 public:
  // No permissions: -@all, no key pattern, resetchannels (acl-pubsub-default's default).
  explicit Selector(const Catalogue& catalogue);

  RuleError apply(std::string_view rule, const Catalogue& catalogue);

  bool all_keys() const { return all_keys_; }
  bool all_channels() const { return all_channels_; }
  bool future_commands() const { return future_; }
  const std::vector<KeyPattern>& key_patterns() const { return keys_; }
  const std::vector<std::string>& channel_patterns() const { return channels_; }
  const std::vector<std::string>& command_rules() const { return rules_; }
  bool allows_command(Catalogue::Id id) const;

  // Texts, exactly as Redis shows them.
  std::string commands_text() const;  // ACL GETUSER "commands": "+@all -get", "-@all +get"
  std::string keys_text() const;      // ACL GETUSER "keys": "~*", "~a %R~b", ""
  std::string channels_text() const;  // ACL GETUSER "channels": "&*", "&a &b", ""
  // ACL LIST's part for this selector: "~a %R~b resetchannels &c -@all +get".
  std::string describe() const;

  // Redis's ACLSelectorCheckCmd for the command `id` (Catalogue::kNone if unknown).
  struct Outcome {
    Verdict::Kind kind = Verdict::Kind::kAllowed;
    std::size_t key_index = 0;
  };
  Outcome check(const Catalogue& catalogue, Catalogue::Id id,
                std::optional<std::string_view> first_arg, std::span<const std::string_view> keys,
                KeyAccess access, KeyMatcher match) const;

  // Same permissions and rules (for tests and the decoder's checks).
  friend bool operator==(const Selector&, const Selector&) = default;

 private:
  RuleError apply_key_pattern(std::string_view rule);
  RuleError apply_channel_pattern(std::string_view rule);
  RuleError apply_command(std::string_view rule, const Catalogue& catalogue);
  RuleError allow_first_arg(std::string_view rule, const Catalogue& catalogue);
  RuleError apply_category(std::string_view rule, const Catalogue& catalogue);
  // Whether update_rules(_, rule) keeps the list within kMaxCommandRules (checked before
  // anything changes).
  bool rules_fit(std::string_view lower_rule) const;
  // Redis's ACLUpdateCommandRules: drops the rules that `lower_rule` (without its sign)
  // replaces, then appends sign + rule.
  void update_rules(bool allow, std::string_view lower_rule);
  void set_all(bool allow);
  void set_bit(Catalogue::Id id, bool allow);
  // Redis's ACLChangeSelectorPerm: the command, its first-args, and its subcommands.
  void change_perm(const Catalogue& catalogue, Catalogue::Id id, bool allow);

  std::vector<std::uint64_t> bits_;
  bool future_ = false;
  std::map<Catalogue::Id, std::set<std::string>> first_args_;  // a set: order means nothing
  std::vector<std::string> rules_;
  bool all_keys_ = false;
  std::vector<KeyPattern> keys_;
  bool all_channels_ = false;
  std::vector<std::string> channels_;
};

}  // namespace helios::acl
