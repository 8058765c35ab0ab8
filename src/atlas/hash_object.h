#pragma once
// HashObject: the value of a hash key (HSET, HGET...), in one of two representations that the
// hash commands never see (issue 14's memory goal, after Redis's hash encodings):
//   - compact: one Listpack of fields and values alternating, while the hash has at most
//     kHashMaxListpackEntries fields and every field and value is at most
//     kHashMaxListpackValue bytes (Redis 7.0's hash-max-listpack-entries / -value defaults);
//     lookups are linear scans;
//   - table: a hash table of field -> value.
// A change that would break the compact limits converts the hash to a table first; a table
// never converts back (as Redis). OBJECT ENCODING names them "listpack" and "hashtable".
//
// Rules (check_invariants asserts them): a compact hash respects its limits and holds no
// field twice. Which representation a hash has depends on its history (a replica that loads
// a snapshot makes it compact again when it fits), so nothing observable may depend on it:
// the commands order fields bytewise (fields()), never by a representation's order.
//
// Views returned by find() and fields() and given to for_each() stay valid until the next
// change. Thread rules: none (a plain value type).

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "atlas/boxed.h"
#include "atlas/listpack.h"

namespace helios::atlas {

inline constexpr std::size_t kHashMaxListpackEntries = 128;
inline constexpr std::size_t kHashMaxListpackValue = 64;

// Transparent hashing for containers of std::string looked up by std::string_view.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class HashObject {
 public:
  using Table = std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>;

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  bool contains(std::string_view field) const { return find(field).has_value(); }
  // The value of `field`, if any.
  std::optional<std::string_view> find(std::string_view field) const;
  // Sets `field` to `value`; true if the field is new.
  bool set(std::string_view field, std::string_view value);
  // Removes `field`; true if it was there.
  bool erase(std::string_view field);
  // Calls fn(field, value) for every field, in the representation's order.
  void for_each(const std::function<void(std::string_view, std::string_view)>& fn) const;
  // The fields in bytewise order (the order every reply uses).
  std::vector<std::string_view> fields() const;

  bool compact() const { return std::holds_alternative<Listpack>(data_); }
  // "listpack" or "hashtable" (OBJECT ENCODING).
  std::string_view encoding() const { return compact() ? "listpack" : "hashtable"; }
  // Makes it a table now (the limits do it by themselves; tests force it).
  void convert_to_table();
  void check_invariants() const;

 private:
  std::variant<Listpack, Boxed<Table>> data_;  // 16 bytes: two pointer-sized handles
};

}  // namespace helios::atlas
