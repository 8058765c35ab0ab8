#include "acl/catalogue.h"

#include <algorithm>

#include "acl/ascii.h"
#include "acl/limits.h"
#include "base/assert.h"

namespace helios::acl {

namespace {

// Compares `a` (lower case) with `b` (any case) as if `b` were lower case.
int compare_icase(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(ascii_lower(b[i]));
    if (ca != cb) {
      return ca < cb ? -1 : 1;
    }
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

}  // namespace

Catalogue::Catalogue(std::span<const CommandRef> commands) {
  HELIOS_ASSERT(commands.size() <= kMaxCommands);
  entries_.reserve(commands.size());
  for (const CommandRef& ref : commands) {
    HELIOS_ASSERT(!ref.name.empty() && !has_space_or_nul(ref.name));
    HELIOS_ASSERT(std::count(ref.name.begin(), ref.name.end(), '|') <= 1);
    entries_.push_back(Entry{ascii_lower(ref.name), ref.categories, ref.no_auth, kNone, {}});
  }
  by_name_.resize(entries_.size());
  for (Id id = 0; id < entries_.size(); ++id) {
    by_name_[id] = id;
  }
  std::sort(by_name_.begin(), by_name_.end(),
            [&](Id a, Id b) { return entries_[a].name < entries_[b].name; });
  for (std::size_t i = 1; i < by_name_.size(); ++i) {
    HELIOS_ASSERT(entries_[by_name_[i - 1]].name != entries_[by_name_[i]].name);
  }
  for (Id id = 0; id < entries_.size(); ++id) {
    const std::string& name = entries_[id].name;
    const std::size_t bar = name.find('|');
    if (bar == std::string::npos) {
      continue;
    }
    HELIOS_ASSERT(bar > 0 && bar + 1 < name.size());
    const Id parent = find(std::string_view(name).substr(0, bar));
    HELIOS_ASSERT(parent != kNone);
    entries_[id].parent = parent;
    entries_[parent].subcommands.push_back(id);
  }
}

Catalogue::Id Catalogue::find(std::string_view name) const {
  auto it = std::lower_bound(
      by_name_.begin(), by_name_.end(), name,
      [&](Id id, std::string_view n) { return compare_icase(entries_[id].name, n) < 0; });
  return it != by_name_.end() && compare_icase(entries_[*it].name, name) == 0 ? *it : kNone;
}

Catalogue::Id Catalogue::find_subcommand(Id parent, std::string_view sub) const {
  const std::size_t prefix = entries_.at(parent).name.size() + 1;
  for (Id id : entries_[parent].subcommands) {
    if (compare_icase(std::string_view(entries_[id].name).substr(prefix), sub) == 0) {
      return id;
    }
  }
  return kNone;
}

std::vector<std::string_view> Catalogue::in_category(CategoryBits category) const {
  std::vector<std::string_view> out;
  for (const Entry& e : entries_) {
    if ((e.categories & category) != 0) {
      out.push_back(e.name);
    }
  }
  return out;
}

}  // namespace helios::acl
