// Users::parse_aclfile: Redis 7.2's ACLLoadFromFile, on text instead of a file.
#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "acl/ascii.h"
#include "acl/limits.h"
#include "acl/split_args.h"
#include "acl/users.h"

namespace helios::acl {

namespace {

std::string_view trim(std::string_view s, std::string_view chars) {
  const std::size_t first = s.find_first_not_of(chars);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

// Redis's sdssplitlen(line, " "): every space separates, so two spaces make an empty piece.
std::vector<std::string> split_on_spaces(std::string_view line) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = line.find(' ', start);
    if (space == std::string_view::npos) {
      pieces.emplace_back(line.substr(start));
      return pieces;
    }
    pieces.emplace_back(line.substr(start, space - start));
    start = space + 1;
  }
}

// A limit's error (Helios's; Redis has none), without the leading "ERR ".
std::string without_err(const std::string& message) {
  return message.starts_with("ERR ") ? message.substr(4) : message;
}

}  // namespace

Result<Users> Users::parse_aclfile(std::string_view text,
                                   std::shared_ptr<const Catalogue> catalogue,
                                   std::string_view filename) {
  Users users(std::move(catalogue), Empty{});
  const Catalogue& cat = *users.catalogue_;
  std::string errors;
  std::size_t line_number = 0;
  for (std::size_t pos = 0; pos <= text.size();) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(text.substr(pos, end - pos), " \t\r\n");
    pos = end + 1;
    ++line_number;
    if (line.empty()) {
      continue;
    }
    const std::string at = std::string(filename) + ":" + std::to_string(line_number);
    std::vector<std::string> argv = split_on_spaces(line);
    if (argv[0] != "user" || argv.size() < 2) {
      errors += at + " should start with user keyword followed by the username. ";
      continue;
    }
    const std::string& name = argv[1];
    if (has_space_or_nul(name)) {
      errors += "'" + at + ": username '" + name + "' contains invalid characters. ";
      continue;
    }
    if (users.find(name) != nullptr) {
      errors += "WARNING: Duplicate user '" + name + "' found on line " +
                std::to_string(line_number) + ". ";
      continue;
    }
    if (name.size() > kMaxUserNameBytes || users.size() >= kMaxUsers) {
      errors += at + ": Too many users, or a user name too long. ";
      continue;
    }
    User user(name, cat);
    std::size_t open_at = 0;
    std::optional<std::vector<std::string>> rules =
        merge_selector_args(std::span<const std::string>(argv).subspan(2), &open_at);
    if (!rules) {
      errors += at + ": Unmatched parenthesis in selector definition.";
      rules.emplace();
    }
    bool reported = false;  // Redis reports only the first error other than an unknown name
    for (const std::string& piece : *rules) {
      const std::string rule(trim(piece, "\t\r\n"));
      const RuleError error = user.apply(rule, cat);
      if (error == RuleError::kUnknownName) {
        errors +=
            at + ": Error in applying operation '" + rule + "': " + rule_error_text(error) + ". ";
      } else if (error != RuleError::kNone && !reported) {
        errors += at + ": " + rule_error_text(error) + ". ";
        reported = true;
      }
    }
    // Added even after errors, as Redis does, so that a later duplicate is still reported.
    if (Status s = users.commit(std::move(user)); !s.is_ok()) {
      errors += at + ": " + without_err(s.message()) + ". ";
    }
  }
  if (errors.empty() && users.find("default") == nullptr) {
    if (Status s = users.commit(User::make_default(cat)); !s.is_ok()) {
      errors += without_err(s.message()) + ". ";
    }
  }
  if (!errors.empty()) {
    return Status(Code::kInvalidArgument,
                  "ERR " + errors +
                      "WARNING: ACL errors detected, no change to the previously active ACL "
                      "rules was performed");
  }
  return users;
}

}  // namespace helios::acl
