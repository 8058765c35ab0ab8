#pragma once
// SetObject: the value of a set key (SADD, SMEMBERS...), in one of two representations that
// the set commands never see (issue 14's memory goal, after Redis's set encodings):
//   - compact: one Listpack of the members, while the set has at most
//     kSetMaxListpackEntries members of at most kSetMaxListpackValue bytes each, or, when
//     every member is a canonical int64 (Redis's intset), at most kSetMaxIntsetEntries;
//     lookups are linear scans;
//   - table: a hash set.
// A change that would break the compact limits converts the set to a table first; a table
// never converts back (as Redis). OBJECT ENCODING: "intset" for a compact set of integers,
// "listpack" for another compact set (Redis 7.0 holds those in a hash table; 7.2 in a
// listpack, as here), "hashtable".
//
// Rules (check_invariants asserts them): a compact set respects its limits and holds no
// member twice. The representation depends on the set's history, so nothing observable may
// depend on it: the commands order members canonically (obj_set.h), never by a
// representation's order. Views stay valid until the next change. Thread rules: none.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "atlas/hash_object.h"
#include "atlas/listpack.h"

namespace helios::atlas {

inline constexpr std::size_t kSetMaxListpackEntries = 128;
inline constexpr std::size_t kSetMaxListpackValue = 64;
inline constexpr std::size_t kSetMaxIntsetEntries = 512;

class SetObject {
 public:
  using Table = std::unordered_set<std::string, StringHash, std::equal_to<>>;

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  bool contains(std::string_view member) const;
  // Adds `member`; true if it is new.
  bool insert(std::string_view member);
  // Removes `member`; true if it was there.
  bool erase(std::string_view member);
  // Calls fn(member) for every member, in the representation's order.
  void for_each(const std::function<void(std::string_view)>& fn) const;
  // The members in the representation's order (callers put them in the canonical order).
  std::vector<std::string_view> members() const;

  bool compact() const { return std::holds_alternative<Listpack>(data_); }
  // "intset", "listpack" or "hashtable" (OBJECT ENCODING; file comment).
  std::string_view encoding() const;
  // Makes it a table now (the limits do it by themselves; tests force it).
  void convert_to_table();
  void check_invariants() const;

 private:
  // Whether every member is a canonical int64.
  bool all_integers() const;

  std::variant<Listpack, Table> data_;
};

}  // namespace helios::atlas
