#include "atlas/glob.h"

#include <utility>

namespace helios::atlas {

namespace {

unsigned char byte_at(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}

}  // namespace

Glob::Step Glob::step(std::size_t p, unsigned char c) const {
  const std::string_view pattern = pattern_;
  const std::size_t n = pattern.size();
  switch (pattern[p]) {
    case '?':
      return {p + 1, true};
    case '[': {
      // Redis's class loop, position by position (the quirks in glob.h follow from it).
      std::size_t i = p + 1;
      const bool negate = i < n && pattern[i] == '^';
      if (negate) {
        ++i;
      }
      bool matched = false;
      while (true) {
        if (i + 1 < n && pattern[i] == '\\') {
          ++i;
          matched = matched || byte_at(pattern, i) == c;
        } else if (i < n && pattern[i] == ']') {
          break;
        } else if (i >= n) {
          --i;  // unclosed: the step below lands on the end
          break;
        } else if (i + 2 < n && pattern[i + 1] == '-') {
          unsigned char lo = byte_at(pattern, i);
          unsigned char hi = byte_at(pattern, i + 2);
          if (lo > hi) {
            std::swap(lo, hi);
          }
          matched = matched || (lo <= c && c <= hi);
          i += 2;
        } else {
          matched = matched || byte_at(pattern, i) == c;
        }
        ++i;
      }
      return {i + 1, matched != negate};  // past the ']' (or to the end)
    }
    case '\\':
      if (p + 1 < n) {
        return {p + 2, byte_at(pattern, p + 1) == c};
      }
      break;  // a lone backslash at the end is itself
    default:
      break;
  }
  return {p + 1, byte_at(pattern, p) == c};
}

bool Glob::matches(std::string_view text) const {
  if (text.empty()) {
    return pattern_.empty();  // as Redis's stringmatchlen: even "*" does not match ""
  }
  // Greedy, retrying only the last star: every other token consumes exactly one byte, so
  // when the tokens after the last star fail at one start, only a later start can help.
  // p is always where a token starts, so a '*' there is a star, not an escaped byte.
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  const std::size_t n = pattern_.size();
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = kNone;  // the position of the last star seen
  std::size_t star_t = 0;    // where the text after that star currently starts
  while (t < text.size()) {
    if (p < n && pattern_[p] == '*') {
      star = p++;
      star_t = t;
      continue;
    }
    if (p < n) {
      const Step s = step(p, byte_at(text, t));
      if (s.matched) {
        p = s.next;
        ++t;
        continue;
      }
    }
    if (star == kNone) {
      return false;
    }
    p = star + 1;
    t = ++star_t;
  }
  while (p < n && pattern_[p] == '*') {
    ++p;
  }
  return p == n;
}

bool Glob::is_literal(std::string_view pattern) {
  return pattern.find_first_of("*?[\\") == std::string_view::npos;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  return Glob(pattern).matches(text);
}

}  // namespace helios::atlas
