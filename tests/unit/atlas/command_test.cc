// The Command codec: round trips of every op and flag combination, the pinned byte layout,
// validation of every rule and limit (at the boundary), and decode's refusal of every class
// of malformed input.
#include "atlas/command.h"
#include "atlas/objects.h"

#include <gtest/gtest.h>

#include <limits>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace helios::atlas {
namespace {

Command one(Op op, std::uint64_t stamp_ms = 1000) {
  Command c;
  c.stamp_ms = stamp_ms;
  c.ops.push_back(std::move(op));
  return c;
}

void expect_round_trip(const Command& c) {
  ASSERT_TRUE(validate_command(c).is_ok()) << validate_command(c).to_string();
  const std::string bytes = encode_command(c);
  EXPECT_EQ(bytes.size(), encoded_size(c));
  Result<Command> back = decode_command(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value(), c);
  EXPECT_EQ(encode_command(back.value()), bytes);
}

void expect_invalid(const Command& c, const std::string& needle) {
  const Status s = validate_command(c);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

void expect_undecodable(std::string_view bytes, const std::string& needle) {
  Result<Command> r = decode_command(bytes);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

// A hand-built encoding: header, then raw op bytes appended by the test.
std::string header(std::uint32_t op_count, std::uint8_t version = kCommandVersion) {
  std::string out;
  base::put_u8(out, version);
  base::put_u64(out, 77);
  base::put_u32(out, op_count);
  return out;
}

void put_string(std::string& out, std::string_view s) {
  base::put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

TEST(CommandTest, roundTrip_everySetFlagCombination) {
  for (int bits = 0; bits < 16; ++bits) {
    for (const std::uint64_t deadline_ms : {std::uint64_t{0}, std::uint64_t{5000}}) {
      const SetOp op{.key = "key",
                     .value = "value",
                     .deadline_ms = deadline_ms,
                     .nx = (bits & 1) != 0,
                     .xx = (bits & 2) != 0,
                     .keep_ttl = (bits & 4) != 0,
                     .get = (bits & 8) != 0};
      const bool valid = !(op.nx && op.xx) && !(op.keep_ttl && deadline_ms != 0);
      EXPECT_EQ(validate_command(one(op)).is_ok(), valid) << bits << " " << deadline_ms;
      if (valid) {
        expect_round_trip(one(op));
      }
    }
  }
}

TEST(CommandTest, roundTrip_everyExpireFlagCombination) {
  for (int bits = 0; bits < 16; ++bits) {
    const ExpireOp op{.key = "k",
                      .deadline_ms = 123456,
                      .nx = (bits & 1) != 0,
                      .xx = (bits & 2) != 0,
                      .gt = (bits & 4) != 0,
                      .lt = (bits & 8) != 0};
    const bool valid = !(op.nx && (op.xx || op.gt || op.lt)) && !(op.gt && op.lt);
    EXPECT_EQ(validate_command(one(op)).is_ok(), valid) << bits;
    if (valid) {
      expect_round_trip(one(op));
    }
  }
}

TEST(CommandTest, roundTrip_otherOpsAndExtremeValues) {
  constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
  expect_round_trip(one(DelOp{{"a", "b", "a", ""}}));
  expect_round_trip(one(PersistOp{"p"}));
  expect_round_trip(one(PersistOp{""}));
  expect_round_trip(one(IncrByOp{"n", 0}));
  expect_round_trip(one(IncrByOp{"n", std::numeric_limits<std::int64_t>::min()}));
  expect_round_trip(one(IncrByOp{"n", std::numeric_limits<std::int64_t>::max()}));
  expect_round_trip(one(DeleteIfExpiredOp{"d", 1}));
  expect_round_trip(one(DeleteIfExpiredOp{"d", kU64Max}, kU64Max));
  expect_round_trip(one(ExpireOp{"e", 0}));
  expect_round_trip(one(SetOp{std::string("\0\xff", 2), std::string("\r\n\0", 3)}, 0));
}

TEST(CommandTest, roundTrip_multiOpBatchKeepsOrder) {
  Command c;
  c.stamp_ms = 99;
  c.ops = {SetOp{"a", "1"}, IncrByOp{"a", 5}, ExpireOp{.key = "a", .deadline_ms = 500, .xx = true},
           PersistOp{"a"},  DelOp{{"a"}},     DeleteIfExpiredOp{"a", 10}};
  expect_round_trip(c);
  EXPECT_EQ(op_code(c.ops[0]), OpCode::kSet);
  EXPECT_EQ(op_code(c.ops[5]), OpCode::kDeleteIfExpired);
  EXPECT_STREQ(op_name(op_code(c.ops[1])), "INCRBY");
  EXPECT_STREQ(op_name(static_cast<OpCode>(0)), "UNKNOWN");
}

TEST(CommandTest, encode_pinsTheByteLayout) {
  // version 1, stamp 0x0102 (LE u64), 1 op; SET flags NX|GET, deadline 7, key "k", value "vv".
  SetOp op{"k", "vv", 7, true, false, false, true};
  const std::string expected = std::string("\x01", 1) +                  // version
                               std::string("\x02\x01\0\0\0\0\0\0", 8) +  // stamp
                               std::string("\x01\0\0\0", 4) +            // op count
                               std::string("\x01", 1) +                  // OpCode::kSet
                               std::string("\x09", 1) +                  // kSetNx | kSetGet
                               std::string("\x07\0\0\0\0\0\0\0", 8) +    // deadline
                               std::string("\x01\0\0\0k", 5) + std::string("\x02\0\0\0vv", 6);
  EXPECT_EQ(encode_command(one(op, 0x0102)), expected);
}

TEST(CommandTest, validate_rejectsBadFlagCombinations) {
  expect_invalid(one(SetOp{.key = "k", .value = "v", .nx = true, .xx = true}), "NX and XX");
  expect_invalid(one(SetOp{.key = "k", .value = "v", .deadline_ms = 10, .keep_ttl = true}),
                 "KEEPTTL");
  expect_invalid(one(ExpireOp{.key = "k", .deadline_ms = 10, .nx = true, .xx = true}),
                 "NX and XX, GT or LT");
  expect_invalid(one(ExpireOp{.key = "k", .deadline_ms = 10, .nx = true, .gt = true}),
                 "NX and XX, GT or LT");
  expect_invalid(one(ExpireOp{.key = "k", .deadline_ms = 10, .nx = true, .lt = true}),
                 "NX and XX, GT or LT");
  expect_invalid(one(ExpireOp{.key = "k", .deadline_ms = 10, .gt = true, .lt = true}), "GT and LT");
  expect_invalid(one(DeleteIfExpiredOp{"k", 0}), "without a deadline");
  expect_invalid(one(DelOp{}), "DEL of 0 keys");
  expect_invalid(Command{5, {}}, "0 ops");
}

TEST(CommandTest, validate_enforcesKeyAndValueLimitsAtTheBoundary) {
  const std::string max_key(kMaxKeyBytes, 'k');
  const std::string long_key(kMaxKeyBytes + 1, 'k');
  expect_round_trip(one(PersistOp{max_key}));
  expect_invalid(one(PersistOp{long_key}), "kMaxKeyBytes");
  expect_invalid(one(DelOp{{"a", long_key}}), "kMaxKeyBytes");
  expect_invalid(one(IncrByOp{long_key, 1}), "kMaxKeyBytes");
  expect_invalid(one(ExpireOp{long_key, 1}), "kMaxKeyBytes");
  expect_invalid(one(DeleteIfExpiredOp{long_key, 1}), "kMaxKeyBytes");
  expect_round_trip(one(SetOp{"k", std::string(kMaxValueBytes, 'v')}));
  expect_invalid(one(SetOp{"k", std::string(kMaxValueBytes + 1, 'v')}), "kMaxValueBytes");
  expect_invalid(one(SetOp{long_key, "v"}), "kMaxKeyBytes");
}

TEST(CommandTest, validate_enforcesCountAndSizeLimitsAtTheBoundary) {
  Command c{1, std::vector<Op>(kMaxOpsPerCommand, Op{PersistOp{"p"}})};
  expect_round_trip(c);
  c.ops.emplace_back(PersistOp{"p"});
  expect_invalid(c, "ops (1 to");

  DelOp del;
  del.keys.assign(kMaxKeysPerOp, "d");
  expect_round_trip(one(del));
  del.keys.emplace_back("d");
  expect_invalid(one(del), "DEL of");

  // Two largest values: each op is fine, the batch is not.
  Command big{
      1,
      {SetOp{"a", std::string(kMaxValueBytes, 'a')}, SetOp{"b", std::string(kMaxValueBytes, 'b')}}};
  EXPECT_GT(encoded_size(big), kMaxCommandBytes);
  expect_invalid(big, "kMaxCommandBytes");
}

TEST(CommandTest, decode_rejectsEveryTruncation) {
  Command c{42,
            {SetOp{"key", "value", 9}, DelOp{{"x", "y"}},
             ExpireOp{.key = "k", .deadline_ms = 5, .xx = true}, PersistOp{"p"}, IncrByOp{"n", -3},
             DeleteIfExpiredOp{"d", 4}, ReadOp{ReadKind::kGetRange, "r", -3, 7},
             AppendOp{"a", "tail"}, SetRangeOp{"s", 3, "mid"}, IncrByFloatOp{"f", "2.5"},
             RenameOp{"from", "to", true}, MSetNxOp{{"m", "n"}, {"1", "2"}}, FlushOp{}}};
  const std::string bytes = encode_command(c);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Result<Command> r = decode_command(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(r.is_ok()) << n;
    if (!r.is_ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    }
  }
  EXPECT_TRUE(decode_command(bytes).is_ok());
}

TEST(CommandTest, decode_rejectsHeaderProblems) {
  expect_undecodable("", "truncated");
  expect_undecodable(header(1, 0), "unsupported version 0");
  expect_undecodable(header(1, 2), "unsupported version 2");
  expect_undecodable(header(0), "0 ops");
  expect_undecodable(header(static_cast<std::uint32_t>(kMaxOpsPerCommand + 1)), "ops (1 to");
  // Claims 3 ops but holds one.
  std::string b = header(3);
  base::put_u8(b, static_cast<std::uint8_t>(OpCode::kPersist));
  put_string(b, "p");
  expect_undecodable(b, "truncated");
  // A huge claimed count must not make decode reserve memory for it.
  expect_undecodable(header(static_cast<std::uint32_t>(kMaxOpsPerCommand)), "truncated");
}

TEST(CommandTest, decode_rejectsUnknownOpCodesAndFlagBits) {
  for (const int code : {0, 18, 0x80, 0xff}) {
    std::string b = header(1);
    base::put_u8(b, static_cast<std::uint8_t>(code));
    put_string(b, "k");
    expect_undecodable(b, "unknown op code");
  }
  std::string set = header(1);
  base::put_u8(set, static_cast<std::uint8_t>(OpCode::kSet));
  base::put_u8(set, 0x10);
  base::put_u64(set, 0);
  put_string(set, "k");
  put_string(set, "v");
  expect_undecodable(set, "unknown SET flag bits");

  std::string expire = header(1);
  base::put_u8(expire, static_cast<std::uint8_t>(OpCode::kExpire));
  base::put_u8(expire, 0x80);
  base::put_u64(expire, 5);
  put_string(expire, "k");
  expect_undecodable(expire, "unknown EXPIRE flag bits");
}

TEST(CommandTest, decode_rejectsWellFormedButInvalidOps) {
  std::string set = header(1);
  base::put_u8(set, static_cast<std::uint8_t>(OpCode::kSet));
  base::put_u8(set, kSetNx | kSetXx);
  base::put_u64(set, 0);
  put_string(set, "k");
  put_string(set, "v");
  expect_undecodable(set, "NX and XX");

  std::string expire = header(1);
  base::put_u8(expire, static_cast<std::uint8_t>(OpCode::kExpire));
  base::put_u8(expire, kExpireGt | kExpireLt);
  base::put_u64(expire, 5);
  put_string(expire, "k");
  expect_undecodable(expire, "GT and LT");

  std::string die = header(1);
  base::put_u8(die, static_cast<std::uint8_t>(OpCode::kDeleteIfExpired));
  base::put_u64(die, 0);
  put_string(die, "k");
  expect_undecodable(die, "without a deadline");

  std::string del = header(1);
  base::put_u8(del, static_cast<std::uint8_t>(OpCode::kDel));
  base::put_u32(del, 0);
  expect_undecodable(del, "DEL of 0 keys");
}

TEST(CommandTest, decode_rejectsBadLengths) {
  std::string past_end = header(1);
  base::put_u8(past_end, static_cast<std::uint8_t>(OpCode::kPersist));
  base::put_u32(past_end, 10);
  past_end += "short";
  expect_undecodable(past_end, "runs past the end");

  std::string long_key = header(1);
  base::put_u8(long_key, static_cast<std::uint8_t>(OpCode::kPersist));
  base::put_u32(long_key, static_cast<std::uint32_t>(kMaxKeyBytes + 1));
  long_key += std::string(kMaxKeyBytes + 1, 'k');
  expect_undecodable(long_key, "key length");

  std::string long_value = header(1);
  base::put_u8(long_value, static_cast<std::uint8_t>(OpCode::kSet));
  base::put_u8(long_value, 0);
  base::put_u64(long_value, 0);
  put_string(long_value, "k");
  base::put_u32(long_value, 0xffffffffu);
  expect_undecodable(long_value, "value length");

  std::string many_keys = header(1);
  base::put_u8(many_keys, static_cast<std::uint8_t>(OpCode::kDel));
  base::put_u32(many_keys, static_cast<std::uint32_t>(kMaxKeysPerOp + 1));
  expect_undecodable(many_keys, "DEL of");
}

TEST(CommandTest, decode_rejectsTrailingBytesAndOversizedInput) {
  std::string b = encode_command(one(PersistOp{"p"}));
  b.push_back('\0');
  expect_undecodable(b, "trailing bytes");
  const std::string huge(kMaxCommandBytes + 1, '\x01');
  expect_undecodable(huge, "exceed kMaxCommandBytes");
}

// --- The string ops (READ, APPEND, SETRANGE, INCRBYFLOAT, RENAME, FLUSH, MSETNX) ---

TEST(CommandTest, roundTrip_everyReadKind) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (std::uint8_t what = 1; what <= kMaxReadKind; ++what) {
    const auto kind = static_cast<ReadKind>(what);
    expect_round_trip(one(ReadOp{kind, kind == ReadKind::kDbSize ? "" : "key"}));
  }
  expect_round_trip(one(ReadOp{ReadKind::kGet, ""}));  // the empty key is a key
  expect_round_trip(one(ReadOp{ReadKind::kGetRange, "k", kMin, kMax}));
  expect_round_trip(one(ReadOp{ReadKind::kGetRange, "k", -1, 0}));
}

TEST(CommandTest, roundTrip_writeOpsAndTheirExtremes) {
  expect_round_trip(one(AppendOp{"k", ""}));
  expect_round_trip(one(AppendOp{"", std::string("\0\r\n", 3)}));
  expect_round_trip(one(SetRangeOp{"k", 0, ""}));
  expect_round_trip(one(SetRangeOp{"k", kMaxValueBytes, "v"}));  // valid; apply refuses it
  for (const char* increment : {"1", "-1.5", "+.5", "5.", "3.0e3", "0x1p-3", "-0", "1e-4940",
                                "1e4932", "0.0000000000000000000000000000000000000000000000001"}) {
    expect_round_trip(one(IncrByFloatOp{"f", increment}));
  }
  expect_round_trip(one(IncrByFloatOp{"f", std::string(kMaxFloatIncrementBytes, '1')}));
  expect_round_trip(one(RenameOp{"a", "b"}));
  expect_round_trip(one(RenameOp{"a", "a", true}));
  expect_round_trip(one(RenameOp{"", ""}));
  expect_round_trip(one(FlushOp{}));
  expect_round_trip(one(MSetNxOp{{"a"}, {""}}));
  expect_round_trip(one(MSetNxOp{{"a", "b", "a"}, {"1", "2", "3"}}));
  Command batch{7, {FlushOp{}, FlushOp{}, ReadOp{ReadKind::kDbSize, ""}, FlushOp{}}};
  expect_round_trip(batch);
  EXPECT_EQ(encoded_size(batch), 13u + 1 + 1 + (1 + 1 + 8 + 8 + 4) + 1);
}

TEST(CommandTest, opCodesAndNames_followTheVariantOrder) {
  const std::vector<std::pair<Op, const char*>> ops = {{SetOp{}, "SET"},
                                                       {DelOp{}, "DEL"},
                                                       {ExpireOp{}, "EXPIRE"},
                                                       {PersistOp{}, "PERSIST"},
                                                       {IncrByOp{}, "INCRBY"},
                                                       {DeleteIfExpiredOp{}, "DELETE_IF_EXPIRED"},
                                                       {ReadOp{}, "READ"},
                                                       {AppendOp{}, "APPEND"},
                                                       {SetRangeOp{}, "SETRANGE"},
                                                       {IncrByFloatOp{}, "INCRBYFLOAT"},
                                                       {RenameOp{}, "RENAME"},
                                                       {FlushOp{}, "FLUSH"},
                                                       {MSetNxOp{}, "MSETNX"},
                                                       {AclOp{}, "ACL"},
                                                       {ObjOp{}, "OBJECT"},
                                                       {WatchOp{}, "WATCH"},
                                                       {StartVersionsOp{}, "START_VERSIONS"}};
  ASSERT_EQ(ops.size(), std::variant_size_v<Op>);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(op_code(ops[i].first)), i + 1);
    EXPECT_STREQ(op_name(op_code(ops[i].first)), ops[i].second);
  }
  EXPECT_STREQ(op_name(static_cast<OpCode>(18)), "UNKNOWN");
}

TEST(CommandTest, objOp_roundTripsAndIsCheckedAgainstItsRow) {
  const std::uint16_t hset = find_object_command("HSET")->code;
  expect_round_trip(one(ObjOp{hset, 0, {"h", "f", "v"}}, 7));
  expect_round_trip(one(ObjOp{find_object_command("HRANDFIELD")->code, 0xfeed, {"h"}}, 7));
  // The row's arity, an unknown code, the key and value limits.
  expect_invalid(one(ObjOp{hset, 0, {"h", "f"}}), "HSET with 2 arguments");
  expect_invalid(one(ObjOp{9999, 0, {"h"}}), "unknown object command 9999");
  expect_invalid(one(ObjOp{hset, 0, {std::string(kMaxKeyBytes + 1, 'k'), "f", "v"}}),
                 "kMaxKeyBytes");
  expect_invalid(one(ObjOp{hset, 0, {"h", "f", std::string(kMaxValueBytes + 1, 'v')}}),
                 "kMaxValueBytes");
  // Decoding applies the same rules: an unknown code is refused, never applied.
  std::string b = header(1);
  base::put_u8(b, static_cast<std::uint8_t>(OpCode::kObject));
  base::put_u16(b, 9999);
  base::put_u64(b, 0);
  base::put_u32(b, 1);
  base::put_u32(b, 1);
  b += "h";
  expect_undecodable(b, "unknown object command 9999");
  // A count beyond the input is refused, and nothing is reserved beyond the input.
  std::string lie = header(1);
  base::put_u8(lie, static_cast<std::uint8_t>(OpCode::kObject));
  base::put_u16(lie, hset);
  base::put_u64(lie, 0);
  base::put_u32(lie, 3);
  expect_undecodable(lie, "truncated");
}

TEST(CommandTest, aclOp_roundTripsAndIsBounded) {
  const Command c = one(AclOp{"table", {"SETUSER", "alice", "on", ">pw"}}, 7);
  ASSERT_TRUE(validate_command(c).is_ok());
  Result<Command> back = decode_command(encode_command(c));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value(), c);
  EXPECT_FALSE(validate_command(one(AclOp{"", {}}, 0)).is_ok());  // no words
  EXPECT_FALSE(
      validate_command(one(AclOp{"", {std::string(kMaxAclArgBytes + 1, 'x')}}, 0)).is_ok());
  EXPECT_FALSE(
      validate_command(one(AclOp{std::string(kMaxAclBytes + 1, 'x'), {"DELUSER"}}, 0)).is_ok());
  // A zero word count does not decode.
  std::string b = header(1);
  base::put_u8(b, static_cast<std::uint8_t>(OpCode::kAcl));
  put_string(b, "");
  base::put_u32(b, 0);
  expect_undecodable(b, "ACL op of 0 words");
}

