// The registry's binary form (Users::encode / decode), the authority for its layout.
// Integers are little endian.
//
//   "HACL" | u8 version (1) | u32 body size | body | u64 XXH3 of the 9 header bytes and the body
//   body:      u32 users, then each user, sorted by name (bytewise, strictly increasing)
//   user:      str name | u8 flags (1 on, 2 nopass, 4 skip-sanitize-payload)
//              | u32 passwords, each 32 bytes (SHA-256) | u32 selectors (>= 1, the root first)
//   selector:  u8 flags (1 allkeys, 2 allchannels, 4 commands start from +@all)
//              | u32 key patterns, each u8 perms (1 read, 2 write, 3 both) + str pattern
//              | u32 channel patterns, each str | u32 command rules, each str ("+get")
//   str:       u32 size | bytes
//
// Decoding rebuilds each user by applying rules (the same code as ACL SETUSER), so that a
// decoded registry obeys every invariant and limit, then re-encodes it and requires the very
// same bytes: only canonical encodings are accepted.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "acl/ascii.h"
#include "acl/codec.h"
#include "acl/limits.h"
#include "acl/users.h"
#include "base/bytes.h"
#include "base/checksum.h"

namespace helios::acl {

namespace {

constexpr std::string_view kMagic = "HACL";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 4 + 1 + 4;
constexpr std::size_t kChecksumBytes = 8;
constexpr std::uint64_t kChecksumSeed = 0x4c43412d534f494cULL;  // "LIOS-ACL"

constexpr std::uint8_t kUserOn = 1;
constexpr std::uint8_t kUserNopass = 2;
constexpr std::uint8_t kUserSkipSanitize = 4;
constexpr std::uint8_t kUserSanitize = 8;  // sanitize-payload set explicitly
constexpr std::uint8_t kSelectorAllKeys = 1;
constexpr std::uint8_t kSelectorAllChannels = 2;
constexpr std::uint8_t kSelectorFuture = 4;

void put_str(std::string& out, std::string_view s) {
  base::put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

void encode_selector(const Selector& s, std::string& out) {
  base::put_u8(out, static_cast<std::uint8_t>((s.all_keys() ? kSelectorAllKeys : 0) |
                                              (s.all_channels() ? kSelectorAllChannels : 0) |
                                              (s.future_commands() ? kSelectorFuture : 0)));
  base::put_u32(out, static_cast<std::uint32_t>(s.key_patterns().size()));
  for (const KeyPattern& p : s.key_patterns()) {
    base::put_u8(out, p.perms);
    put_str(out, p.pattern);
  }
  base::put_u32(out, static_cast<std::uint32_t>(s.channel_patterns().size()));
  for (const std::string& c : s.channel_patterns()) {
    put_str(out, c);
  }
  base::put_u32(out, static_cast<std::uint32_t>(s.command_rules().size()));
  for (const std::string& r : s.command_rules()) {
    put_str(out, r);
  }
}

Status corrupt(std::string what) {
  return Status(Code::kCorruption, "acl encoding: " + std::move(what));
}

// Reads a string of at most `limit` bytes; false (and the reader failed) otherwise.
bool read_str(base::Reader& r, std::size_t limit, std::string_view& out) {
  const std::uint32_t size = r.u32();
  if (!r.ok() || size > limit || size > r.remaining()) {
    return false;
  }
  out = r.bytes(size);
  return r.ok();
}

// The rules that rebuild a selector from a new one (-@all, no keys, resetchannels).
Result<std::vector<std::string>> read_selector(base::Reader& r) {
  const std::uint8_t flags = r.u8();
  if (!r.ok() || (flags & ~(kSelectorAllKeys | kSelectorAllChannels | kSelectorFuture)) != 0) {
    return corrupt("bad selector flags");
  }
  std::vector<std::string> rules = {(flags & kSelectorFuture) != 0 ? "+@all" : "-@all"};
  const std::uint32_t keys = r.u32();
  if (!r.ok() || keys > kMaxKeyPatterns) {
    return corrupt("bad key pattern count");
  }
  std::vector<std::string> key_rules;
  for (std::uint32_t i = 0; i < keys; ++i) {
    const std::uint8_t perms = r.u8();
    std::string_view pattern;
    if (!r.ok() || perms < 1 || perms > 3 || !read_str(r, kMaxPatternBytes, pattern)) {
      return corrupt("bad key pattern");
    }
    const std::string_view prefix = perms == 3 ? "%RW~" : (perms == 1 ? "%R~" : "%W~");
    key_rules.push_back(std::string(prefix) + std::string(pattern));
  }
  const std::uint32_t channels = r.u32();
  if (!r.ok() || channels > kMaxChannelPatterns) {
    return corrupt("bad channel pattern count");
  }
  std::vector<std::string> channel_rules;
  for (std::uint32_t i = 0; i < channels; ++i) {
    std::string_view pattern;
    if (!read_str(r, kMaxPatternBytes, pattern)) {
      return corrupt("bad channel pattern");
    }
    channel_rules.push_back("&" + std::string(pattern));
  }
  const std::uint32_t count = r.u32();
  if (!r.ok() || count > kMaxCommandRules) {
    return corrupt("bad command rule count");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string_view rule;
    if (!read_str(r, kMaxRuleBytes, rule) || rule.empty() || (rule[0] != '+' && rule[0] != '-')) {
      return corrupt("bad command rule");
    }
    rules.emplace_back(rule);
  }
  // Keys and channels after the command rules: a command rule can then never be read as one.
  if ((flags & kSelectorAllKeys) != 0) {
    rules.emplace_back("allkeys");
  }
  rules.insert(rules.end(), key_rules.begin(), key_rules.end());
  if ((flags & kSelectorAllChannels) != 0) {
    rules.emplace_back("allchannels");
  }
  rules.insert(rules.end(), channel_rules.begin(), channel_rules.end());
  return rules;
}

Status refused(const User& user, std::string_view rule, RuleError error) {
  return corrupt("user '" + user.name() + "': rule '" + std::string(rule.substr(0, 128)) +
                 "' refused: " + rule_error_text(error));
}

Result<User> read_user(base::Reader& r, const Catalogue& catalogue) {
  std::string_view name;
  if (!read_str(r, kMaxUserNameBytes, name) || has_space_or_nul(name)) {
    return corrupt("bad user name");
  }
  User user{std::string(name), catalogue};
  const std::uint8_t flags = r.u8();
  if (!r.ok() || (flags & ~(kUserOn | kUserNopass | kUserSkipSanitize | kUserSanitize)) != 0) {
    return corrupt("bad user flags");
  }
  std::vector<std::string> rules = {(flags & kUserOn) != 0 ? "on" : "off"};
  if ((flags & kUserSkipSanitize) != 0) {
    rules.emplace_back("skip-sanitize-payload");
  } else if ((flags & kUserSanitize) != 0) {
    rules.emplace_back("sanitize-payload");
  }
  const std::uint32_t passwords = r.u32();
  if (!r.ok() || passwords > kMaxPasswords || passwords * std::size_t{32} > r.remaining()) {
    return corrupt("bad password count");
  }
  for (std::uint32_t i = 0; i < passwords; ++i) {
    PasswordHash hash{};
    const std::string_view bytes = r.bytes(hash.size());
    std::copy(bytes.begin(), bytes.end(), hash.begin());
    rules.push_back("#" + to_hex(hash));
  }
  if ((flags & kUserNopass) != 0) {
    rules.emplace_back("nopass");
  }
  for (const std::string& rule : rules) {
    if (const RuleError error = user.apply(rule, catalogue); error != RuleError::kNone) {
      return refused(user, rule, error);
    }
  }
  const std::uint32_t selectors = r.u32();
  if (!r.ok() || selectors < 1 || selectors > kMaxSelectors + 1) {
    return corrupt("bad selector count");
  }
  for (std::uint32_t i = 0; i < selectors; ++i) {
    Result<std::vector<std::string>> selector = read_selector(r);
    if (!selector.is_ok()) {
      return selector.status();
    }
    if (i > 0) {
      if (const RuleError error = user.add_selector(selector.value(), catalogue);
          error != RuleError::kNone) {
        return refused(user, "(...)", error);
      }
      continue;
    }
    for (const std::string& rule : selector.value()) {
      if (const RuleError error = user.apply(rule, catalogue); error != RuleError::kNone) {
        return refused(user, rule, error);
      }
    }
  }
  return user;
}

}  // namespace

void encode_user(const User& user, std::string& out) {
  put_str(out, user.name());
  base::put_u8(out, static_cast<std::uint8_t>(
                        (user.enabled() ? kUserOn : 0) | (user.nopass() ? kUserNopass : 0) |
                        (user.skip_sanitize_payload() ? kUserSkipSanitize : 0) |
                        (user.sanitize_payload_set() ? kUserSanitize : 0)));
  base::put_u32(out, static_cast<std::uint32_t>(user.passwords().size()));
  for (const PasswordHash& hash : user.passwords()) {
    out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  }
  base::put_u32(out, static_cast<std::uint32_t>(user.selectors().size()));
  for (const Selector& selector : user.selectors()) {
    encode_selector(selector, out);
  }
}

std::size_t encoded_size(const User& user) {
  std::string out;
  encode_user(user, out);
  return out.size();
}

std::string frame_body(std::string_view body) {
  std::string out(kMagic);
  base::put_u8(out, kVersion);
  base::put_u32(out, static_cast<std::uint32_t>(body.size()));
  out += body;
  base::put_u64(
      out, base::checksum64(std::string_view(out).substr(0, kHeaderBytes), body, kChecksumSeed));
  return out;
}

std::string Users::encode() const {
  std::string body;
  base::put_u32(body, static_cast<std::uint32_t>(users_.size()));
  for (const auto& [name, user] : users_) {
    encode_user(user, body);
  }
  return frame_body(body);
}

Result<Users> Users::decode(std::string_view bytes, std::shared_ptr<const Catalogue> catalogue) {
  if (bytes.size() < kHeaderBytes + kChecksumBytes || bytes.substr(0, 4) != kMagic) {
    return corrupt("not an ACL encoding");
  }
  base::Reader header(bytes.substr(4, kHeaderBytes - 4));
  const std::uint8_t version = header.u8();
  const std::uint32_t body_size = header.u32();
  if (version != kVersion) {
    return corrupt("unsupported version " + std::to_string(version));
  }
  if (body_size != bytes.size() - kHeaderBytes - kChecksumBytes || body_size > kMaxEncodedBytes) {
    return corrupt("bad length");
  }
  const std::string_view body = bytes.substr(kHeaderBytes, body_size);
  if (base::checksum64(bytes.substr(0, kHeaderBytes), body, kChecksumSeed) !=
      base::load_u64(bytes.data() + kHeaderBytes + body_size)) {
    return corrupt("checksum mismatch");
  }
  base::Reader r(body);
  const std::uint32_t count = r.u32();
  if (!r.ok() || count > kMaxUsers) {
    return corrupt("bad user count");
  }
  Users users(std::move(catalogue), Empty{});
  for (std::uint32_t i = 0; i < count; ++i) {
    Result<User> user = read_user(r, *users.catalogue_);
    if (!user.is_ok()) {
      return user.status();
    }
    if (!users.users_.empty() && users.users_.rbegin()->first >= user.value().name()) {
      return corrupt("users out of order");
    }
    if (Status s = users.commit(std::move(user).value()); !s.is_ok()) {
      return corrupt(s.message());
    }
  }
  if (r.remaining() != 0) {
    return corrupt("trailing bytes");
  }
  if (users.find("default") == nullptr) {
    return corrupt("no default user");
  }
  if (users.encode() != bytes) {
    return corrupt("not canonical");
  }
  return users;
}

}  // namespace helios::acl
