#include "node/atlas_machine.h"

#include <algorithm>
#include <cstdint>

#include "base/assert.h"
#include "base/bytes.h"

namespace helios::node {

std::string AtlasMachine::apply(const raft::Entry& entry) {
  Result<atlas::Command> command = atlas::decode_command(entry.data);
  if (!command.is_ok()) {
    HELIOS_PANIC("committed entry %llu (term %llu) is not an ATLAS command: %s",
                 static_cast<unsigned long long>(entry.index),
                 static_cast<unsigned long long>(entry.term), command.status().to_string().c_str());
  }
  ++commands_applied_;
  // Time as the store sees it never goes backwards, whatever the proposer's clock said: a
  // command is applied at no earlier a stamp than any command before it. Every replica
  // applies the same sequence, so every replica clamps alike.
  atlas::Command& cmd = command.value();
  if (clamp_stamps_) {
    cmd.stamp_ms = std::max(cmd.stamp_ms, last_stamp_ms_);
  }
  applied_stamp_ms_ = cmd.stamp_ms;
  last_stamp_ms_ = std::max(last_stamp_ms_, cmd.stamp_ms);
  // The entry's index versions the keys it changes (WATCH): the same on every replica.
  return encode_replies(store_.apply(std::move(cmd), entry.index));
}

namespace {
// Version 1: magic, last stamp, commands applied, the store. Version 2 adds the ACL table
// (length u32, bytes; Store::acl_table) before the store. Both are read.
constexpr std::string_view kMachineMagicV1 = "HATLMCH1";
constexpr std::string_view kMachineMagic = "HATLMCH2";
}  // namespace

std::string AtlasMachine::snapshot_data(bool keep_versions) const {
  std::string out(kMachineMagic);
  base::put_u64(out, last_stamp_ms_);
  base::put_u64(out, commands_applied_);
  base::put_u32(out, static_cast<std::uint32_t>(store_.acl_table().size()));
  out.append(store_.acl_table());
  out.append(store_.serialize(keep_versions));
  return out;
}

Result<AtlasState> AtlasMachine::decode_snapshot_data(std::string_view data) {
  base::Reader in(data);
  const std::string_view magic = in.bytes(kMachineMagic.size());
  AtlasState state;
  state.last_stamp_ms = in.u64();
  state.commands_applied = in.u64();
  if (!in.ok() || (magic != kMachineMagic && magic != kMachineMagicV1)) {
    return Status(Code::kCorruption, "not an ATLAS machine snapshot (bad header)");
  }
  std::string acl;
  if (magic == kMachineMagic) {
    const std::uint32_t size = in.u32();
    if (!in.ok() || size > atlas::kMaxAclBytes || size > in.remaining()) {
      return Status(Code::kCorruption, "ATLAS machine snapshot: bad ACL table length");
    }
    acl = std::string(in.bytes(size));
  }
  Result<atlas::Store> store = atlas::Store::deserialize(in.bytes(in.remaining()));
  if (!store.is_ok()) {
    return store.status();
  }
  state.store = std::move(store).value();
  state.store.set_acl_table(std::move(acl));
  return state;
}

AtlasState AtlasMachine::restore(AtlasState state) {
  AtlasState old{std::move(store_), commands_applied_, last_stamp_ms_};
  store_ = std::move(state.store);
  commands_applied_ = state.commands_applied;
  last_stamp_ms_ = state.last_stamp_ms;
  applied_stamp_ms_ = state.last_stamp_ms;
  return old;
}

std::uint64_t max_stamp(const std::vector<raft::Entry>& entries) {
  std::uint64_t stamp = 0;
  for (const raft::Entry& e : entries) {
    if (e.type == raft::EntryType::kNormal) {
      stamp = std::max(stamp, atlas::peek_stamp(e.data).value_or(0));
    }
  }
  return stamp;
}

std::uint64_t log_tail_stamp(const raft::Storage& storage, Index window) {
  const Index last = storage.last_index();
  const Index first = std::max(storage.first_index(), last > window ? last - window + 1 : 1);
  if (last < first) {
    return 0;
  }
  Result<std::vector<raft::Entry>> tail = storage.entries(first, last + 1, UINT64_MAX);
  return tail.is_ok() ? max_stamp(tail.value()) : 0;
}

// Layout: count u32, then per reply: kind u8, integer u64 (two's complement), text length
// u32, text.
namespace {

// One reply: kind:u8 integer:u64 text (length:u32, bytes) element_count:u32 element{count}.
void encode_reply(std::string& out, const atlas::Reply& r) {
  base::put_u8(out, static_cast<std::uint8_t>(r.kind));
  base::put_u64(out, static_cast<std::uint64_t>(r.integer));
  base::put_u32(out, static_cast<std::uint32_t>(r.text.size()));
  out.append(r.text);
  base::put_u32(out, static_cast<std::uint32_t>(r.elements.size()));
  for (const atlas::Reply& e : r.elements) {
    encode_reply(out, e);
  }
}

constexpr std::size_t kMinReplyBytes = 1 + 8 + 4 + 4;
constexpr int kMaxReplyDepth = 8;  // ZRANGE WITHSCORES in RESP3 nests two; LMPOP three

bool decode_reply(base::Reader& in, atlas::Reply& r, int depth) {
  const std::uint8_t kind = in.u8();
  r.integer = static_cast<std::int64_t>(in.u64());
  r.text = std::string(in.bytes(in.u32()));
  const std::uint32_t count = in.u32();
  if (!in.ok() || kind > static_cast<std::uint8_t>(atlas::Reply::kLastKind) ||
      count > in.remaining() / kMinReplyBytes || (count > 0 && depth >= kMaxReplyDepth)) {
    return false;
  }
  r.kind = static_cast<atlas::Reply::Kind>(kind);
  r.elements.resize(count);
  for (atlas::Reply& e : r.elements) {
    if (!decode_reply(in, e, depth + 1)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string encode_replies(const std::vector<atlas::Reply>& replies) {
  std::string out;
  base::put_u32(out, static_cast<std::uint32_t>(replies.size()));
  for (const atlas::Reply& r : replies) {
    encode_reply(out, r);
  }
  return out;
}

Result<std::vector<atlas::Reply>> decode_replies(std::string_view bytes) {
  base::Reader in(bytes);
  const std::uint32_t count = in.u32();
  if (!in.ok() || count > in.remaining() / kMinReplyBytes) {
    return Status(Code::kInvalidArgument, "malformed replies");
  }
  std::vector<atlas::Reply> out(count);
  for (atlas::Reply& r : out) {
    if (!decode_reply(in, r, 0)) {
      return Status(Code::kInvalidArgument, "malformed replies");
    }
  }
  if (in.remaining() != 0) {
    return Status(Code::kInvalidArgument, "malformed replies");
  }
  return out;
}

}  // namespace helios::node