TEST(CommandTest, encode_pinsTheLayoutOfTheStringOps) {
  const std::string head = std::string("\x01", 1) + std::string(8, '\0') + "\x01" + '\0' + '\0' +
                           '\0';  // version 1, stamp 0, one op
  // READ kGetRange, a = -1, b = 2, key "k".
  EXPECT_EQ(encode_command(one(ReadOp{ReadKind::kGetRange, "k", -1, 2}, 0)),
            head + "\x07\x06" + std::string(8, '\xff') + std::string("\x02\0\0\0\0\0\0\0", 8) +
                std::string("\x01\0\0\0k", 5));
  // RENAMENX "a" "bc".
  EXPECT_EQ(encode_command(one(RenameOp{"a", "bc", true}, 0)),
            head + "\x0b\x01" + std::string("\x01\0\0\0a", 5) + std::string("\x02\0\0\0bc", 6));
  // SETRANGE "k" 5 "v".
  EXPECT_EQ(encode_command(one(SetRangeOp{"k", 5, "v"}, 0)),
            head + "\x09" + std::string("\x05\0\0\0\0\0\0\0", 8) + std::string("\x01\0\0\0k", 5) +
                std::string("\x01\0\0\0v", 5));
  // FLUSH: the code alone. MSETNX: a pair count, then key, value.
  EXPECT_EQ(encode_command(one(FlushOp{}, 0)), head + "\x0c");
  EXPECT_EQ(encode_command(one(MSetNxOp{{"k"}, {"v"}}, 0)),
            head + "\x0d" + std::string("\x01\0\0\0", 4) + std::string("\x01\0\0\0k", 5) +
                std::string("\x01\0\0\0v", 5));
  // APPEND and INCRBYFLOAT: key then text.
  EXPECT_EQ(encode_command(one(AppendOp{"k", "v"}, 0)),
            head + "\x08" + std::string("\x01\0\0\0k", 5) + std::string("\x01\0\0\0v", 5));
  EXPECT_EQ(encode_command(one(IncrByFloatOp{"k", "1"}, 0)), head + "\x0a" +
                                                                 std::string("\x01\0\0\0k", 5) +
                                                                 std::string("\x01\0\0\0"
                                                                             "1",
                                                                             5));
}

