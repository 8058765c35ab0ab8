#include "raft/raw_node.h"

#include "base/assert.h"

namespace helios::raft {

RawNode::RawNode(const Config& config, const Storage& storage) : raft_(config, storage) {
  prev_soft_ = soft_state();
  prev_hard_ = raft_.hard_state();
}

bool RawNode::has_ready() const {
  if (ready_outstanding_) {
    return false;
  }
  return soft_state() != prev_soft_ || raft_.hard_state() != prev_hard_ || raft_.has_output() ||
         !raft_.log().unstable_entries().empty() || raft_.log().pending_snapshot().has_value() ||
         raft_.log().has_next_committed_entries();
}

Ready RawNode::ready() {
  HELIOS_ASSERT_MSG(!ready_outstanding_, "ready() called again before advance()");
  ready_outstanding_ = true;
  Ready rd;
  const SoftState soft = soft_state();
  if (soft != prev_soft_) {
    rd.soft_state = soft;
    prev_soft_ = soft;
  }
  const HardState hard = raft_.hard_state();
  if (hard != prev_hard_) {
    rd.hard_state = hard;
    rd.must_sync = hard.term != prev_hard_.term || hard.vote != prev_hard_.vote;
    prev_hard_ = hard;
  }
  rd.snapshot = raft_.log().pending_snapshot();
  rd.entries = raft_.log().unstable_entries();
  if (!rd.entries.empty() || rd.snapshot.has_value()) {
    rd.must_sync = true;
  }
  rd.messages = raft_.take_messages();
  rd.messages_after_persist = raft_.take_messages_after_persist();
  rd.committed_entries =
      raft_.log().next_committed_entries(raft_.config().max_committed_bytes_per_ready);
  rd.read_states = raft_.take_read_states();
  return rd;
}

void RawNode::advance(const Ready& rd) {
  HELIOS_ASSERT_MSG(ready_outstanding_, "advance() without ready()");
  ready_outstanding_ = false;
  if (rd.snapshot.has_value()) {
    raft_.on_snapshot_installed(rd.snapshot->index);
  }
  if (!rd.committed_entries.empty()) {
    raft_.on_applied(rd.committed_entries.back().index);
  }
  if (!rd.entries.empty()) {
    raft_.on_persisted(rd.entries.back().index, rd.entries.back().term);
  }
  if (rd.hard_state.has_value()) {
    raft_.on_hard_state_durable(*rd.hard_state);
  }
}

}  // namespace helios::raft
