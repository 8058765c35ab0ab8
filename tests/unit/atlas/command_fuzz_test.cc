// A deterministic fuzz run of decode_command (fuzz/atlas_fuzz.cc holds the same body for
// libFuzzer): 10,000 random byte strings and 10,000 mutations of valid encodings. Whatever
// the input, decode must not crash; what decodes must be valid, re-encode to exactly the
// input bytes (the encoding is canonical), and apply to a store without breaking its
// invariants.
#include <gtest/gtest.h>

#include "atlas/command.h"
#include "atlas/objects.h"
#include "atlas/store.h"
#include "base/bytes.h"
#include "base/prng.h"

namespace helios::atlas {
namespace {

constexpr int kRandomInputs = 10000;
constexpr int kMutatedInputs = 10000;

// The state every input is applied to: strings, and a key of each collection type.
Command fuzz_seed_state() {
  const auto obj = [](std::string_view name, std::vector<std::string> args) {
    return ObjOp{find_object_command(name)->code, 0, std::move(args)};
  };
  return Command{0,
                 {SetOp{"a", "1"}, SetOp{"b", "x", 50}, SetOp{"", "-9223372036854775808"},
                  obj("HSET", {"h", "f", "1", "g", "x"}), obj("RPUSH", {"l", "1", "a", "1"}),
                  obj("SADD", {"s", "1", "2", "a"}), obj("ZADD", {"z", "1", "a", "2", "b"})}};
}

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
  (void)store.apply(fuzz_seed_state());
  EXPECT_EQ(store.apply(command).size(), command.ops.size());
  store.check_invariants();
  return true;
}

std::string random_key(base::Prng& prng) {
  static const char* const kKeys[] = {"", "a", "b", "key", "h", "l", "s", "z"};
  return kKeys[prng.uniform(8)];
}

// An object op (atlas/objects.h) of a random row, with the row's arity and arguments drawn
// from keys, numbers, bounds and option words: the rows' parsers meet every kind of argument
// in every position, on keys of every type (the seed store holds one of each).
ObjOp random_object_op(base::Prng& prng) {
  static const char* const kWords[] = {"0",
                                       "1",
                                       "-1",
                                       "2",
                                       "3",
                                       "9223372036854775807",
                                       "-9223372036854775808",
                                       "abc",
                                       "inf",
                                       "-inf",
                                       "nan",
                                       "1.5",
                                       "(1",
                                       "[a",
                                       "+",
                                       "-",
                                       "(",
                                       "",
                                       "LIMIT",
                                       "WITHSCORES",
                                       "REV",
                                       "BYSCORE",
                                       "BYLEX",
                                       "COUNT",
                                       "MATCH",
                                       "*",
                                       "NX",
                                       "XX",
                                       "GT",
                                       "LT",
                                       "CH",
                                       "INCR",
                                       "BEFORE",
                                       "AFTER",
                                       "LEFT",
                                       "RIGHT",
                                       "MIN",
                                       "MAX",
                                       "WEIGHTS",
                                       "AGGREGATE",
                                       "SUM",
                                       "WITHVALUES",
                                       "RANK",
                                       "MAXLEN",
                                       "EX",
                                       "PERSIST"};
  const std::vector<const ObjectCommand*>& rows = all_object_commands();
  const ObjectCommand& row = *rows[prng.uniform(rows.size())];
  const std::size_t fixed = static_cast<std::size_t>(row.arity < 0 ? -row.arity : row.arity) - 1;
  const std::size_t count = row.arity < 0 ? fixed + prng.uniform(5) : fixed;
  ObjOp op{row.code, prng.next(), {}};
  for (std::size_t i = 0; i < count; ++i) {
    op.args.push_back(prng.chance(1, 3) ? random_key(prng)
                                        : std::string(kWords[prng.uniform(std::size(kWords))]));
  }
  return op;
}

Op random_op(base::Prng& prng) {
  const std::uint64_t deadline_ms = prng.chance(1, 2) ? 0 : 1 + prng.uniform(100);
  static const char* const kIncrements[] = {"1", "-2.5", "1e3", "0x10", "-0", "1e300"};
  switch (prng.uniform(16)) {
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
    case 5:
      return DeleteIfExpiredOp{random_key(prng), 1 + prng.uniform(100)};
    case 6: {
      const auto what = static_cast<ReadKind>(1 + prng.uniform(kMaxReadKind));
      if (what == ReadKind::kDbSize) {
        return ReadOp{what, ""};
      }
      const bool range = what == ReadKind::kGetRange;
      return ReadOp{what, random_key(prng), range ? static_cast<std::int64_t>(prng.next()) : 0,
                    range ? static_cast<std::int64_t>(prng.uniform(9)) - 4 : 0};
    }
    case 7:
      return AppendOp{random_key(prng), std::string(prng.uniform(4), 'a')};
    case 8:
      return SetRangeOp{random_key(prng), prng.uniform(8), std::string(prng.uniform(3), 's')};
    case 9:
      return IncrByFloatOp{random_key(prng), kIncrements[prng.uniform(6)]};
    case 10:
      return RenameOp{random_key(prng), random_key(prng), prng.chance(1, 2)};
    case 11:
      return FlushOp{};
    case 12:
      return MSetNxOp{{random_key(prng), random_key(prng)},
                      {"1", std::string(prng.uniform(3), 'm')}};
    default:
      return random_object_op(prng);
  }
}

std::string random_valid_encoding(base::Prng& prng) {
  Command c;
  c.stamp_ms = prng.uniform(200);
  for (std::uint64_t i = 0, n = 1 + prng.uniform(3); i < n; ++i) {
    c.ops.push_back(random_op(prng));
  }
  if (prng.chance(1, 4)) {  // a WATCHed transaction: a guard of some of the ops after it
    // Versions 0..2: absent, or the seed store's keys (applied at index 1), or not.
    WatchOp guard{static_cast<std::uint32_t>(prng.uniform(c.ops.size() + 1)),
                  {random_key(prng), random_key(prng)},
                  {prng.uniform(3), prng.uniform(3)}};
    c.ops.insert(c.ops.begin(), std::move(guard));
  }
  if (prng.chance(1, 8)) {  // the start of key versions, before or after a guard
    c.ops.insert(c.ops.begin() + static_cast<std::ptrdiff_t>(prng.uniform(c.ops.size() + 1)),
                 StartVersionsOp{});
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

// An op built field by field from random but plausible values: any code 0..17, any flag or
// kind byte 0..15, integers 0..99, short keys whose lengths are now and then off by one,
// INCRBYFLOAT increments that are numbers or not.
void put_sloppy_op(base::Prng& prng, std::string& out) {
  const auto code = static_cast<OpCode>(prng.uniform(18));
  base::put_u8(out, static_cast<std::uint8_t>(code));
  std::uint64_t keys = 1;
  std::uint64_t values = 0;
  switch (code) {
    case OpCode::kSet:
    case OpCode::kExpire:
      base::put_u8(out, static_cast<std::uint8_t>(prng.uniform(16)));  // flags
      base::put_u64(out, prng.uniform(100));
      values = code == OpCode::kSet ? 1 : 0;
      break;
    case OpCode::kIncrBy:
    case OpCode::kDeleteIfExpired:
      base::put_u64(out, prng.uniform(100));
      break;
    case OpCode::kDel:
      keys = prng.uniform(3);
      base::put_u32(out, static_cast<std::uint32_t>(keys));
      break;
    case OpCode::kRead:
      base::put_u8(out, static_cast<std::uint8_t>(prng.uniform(16)));  // kind
      base::put_u64(out, prng.chance(1, 2) ? 0 : prng.uniform(100));
      base::put_u64(out, prng.chance(1, 2) ? 0 : prng.uniform(100));
      break;
    case OpCode::kAppend:
      values = 1;
      break;
    case OpCode::kSetRange:
      base::put_u64(out, prng.uniform(100));
      values = 1;
      break;
    case OpCode::kIncrByFloat:
      put_sloppy_key(prng, out);
      keys = 0;
      base::put_u32(out, 3);
      out += prng.chance(1, 2) ? "1.5" : (prng.chance(1, 2) ? "nan" : "1e9");
      break;
    case OpCode::kRename:
      base::put_u8(out, static_cast<std::uint8_t>(prng.uniform(3)));  // flags
      keys = 2;
      break;
    case OpCode::kFlush:
    case OpCode::kStartVersions:
      keys = 0;
      break;
    case OpCode::kMSetNx:
      keys = 0;
      values = prng.uniform(3);
      base::put_u32(out, static_cast<std::uint32_t>(values));
      for (std::uint64_t i = 0; i < values; ++i) {
        put_sloppy_key(prng, out);
      }
      break;
    case OpCode::kWatch:
      base::put_u32(out, static_cast<std::uint32_t>(prng.uniform(4)));  // guarded ops
      keys = 0;
      values = prng.uniform(3);
      base::put_u32(out, static_cast<std::uint32_t>(values));
      for (std::uint64_t i = 0; i < values; ++i) {
        put_sloppy_key(prng, out);
        base::put_u64(out, prng.uniform(3));  // a version
      }
      values = 0;
      break;
    default:  // kPersist, or an unknown code: one key
      break;
  }
  for (std::uint64_t i = 0; i < keys; ++i) {
    put_sloppy_key(prng, out);
  }
  for (std::uint64_t i = 0; i < values; ++i) {
    put_sloppy_key(prng, out);  // a value
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

// Every object row on every kind of argument, in every position, on keys of every type:
// the rows parse what the client sent at apply time, so no argument may break the store.
TEST(CommandFuzzTest, objectOps_anyArgumentsAnswerAndKeepTheStoreValid) {
  base::Prng prng(2024);
  Store store;
  (void)store.apply(fuzz_seed_state());
  std::size_t errors = 0;
  for (int i = 0; i < 20000; ++i) {
    Command c{static_cast<std::uint64_t>(i), {random_object_op(prng)}};
    ASSERT_TRUE(validate_command(c).is_ok()) << validate_command(c).to_string();
    const std::vector<Reply> replies = store.apply(c);
    ASSERT_EQ(replies.size(), 1u);
    errors += replies[0].is_error() ? 1 : 0;
    if (i % 64 == 0) {
      store.check_invariants();
    }
    if (i % 500 == 0) {
      (void)store.apply(fuzz_seed_state());  // keep keys of every type around
    }
  }
  store.check_invariants();
  EXPECT_GT(errors, 0u);      // the argument pool makes many commands fail...
  EXPECT_LT(errors, 20000u);  // ...but not all
}

}  // namespace
}  // namespace helios::atlas
