#include "wire/raft_codec.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/gather_buffer.h"
#include "raft/membership.h"
#include "wire/frame.h"

namespace helios::wire {

namespace {

// The message's fixed part: type, 7 u64 fields, reject, context, entry count.
constexpr std::size_t kMessageFixedBytes = 1 + 7 * 8 + 1 + 8 + 4;
// An entry's fixed part: term, index, type, data length. An entry is at least this long, so
// a count of entries that cannot fit in the remaining bytes is refused before any reserve().
constexpr std::size_t kEntryFixedBytes = 8 + 8 + 1 + 4;
static_assert(kMessageFixedBytes == 70);
static_assert(kEntryFixedBytes == 21);

constexpr std::uint8_t kMaxEntryType = static_cast<std::uint8_t>(raft::EntryType::kConfChange);

constexpr std::size_t kMaxClusterIdBytes = 128;
constexpr std::size_t kHelloLengthBytes = 2;

Status invalid(std::string why) {
  return Status(Code::kInvalidArgument, std::move(why));
}

bool is_cluster_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// OK if `id` is 1 to kMaxClusterIdBytes bytes of [A-Za-z0-9._-]. The id is not echoed in the
// message: it came from the network and may hold anything.
Status check_cluster_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxClusterIdBytes) {
    return invalid("hello: cluster id must be 1 to " + std::to_string(kMaxClusterIdBytes) +
                   " bytes long (got " + std::to_string(id.size()) + ")");
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (!is_cluster_id_char(id[i])) {
      return invalid("hello: cluster id may hold only [A-Za-z0-9._-] (bad byte at position " +
                     std::to_string(i) + ")");
    }
  }
  return Status::ok();
}

std::string& bytes_of(std::string& out) {
  return out;
}
std::string& bytes_of(base::GatherBuffer& out) {
  return out.bytes();
}
void append_data(std::string& out, const base::SharedBytes& data) {
  out.append(data.view());
}
void append_data(base::GatherBuffer& out, const base::SharedBytes& data) {
  out.append(data);  // spliced if large
}
// What encoding `data` adds to out's own buffer (the rest is spliced).
std::size_t copied_size(const std::string& /*out*/, const base::SharedBytes& data) {
  return data.size();
}
std::size_t copied_size(const base::GatherBuffer& /*out*/, const base::SharedBytes& data) {
  return data.size() < base::GatherBuffer::kSpliceMinBytes ? data.size() : 0;
}

template <typename Out>
void encode_entry(Out& out, const raft::Entry& e) {
  const auto type = static_cast<std::uint8_t>(e.type);
  HELIOS_ASSERT(type <= kMaxEntryType);
  HELIOS_ASSERT(e.data.size() <= UINT32_MAX);
  std::string& bytes = bytes_of(out);
  base::put_u64(bytes, e.term);
  base::put_u64(bytes, e.index);
  base::put_u8(bytes, type);
  base::put_u32(bytes, static_cast<std::uint32_t>(e.data.size()));
  append_data(out, e.data);
}

Status invalid_entry(std::uint32_t i, const std::string& why) {
  return invalid("entry " + std::to_string(i) + ": " + why);
}

// Decodes entry number `i` (named in errors) at the reader's position.
// The entry's data is a slice of `owner`, which holds the bytes the reader reads.
Result<raft::Entry> decode_entry(base::Reader& r, std::uint32_t i,
                                 const std::shared_ptr<const std::string>& owner) {
  raft::Entry e;
  e.term = r.u64();
  e.index = r.u64();
  const std::uint8_t type = r.u8();
  const std::uint32_t length = r.u32();
  if (!r.ok()) {
    return invalid_entry(i, "truncated");
  }
  if (type > kMaxEntryType) {
    return invalid_entry(i, "unknown entry type " + std::to_string(type));
  }
  if (length > r.remaining()) {
    return invalid_entry(i, "data length " + std::to_string(length) + " exceeds the remaining " +
                                std::to_string(r.remaining()) + " bytes");
  }
  e.type = static_cast<raft::EntryType>(type);
  e.data = base::SharedBytes(owner, r.bytes(length));
  HELIOS_ASSERT(r.ok());
  return e;
}

