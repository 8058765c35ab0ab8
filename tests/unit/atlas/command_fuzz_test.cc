// A deterministic fuzz run of decode_command (fuzz/atlas_fuzz.cc holds the same body for
// libFuzzer): 10,000 random byte strings and 10,000 mutations of valid encodings. Whatever
// the input, decode must not crash; what decodes must be valid, re-encode to exactly the
// input bytes (the encoding is canonical), and apply to a store without breaking its
// invariants.
#include <gtest/gtest.h>

#include "atlas/command.h"
#include "atlas/store.h"
#include "base/bytes.h"
#include "base/prng.h"

namespace helios::atlas {
namespace {

constexpr int kRandomInputs = 10000;
constexpr int kMutatedInputs = 10000;

// The fuzz body. Returns whether `bytes` decoded.
bool check_one(std::string_view bytes) {
  Result<Command> decoded = decode_command(bytes);
  if (!decoded.is_ok()) {
    EXPECT_EQ(decoded.status().code(), Code::kInvalidArgument);
    return false;
  }
  const Command& command = decoded.value();
  EXPECT_TRUE(validate_command(command).is_ok());
  EXPECT_EQ(encode_command(command), bytes);
  Store store;
  Command seed{0, {SetOp{"a", "1"}, SetOp{"b", "x", 50}, SetOp{"", "-9223372036854775808"}}};
  (void)store.apply(seed);
  EXPECT_EQ(store.apply(command).size(), command.ops.size());
  store.check_invariants();
  return true;
}

std::string random_key(base::Prng& prng) {
  static const char* const kKeys[] = {"", "a", "b", "key"};
  return kKeys[prng.uniform(4)];
}

Op random_op(base::Prng& prng) {
  const std::uint64_t deadline_ms = prng.chance(1, 2) ? 0 : 1 + prng.uniform(100);
  switch (prng.uniform(6)) {
    case 0:
      return SetOp{.key = random_key(prng),
                   .value = std::string(prng.uniform(6), 'v'),
                   .deadline_ms = deadline_ms,
                   .nx = prng.chance(1, 3),
                   .get = prng.chance(1, 2)};
    case 1:
      return DelOp{{random_key(prng), random_key(prng)}};
    case 2:
      return ExpireOp{.key = random_key(prng),
                      .deadline_ms = deadline_ms,
                      .xx = prng.chance(1, 2),
                      .gt = prng.chance(1, 2)};
    case 3:
      return PersistOp{random_key(prng)};
    case 4:
      return IncrByOp{random_key(prng), static_cast<std::int64_t>(prng.next())};
    default:
      return DeleteIfExpiredOp{random_key(prng), 1 + prng.uniform(100)};
  }
}

std::string random_valid_encoding(base::Prng& prng) {
  Command c;
  c.stamp_ms = prng.uniform(200);
  for (std::uint64_t i = 0, n = 1 + prng.uniform(3); i < n; ++i) {
    c.ops.push_back(random_op(prng));
  }
  return encode_command(c);
}

// Bytes that often hit the decoder's interesting values: small codes, flag bits, 0xff.
char random_byte(base::Prng& prng) {
  if (prng.chance(1, 2)) {
    return static_cast<char>(prng.uniform(16));
  }
  return prng.chance(1, 4) ? '\xff' : static_cast<char>(prng.uniform(256));
}

// A field of a sloppy op: usually the shape the decoder expects, sometimes a random byte.
void put_sloppy_key(base::Prng& prng, std::string& out) {
  const std::uint64_t length = prng.uniform(4);
  base::put_u32(out, static_cast<std::uint32_t>(prng.chance(1, 10) ? length + 1 : length));
  out.append(length, 'k');
}

// An op built field by field from random but plausible values: any code 0..7, any flag byte
// 0..15, deadlines 0..99, short keys whose lengths are now and then off by one.
void put_sloppy_op(base::Prng& prng, std::string& out) {
  const auto code = static_cast<std::uint8_t>(prng.uniform(8));
  base::put_u8(out, code);
  if (code == 1 || code == 3) {
    base::put_u8(out, static_cast<std::uint8_t>(prng.uniform(16)));  // flags
  }
  if (code == 1 || code == 3 || code == 5 || code == 6) {
    base::put_u64(out, prng.uniform(100));
  }
  const std::uint64_t keys = code == 2 ? prng.uniform(3) : 1;
  if (code == 2) {
    base::put_u32(out, static_cast<std::uint32_t>(keys));
  }
  for (std::uint64_t i = 0; i < keys; ++i) {
    put_sloppy_key(prng, out);
  }
  if (code == 1) {
    put_sloppy_key(prng, out);  // the value
  }
}

// Plain random bytes (which almost never get past the first op) or, half the time, sloppy
// ops that often decode.
std::string random_input(base::Prng& prng) {
  std::string out;
  const auto count = static_cast<std::uint32_t>(prng.uniform(4));
  if (prng.chance(3, 4)) {  // a plausible header, so decoding reaches the ops
    base::put_u8(out, kCommandVersion);
    base::put_u64(out, prng.next());
    base::put_u32(out, count);
  }
  if (prng.chance(1, 2)) {
    for (std::uint64_t i = 0, n = count + prng.uniform(2); i < n; ++i) {
      put_sloppy_op(prng, out);
    }
    return out;
  }
  for (std::uint64_t i = 0, n = prng.uniform(64); i < n; ++i) {
    out.push_back(random_byte(prng));
  }
  return out;
}

void mutate(base::Prng& prng, std::string& b) {
  const std::size_t at = b.empty() ? 0 : prng.uniform(b.size());
  switch (prng.uniform(7)) {
    case 0:
      if (!b.empty()) {
        b[at] = static_cast<char>(b[at] ^ (1u << prng.uniform(8)));
      }
      break;
    case 1:
      if (!b.empty()) {
        b[at] = random_byte(prng);
      }
      break;
    case 2:
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), random_byte(prng));
      break;
    case 3:
      if (!b.empty()) {
        b.erase(at, 1 + prng.uniform(4));
      }
      break;
    case 4:
      b.resize(at);
      break;
    case 5:
      if (at + 4 <= b.size()) {  // a length field, small or huge
        const std::uint32_t v = prng.chance(1, 2) ? static_cast<std::uint32_t>(prng.uniform(8))
                                                  : static_cast<std::uint32_t>(prng.next());
        std::string le;
        base::put_u32(le, v);
        b.replace(at, 4, le);
      }
      break;
    default:
      b += b.substr(at, prng.uniform(8));
      break;
  }
}

TEST(CommandFuzzTest, decode_randomBytes_neverCrashesAndRoundTrips) {
  base::Prng prng(0xa71a5);
  int decoded = 0;
  for (int i = 0; i < kRandomInputs; ++i) {
    decoded += check_one(random_input(prng)) ? 1 : 0;
  }
  RecordProperty("decoded", decoded);
  EXPECT_GT(decoded, kRandomInputs / 100);  // the tokens reach apply, sometimes
}

TEST(CommandFuzzTest, decode_mutatedValidEncodings_neverCrashAndRoundTrip) {
  base::Prng prng(0xf022);
  int decoded = 0;
  for (int i = 0; i < kMutatedInputs; ++i) {
    std::string bytes = random_valid_encoding(prng);
    ASSERT_TRUE(check_one(bytes));
    for (std::uint64_t m = 0, n = 1 + prng.uniform(3); m < n; ++m) {
      mutate(prng, bytes);
    }
    decoded += check_one(bytes) ? 1 : 0;
  }
  RecordProperty("decoded", decoded);
  EXPECT_GT(decoded, kMutatedInputs / 20);  // mutations of values and stamps still decode
}

}  // namespace
}  // namespace helios::atlas
