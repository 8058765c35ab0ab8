// The kForward / kForwardReply bodies (api/forward.h): the exact layout, round trips, and
// hostile input: every truncation of a valid request is refused (a reply's truncations are
// refused up to its header and otherwise decode to a shorter reply), bad protocol and exec
// bytes, zero counts, huge declared counts with few bytes behind them (refused without a
// large allocation: this binary watches the largest operator new), trailing bytes, and
// random corruption (never a crash; whatever decodes re-encodes to the same bytes). And
// forward_wait(): when a follower stops waiting for the answer to a forwarded write.
#include "api/forward.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/prng.h"

// ---- The largest allocation, watched on the test's own thread -----------------------------

namespace {
thread_local bool g_watching = false;
thread_local std::size_t g_largest = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (g_watching && n > g_largest) {
    g_largest = n;
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
// Not inlined: GCC would otherwise pair the inlined free() with `new` expressions and warn
// (-Wmismatched-new-delete), not knowing that this operator new is malloc.
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace helios::api {
namespace {

// The largest single allocation made while `fn` runs on this thread.
template <typename Fn>
std::size_t largest_allocation(Fn fn) {
  g_largest = 0;
  g_watching = true;
  fn();
  g_watching = false;
  return g_largest;
}

constexpr std::size_t kSmallAllocation = 64 * 1024;

std::string u32(std::uint32_t v) {
  std::string out;
  base::put_u32(out, v);
  return out;
}

std::string u64(std::uint64_t v) {
  std::string out;
  base::put_u64(out, v);
  return out;
}

// A request header with the given fields, for hand-made bodies.
std::string header(std::uint64_t id, std::uint8_t protocol, std::uint8_t exec,
                   std::uint32_t count) {
  return u64(id) + std::string(1, static_cast<char>(protocol)) +
         std::string(1, static_cast<char>(exec)) + u32(count);
}

// One encoded command: argc, then each argument's length and bytes.
std::string command(const std::vector<std::string>& argv) {
  std::string out = u32(static_cast<std::uint32_t>(argv.size()));
  for (const std::string& a : argv) {
    out += u32(static_cast<std::uint32_t>(a.size())) + a;
  }
  return out;
}

void expect_same(const ForwardRequest& a, const ForwardRequest& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.protocol, b.protocol);
  EXPECT_EQ(a.exec, b.exec);
  EXPECT_EQ(a.commands, b.commands);
}

std::vector<ForwardRequest> sample_requests() {
  std::vector<ForwardRequest> out;
  out.push_back({1, 2, false, {{"SET", "k", "v"}}});
  out.push_back({0, 3, false, {{"INCR", "counter"}}});
  out.push_back({UINT64_MAX, 2, true, {{"SET", "a", "1"}, {"INCR", "a"}, {"GET", "a"}}});
  out.push_back({42, 3, true, {{"MSET", "", "", "x", std::string("\0\r\n\xff", 4)}}});
  out.push_back({7, 2, false, {{"APPEND", "big", std::string(100'000, 'z')}}});
  ForwardRequest many{9, 2, true, {}};
  for (int i = 0; i < 300; ++i) {
    many.commands.push_back({"SET", "key:" + std::to_string(i), std::to_string(i * i)});
  }
  out.push_back(many);
  out.push_back({10, 3, false, {{""}}});  // one empty argument: decodes (arity is checked later)
  return out;
}

Status decode_status(std::string_view body) {
  return decode_forward_request(body).status();
}

// ---- ForwardRequest -----------------------------------------------------------------------

TEST(ForwardRequestTest, LayoutIsAsDocumented) {
  const ForwardRequest r{0x0807060504030201ULL, 3, true, {{"GET", "k"}, {"A"}}};
  const std::string want = std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8) +  // id
                           std::string("\x03\x01", 2) +                          // protocol, exec
                           std::string("\x02\x00\x00\x00", 4) +                  // 2 commands
                           std::string("\x02\x00\x00\x00", 4) +                  // argc 2
                           std::string("\x03\x00\x00\x00", 4) + "GET" +          //
                           std::string("\x01\x00\x00\x00", 4) + "k" +            //
                           std::string("\x01\x00\x00\x00", 4) +                  // argc 1
                           std::string("\x01\x00\x00\x00", 4) + "A";
  EXPECT_EQ(encode_forward_request(r), want);
  EXPECT_EQ(header(0x0807060504030201ULL, 3, 1, 2) + command({"GET", "k"}) + command({"A"}), want);
}

TEST(ForwardRequestTest, RoundTrips) {
  for (const ForwardRequest& r : sample_requests()) {
    const std::string bytes = encode_forward_request(r);
    Result<ForwardRequest> back = decode_forward_request(bytes);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    expect_same(back.value(), r);
    EXPECT_EQ(encode_forward_request(back.value()), bytes);
  }
}

TEST(ForwardRequestTest, EveryTruncationIsRefused) {
  for (const ForwardRequest& r : sample_requests()) {
    const std::string bytes = encode_forward_request(r);
    // Every prefix of the short ones; for the long ones, every prefix around the structure
    // (the first and last KiB) and a stride through the middle.
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      if (bytes.size() > 4096 && n > 1024 && n + 1024 < bytes.size() && n % 97 != 0) {
        continue;
      }
      const Status s = decode_status(std::string_view(bytes).substr(0, n));
      ASSERT_FALSE(s.is_ok()) << "prefix of " << n << " of " << bytes.size() << " bytes";
      EXPECT_EQ(s.code(), Code::kInvalidArgument);
    }
  }
}

TEST(ForwardRequestTest, TrailingBytesAreRefused) {
  for (const ForwardRequest& r : sample_requests()) {
    const std::string bytes = encode_forward_request(r);
    for (const std::string& extra :
         {std::string(1, '\0'), std::string("x"), u32(0), u32(1), command({"GET", "k"})}) {
      EXPECT_FALSE(decode_forward_request(bytes + extra).is_ok()) << extra.size();
    }
  }
}

TEST(ForwardRequestTest, ProtocolAndExecBytes) {
  const std::string body = command({"GET", "k"});
  for (int protocol = 0; protocol < 256; ++protocol) {
    for (int exec = 0; exec < 256; ++exec) {
      const bool valid = (protocol == 2 || protocol == 3) && exec <= 1;
      Result<ForwardRequest> r = decode_forward_request(
          header(5, static_cast<std::uint8_t>(protocol), static_cast<std::uint8_t>(exec), 1) +
          body);
      ASSERT_EQ(r.is_ok(), valid) << "protocol " << protocol << " exec " << exec;
      if (valid) {
        EXPECT_EQ(r.value().protocol, protocol);
        EXPECT_EQ(r.value().exec, exec == 1);
      }
    }
  }
}

TEST(ForwardRequestTest, ZeroCountsAreRefused) {
  EXPECT_FALSE(decode_forward_request(header(1, 2, 0, 0)).is_ok());
  EXPECT_FALSE(decode_forward_request(header(1, 2, 1, 0)).is_ok());
  EXPECT_FALSE(decode_forward_request(header(1, 2, 0, 0) + command({"GET", "k"})).is_ok());
  EXPECT_FALSE(decode_forward_request(header(1, 2, 0, 1) + u32(0)).is_ok());
  EXPECT_FALSE(decode_forward_request(header(1, 2, 1, 2) + command({"GET", "k"}) + u32(0)).is_ok());
  // argc 0 followed by what would have been a command.
  EXPECT_FALSE(decode_forward_request(header(1, 2, 0, 1) + u32(0) + u32(1) + "x").is_ok());
}

TEST(ForwardRequestTest, ArgumentsOfZeroLengthAreFine) {
  Result<ForwardRequest> r = decode_forward_request(header(3, 2, 0, 1) + u32(2) + u32(0) + u32(0));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r.value().commands.size(), 1u);
  EXPECT_EQ(r.value().commands[0], (std::vector<std::string>{"", ""}));
}

TEST(ForwardRequestTest, HugeDeclaredCountsWithFewBytesAreRefusedCheaply) {
  const std::vector<std::string> bodies = {
      // 4 billion commands, one present.
      header(1, 2, 0, UINT32_MAX) + command({"GET", "k"}),
      header(1, 2, 0, UINT32_MAX) + command({"GET", "k"}) + command({"GET", "k"}),
      // 4 billion arguments, a few bytes.
      header(1, 2, 0, 1) + u32(UINT32_MAX) + u32(1) + "x",
      header(1, 2, 0, 1) + u32(UINT32_MAX),
      header(1, 2, 0, 2) + command({"GET", "k"}) + u32(0x40000000) + std::string(64, '\0'),
      // An argument of 4 GiB, or of one byte more than is left.
      header(1, 2, 0, 1) + u32(1) + u32(UINT32_MAX) + "abc",
      header(1, 2, 0, 1) + u32(1) + u32(4) + "abc",
      header(1, 2, 0, 1) + u32(2) + u32(3) + "GET" + u32(0x7fffffff) + std::string(100, 'k'),
      // argc one more than the bytes left could hold (4 bytes per argument at least).
      header(1, 2, 0, 1) + u32(3) + u32(0) + u32(0),
  };
  for (const std::string& body : bodies) {
    const std::size_t largest =
        largest_allocation([&]() { EXPECT_FALSE(decode_forward_request(body).is_ok()); });
    EXPECT_LT(largest, kSmallAllocation) << body.size() << "-byte body";
  }
  // A genuinely large argument costs its own size, and only that.
  const std::string big = header(1, 2, 0, 1) + command({"SET", "k", std::string(1 << 20, 'v')});
  const std::size_t largest =
      largest_allocation([&]() { EXPECT_TRUE(decode_forward_request(big).is_ok()); });
  EXPECT_LT(largest, 2u << 20);
}

TEST(ForwardRequestTest, RandomCorruptionNeverCrashesAndWhatDecodesIsCanonical) {
  base::Prng prng(0xf0f0);
  const std::vector<ForwardRequest> samples = sample_requests();
  int decoded = 0;
  for (int round = 0; round < 20'000; ++round) {
    const ForwardRequest& r = samples[prng.uniform(samples.size())];
    std::string bytes = encode_forward_request(r);
    if (bytes.size() > 4096) {
      continue;
    }
    const std::uint64_t edits = prng.range(1, 4);
    for (std::uint64_t e = 0; e < edits; ++e) {
      const std::size_t at = prng.uniform(bytes.size());
      switch (prng.uniform(3)) {
        case 0:
          bytes[at] = static_cast<char>(prng.uniform(256));
          break;
        case 1:
          bytes.erase(at, 1);
          break;
        default:
          bytes.insert(at, 1, static_cast<char>(prng.uniform(256)));
          break;
      }
      if (bytes.empty()) {
        break;
      }
    }
    Result<ForwardRequest> back = decode_forward_request(bytes);
    if (back.is_ok()) {
      ++decoded;
      EXPECT_EQ(encode_forward_request(back.value()), bytes);
      EXPECT_FALSE(back.value().commands.empty());
      for (const std::vector<std::string>& argv : back.value().commands) {
        EXPECT_FALSE(argv.empty());
      }
    }
  }
  EXPECT_GT(decoded, 0);  // some edits (inside an argument's bytes) leave it valid
}

// ---- ForwardReply -------------------------------------------------------------------------

std::vector<ForwardReply> sample_replies() {
  return {
      {1, ForwardOutcome::kReply, "+OK\r\n"},
      {0, ForwardOutcome::kReply, ""},
      {UINT64_MAX, ForwardOutcome::kNotLeader, ""},
      {77, ForwardOutcome::kReply, "*2\r\n$1\r\na\r\n$-1\r\n"},
      {78, ForwardOutcome::kReply, std::string("$3\r\n\0\xff\n\r\n", 9)},
      {79, ForwardOutcome::kReply, "-UNCERTAIN the write was proposed\r\n"},
  };
}

TEST(ForwardReplyTest, LayoutIsAsDocumented) {
  const ForwardReply r{0x0102030405060708ULL, ForwardOutcome::kNotLeader, "xy"};
  EXPECT_EQ(encode_forward_reply(r), std::string("\x08\x07\x06\x05\x04\x03\x02\x01\x01xy", 11));
  EXPECT_EQ(encode_forward_reply({5, ForwardOutcome::kReply, ":1\r\n"}),
            u64(5) + std::string(1, '\0') + ":1\r\n");
}

TEST(ForwardReplyTest, RoundTrips) {
  for (const ForwardReply& r : sample_replies()) {
    const std::string bytes = encode_forward_reply(r);
    EXPECT_EQ(bytes.size(), 9 + r.reply.size());
    Result<ForwardReply> back = decode_forward_reply(bytes);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(back.value().id, r.id);
    EXPECT_EQ(back.value().outcome, r.outcome);
    EXPECT_EQ(back.value().reply, r.reply);
  }
}

// The reply bytes are "the rest": a truncation inside them decodes to the shorter reply (the
// frame layer, not this codec, guarantees whole bodies); one inside the header is refused.
TEST(ForwardReplyTest, TruncationsAreRefusedInTheHeaderAndShortenTheReplyAfterIt) {
  for (const ForwardReply& r : sample_replies()) {
    const std::string bytes = encode_forward_reply(r);
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
      Result<ForwardReply> back = decode_forward_reply(std::string_view(bytes).substr(0, n));
      if (n < 9) {
        ASSERT_FALSE(back.is_ok()) << n;
        EXPECT_EQ(back.status().code(), Code::kInvalidArgument);
        continue;
      }
      ASSERT_TRUE(back.is_ok()) << n;
      EXPECT_EQ(back.value().id, r.id);
      EXPECT_EQ(back.value().outcome, r.outcome);
      EXPECT_EQ(back.value().reply, r.reply.substr(0, n - 9));
    }
  }
}

TEST(ForwardReplyTest, UnknownOutcomesAreRefused) {
  for (int outcome = 0; outcome < 256; ++outcome) {
    Result<ForwardReply> r =
        decode_forward_reply(u64(3) + std::string(1, static_cast<char>(outcome)) + "+OK\r\n");
    EXPECT_EQ(r.is_ok(), outcome <= 1) << outcome;
  }
}

TEST(ForwardReplyTest, TrailingBytesBelongToTheReply) {
  const std::string bytes = encode_forward_reply({4, ForwardOutcome::kReply, "+OK\r\n"});
  Result<ForwardReply> r = decode_forward_reply(bytes + "junk");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().reply, "+OK\r\njunk");
}

TEST(ForwardReplyTest, LargeRepliesCostTheirOwnSize) {
  const std::string bytes =
      encode_forward_reply({4, ForwardOutcome::kReply, std::string(1 << 20, 'r')});
  const std::size_t largest =
      largest_allocation([&]() { EXPECT_TRUE(decode_forward_reply(bytes).is_ok()); });
  EXPECT_LT(largest, 2u << 20);
}

TEST(ForwardRequestTest, TheIdIsReadFromTheFirstEightBytes) {
  for (const ForwardRequest& r : sample_requests()) {
    Result<std::uint64_t> id = forward_request_id(encode_forward_request(r));
    ASSERT_TRUE(id.is_ok());
    EXPECT_EQ(id.value(), r.id);
  }
  EXPECT_FALSE(forward_request_id(u64(9).substr(0, 7)).is_ok());
}

// ---- When a follower stops waiting for a forwarded write ----------------------------------

TEST(ForwardWaitTest, TheSameLeaderTermAndConnectionKeepWaiting) {
  const ForwardView sent{2, 5, true, 3};
  EXPECT_EQ(forward_wait(sent, sent), ForwardWait::kWait);
  // A connection that is down but was not lost since (never up, reconnecting before the
  // frame left): its queue is sent once it is up.
  EXPECT_EQ(forward_wait(sent, {2, 5, false, 3}), ForwardWait::kWait);
}

TEST(ForwardWaitTest, ALostConnectionGivesUpAtOnce) {
  const ForwardView sent{2, 5, true, 3};
  EXPECT_EQ(forward_wait(sent, {2, 5, false, 4}), ForwardWait::kGiveUpNow);
  EXPECT_EQ(forward_wait(sent, {2, 5, true, 4}), ForwardWait::kGiveUpNow);  // lost, back up
  EXPECT_EQ(forward_wait(sent, {3, 6, true, 4}), ForwardWait::kGiveUpNow);
  // A link replaced by a new one (the peer moved) starts counting again.
  EXPECT_EQ(forward_wait(sent, {2, 5, true, 0}), ForwardWait::kGiveUpNow);
}

TEST(ForwardWaitTest, ANewLeaderOrTermGivesTheOldLeaderAGraceOnlyWhileConnected) {
  const ForwardView sent{2, 5, true, 3};
  EXPECT_EQ(forward_wait(sent, {3, 6, true, 3}), ForwardWait::kGrace);
  EXPECT_EQ(forward_wait(sent, {kNoNode, 6, true, 3}), ForwardWait::kGrace);  // election
  EXPECT_EQ(forward_wait(sent, {2, 6, true, 3}), ForwardWait::kGrace);  // the same, re-elected
  EXPECT_EQ(forward_wait(sent, {3, 6, false, 3}), ForwardWait::kGiveUpNow);
  EXPECT_EQ(forward_wait(sent, {kNoNode, 5, false, 3}), ForwardWait::kGiveUpNow);
}

}  // namespace
}  // namespace helios::api
