#include "acl/split_args.h"

#include "acl/ascii.h"

namespace helios::acl {

namespace {

// The value of a hex digit (either case), or -1.
int hex_value(char c) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  const std::size_t at = kDigits.find(ascii_lower(c));
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// The byte a backslash escape stands for inside double quotes: \n \r \t \b \a, or itself.
char unescape(char c) {
  constexpr std::string_view kFrom = "nrtba";
  constexpr std::string_view kTo = "\n\r\t\b\a";
  const std::size_t at = kFrom.find(c);
  return at == std::string_view::npos ? c : kTo[at];
}

// The byte at `i`, or NUL past the end (the C string's terminator).
char at(std::string_view s, std::size_t i) {
  return i < s.size() ? s[i] : '\0';
}

}  // namespace

std::optional<std::vector<std::string>> split_args(std::string_view line) {
  line = line.substr(0, line.find('\0'));
  std::vector<std::string> args;
  std::size_t p = 0;
  while (true) {
    while (p < line.size() && is_space(line[p])) {
      ++p;
    }
    if (p >= line.size()) {
      return args;
    }
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    std::string current;
    while (!done) {
      const char c = at(line, p);
      if (in_double) {
        if (c == '\\' && at(line, p + 1) == 'x' && hex_value(at(line, p + 2)) >= 0 &&
            hex_value(at(line, p + 3)) >= 0) {
          current.push_back(
              static_cast<char>(hex_value(at(line, p + 2)) * 16 + hex_value(at(line, p + 3))));
          p += 3;
        } else if (c == '\\' && at(line, p + 1) != '\0') {
          ++p;
          current.push_back(unescape(line[p]));
        } else if (c == '"') {
          if (at(line, p + 1) != '\0' && !is_space(at(line, p + 1))) {
            return std::nullopt;  // the closing quote must be followed by a space
          }
          done = true;
        } else if (c == '\0') {
          return std::nullopt;  // unterminated quotes
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(line, p + 1) == '\'') {
          ++p;
          current.push_back('\'');
        } else if (c == '\'') {
          if (at(line, p + 1) != '\0' && !is_space(at(line, p + 1))) {
            return std::nullopt;
          }
          done = true;
        } else if (c == '\0') {
          return std::nullopt;
        } else {
          current.push_back(c);
        }
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
        done = true;
      } else if (c == '"') {
        in_double = true;
      } else if (c == '\'') {
        in_single = true;
      } else {
        current.push_back(c);
      }
      if (c != '\0') {
        ++p;
      }
    }
    args.push_back(std::move(current));
  }
}

std::optional<std::vector<std::string>> merge_selector_args(std::span<const std::string> args,
                                                            std::size_t* open_at) {
  std::vector<std::string> merged;
  std::optional<std::size_t> open;
  std::string selector;
  for (std::size_t j = 0; j < args.size(); ++j) {
    const std::string& arg = args[j];
    if (!arg.empty() && arg.front() == '(' && arg.back() != ')') {
      selector = arg;
      open = j;
      continue;
    }
    if (open) {
      selector += ' ';
      selector += arg;
      if (!arg.empty() && arg.back() == ')') {
        merged.push_back(std::move(selector));
        open.reset();
      }
      continue;
    }
    merged.push_back(arg);
  }
  if (open) {
    *open_at = *open;
    return std::nullopt;
  }
  return merged;
}

}  // namespace helios::acl
