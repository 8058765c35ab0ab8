// Raft message and hello bodies: the documented layout, round trips of every message type
// with and without entries, and every rejection of the strict decoder.
#include "wire/raft_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wire/frame.h"

namespace helios::wire {
namespace {

raft::Entry entry(Term term, Index index, raft::EntryType type, std::string data) {
  raft::Entry e;
  e.term = term;
  e.index = index;
  e.type = type;
  e.data = std::move(data);
  return e;
}

std::vector<raft::Entry> sample_entries() {
  std::string binary;
  for (int i = 255; i >= 0; --i) {
    binary.push_back(static_cast<char>(i));
  }
  return {
      entry(3, 7, raft::EntryType::kNoop, ""),
      entry(3, 8, raft::EntryType::kNormal, binary),
      entry(4, 9, raft::EntryType::kConfChange, std::string("\0x\0", 3)),
      entry(UINT64_MAX, UINT64_MAX, raft::EntryType::kNormal, ""),
  };
}

raft::Message message(raft::MessageType type, std::vector<raft::Entry> entries = {}) {
  raft::Message m;
  m.type = type;
  m.from = 1;
  m.to = 0x0203040506070809ull;
  m.term = 5;
  m.log_term = 4;
  m.index = 6;
  // kReadIndexResp has no commit index: the slot carries the leader's read time.
  (type == raft::MessageType::kReadIndexResp ? m.time_ms : m.commit) = UINT64_MAX;
  m.reject_hint = 3;
  m.reject = static_cast<int>(type) % 2 == 1;
  m.context = 0xdeadbeefcafef00dull;
  m.entries = std::move(entries);
  if (type == raft::MessageType::kSnapshot) {
    m.snapshot =
        raft::SnapshotMeta{.index = 900,
                           .term = 4,
                           .conf_state = raft::ConfState{
                               .voters = {1, 2, 3}, .learners = {7}, .voters_outgoing = {1, 2, 4}}};
  }
  return m;
}

// Little-endian bytes of v, written independently of base/bytes.h.
std::string le(std::uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  return out;
}

Status decode_status(std::string_view body) {
  Result<raft::Message> m = decode_message(body);
  return m.is_ok() ? Status::ok() : m.status();
}

void expect_invalid(std::string_view body, const std::string& words) {
  const Status s = decode_status(body);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
}

// Offsets in the message body (raft_codec.h).
constexpr std::size_t kRejectOffset = 57;
constexpr std::size_t kCountOffset = 66;
constexpr std::size_t kFixedBytes = 70;

TEST(RaftCodecTest, encodeMessage_layoutIsTheDocumentedOne) {
  raft::Message m = message(raft::MessageType::kAppendResp);
  m.entries = {entry(9, 10, raft::EntryType::kNoop, "ab")};
  const std::string want = le(1, 1) + le(m.from, 8) + le(m.to, 8) + le(5, 8) + le(4, 8) + le(6, 8) +
                           le(UINT64_MAX, 8) + le(3, 8) + le(1, 1) + le(m.context, 8) + le(1, 4) +
                           le(9, 8) + le(10, 8) + le(1, 1) + le(2, 4) + "ab";
  EXPECT_EQ(encode_message(m), want);
  EXPECT_EQ(want[kRejectOffset], 1);
  EXPECT_EQ(want[kCountOffset], 1);
  EXPECT_EQ(want.size(), kFixedBytes + 21 + 2);
}

// A follower's entries are slices of one copy of the received body: the body may be reused
// at once (the connection's read buffer is), and decoding allocates once, not per entry.
TEST(RaftCodecTest, decodeMessage_entriesAreSlicesOfOneCopyOfTheBody) {
  raft::Message m = message(raft::MessageType::kAppend, sample_entries());
  m.entries.push_back(entry(40, 3, raft::EntryType::kNormal, std::string(5000, 'q')));
  m.entries.push_back(entry(41, 3, raft::EntryType::kNormal, std::string(2000, 'r')));
  std::string body = encode_message(m);
  Result<raft::Message> back = decode_message(body);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  std::fill(body.begin(), body.end(), '\0');  // the received bytes are overwritten
  EXPECT_EQ(back.value(), m);
  const auto& got = back.value().entries;
  const std::size_t n = got.size();
  EXPECT_TRUE(got[n - 1].data.shares_buffer_with(got[n - 2].data));
  EXPECT_EQ(got[n - 2].data.data() + 5000 + 21, got[n - 1].data.data());  // adjacent slices
}

// The transport's encoding splices large entries' data (no copy) into the same bytes.
TEST(RaftCodecTest, appendMessage_intoAGatherBufferSplicesLargeDataIntoTheSameBytes) {
  raft::Message m = message(raft::MessageType::kAppend, sample_entries());
  m.entries.push_back(entry(40, 3, raft::EntryType::kNormal, std::string(5000, 'q')));
  m.entries.push_back(entry(41, 3, raft::EntryType::kNormal, "short"));
  m.entries.push_back(entry(42, 3, raft::EntryType::kNormal, std::string(512, 's')));
  base::GatherBuffer out("prefix");
  append_message(out, m);
  EXPECT_TRUE(out.has_splices());
  EXPECT_EQ(out.joined(), "prefix" + encode_message(m));
  EXPECT_EQ(out.bytes().size(), 6 + encode_message(m).size() - 5000 - 512);  // not copied
}

// The whole frame the transport writes (and the simulator's network carries): the frame of
// encode_message's body, with large data spliced in.
TEST(RaftCodecTest, encodeMessageFrame_isTheRaftFrameOfTheEncodedBody) {
  raft::Message m = message(raft::MessageType::kAppend, sample_entries());
  m.entries.push_back(entry(40, 3, raft::EntryType::kNormal, std::string(5000, 'q')));
  const base::GatherBuffer frame = encode_message_frame(m);
  EXPECT_TRUE(frame.has_splices());
  EXPECT_EQ(frame.joined(), encode_frame(FrameType::kRaft, encode_message(m)));
  FrameDecoder decoder;
  decoder.feed(frame.joined());
  Result<FrameView> view = decoder.next_view();
  ASSERT_TRUE(view.is_ok()) << view.status().to_string();
  EXPECT_EQ(view.value().type, FrameType::kRaft);
  EXPECT_EQ(decode_message(view.value().body).value(), m);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(RaftCodecTest, decodeMessage_roundTripsEveryTypeWithAndWithoutEntries) {
  for (int t = 0; t < raft::kMessageTypeCount; ++t) {
    const auto type = static_cast<raft::MessageType>(t);
    for (const raft::Message& m : {message(type), message(type, sample_entries())}) {
      const std::string body = encode_message(m);
      Result<raft::Message> back = decode_message(body);
      ASSERT_TRUE(back.is_ok()) << raft::describe(m) << ": " << back.status().to_string();
      EXPECT_EQ(back.value(), m) << raft::describe(m);
      EXPECT_EQ(encode_message(back.value()), body);
    }
  }
  const raft::Message zero;
  EXPECT_EQ(decode_message(encode_message(zero)).value(), zero);
}

// append_message writes encode_message's bytes after what `out` holds (a frame's header).
TEST(RaftCodecTest, appendMessage_appendsTheEncodingAfterAPrefix) {
  for (const raft::Message& m : {message(raft::MessageType::kAppend, sample_entries()),
                                 message(raft::MessageType::kHeartbeat)}) {
    std::string out = "prefix";
    append_message(out, m);
    EXPECT_EQ(out, "prefix" + encode_message(m));
  }
}

TEST(RaftCodecTest, readIndexResp_carriesTheReadTimeInTheCommitSlot) {
  raft::Message m = message(raft::MessageType::kReadIndexResp);
  m.time_ms = 1'765'000'000'123ull;
  const std::string body = encode_message(m);
  raft::Message as_commit = m;  // the same bytes as a message whose commit slot holds it
  as_commit.type = raft::MessageType::kHeartbeat;
  as_commit.time_ms = 0;
  as_commit.commit = m.time_ms;
  EXPECT_EQ(body.substr(1), encode_message(as_commit).substr(1));
  Result<raft::Message> back = decode_message(body);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value().time_ms, m.time_ms);
  EXPECT_EQ(back.value().commit, 0u);
  // From a leader that gives no time (a release before read times): 0, "none".
  m.time_ms = 0;
  EXPECT_EQ(decode_message(encode_message(m)).value().time_ms, 0u);
}

TEST(RaftCodecTest, decodeMessage_everyTruncationIsInvalid) {
  const std::string body = encode_message(message(raft::MessageType::kAppend, sample_entries()));
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_EQ(decode_status(std::string_view(body).substr(0, n)).code(), Code::kInvalidArgument)
        << n;
  }
}

TEST(RaftCodecTest, decodeMessage_unknownTypeIsInvalid) {
  for (int t : {raft::kMessageTypeCount, 100, 255}) {
    std::string body = encode_message(message(raft::MessageType::kVote));
    body[0] = static_cast<char>(t);
    expect_invalid(body, "unknown message type " + std::to_string(t));
  }
}

TEST(RaftCodecTest, decodeMessage_rejectOtherThanZeroOrOneIsInvalid) {
  for (int v : {2, 0x80, 255}) {
    std::string body = encode_message(message(raft::MessageType::kVoteResp));
    body[kRejectOffset] = static_cast<char>(v);
    expect_invalid(body, "reject");
  }
}

TEST(RaftCodecTest, decodeMessage_entryCountThatCannotFitIsInvalid) {
  // 4 billion entries announced in a 70-byte body: refused before anything is reserved.
  std::string body = encode_message(message(raft::MessageType::kAppend));
  body.replace(kCountOffset, 4, le(UINT32_MAX, 4));
  expect_invalid(body, "cannot fit");

  // Two empty entries' worth of bytes (42) but three announced.
  raft::Message m = message(raft::MessageType::kAppend);
  m.entries = {entry(1, 1, raft::EntryType::kNormal, ""), entry(1, 2, raft::EntryType::kNoop, "")};
  body = encode_message(m);
  body.replace(kCountOffset, 4, le(3, 4));
  expect_invalid(body, "entry count 3 cannot fit");

  // One entry announced, one byte short of the smallest entry.
  body = encode_message(message(raft::MessageType::kAppend));
  body.replace(kCountOffset, 4, le(1, 4));
  body += std::string(20, '\0');
  expect_invalid(body, "cannot fit");
  body += '\0';  // now exactly one empty kNormal entry
  EXPECT_TRUE(decode_status(body).is_ok());
}

TEST(RaftCodecTest, decodeMessage_unknownEntryTypeIsInvalid) {
  for (int t : {3, 4, 255}) {
    raft::Message m = message(raft::MessageType::kAppend);
    m.entries = {entry(1, 1, raft::EntryType::kNormal, "a"),
                 entry(1, 2, raft::EntryType::kNormal, "b")};
    std::string body = encode_message(m);
    body[kFixedBytes + 22 + 16] = static_cast<char>(t);  // second entry's type
    expect_invalid(body, "entry 1: unknown entry type " + std::to_string(t));
  }
}

TEST(RaftCodecTest, decodeMessage_dataLengthBeyondTheBodyIsInvalid) {
  raft::Message m = message(raft::MessageType::kAppend);
  m.entries = {entry(1, 1, raft::EntryType::kNormal, "abc")};
  std::string body = encode_message(m);
  const std::size_t length_at = kFixedBytes + 17;
  body.replace(length_at, 4, le(4, 4));
  expect_invalid(body, "entry 0: data length 4 exceeds the remaining 3 bytes");
  body.replace(length_at, 4, le(UINT32_MAX, 4));
  expect_invalid(body, "data length");
  // A shorter length leaves trailing bytes.
  body.replace(length_at, 4, le(2, 4));
  expect_invalid(body, "1 trailing bytes");
}

TEST(RaftCodecTest, decodeMessage_trailingBytesAreInvalid) {
  for (const raft::Message& m : {message(raft::MessageType::kHeartbeat),
                                 message(raft::MessageType::kAppend, sample_entries())}) {
    std::string body = encode_message(m);
    body.push_back('\0');
    expect_invalid(body, "1 trailing bytes");
    body += "more";
    expect_invalid(body, "5 trailing bytes");
  }
}

TEST(RaftCodecTest, encodeMessage_unknownTypeIsAProgrammerError) {
  raft::Message m;
  m.type = static_cast<raft::MessageType>(raft::kMessageTypeCount);
  EXPECT_DEATH((void)encode_message(m), "kMessageTypeCount");
}

// --- hello ---

Status hello_status(std::string_view body) {
  Result<HelloBody> h = decode_hello(body);
  return h.is_ok() ? Status::ok() : h.status();
}

std::string raw_hello(std::string_view cluster_id, NodeId node_id, std::uint16_t minor = 0) {
  return le(cluster_id.size(), 2) + std::string(cluster_id) + le(node_id, 8) + le(minor, 2);
}

TEST(HelloCodecTest, encodeHello_layoutIsTheDocumentedOne) {
  EXPECT_EQ(encode_hello(HelloBody{"prod-1", 3}), raw_hello("prod-1", 3));
  EXPECT_EQ(encode_hello(HelloBody{"prod-1", 3, 0x0102}), raw_hello("prod-1", 3, 0x0102));
}

// Any minor version is accepted: a peer of the same major with another minor may talk.
TEST(HelloCodecTest, decodeHello_anyMinorVersionDecodes) {
  for (std::uint16_t minor : {0, 1, 7, 65535}) {
    Result<HelloBody> h = decode_hello(raw_hello("c", 1, minor));
    ASSERT_TRUE(h.is_ok()) << h.status().to_string();
    EXPECT_EQ(h.value().minor, minor);
  }
}

// A hello of wire 1 (no minor version) is truncated for wire 2.
TEST(HelloCodecTest, decodeHello_wire1HelloIsTruncated) {
  const std::string v1 = le(1, 2) + "c" + le(1, 8);
  EXPECT_NE(hello_status(v1).message().find("truncated"), std::string::npos);
}

TEST(HelloCodecTest, decodeHello_roundTrips) {
  const std::string longest(128, 'z');
  for (const HelloBody& h : {HelloBody{"c", 1}, HelloBody{"Helios_cluster.A-9", UINT64_MAX, 3},
                             HelloBody{longest, 42, 65535}}) {
    const std::string body = encode_hello(h);
    Result<HelloBody> back = decode_hello(body);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(back.value(), h);
    EXPECT_EQ(encode_hello(back.value()), body);
  }
}

TEST(HelloCodecTest, decodeHello_clusterIdLengthOutOfRangeIsInvalid) {
  EXPECT_EQ(hello_status(raw_hello("", 1)).code(), Code::kInvalidArgument);
  const Status s = hello_status(raw_hello(std::string(129, 'a'), 1));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("1 to 128 bytes"), std::string::npos) << s.message();
  EXPECT_EQ(hello_status(raw_hello(std::string(65535, 'a'), 1)).code(), Code::kInvalidArgument);
}