TEST(CommandTest, validate_rejectsBadReads) {
  expect_invalid(one(ReadOp{static_cast<ReadKind>(0), "k"}), "READ of unknown kind 0");
  expect_invalid(one(ReadOp{static_cast<ReadKind>(10), "k"}), "READ of unknown kind 10");
  expect_invalid(one(ReadOp{ReadKind::kGet, "k", 1, 0}), "range arguments");
  expect_invalid(one(ReadOp{ReadKind::kStrlen, "k", 0, -1}), "range arguments");
  expect_invalid(one(ReadOp{ReadKind::kDbSize, "k"}), "database size with a key");
  expect_invalid(one(ReadOp{ReadKind::kExists, std::string(kMaxKeyBytes + 1, 'k')}),
                 "kMaxKeyBytes");
}

TEST(CommandTest, validate_rejectsBadWriteOps) {
  const std::string long_key(kMaxKeyBytes + 1, 'k');
  const std::string long_value(kMaxValueBytes + 1, 'v');
  expect_invalid(one(AppendOp{"k", long_value}), "kMaxValueBytes");
  expect_invalid(one(AppendOp{long_key, "v"}), "kMaxKeyBytes");
  expect_invalid(one(SetRangeOp{"k", kMaxValueBytes + 1, "v"}), "SETRANGE offset");
  expect_invalid(one(SetRangeOp{"k", std::numeric_limits<std::uint64_t>::max(), ""}),
                 "SETRANGE offset");
  expect_invalid(one(SetRangeOp{"k", 0, long_value}), "kMaxValueBytes");
  expect_invalid(one(SetRangeOp{long_key, 0, "v"}), "kMaxKeyBytes");
  expect_invalid(one(RenameOp{long_key, "b"}), "kMaxKeyBytes");
  expect_invalid(one(RenameOp{"a", long_key}), "kMaxKeyBytes");
  expect_invalid(one(MSetNxOp{}), "MSETNX of 0 keys");
  expect_invalid(one(MSetNxOp{{"a", "b"}, {"1"}}), "2 keys and 1 values");
  expect_invalid(one(MSetNxOp{{"a"}, {long_value}}), "kMaxValueBytes");
  expect_invalid(one(MSetNxOp{{long_key}, {"v"}}), "kMaxKeyBytes");
  MSetNxOp many;
  many.keys.assign(kMaxKeysPerOp, "k");
  many.values.assign(kMaxKeysPerOp, "v");
  expect_round_trip(one(many));
  many.keys.emplace_back("k");
  many.values.emplace_back("v");
  expect_invalid(one(many), "MSETNX of");
}

