#pragma once
// User: one ACL user (Redis 7.2's `user`): its name, on/off, nopass, the payload-sanitizing
// flag (kept and shown only: Helios has no RESTORE), its password hashes in the order they
// were added, and its selectors (the root one first).
//
// apply() takes one rule with Redis's ACLSetUser semantics: on, off, nopass, resetpass,
// >password, <password, #hash, !hash, sanitize-payload, skip-sanitize-payload, (selector),
// clearselectors, reset, and any selector rule (applied to the root selector). An empty rule
// does nothing. On an error the user may be half-changed: callers (Users) apply rules to a
// copy and drop it on error, so that SETUSER is all or nothing.
//
// Users own their User objects; the server sees them as `const User&`.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/catalogue.h"
#include "acl/errors.h"
#include "acl/password.h"
#include "acl/selector.h"

namespace helios::acl {

// ACL GETUSER's reply, field by field (Redis's order): the server renders it as a map.
struct SelectorInfo {
  std::string commands;  // "-@all +get"
  std::string keys;      // "~*", "~a %R~b", or "" for none
  std::string channels;  // "&*", "&a &b", or "" for none
};

struct UserInfo {
  std::vector<std::string> flags;       // "on"/"off", "nopass", "[skip-]sanitize-payload"
  std::vector<std::string> passwords;   // 64 hex digits each
  SelectorInfo root;                    // the "commands", "keys", "channels" fields
  std::vector<SelectorInfo> selectors;  // the "selectors" field (not the root one)
};

class User {
 public:
  // A new user, as Redis 7.2 creates one: off, sanitize-payload, no password (and not
  // nopass, so nobody can log in), and a root selector with no permission.
  User(std::string name, const Catalogue& catalogue);
  // The `default` user of a server without requirepass: on nopass ~* &*
  // +@all.
  static User make_default(const Catalogue& catalogue);

  RuleError apply(std::string_view rule, const Catalogue& catalogue);
  // Adds a selector made of `rules` (the body of a "(...)" rule, split), or fails with the
  // first rule's error, changing nothing.
  RuleError add_selector(std::span<const std::string> rules, const Catalogue& catalogue);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  bool skip_sanitize_payload() const { return skip_sanitize_; }
  // sanitize-payload was set explicitly (a rule or reset): shown as Redis 7.0 shows it.
  bool sanitize_payload_set() const { return sanitize_; }
  const std::vector<PasswordHash>& passwords() const { return passwords_; }
  // The root selector first, then the others in the order they were added.
  std::span<const Selector> selectors() const { return selectors_; }

  // The user's flags, in Redis's order: "on" or "off", "nopass", then
  // "skip-sanitize-payload" or "sanitize-payload".
  std::vector<std::string> flags() const;
  // The ACL LIST line: "user default on nopass ~* &* +@all".
  std::string describe() const;
  UserInfo info() const;

  friend bool operator==(const User&, const User&) = default;

 private:
  Selector& root() { return selectors_.front(); }
  RuleError add_password(std::string_view rule);
  RuleError remove_password(std::string_view rule);

  std::string name_;
  bool enabled_ = false;
  bool nopass_ = false;
  bool skip_sanitize_ = false;
  bool sanitize_ = false;
  std::vector<PasswordHash> passwords_;
  std::vector<Selector> selectors_;
};

}  // namespace helios::acl
