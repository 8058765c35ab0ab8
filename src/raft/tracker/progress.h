#pragma once
// Progress: the leader's view of one follower (etcd/raft's tracker/progress.go).
//
//   kProbe:     the leader does not know where the follower's log matches; it sends one
//               AppendEntries at a time and waits for the answer (or the next heartbeat).
//   kReplicate: the follower's log matches up to `match`; the leader streams entries,
//               optimistically advancing `next`, up to the in-flight window.
//   kSnapshot:  the follower needs an entry the leader compacted away; a snapshot up to
//               pending_snapshot() is being sent. Nothing else is sent (heartbeats aside)
//               until the follower acknowledges the snapshot's index or the node reports
//               the transfer failed.
//
// Invariant: match < next.

#include <algorithm>
#include <cstdint>

#include "raft/tracker/inflights.h"

namespace helios::raft {

enum class ProgressState : std::uint8_t { kProbe, kReplicate, kSnapshot };
const char* progress_state_name(ProgressState state);

class Progress {
 public:
  Progress(Index next, std::uint64_t max_inflight, std::uint64_t max_inflight_bytes)
      : next_(next), inflights_(max_inflight, max_inflight_bytes) {}

  Index match() const { return match_; }
  Index next() const { return next_; }
  ProgressState state() const { return state_; }
  bool recent_active() const { return recent_active_; }
  void set_recent_active(bool active) { recent_active_ = active; }
  std::uint64_t read_ack() const { return read_ack_; }
  void ack_read_round(std::uint64_t round);
  // The leader's tick at which it sent the latest heartbeat this follower acknowledged
  // (lease reads); 0 before the first.
  std::uint64_t lease_ack() const { return lease_ack_; }
  void ack_lease(std::uint64_t sent_tick) { lease_ack_ = std::max(lease_ack_, sent_tick); }
  const Inflights& inflights() const { return inflights_; }

  Index pending_snapshot() const { return pending_snapshot_; }

  // From kSnapshot, probing resumes after the snapshot (or after match if it failed and
  // pending_snapshot was cleared by snapshot_failed()).
  void become_probe();
  void become_replicate();
  void become_snapshot(Index snapshot_index);
  // The transfer failed: forget it, probe again from match (after the next heartbeat).
  void snapshot_failed();
  // The node finished sending the snapshot: wait for the follower's acknowledgement.
  void snapshot_sent() { snapshot_wait_ticks_ = 0; }
  // A leader tick in kSnapshot: true once `limit` ticks passed since snapshot_sent() without
  // an acknowledgement (the caller then probes the follower again).
  bool snapshot_ack_overdue(int limit);

  // The follower acknowledged entries up to index. Returns true if match advanced.
  bool maybe_update(Index index);
  // The follower rejected an append at `rejected`; `match_hint` is where it suggests we
  // probe next. Returns false if the rejection is stale (already superseded).
  bool maybe_decrease_to(Index rejected, Index match_hint);
  // An append carrying entries up to last_index (bytes in total) was sent.
  void sent_entries(Index last_index, std::uint64_t count, std::uint64_t bytes);
  // Any sign of life from the follower unpauses a probe.
  void resume_probe() { probe_sent_ = false; }
  // A heartbeat answer arrived: unpause a probe, and free one slot of a full window.
  void on_heartbeat_response();
  bool is_paused() const;

 private:
  Index match_ = 0;
  Index next_;
  ProgressState state_ = ProgressState::kProbe;
  Index pending_snapshot_ = 0;    // kSnapshot only
  int snapshot_wait_ticks_ = -1;  // kSnapshot: ticks since snapshot_sent(); -1 before
  bool probe_sent_ = false;
  bool recent_active_ = false;
  std::uint64_t read_ack_ = 0;
  std::uint64_t lease_ack_ = 0;
  Inflights inflights_;
};

}  // namespace helios::raft
