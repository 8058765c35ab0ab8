#include "node/atlas_machine.h"

#include <algorithm>
#include <cstdint>

#include "base/assert.h"
#include "base/bytes.h"
#include "node/applied_keys.h"

namespace helios::node {

ApplyReply AtlasMachine::apply(const raft::Entry& entry) {
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
  if (!keys_listener_) {
    return store_.apply(std::move(cmd), entry.index);
  }
  const std::vector<std::string> grown = keys_that_may_grow(cmd);
  std::vector<atlas::Reply> replies = store_.apply(std::move(cmd), entry.index);
  if (!grown.empty()) {
    keys_listener_(grown, false);
  }
  return replies;
}

namespace {
// Version 1: magic, last stamp, commands applied, the store. Version 2 adds the ACL table
// (length u32, bytes; Store::acl_table) before the store. Both are read.
constexpr std::string_view kMachineMagicV1 = "HATLMCH1";
constexpr std::string_view kMachineMagic = "HATLMCH2";
}  // namespace

std::string AtlasMachine::snapshot_data() const {
  std::string out(kMachineMagic);
  base::put_u64(out, last_stamp_ms_);
  base::put_u64(out, commands_applied_);
  base::put_u32(out, static_cast<std::uint32_t>(store_.acl_table().size()));
  out.append(store_.acl_table());
  out.append(store_.serialize());
  return out;
}

Result<AtlasState> AtlasMachine::decode_snapshot_data(std::string_view data,
                                                      base::Arrival* arrival) {
  const Status abandoned(Code::kAborted, "ATLAS machine snapshot: the transfer was abandoned");
  if (!base::await_bytes(arrival, data, kMachineMagic.size() + 8 + 8 + 4)) {
    return abandoned;
  }
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
    if (!base::await_bytes(arrival, data, data.size() - in.remaining() + size)) {
      return abandoned;
    }
    acl = std::string(in.bytes(size));
  }
  Result<atlas::Store> store = atlas::Store::deserialize(in.bytes(in.remaining()), arrival);
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
  if (keys_listener_) {
    keys_listener_({}, true);
  }
  return old;
}

std::uint64_t AtlasMachine::stamp_of(std::string_view data) const {
  return atlas::peek_stamp(data).value_or(0);
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

std::vector<atlas::Reply> replies_of(ApplyReply reply) {
  auto* replies = std::any_cast<std::vector<atlas::Reply>>(&reply);
  HELIOS_ASSERT_MSG(replies != nullptr, "not an AtlasMachine reply");
  return std::move(*replies);
}

}  // namespace helios::node
