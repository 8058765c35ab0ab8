#include "atlas/set_object.h"

#include <unordered_set>

#include "atlas/integer.h"
#include "base/assert.h"

namespace helios::atlas {

namespace {

bool is_integer(std::string_view member) {
  return parse_int64(member).has_value();
}

}  // namespace

std::size_t SetObject::size() const {
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    return lp->size();
  }
  return std::get<Table>(data_).size();
}

bool SetObject::contains(std::string_view member) const {
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    return lp->find(member) != lp->end();
  }
  return std::get<Table>(data_).contains(member);
}

bool SetObject::insert(std::string_view member) {
  if (auto* lp = std::get_if<Listpack>(&data_)) {
    if (lp->find(member) != lp->end()) {
      return false;
    }
    const std::size_t after = lp->size() + 1;
    const bool fits = (after <= kSetMaxListpackEntries && member.size() <= kSetMaxListpackValue) ||
                      (after <= kSetMaxIntsetEntries && is_integer(member) && all_integers());
    if (fits) {
      lp->push_back(member);
      return true;
    }
    convert_to_table();
  }
  return std::get<Table>(data_).emplace(member).second;
}

bool SetObject::erase(std::string_view member) {
  if (auto* lp = std::get_if<Listpack>(&data_)) {
    const Listpack::Pos pos = lp->find(member);
    if (pos == lp->end()) {
      return false;
    }
    lp->erase(pos);
    return true;
  }
  Table& t = std::get<Table>(data_);
  auto it = t.find(member);
  if (it == t.end()) {
    return false;
  }
  t.erase(it);
  return true;
}

void SetObject::for_each(const std::function<void(std::string_view)>& fn) const {
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    for (Listpack::Pos pos = lp->begin(); pos != lp->end(); pos = lp->next(pos)) {
      fn(lp->at(pos));
    }
    return;
  }
  for (const std::string& m : std::get<Table>(data_)) {
    fn(m);
  }
}

std::vector<std::string_view> SetObject::members() const {
  std::vector<std::string_view> out;
  out.reserve(size());
  for_each([&](std::string_view m) { out.push_back(m); });
  return out;
}

std::string_view SetObject::encoding() const {
  if (!compact()) {
    return "hashtable";
  }
  return all_integers() ? "intset" : "listpack";
}

bool SetObject::all_integers() const {
  bool all = true;
  for_each([&](std::string_view m) { all = all && is_integer(m); });
  return all;
}

void SetObject::convert_to_table() {
  if (!compact()) {
    return;
  }
  Table t;
  t.reserve(size());
  for_each([&](std::string_view m) { t.emplace(m); });
  data_ = std::move(t);
}

void SetObject::check_invariants() const {
  const auto* lp = std::get_if<Listpack>(&data_);
  if (lp == nullptr) {
    return;
  }
  bool short_members = true;
  std::unordered_set<std::string_view> seen;
  for_each([&](std::string_view m) {
    short_members = short_members && m.size() <= kSetMaxListpackValue;
    HELIOS_ASSERT(seen.insert(m).second);
  });
  HELIOS_ASSERT((short_members && lp->size() <= kSetMaxListpackEntries) ||
                (all_integers() && lp->size() <= kSetMaxIntsetEntries));
}

}  // namespace helios::atlas
