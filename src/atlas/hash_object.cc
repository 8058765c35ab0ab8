#include "atlas/hash_object.h"

#include <algorithm>
#include <unordered_set>

#include "base/assert.h"

namespace helios::atlas {

namespace {

bool fits(std::string_view s) {
  return s.size() <= kHashMaxListpackValue;
}

}  // namespace

std::size_t HashObject::size() const {
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    return lp->size() / 2;
  }
  return std::get<Boxed<Table>>(data_)->size();
}

std::optional<std::string_view> HashObject::find(std::string_view field) const {
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    const Listpack::Pos pos = lp->find(field, 2);
    if (pos == lp->end()) {
      return std::nullopt;
    }
    return lp->at(lp->next(pos));
  }
  const Table& t = *std::get<Boxed<Table>>(data_);
  auto it = t.find(field);
  if (it == t.end()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

bool HashObject::set(std::string_view field, std::string_view value) {
  if (auto* lp = std::get_if<Listpack>(&data_)) {
    const Listpack::Pos pos = fits(field) && fits(value) ? lp->find(field, 2) : lp->end();
    if (pos != lp->end()) {
      lp->replace(lp->next(pos), value);
      return false;
    }
    if (fits(field) && fits(value) && size() < kHashMaxListpackEntries) {
      lp->push_back(field);
      lp->push_back(value);
      return true;
    }
    convert_to_table();
  }
  Table& t = *std::get<Boxed<Table>>(data_);
  auto it = t.find(field);
  if (it != t.end()) {
    it->second.assign(value);
    return false;
  }
  t.emplace(field, value);
  return true;
}

bool HashObject::erase(std::string_view field) {
  if (auto* lp = std::get_if<Listpack>(&data_)) {
    const Listpack::Pos pos = lp->find(field, 2);
    if (pos == lp->end()) {
      return false;
    }
    lp->erase(pos, 2);
    return true;
  }
  Table& t = *std::get<Boxed<Table>>(data_);
  auto it = t.find(field);
  if (it == t.end()) {
    return false;
  }
  t.erase(it);
  return true;
}

void HashObject::for_each(const std::function<void(std::string_view, std::string_view)>& fn) const {
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    for (Listpack::Pos pos = lp->begin(); pos != lp->end();) {
      const Listpack::Pos value = lp->next(pos);
      fn(lp->at(pos), lp->at(value));
      pos = lp->next(value);
    }
    return;
  }
  for (const auto& [field, value] : *std::get<Boxed<Table>>(data_)) {
    fn(field, value);
  }
}

std::vector<std::string_view> HashObject::fields() const {
  std::vector<std::string_view> out;
  out.reserve(size());
  for_each([&](std::string_view field, std::string_view) { out.push_back(field); });
  std::sort(out.begin(), out.end());
  return out;
}

void HashObject::convert_to_table() {
  const auto* lp = std::get_if<Listpack>(&data_);
  if (lp == nullptr) {
    return;
  }
  Table t;
  t.reserve(size());
  for_each([&](std::string_view field, std::string_view value) { t.emplace(field, value); });
  data_ = Boxed<Table>(std::move(t));
}

void HashObject::check_invariants() const {
  const auto* lp = std::get_if<Listpack>(&data_);
  if (lp == nullptr) {
    return;
  }
  HELIOS_ASSERT(lp->size() % 2 == 0);
  HELIOS_ASSERT(size() <= kHashMaxListpackEntries);
  std::unordered_set<std::string_view> seen;
  for_each([&](std::string_view field, std::string_view value) {
    HELIOS_ASSERT(fits(field) && fits(value));
    HELIOS_ASSERT(seen.insert(field).second);
  });
}

}  // namespace helios::atlas