TEST(HelloCodecTest, decodeHello_badClusterIdByteIsInvalid) {
  for (char c : {' ', '/', ':', '\0', '\n', '\x7f', '\x80', '\xff'}) {
    for (std::size_t at : {0, 3, 5}) {
      std::string id = "abcdef";
      id[at] = c;
      const Status s = hello_status(raw_hello(id, 1));
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << int(c) << " at " << at;
      EXPECT_NE(s.message().find("position " + std::to_string(at)), std::string::npos)
          << s.message();
    }
  }
}

TEST(HelloCodecTest, decodeHello_zeroNodeIdIsInvalid) {
  const Status s = hello_status(raw_hello("c", kNoNode));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("node id"), std::string::npos) << s.message();
}

TEST(HelloCodecTest, decodeHello_truncatedOrTrailingIsInvalid) {
  const std::string body = encode_hello(HelloBody{"cluster", 9});
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_EQ(hello_status(std::string_view(body).substr(0, n)).code(), Code::kInvalidArgument)
        << n;
  }
  EXPECT_NE(hello_status(body + "x").message().find("1 trailing bytes"), std::string::npos);
  // A length that claims more than the body holds.
  EXPECT_EQ(hello_status(le(200, 2) + "abc" + le(1, 8) + le(0, 2)).code(), Code::kInvalidArgument);
}

