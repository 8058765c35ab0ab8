#pragma once
// Catalogue: the commands an ACL can name (+get, -config|set, +@string) and check, with their
// categories. The server builds one from its command table (categories from
// categories_for()) and gives it to the Users registry; the ACL library knows no command of
// its own.
//
// Names are matched case-insensitively and kept in lower case, as Redis shows them ("get",
// "config|get"). A subcommand is named "parent|sub"; its parent (a "container") must be in
// the same list. Every command has an id, its index in the list given to the constructor;
// a Selector keeps one bit per id.
//
// Contract: the list is programmer input, so a malformed one (empty or duplicate name, a
// name with white space, more than one '|', a subcommand without its parent, more than
// kMaxCommands entries) is a bug and aborts (HELIOS_ASSERT). Immutable once built: one
// Catalogue may be shared by any number of registries and threads.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/category.h"

namespace helios::acl {

struct CommandRef {
  std::string_view name;  // any case; a subcommand as "parent|sub" ("CONFIG|GET")
  CategoryBits categories = 0;
  // Redis's no_auth flag (AUTH, HELLO, QUIT, RESET): every user may run it, whatever its
  // rules say (Redis's ACLSelectorCheckCmd skips the command check for these).
  bool no_auth = false;
};

class Catalogue {
 public:
  using Id = std::uint32_t;
  static constexpr Id kNone = UINT32_MAX;

  explicit Catalogue(std::span<const CommandRef> commands);

  std::size_t size() const { return entries_.size(); }
  // The command named `name` ("GET", "config|get"; any case), or kNone. Like Redis's
  // ACLLookupCommand: "a|b" is found only if a is a container with a subcommand b.
  Id find(std::string_view name) const;
  // The subcommand `sub` (any case) of the container `parent`, or kNone.
  Id find_subcommand(Id parent, std::string_view sub) const;

  const std::string& name(Id id) const { return entries_.at(id).name; }  // lower case
  CategoryBits categories(Id id) const { return entries_.at(id).categories; }
  bool no_auth(Id id) const { return entries_.at(id).no_auth; }
  Id parent(Id id) const { return entries_.at(id).parent; }  // kNone for a top-level one
  std::span<const Id> subcommands(Id id) const { return entries_.at(id).subcommands; }

  // ACL CAT <category>: the names of the commands (and subcommands) in `category`, in
  // catalogue order.
  std::vector<std::string_view> in_category(CategoryBits category) const;

 private:
  struct Entry {
    std::string name;
    CategoryBits categories = 0;
    bool no_auth = false;
    Id parent = kNone;
    std::vector<Id> subcommands;
  };

  std::vector<Entry> entries_;
  std::vector<Id> by_name_;  // ids sorted by name
};

}  // namespace helios::acl
