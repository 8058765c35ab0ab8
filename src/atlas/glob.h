#pragma once
// Redis's glob patterns (KEYS, SCAN MATCH): the semantics of Redis's stringmatchlen
// (case-sensitive), written here without recursion.
//
//   *        any run of bytes, also none (consecutive stars count as one)
//   ?        any one byte
//   [abc]    one byte of the set; [^abc] one byte not in it; [a-z] a range (either order:
//            [z-a] is [a-z]); \x inside a class is the byte x
//   \x       the byte x itself (\* is a star; a lone backslash at the end is itself)
//   other    itself
//
// Redis's quirks kept, since clients see them: "[]" is an empty class (it matches nothing,
// "[^]" any byte); a '[' never closed takes the rest of the pattern as its set; in "[a-]"
// the ']' is the end of a range, leaving the class unclosed; a nonempty pattern never
// matches the empty text (Redis's KEYS and SCAN treat the lone "*" as "everything" before
// matching, and so do Store::keys and Store::scan). One difference: ranges compare bytes as
// unsigned (Redis compares C chars, signed on x86, so its ranges across 0x7f-0x80 differ).
//
// Cost: a Glob holds a copy of the pattern and nothing else (no compiled form that could
// grow with hostile input: a client's pattern may be as large as a request). A match
// allocates nothing and is O(pattern x text) in the worst case, O(text) for patterns with at
// most one star: only the last star is ever retried (every other token matches exactly one
// byte), so a hostile pattern such as "*a*a*a*a*a*a*b" cannot take exponential time, and
// there is no recursion to bound.

#include <cstddef>
#include <string>
#include <string_view>

namespace helios::atlas {

// A pattern ready to match (the rules above). Immutable once built, so one Glob may serve
// many matches, from any number of threads.
class Glob {
 public:
  explicit Glob(std::string_view pattern) : pattern_(pattern) {}

  bool matches(std::string_view text) const;

  // The pattern has no special byte (* ? [ \): it matches exactly the text equal to it.
  static bool is_literal(std::string_view pattern);

 private:
  // The token that starts at pattern_[p] (not a star) against the byte c: where the next
  // token starts, and whether it matched.
  struct Step {
    std::size_t next = 0;
    bool matched = false;
  };
  Step step(std::size_t p, unsigned char c) const;

  std::string pattern_;
};

// Glob(pattern).matches(text).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace helios::atlas