TEST(HelloCodecTest, encodeHello_invalidHelloIsAProgrammerError) {
  EXPECT_DEATH((void)encode_hello(HelloBody{"", 1}), "check_cluster_id");
  EXPECT_DEATH((void)encode_hello(HelloBody{"c", kNoNode}), "kNoNode");
}

TEST(RaftCodecTest, snapshotMessage_layoutAndEveryTruncation) {
  raft::Message m = message(raft::MessageType::kSnapshot);
  const std::string body = encode_message(m);
  // index, term, then the configuration (raft/membership.h) with its length in front.
  const std::string conf = le(1, 1) + le(3, 4) + le(1, 8) + le(2, 8) + le(3, 8) + le(1, 4) +
                           le(7, 8) + le(3, 4) + le(1, 8) + le(2, 8) + le(4, 8) + le(0, 4);
  const std::string meta = le(900, 8) + le(4, 8) + le(conf.size(), 4) + conf;
  ASSERT_EQ(body.size(), kFixedBytes + meta.size());
  EXPECT_EQ(body.substr(kFixedBytes), meta);
  for (std::size_t n = kFixedBytes; n < body.size(); ++n) {
    EXPECT_EQ(decode_status(std::string_view(body).substr(0, n)).code(), Code::kInvalidArgument)
        << n;
  }
}

TEST(RaftCodecTest, snapshotMessage_idCountBeyondTheBodyIsInvalid) {
  std::string body = encode_message(message(raft::MessageType::kSnapshot));
  // The configuration's length sits right after index and term; its voter count after the
  // length and the encoding's version byte.
  std::string bad = body;
  bad.replace(kFixedBytes + 16, 4, le(0xffffffffu, 4));
  expect_invalid(bad, "beyond the remaining bytes");
  bad = body;
  bad.replace(kFixedBytes + 21, 4, le(0xffffffffu, 4));
  expect_invalid(bad, "truncated or over the limit");
  bad.replace(kFixedBytes + 21, 4, le(4097, 4));
  expect_invalid(bad, "truncated or over the limit");
  bad = body;
  bad.replace(kFixedBytes + 25, 8, le(0, 8));  // voter id 0
  expect_invalid(bad, "id 0");
}

TEST(RaftCodecTest, snapshotMetaOnAnotherTypeIsAProgrammerError) {
  raft::Message m = message(raft::MessageType::kAppend);
  m.snapshot.index = 3;
  EXPECT_DEATH((void)encode_message(m), "snapshot");
}

}  // namespace
}  // namespace helios::wire
