#pragma once
// SetObject: the value of a set key (SADD, SMEMBERS...), in one of three representations
// that the set commands never see (issue 14's memory goal, after Redis's set encodings):
//   - intset: an IntSet (sorted 2/4/8-byte integers), while every member is a canonical
//     int64 (parse_int64: the text round-trips) and there are at most kSetMaxIntsetEntries;
//   - listpack: one Listpack of the members, while there are at most kSetMaxListpackEntries
//     of at most kSetMaxListpackValue bytes each; lookups are linear scans;
//   - table: a hash set (boxed: the handle stays 16 bytes).
// A new set is an intset if its first member is an integer, else a listpack. A member that
// does not fit converts the set: an intset to a listpack if the result fits one, else to a
// table; a listpack to a table. A table never converts back, nor a listpack to an intset
// (as Redis). OBJECT ENCODING: "intset", "listpack" (Redis 7.0 holds those in a hash table;
// 7.2 in a listpack, as here), "hashtable".
//
// Rules (check_invariants asserts them): each representation respects its limits; no member
// twice. The representation depends on the set's history, so nothing observable may depend
// on it: the commands order members canonically (obj_set.h), never by a representation's
// order. An intset holds numbers, not text: members() formats them into a MemberText the
// caller keeps while it uses the views; other views point into the set. Every view stays
// valid until the next change of the set (and, for an intset's, while the MemberText lives).
// Thread rules: none.

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "atlas/boxed.h"
#include "atlas/hash_object.h"
#include "atlas/intset.h"
#include "atlas/listpack.h"

namespace helios::atlas {

inline constexpr std::size_t kSetMaxListpackEntries = 128;
inline constexpr std::size_t kSetMaxListpackValue = 64;
inline constexpr std::size_t kSetMaxIntsetEntries = 512;

// The text of an intset's members while views of them are in use (members()): one string
// per call, and a deque never moves its elements, so earlier views stay valid.
using MemberText = std::deque<std::string>;

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
  // Calls fn(member) for every member, in the representation's order; the view lasts for the
  // call only.
  void for_each(const std::function<void(std::string_view)>& fn) const;
  // The members in the representation's order (callers put them in the canonical order); an
  // intset's point into a string added to `text`.
  std::vector<std::string_view> members(MemberText& text) const;

  bool compact() const { return !std::holds_alternative<Boxed<Table>>(data_); }
  // "intset", "listpack" or "hashtable" (OBJECT ENCODING; file comment).
  std::string_view encoding() const;
  // Makes it a table now (the limits do it by themselves; tests force it).
  void convert_to_table();
  void check_invariants() const;

 private:
  // Makes an intset a listpack (it must fit one).
  void convert_to_listpack();

  std::variant<IntSet, Listpack, Boxed<Table>> data_;  // 16 bytes: pointer-sized handles
};

}  // namespace helios::atlas