TEST(CommandTest, validate_rejectsIncrementsThatAreNotFiniteNumbers) {
  for (const std::string& bad :
       {std::string(""), std::string(" 1"), std::string("1 "), std::string("\t1"),
        std::string("1\0", 2), std::string("abc"), std::string("1.5x"), std::string("nan"),
        std::string("-nan"), std::string("inf"), std::string("-Infinity"), std::string("1e5000"),
        std::string("-1e5000"), std::string("1e-5000"), std::string("0x"), std::string("--1")}) {
    expect_invalid(one(IncrByFloatOp{"f", bad}), "not a finite number");
  }
  expect_invalid(one(IncrByFloatOp{"f", std::string(kMaxFloatIncrementBytes + 1, '1')}),
                 "kMaxFloatIncrementBytes");
  expect_invalid(one(IncrByFloatOp{std::string(kMaxKeyBytes + 1, 'k'), "1"}), "kMaxKeyBytes");
}

TEST(CommandTest, decode_rejectsMalformedStringOps) {
  for (const int what : {0, 10, 0xff}) {
    std::string b = header(1);
    base::put_u8(b, static_cast<std::uint8_t>(OpCode::kRead));
    base::put_u8(b, static_cast<std::uint8_t>(what));
    base::put_u64(b, 0);
    base::put_u64(b, 0);
    put_string(b, "k");
    expect_undecodable(b, "unknown READ kind");
  }
  std::string dbsize = header(1);
  base::put_u8(dbsize, static_cast<std::uint8_t>(OpCode::kRead));
  base::put_u8(dbsize, static_cast<std::uint8_t>(ReadKind::kDbSize));
  base::put_u64(dbsize, 0);
  base::put_u64(dbsize, 0);
  put_string(dbsize, "k");
  expect_undecodable(dbsize, "database size with a key");

  std::string get_with_range = header(1);
  base::put_u8(get_with_range, static_cast<std::uint8_t>(OpCode::kRead));
  base::put_u8(get_with_range, static_cast<std::uint8_t>(ReadKind::kGet));
  base::put_u64(get_with_range, 0);
  base::put_u64(get_with_range, 1);
  put_string(get_with_range, "k");
  expect_undecodable(get_with_range, "range arguments");

  std::string rename = header(1);
  base::put_u8(rename, static_cast<std::uint8_t>(OpCode::kRename));
  base::put_u8(rename, 0x02);
  put_string(rename, "a");
  put_string(rename, "b");
  expect_undecodable(rename, "unknown RENAME flag bits 2");

  std::string setrange = header(1);
  base::put_u8(setrange, static_cast<std::uint8_t>(OpCode::kSetRange));
  base::put_u64(setrange, kMaxValueBytes + 1);
  put_string(setrange, "k");
  put_string(setrange, "v");
  expect_undecodable(setrange, "SETRANGE offset");

  std::string long_increment = header(1);
  base::put_u8(long_increment, static_cast<std::uint8_t>(OpCode::kIncrByFloat));
  put_string(long_increment, "k");
  put_string(long_increment, std::string(kMaxFloatIncrementBytes + 1, '1'));
  expect_undecodable(long_increment, "INCRBYFLOAT increment length 65 exceeds 64");

  std::string nan_increment = header(1);
  base::put_u8(nan_increment, static_cast<std::uint8_t>(OpCode::kIncrByFloat));
  put_string(nan_increment, "k");
  put_string(nan_increment, "nan");
  expect_undecodable(nan_increment, "not a finite number");

  for (const std::uint32_t count : {std::uint32_t{0}, std::uint32_t{kMaxKeysPerOp + 1}}) {
    std::string msetnx = header(1);
    base::put_u8(msetnx, static_cast<std::uint8_t>(OpCode::kMSetNx));
    base::put_u32(msetnx, count);
    expect_undecodable(msetnx, "MSETNX of");
  }
  // A pair whose value is missing; a huge count over few bytes must not reserve for it.
  std::string half_pair = header(1);
  base::put_u8(half_pair, static_cast<std::uint8_t>(OpCode::kMSetNx));
  base::put_u32(half_pair, static_cast<std::uint32_t>(kMaxKeysPerOp));
  put_string(half_pair, "k");
  expect_undecodable(half_pair, "truncated");
}

TEST(CommandTest, decode_flushTakesNoBytes) {
  std::string b = header(2);
  base::put_u8(b, static_cast<std::uint8_t>(OpCode::kFlush));
  base::put_u8(b, static_cast<std::uint8_t>(OpCode::kFlush));
  Result<Command> r = decode_command(b);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r.value().ops, (std::vector<Op>{FlushOp{}, FlushOp{}}));
  b.push_back('\0');
  expect_undecodable(b, "trailing bytes");
}

}  // namespace
}  // namespace helios::atlas
