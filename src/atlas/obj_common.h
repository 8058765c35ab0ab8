#pragma once
// What the object command families share (atlas/objects.h): Redis's argument parsing and
// reply shapes, so each family file holds only its commands.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/objects.h"
#include "base/prng.h"

namespace helios::atlas {

// "ERR wrong number of arguments for 'hset' command" (the name lower-cased).
std::string wrong_args(std::string_view name);

// True if `arg` equals `upper` (upper case) ignoring ASCII case: Redis's option names.
bool equals_upper(std::string_view arg, std::string_view upper);

// An array of bulk strings.
Reply bulk_array(const std::vector<std::string>& items);
Reply bulk_array(const std::vector<std::string_view>& items);

// HSCAN / SSCAN / ZSCAN key cursor [MATCH pattern] [COUNT count]: args[1] is the cursor.
struct ScanArgs {
  std::uint64_t cursor = 0;
  std::string pattern = "*";
  std::size_t count = 10;
};
// Parses args[1..] as Redis does; on error returns nullopt and sets `error` ("ERR invalid
// cursor", kErrNotInteger, kErrSyntax). Redis's order, which a row must keep: the cursor
// first (check_scan, before the key), then the key (an absent one answers scan_reply(0, {})
// whatever the options), then the options (parse_scan).
std::optional<ScanArgs> parse_scan(const Args& args, std::string* error);
// "" if args[1] is a valid cursor, else "ERR invalid cursor" (for a row's `check`).
std::string check_scan(const Args& args);
// The page of a collection scan: the elements are taken in (scan_hash, element) order, as
// Store::scan takes keys (atlas/scan.h); `members` are the collection's elements.
struct ElementPage {
  std::uint64_t next_cursor = 0;
  std::vector<std::string_view> members;  // views into the collection
};
ElementPage scan_elements(const std::vector<std::string_view>& members, const ScanArgs& scan);
// [cursor, [elements...]] as SCAN replies.
Reply scan_reply(std::uint64_t next_cursor, std::vector<Reply> elements);

// Random draws from an op's seed: the same seed gives the same draws on every replica.
class SeededDraw {
 public:
  explicit SeededDraw(std::uint64_t seed) : prng_(seed) {}
  // A uniform index in [0, n), n > 0.
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(prng_.uniform(n)); }
  // `k` distinct indexes out of [0, n), k <= n, in increasing order.
  std::vector<std::size_t> distinct(std::size_t n, std::size_t k);

 private:
  base::Prng prng_;
};

}  // namespace helios::atlas