Result<std::vector<raft::Entry>> decode_entries(base::Reader& r, std::uint32_t count,
                                                const std::shared_ptr<const std::string>& owner) {
  if (count > r.remaining() / kEntryFixedBytes) {
    return invalid("entry count " + std::to_string(count) + " cannot fit in the remaining " +
                   std::to_string(r.remaining()) + " bytes");
  }
  std::vector<raft::Entry> entries;
  entries.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Result<raft::Entry> e = decode_entry(r, i, owner);
    if (!e.is_ok()) {
      return e.status();
    }
    entries.push_back(std::move(e).value());
  }
  return entries;
}

void encode_snapshot_meta(std::string& out, const raft::SnapshotMeta& meta) {
  base::put_u64(out, meta.index);
  base::put_u64(out, meta.term);
  const std::string conf = raft::encode_conf_state(meta.conf_state);
  base::put_u32(out, static_cast<std::uint32_t>(conf.size()));
  out.append(conf);
}

Status decode_snapshot_meta(base::Reader& r, raft::SnapshotMeta& meta) {
  meta.index = r.u64();
  meta.term = r.u64();
  const std::uint32_t conf_bytes = r.u32();
  if (!r.ok()) {
    return invalid("snapshot: index, term or configuration length truncated");
  }
  if (conf_bytes > r.remaining()) {
    return invalid("snapshot: configuration of " + std::to_string(conf_bytes) +
                   " bytes is beyond the remaining bytes");
  }
  Result<raft::ConfState> conf = raft::decode_conf_state(r.bytes(conf_bytes));
  if (!conf.is_ok()) {
    return invalid("snapshot: " + conf.status().message());
  }
  meta.conf_state = std::move(conf).value();
  return Status::ok();
}

}  // namespace

std::string encode_message(const raft::Message& m) {
  std::string out;
  append_message(out, m);
  return out;
}

namespace {

template <typename Out>
void append_message_to(Out& out, const raft::Message& m) {
  const auto type = static_cast<std::uint8_t>(m.type);
  HELIOS_ASSERT(type < raft::kMessageTypeCount);
  HELIOS_ASSERT(m.entries.size() <= UINT32_MAX);
  std::size_t size = kMessageFixedBytes;
  std::size_t copied = kMessageFixedBytes;
  for (const raft::Entry& e : m.entries) {
    size += kEntryFixedBytes + e.data.size();
    copied += kEntryFixedBytes + copied_size(out, e.data);
  }

  const std::size_t start = out.size();
  std::string& bytes = bytes_of(out);
  bytes.reserve(bytes.size() + copied);
  base::put_u8(bytes, type);
  base::put_u64(bytes, m.from);
  base::put_u64(bytes, m.to);
  base::put_u64(bytes, m.term);
  base::put_u64(bytes, m.log_term);
  base::put_u64(bytes, m.index);
  // kReadIndexResp carries no commit index: its slot holds the read time.
  const bool timed = m.type == raft::MessageType::kReadIndexResp;
  HELIOS_ASSERT(timed ? m.commit == 0 : m.time_ms == 0);
  base::put_u64(bytes, timed ? m.time_ms : m.commit);
  base::put_u64(bytes, m.reject_hint);
  base::put_u8(bytes, m.reject ? 1 : 0);
  base::put_u64(bytes, m.context);
  base::put_u32(bytes, static_cast<std::uint32_t>(m.entries.size()));
  HELIOS_ASSERT(out.size() - start == kMessageFixedBytes);
  for (const raft::Entry& e : m.entries) {
    encode_entry(out, e);
  }
  HELIOS_ASSERT(out.size() - start == size);
  if (m.type == raft::MessageType::kSnapshot) {
    encode_snapshot_meta(bytes, m.snapshot);
  } else {
    HELIOS_ASSERT(m.snapshot == raft::SnapshotMeta{});
  }
}

}  // namespace

void append_message(std::string& out, const raft::Message& m) {
  append_message_to(out, m);
}

void append_message(base::GatherBuffer& out, const raft::Message& m) {
  append_message_to(out, m);
}

base::GatherBuffer encode_message_frame(const raft::Message& m) {
  base::GatherBuffer frame(std::string(kFrameHeaderSize, '\0'));
  append_message_to(frame, m);
  seal_frame(FrameType::kRaft, frame);
  return frame;
}

namespace {
std::atomic<bool> g_vote_refusal_lost{false};
}  // namespace

