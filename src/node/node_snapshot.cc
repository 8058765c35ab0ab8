// Node: taking, installing and compacting behind snapshots (see node.h, "Snapshots").
#include <algorithm>
#include <iterator>
#include <limits>
#include <map>

#include "base/assert.h"
#include "node/node.h"

namespace helios::node {

void Node::step_snapshot(const raft::Message& m, IncomingSnapshot incoming) {
  HELIOS_ASSERT(m.type == raft::MessageType::kSnapshot);
  // A snapshot being installed (its Ready waits for the WAL's sync) keeps the received data
  // until it is restored: another one arriving meanwhile (a late duplicate, or a newer one)
  // is dropped, as the network could have; the leader sends again what is still missing.
  if (pending_.has_value() && pending_->snapshot.has_value()) {
    incoming.discard();
    return;
  }
  if (failed() || !raw_.step(m).is_ok()) {
    ++dropped_messages_;
    incoming.discard();
    return;
  }
  const std::optional<raft::SnapshotMeta>& pending = raw_.raft().log().pending_snapshot();
  if (pending.has_value() && *pending == m.snapshot) {
    // The core will hand it out in a Ready: keep it until then (a newer one replaces it).
    if (incoming_.has_value()) {
      incoming_->second.discard();
    }
    incoming_.emplace(m.snapshot, std::move(incoming));
  } else {
    incoming.discard();  // stale, or the log already held it
  }
  pump();
}

void Node::install_snapshot(const raft::Ready& rd) {
  const raft::SnapshotMeta& meta = *rd.snapshot;
  HELIOS_ASSERT_MSG(incoming_.has_value() && incoming_->first == meta,
                    "the core restored a snapshot the node never received");
  // The file first: once the WAL forgets the log, the snapshot is the only copy of it.
  if (Status s = incoming_->second.persist(); !s.is_ok()) {
    fail(s);
    return;
  }
  if (Status s = wal_.reset_to_snapshot(meta); !s.is_ok()) {
    fail(s);
    return;
  }
  io_.on_wal_reset(meta);
  last_snapshot_ = meta;
  ticks_since_snapshot_ = 0;
  compact_due_ = true;  // the segments of the discarded log can go
  // Proposals the snapshot covers have an unknown outcome here (this node was leader when it
  // took them, and the log that held them is gone): answered kUncertain, as at a step-down.
  // (Left unanswered, a proposer without a timeout of its own, such as the runtime's active
  // expiry or its clock entries, would wait for ever.)
  const auto covered = proposals_.upper_bound(meta.index);
  std::map<Index, Proposal> lost;
  lost.insert(std::make_move_iterator(proposals_.begin()), std::make_move_iterator(covered));
  proposals_.erase(proposals_.begin(), covered);
  for (auto& [index, proposal] : lost) {
    proposal.callback(Status(Code::kUncertain, "a snapshot replaced this node's log before entry " +
                                                   std::to_string(index) +
                                                   " was applied here; it may or may not be"));
  }
}

void Node::restore_snapshot(const raft::Ready& rd) {
  HELIOS_ASSERT(incoming_.has_value() && incoming_->first == *rd.snapshot);
  if (!raw_.raft().config().bugs.skip_snapshot_restore) {
    incoming_->second.restore();
  }  // else PLANTED BUG: the state machine keeps its old state under the new applied index
  incoming_.reset();
  applied_ = rd.snapshot->index;
  snapshot_applied_bytes_ = applied_bytes_;
  io_.on_snapshot_event(*rd.snapshot, true, Status::ok());
}

void Node::report_snapshot(NodeId to, bool ok) {
  if (failed()) {
    return;
  }
  raw_.report_snapshot(to, ok);
  pump();
}

Status Node::request_snapshot() {
  if (failed()) {
    return Status(Code::kUnavailable, "node has stopped: " + failure_);
  }
  if (snapshotting_) {
    return Status(Code::kUnavailable, "a snapshot is already being taken");
  }
  take_snapshot();
  return Status::ok();
}

Index staggered_snapshot_index(Index last, std::uint64_t threshold, NodeId id, std::size_t voters) {
  constexpr Index kNever = std::numeric_limits<Index>::max();
  HELIOS_ASSERT(threshold > 0 && id != kNoNode);
  const std::uint64_t n = std::max<std::size_t>(1, voters);
  const std::uint64_t k = (id - 1) % n;
  // k * threshold / n without overflow (any threshold is valid configuration).
  const std::uint64_t offset = k * (threshold / n) + k * (threshold % n) / n;
  if (last > kNever - threshold / 2 - 1) {
    return kNever;
  }
  const Index after = last + threshold / 2 + 1;  // the earliest allowed
  if (after <= offset) {
    return offset;
  }
  const std::uint64_t periods = (after - offset - 1) / threshold + 1;
  if (periods > (kNever - offset) / threshold) {
    return kNever;
  }
  return offset + periods * threshold;
}

std::uint64_t staggered_first_bytes(std::uint64_t threshold, NodeId id, std::size_t voters) {
  const std::uint64_t n = std::max<std::size_t>(1, voters);
  const std::uint64_t more = threshold / n * ((id - 1) % n);
  return more > std::numeric_limits<std::uint64_t>::max() - threshold
             ? std::numeric_limits<std::uint64_t>::max()
             : threshold + more;
}

Index Node::next_snapshot_index() const {
  if (policy_.threshold == 0) {
    return 0;
  }
  return staggered_snapshot_index(last_snapshot_.index, policy_.threshold, raw_.raft().id(),
                                  raw_.raft().conf().voters.size());
}

std::uint64_t Node::snapshot_threshold_bytes() const {
  if (policy_.threshold_bytes == 0) {
    return 0;
  }
  const std::uint64_t threshold = std::max(policy_.threshold_bytes, snapshot_file_bytes_);
  return last_snapshot_.index != 0
             ? threshold
             : staggered_first_bytes(threshold, raw_.raft().id(), raw_.raft().conf().voters.size());
}

void Node::maybe_snapshot() {
  if (snapshotting_ || failed()) {
    return;
  }
  const bool by_count = policy_.threshold != 0 && applied_ >= next_snapshot_index();
  const bool by_bytes =
      policy_.threshold_bytes != 0 && applied_bytes_since_snapshot() >= snapshot_threshold_bytes();
  if (by_count || by_bytes) {
    take_snapshot();
  }
}

void Node::maybe_snapshot_by_interval() {
  if (policy_.interval_ticks == 0 || ticks_since_snapshot_ < policy_.interval_ticks ||
      snapshotting_ || failed()) {
    return;
  }
  if (raw_.raft().config().bugs.interval_leader_only && raw_.raft().role() != raft::Role::kLeader) {
    return;  // PLANTED BUG: followers' logs grow until the count or the size says otherwise
  }
  take_snapshot();  // nothing when no entry was applied since the last one
}

void Node::take_snapshot() {
  HELIOS_ASSERT(!snapshotting_);
  if (applied_ <= last_snapshot_.index || raw_.raft().log().pending_snapshot().has_value()) {
    return;  // nothing new, or a received snapshot is about to replace the state
  }
  raft::SnapshotMeta meta;
  meta.index = applied_;
  meta.term = raw_.raft().log().term_or_zero(applied_);
  HELIOS_ASSERT_MSG(meta.term != 0, "the applied entry's term is unknown");
  meta.conf_state = raw_.raft().conf_at(applied_);  // the configuration in force there
  snapshotting_ = true;
  taking_applied_bytes_ = applied_bytes_;
  io_.start_snapshot(meta);
}

void Node::on_snapshot_done(const raft::SnapshotMeta& meta, const Status& status) {
  HELIOS_ASSERT(snapshotting_);
  snapshotting_ = false;
  io_.on_snapshot_event(meta, false, status);
  if (failed() || !status.is_ok() || meta.index <= last_snapshot_.index) {
    // A failed snapshot changes nothing (the log still holds everything); one that a
    // snapshot received meanwhile superseded is not used.
    return;
  }
  last_snapshot_ = meta;
  ticks_since_snapshot_ = 0;
  snapshot_applied_bytes_ = taking_applied_bytes_;
  wal_.set_snapshot(meta);
  compact_due_ = true;
  if (!pending_.has_value()) {
    maybe_compact();
  }
}

void Node::maybe_compact() {
  if (!compact_due_) {
    return;
  }
  compact_due_ = false;
  const storage::SnapshotMark& mark = wal_.mark();
  Index target = last_snapshot_.index > policy_.trailing_entries
                     ? last_snapshot_.index - policy_.trailing_entries
                     : 0;
  if (policy_.trailing_bytes != 0 && last_snapshot_.index > mark.index) {
    // Entries target+1 .. snapshot index are kept: no more than trailing_bytes of them.
    const Index kept_to = raw_.raft().config().bugs.trailing_bytes_from_end
                              ? wal_.last_index()  // PLANTED BUG: may pass the snapshot
                              : last_snapshot_.index;
    target = std::max(target, wal_.first_index_within_bytes(kept_to, policy_.trailing_bytes) - 1);
  }
  if (raw_.raft().config().bugs.compact_past_applied) {
    target = raw_.raft().log().committed();  // PLANTED BUG: beyond what the snapshot covers
  }
  target = std::max(target, mark.index);
  HELIOS_ASSERT(target <= wal_.last_index());
  Result<Term> term = wal_.term(target);
  HELIOS_ASSERT(term.is_ok());
  // Compacting to the current mark still removes the segments a reset left behind.
  if (Status s = wal_.compact(storage::SnapshotMark{target, term.value()}); !s.is_ok()) {
    fail(s);
  }
}

}  // namespace helios::node
