#pragma once
// AtlasMachine: the ATLAS store as the node's replicated state machine. Each committed
// normal entry holds one encoded atlas::Command; apply() runs it and returns its replies (a
// std::vector<atlas::Reply>, one per operation: replies_of() takes them out) for the
// proposer.
//
// A committed entry that does not decode means this binary cannot follow the log (a newer
// version wrote it, or the log is damaged): applying anything else would let replicas
// diverge, so the node stops (PANIC).

#include <functional>
#include <string>
#include <vector>

#include "atlas/command.h"
#include "atlas/store.h"
#include "node/node.h"

namespace helios::node {

// The state a snapshot holds: the store and the machine's counters. Decoded (the expensive
// part) before it replaces anything, possibly on another thread.
struct AtlasState {
  atlas::Store store;
  std::uint64_t commands_applied = 0;
  std::uint64_t last_stamp_ms = 0;
};

class AtlasMachine final : public StateMachine {
 public:
  ApplyReply apply(const raft::Entry& entry) override;
  // The command's stamp, read from its header (0 if it has none).
  std::uint64_t stamp_of(std::string_view data) const override;

  // The snapshot data of the current state. Layout: magic "HATLMCH2", last_stamp_ms u64,
  // commands_applied u64, the ACL table (length u32, then its bytes: Store::acl_table; the
  // table checks itself when decoded), then the store (atlas/snapshot.h, which checks
  // itself). "HATLMCH1" (no ACL table) is still read. The same state gives the same bytes
  // on every node (the store leaves its key versions out until they started, so that a
  // release before WATCH can read it: Store::serialize).
  std::string snapshot_data() const;
  // With an `arrival`, `data` is still arriving: each part is decoded as its bytes come in
  // (base/arrival.h; an InstallSnapshot stream).
  static Result<AtlasState> decode_snapshot_data(std::string_view data,
                                                 base::Arrival* arrival = nullptr);
  // Replaces the state with `state` and returns the old one (destroying millions of keys
  // takes time: the caller may do it on another thread).
  AtlasState restore(AtlasState state);

  const atlas::Store& store() const { return store_; }
  // Told, after each applied command, the keys it may have added elements to
  // (node/applied_keys.h; everything = false), and after restore() that any key may have
  // (everything = true). Runs inside apply/restore, on the applying thread, inside the Node's
  // Ready loop: it must not call into the Node (the client port's listener only notes the
  // keys and acts after the loop turn: api/blocking.h). Unset: nothing is computed.
  using KeysListener = std::function<void(const std::vector<std::string>& keys, bool everything)>;
  void set_keys_listener(KeysListener listener) { keys_listener_ = std::move(listener); }
  // Normal entries applied so far (the quick start writes its test data only into a log
  // that has none).
  std::uint64_t commands_applied() const { return commands_applied_; }
  // The largest stamp of any applied command: a new leader stamps above it, so time as the
  // state machine sees it never goes backwards across leader changes.
  std::uint64_t last_stamp_ms() const override { return last_stamp_ms_; }
  // The stamp the latest command was applied at: its own, raised to last_stamp_ms() of the
  // commands before it (so it never decreases; the simulator checks it).
  std::uint64_t applied_stamp_ms() const { return applied_stamp_ms_; }

  // PLANTED BUG for the simulator only (`stamp-below-log`): apply each command at its own
  // stamp even when it is below an earlier command's, so time can go backwards.
  void plant_unclamped_stamps() { clamp_stamps_ = false; }

 private:
  atlas::Store store_;
  std::uint64_t commands_applied_ = 0;
  std::uint64_t last_stamp_ms_ = 0;
  std::uint64_t applied_stamp_ms_ = 0;
  bool clamp_stamps_ = true;
  KeysListener keys_listener_;
};

// The largest stamp among the normal entries of `entries` (0 if none), read from their
// headers: a leader stamps above every stamp in its log (atlas/command.h), so the node
// keeps this over everything it writes.
std::uint64_t max_stamp(const std::vector<raft::Entry>& entries);
// The same over the log `storage` holds after recovery. A log stamped by that rule has
// non-decreasing stamps, so only its last normal entries are read (at most `window`).
std::uint64_t log_tail_stamp(const raft::Storage& storage, Index window = 64);

// The replies AtlasMachine::apply returned (asserted to be its type).
std::vector<atlas::Reply> replies_of(ApplyReply reply);

}  // namespace helios::node
