// libFuzzer target for src/acl. Each input is used three ways, on the catalogue of the ACL
// unit tests (Helios's commands):
//   1. as an encoding, and as a body framed with a valid checksum (so mutations get past it):
//      decode must not crash; what decodes must re-encode to the same bytes;
//   2. as an aclfile: parse_aclfile must not crash;
//   3. as ACL SETUSER calls: groups of lines separated by a blank line, the first line of a
//      group the user name and the others its rules: a refused call must change nothing.
// Every registry obtained must survive encode -> decode and ACL LIST -> parse_aclfile
// unchanged (bits included), and answer check() and authenticate() without crashing.
//
//   build/fuzz/bin/acl_fuzz -max_total_time=60 build/fuzz/corpus-acl fuzz/corpus/acl
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acl/codec.h"
#include "acl/users.h"
#include "base/assert.h"
#include "tests/unit/acl/acl_test_catalogue.h"

namespace {

using namespace helios::acl;

// Redis's own quirk: a pattern or rule with a parenthesis or a quote inside a selector
// makes an ACL LIST line that does not load back the same (the selector's body is split
// with quotes, and a word ending in ')' closes it).
bool lists_back(const User& user) {
  const auto plain = [](std::string_view s) { return s.find_first_of("()\"'") == s.npos; };
  for (std::size_t i = 1; i < user.selectors().size(); ++i) {
    const Selector& s = user.selectors()[i];
    for (const KeyPattern& p : s.key_patterns()) {
      if (!plain(p.pattern)) {
        return false;
      }
    }
    for (const std::string& c : s.channel_patterns()) {
      if (!plain(c)) {
        return false;
      }
    }
    for (const std::string& r : s.command_rules()) {
      if (!plain(r)) {
        return false;
      }
    }
  }
  return true;
}

void exercise(const Users& users) {
  const std::string bytes = users.encode();
  helios::Result<Users> decoded = Users::decode(bytes, acltest::test_catalogue());
  HELIOS_ASSERT(decoded.is_ok());
  HELIOS_ASSERT(decoded.value() == users);
  bool listable = true;
  for (const std::string& name : users.usernames()) {
    listable = listable && lists_back(*users.find(name));
  }
  if (listable) {
    helios::Result<Users> loaded = Users::parse_aclfile(users.aclfile(), acltest::test_catalogue());
    HELIOS_ASSERT(loaded.is_ok());
    HELIOS_ASSERT(loaded.value() == users);
  }
  const std::vector<std::string_view> keys = {"k1", "", "a*b"};
  for (const std::string& name : users.usernames()) {
    const User& user = *users.find(name);
    for (std::string_view command : {"GET", "set", "CONFIG", "SELECT", "NOSUCH", "AUTH"}) {
      for (std::string_view arg : {"get", "0", ""}) {
        (void)users.check(user, command, arg, keys, KeyAccess::kRead, &acltest::test_glob);
      }
      (void)users.check(user, command, std::nullopt, {}, KeyAccess::kReadWrite,
                        &acltest::test_glob);
    }
    (void)users.authenticate(name, "p");
    (void)user.info();
  }
}

std::vector<std::string> lines_of(std::string_view input) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    lines.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const std::string& bytes : {std::string(input), frame_body(input)}) {
    helios::Result<Users> decoded = Users::decode(bytes, acltest::test_catalogue());
    if (decoded.is_ok()) {
      HELIOS_ASSERT(decoded.value().encode() == bytes);
      exercise(decoded.value());
    } else {
      HELIOS_ASSERT(decoded.status().code() == helios::Code::kCorruption);
    }
  }
  helios::Result<Users> loaded = Users::parse_aclfile(input, acltest::test_catalogue());
  if (loaded.is_ok()) {
    exercise(loaded.value());
  }
  Users users(acltest::test_catalogue());
  const std::vector<std::string> lines = lines_of(input);
  for (std::size_t i = 0; i < lines.size();) {
    std::size_t end = i + 1;
    while (end < lines.size() && !lines[end].empty()) {
      ++end;
    }
    const std::vector<std::string> rules(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                         lines.begin() + static_cast<std::ptrdiff_t>(end));
    const std::string before = users.encode();
    if (!users.setuser(lines[i], rules).is_ok()) {
      HELIOS_ASSERT(users.encode() == before);
    }
    i = end + 1;
  }
  exercise(users);
  return 0;
}
