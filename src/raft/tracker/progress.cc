#include "raft/tracker/progress.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::raft {

const char* progress_state_name(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

void Progress::ack_read_round(std::uint64_t round) {
  read_ack_ = std::max(read_ack_, round);
}

void Progress::become_probe() {
  const Index resume = state_ == ProgressState::kSnapshot ? pending_snapshot_ : 0;
  state_ = ProgressState::kProbe;
  pending_snapshot_ = 0;
  probe_sent_ = false;
  inflights_.reset();
  next_ = std::max(match_, resume) + 1;
}

bool Progress::snapshot_ack_overdue(int limit) {
  if (state_ != ProgressState::kSnapshot || snapshot_wait_ticks_ < 0) {
    return false;
  }
  return ++snapshot_wait_ticks_ >= limit;
}

void Progress::become_snapshot(Index snapshot_index) {
  HELIOS_ASSERT(snapshot_index > 0);
  state_ = ProgressState::kSnapshot;
  pending_snapshot_ = snapshot_index;
  snapshot_wait_ticks_ = -1;
  probe_sent_ = false;
  inflights_.reset();
}

void Progress::snapshot_failed() {
  HELIOS_ASSERT(state_ == ProgressState::kSnapshot);
  pending_snapshot_ = 0;
  become_probe();
  probe_sent_ = true;  // wait for a heartbeat answer before trying again
}

void Progress::become_replicate() {
  state_ = ProgressState::kReplicate;
  pending_snapshot_ = 0;
  probe_sent_ = false;
  inflights_.reset();
  next_ = match_ + 1;
}

bool Progress::maybe_update(Index index) {
  bool updated = false;
  if (match_ < index) {
    match_ = index;
    updated = true;
    probe_sent_ = false;
  }
  next_ = std::max(next_, index + 1);
  inflights_.free_le(index);
  HELIOS_ASSERT(match_ < next_);
  return updated;
}

bool Progress::maybe_decrease_to(Index rejected, Index match_hint) {
  if (state_ == ProgressState::kSnapshot) {
    return false;  // an answer to an append sent before the snapshot: stale
  }
  if (state_ == ProgressState::kReplicate) {
    if (rejected <= match_) {
      return false;  // stale: we already know the follower matches beyond this
    }
    next_ = match_ + 1;
    return true;
  }
  if (next_ - 1 != rejected || rejected <= match_) {
    // Stale: not the probe we are waiting for, or below what the follower acknowledged
    // durably (which only a follower that lost acknowledged entries could send; answering
    // it would only start a message storm).
    return false;
  }
  next_ = std::max(std::min(rejected, match_hint + 1), match_ + 1);
  probe_sent_ = false;
  HELIOS_ASSERT(match_ < next_);
  return true;
}

void Progress::sent_entries(Index last_index, std::uint64_t count, std::uint64_t bytes) {
  if (state_ == ProgressState::kReplicate) {
    if (count > 0) {
      next_ = last_index + 1;
      inflights_.add(last_index, bytes);
    }
  } else if (state_ == ProgressState::kProbe) {
    probe_sent_ = true;
  }
}

void Progress::on_heartbeat_response() {
  probe_sent_ = false;
  if (state_ == ProgressState::kReplicate && inflights_.full()) {
    inflights_.free_first_one();
  }
}

bool Progress::is_paused() const {
  switch (state_) {
    case ProgressState::kProbe:
      return probe_sent_;
    case ProgressState::kReplicate:
      return inflights_.full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

}  // namespace helios::raft
