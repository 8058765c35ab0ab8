#include "atlas/set_object.h"

#include <charconv>
#include <unordered_set>

#include "atlas/integer.h"
#include "base/assert.h"

namespace helios::atlas {

namespace {

// The text of an intset's value (canonical: parse_int64 gives it back).
std::string_view format_into(char (&buf)[kMaxInt64DecimalBytes], std::int64_t value) {
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  HELIOS_ASSERT(ec == std::errc());
  return {buf, static_cast<std::size_t>(end - buf)};
}

}  // namespace

std::size_t SetObject::size() const {
  return std::visit([](const auto& d) { return size_of(d); }, data_);
}

bool SetObject::contains(std::string_view member) const {
  if (const auto* is = std::get_if<IntSet>(&data_)) {
    const std::optional<std::int64_t> n = parse_int64(member);
    return n.has_value() && is->contains(*n);
  }
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    return lp->find(member) != lp->end();
  }
  return std::get<Boxed<Table>>(data_)->contains(member);
}

bool SetObject::insert(std::string_view member) {
  if (auto* is = std::get_if<IntSet>(&data_)) {
    const std::optional<std::int64_t> n = parse_int64(member);
    if (n.has_value()) {
      if (is->contains(*n)) {
        return false;
      }
      if (is->size() < kSetMaxIntsetEntries) {
        return is->insert(*n);
      }
      convert_to_table();
    } else if (is->empty()) {
      data_ = Listpack();  // a new set whose first member is text
    } else if (is->size() < kSetMaxListpackEntries && member.size() <= kSetMaxListpackValue) {
      convert_to_listpack();
    } else {
      convert_to_table();
    }
  }
  if (auto* lp = std::get_if<Listpack>(&data_)) {
    if (lp->find(member) != lp->end()) {
      return false;
    }
    if (lp->size() < kSetMaxListpackEntries && member.size() <= kSetMaxListpackValue) {
      lp->push_back(member);
      return true;
    }
    convert_to_table();
  }
  return std::get<Boxed<Table>>(data_)->emplace(member).second;
}

bool SetObject::erase(std::string_view member) {
  if (auto* is = std::get_if<IntSet>(&data_)) {
    const std::optional<std::int64_t> n = parse_int64(member);
    return n.has_value() && is->erase(*n);
  }
  if (auto* lp = std::get_if<Listpack>(&data_)) {
    const Listpack::Pos pos = lp->find(member);
    if (pos == lp->end()) {
      return false;
    }
    lp->erase(pos);
    return true;
  }
  Table& t = *std::get<Boxed<Table>>(data_);
  auto it = t.find(member);
  if (it == t.end()) {
    return false;
  }
  t.erase(it);
  return true;
}

void SetObject::for_each(const std::function<void(std::string_view)>& fn) const {
  if (const auto* is = std::get_if<IntSet>(&data_)) {
    char buf[kMaxInt64DecimalBytes];
    for (std::size_t i = 0; i < is->size(); ++i) {
      fn(format_into(buf, is->at(i)));
    }
    return;
  }
  if (const auto* lp = std::get_if<Listpack>(&data_)) {
    for (Listpack::Pos pos = lp->begin(); pos != lp->end(); pos = lp->next(pos)) {
      fn(lp->at(pos));
    }
    return;
  }
  for (const std::string& m : *std::get<Boxed<Table>>(data_)) {
    fn(m);
  }
}

std::vector<std::string_view> SetObject::members(MemberText& text) const {
  std::vector<std::string_view> out;
  out.reserve(size());
  const auto* is = std::get_if<IntSet>(&data_);
  if (is == nullptr) {
    for_each([&](std::string_view m) { out.push_back(m); });
    return out;
  }
  std::string& held = text.emplace_back();
  std::vector<std::size_t> ends;
  ends.reserve(is->size());
  for_each([&](std::string_view m) {
    held.append(m);
    ends.push_back(held.size());
  });
  std::size_t start = 0;
  for (std::size_t end : ends) {  // views taken once `held` no longer grows
    out.push_back(std::string_view(held).substr(start, end - start));
    start = end;
  }
  return out;
}

std::string_view SetObject::encoding() const {
  if (std::holds_alternative<IntSet>(data_)) {
    return "intset";
  }
  return compact() ? "listpack" : "hashtable";
}

void SetObject::convert_to_listpack() {
  const auto& is = std::get<IntSet>(data_);
  HELIOS_ASSERT(is.size() <= kSetMaxListpackEntries);
  Listpack lp;
  for_each([&](std::string_view m) { lp.push_back(m); });
  data_ = std::move(lp);
}

void SetObject::convert_to_table() {
  if (!compact()) {
    return;
  }
  Table t;
  t.reserve(size());
  for_each([&](std::string_view m) { t.emplace(m); });
  data_ = Boxed<Table>(std::move(t));
}

void SetObject::check_invariants() const {
  if (const auto* is = std::get_if<IntSet>(&data_)) {
    is->check_invariants();
    HELIOS_ASSERT(is->size() <= kSetMaxIntsetEntries);
    return;
  }
  const auto* lp = std::get_if<Listpack>(&data_);
  if (lp == nullptr) {
    return;
  }
  HELIOS_ASSERT(lp->size() <= kSetMaxListpackEntries);
  std::unordered_set<std::string_view> seen;
  for_each([&](std::string_view m) {
    HELIOS_ASSERT(m.size() <= kSetMaxListpackValue);
    HELIOS_ASSERT(seen.insert(m).second);
  });
}

}  // namespace helios::atlas