void plant_vote_refusal_lost(bool on) {
  g_vote_refusal_lost.store(on, std::memory_order_relaxed);
}

Result<raft::Message> decode_message(std::string_view body) {
  // Entries are decoded as slices of one copy of the body: one allocation per message, none
  // per entry.
  std::shared_ptr<const std::string> owner;
  if (body.size() >= kMessageFixedBytes &&
      base::load_u32(body.data() + kMessageFixedBytes - 4) != 0) {
    owner = std::make_shared<const std::string>(body);
    body = *owner;
  }
  base::Reader r(body);
  raft::Message m;
  const std::uint8_t type = r.u8();
  m.from = r.u64();
  m.to = r.u64();
  m.term = r.u64();
  m.log_term = r.u64();
  m.index = r.u64();
  m.commit = r.u64();
  m.reject_hint = r.u64();
  const std::uint8_t reject = r.u8();
  m.context = r.u64();
  const std::uint32_t count = r.u32();
  if (!r.ok()) {
    return invalid("message body of " + std::to_string(body.size()) +
                   " bytes is truncated (at least " + std::to_string(kMessageFixedBytes) +
                   " needed)");
  }
  if (type >= raft::kMessageTypeCount) {
    return invalid("unknown message type " + std::to_string(type));
  }
  if (reject > 1) {
    return invalid("message reject flag must be 0 or 1 (got " + std::to_string(reject) + ")");
  }
  m.type = static_cast<raft::MessageType>(type);
  m.reject = reject == 1;
  if ((m.type == raft::MessageType::kVoteResp || m.type == raft::MessageType::kPreVoteResp) &&
      g_vote_refusal_lost.load(std::memory_order_relaxed)) {
    m.reject = false;  // PLANTED BUG (simulator): a refused vote counts as granted
  }
  if (m.type == raft::MessageType::kReadIndexResp) {
    m.time_ms = std::exchange(m.commit, 0);
  }

  Result<std::vector<raft::Entry>> entries = decode_entries(r, count, owner);
  if (!entries.is_ok()) {
    return entries.status();
  }
  m.entries = std::move(entries).value();
  if (m.type == raft::MessageType::kSnapshot) {
    if (Status s = decode_snapshot_meta(r, m.snapshot); !s.is_ok()) {
      return s;
    }
  }
  if (r.remaining() != 0) {
    return invalid(std::to_string(r.remaining()) + " trailing bytes after the message");
  }
  return m;
}

std::string encode_hello(const HelloBody& hello) {
  HELIOS_ASSERT(check_cluster_id(hello.cluster_id).is_ok());
  HELIOS_ASSERT(hello.node_id != kNoNode);
  std::string out;
  out.reserve(kHelloLengthBytes + hello.cluster_id.size() + 10);
  base::put_u8(out, static_cast<std::uint8_t>(hello.cluster_id.size() & 0xff));
  base::put_u8(out, static_cast<std::uint8_t>(hello.cluster_id.size() >> 8));
  out.append(hello.cluster_id);
  base::put_u64(out, hello.node_id);
  base::put_u8(out, static_cast<std::uint8_t>(hello.minor & 0xff));
  base::put_u8(out, static_cast<std::uint8_t>(hello.minor >> 8));
  return out;
}

Result<HelloBody> decode_hello(std::string_view body) {
  base::Reader r(body);
  const std::uint8_t length_lo = r.u8();
  const std::uint8_t length_hi = r.u8();
  const std::size_t length = length_lo | (static_cast<std::size_t>(length_hi) << 8);
  const std::string_view cluster_id = r.bytes(length);
  const NodeId node_id = r.u64();
  const std::uint8_t minor_lo = r.u8();
  const std::uint8_t minor_hi = r.u8();
  if (!r.ok()) {
    return invalid("hello body of " + std::to_string(body.size()) + " bytes is truncated");
  }
  if (Status s = check_cluster_id(cluster_id); !s.is_ok()) {
    return s;
  }
  if (node_id == kNoNode) {
    return invalid("hello: node id must be non-zero");
  }
  if (r.remaining() != 0) {
    return invalid(std::to_string(r.remaining()) + " trailing bytes after the hello");
  }
  return HelloBody{std::string(cluster_id), node_id,
                   static_cast<std::uint16_t>(minor_lo | (minor_hi << 8))};
}

}  // namespace helios::wire
