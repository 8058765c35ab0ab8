// The follower role: accepting the leader's log (§5.3) and forwarding reads.
#include <algorithm>

#include "base/assert.h"
#include "raft/raft.h"

namespace helios::raft {

void Raft::step_follower(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      leader_id_ = m.from;
      handle_append(m);
      return;
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      leader_id_ = m.from;
      handle_heartbeat(m);
      return;
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      leader_id_ = m.from;
      handle_snapshot(m);
      return;
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context, m.time_ms});
      return;
    case MessageType::kTimeoutNow:
      // The leader hands over: campaign at once, without a pre-vote (thesis §3.10).
      if (promotable()) {
        start_campaign(false, true);
      }
      return;
    default:
      return;
  }
}

void Raft::handle_append(const Message& m) {
  if (m.index < log_.committed()) {
    // Entries we have already committed: tell the leader where we are.
    send(Message{.type = MessageType::kAppendResp, .to = m.from, .index = log_.committed()});
    return;
  }
  const std::optional<Index> last_new = log_.maybe_append(m.index, m.log_term, m.commit, m.entries);
  if (last_new.has_value()) {
    record_conf_entries(m.entries);
    send(Message{.type = MessageType::kAppendResp, .to = m.from, .index = *last_new});
    return;
  }
  // Reject, with a hint that lets the leader skip a whole term of conflicts at once: the
  // largest index <= the probe whose term is <= the leader's term at the probe.
  const Index probe = std::min(m.index, log_.last_index());
  const Index hint = log_.find_conflict_by_term(probe, m.log_term);
  send(Message{.type = MessageType::kAppendResp,
               .to = m.from,
               .log_term = log_.term_or_zero(hint),
               .index = m.index,
               .reject_hint = hint,
               .reject = true});
}

void Raft::handle_heartbeat(const Message& m) {
  // The leader never sends a commit index beyond what it knows we match.
  log_.commit_to(std::min(m.commit, log_.last_index()));
  send(Message{
      .type = MessageType::kHeartbeatResp, .to = m.from, .index = m.index, .context = m.context});
}

void Raft::handle_snapshot(const Message& m) {
  const SnapshotMeta& snap = m.snapshot;
  if (restore(snap)) {
    send(Message{.type = MessageType::kAppendResp, .to = m.from, .index = log_.last_index()});
  } else {
    send(Message{.type = MessageType::kAppendResp, .to = m.from, .index = log_.committed()});
  }
}

bool Raft::restore(const SnapshotMeta& snap) {
  if (snap.index <= log_.committed()) {
    return false;  // older than what we have committed: nothing to learn from it
  }
  if (log_.match_term(snap.index, snap.term)) {
    // Our log already holds the snapshot's last entry: keep the log (and the suffix after
    // it), just learn that everything up to it is committed.
    log_.commit_to(snap.index);
    return false;
  }
  if (config_.bugs.snapshot_keeps_log && log_.last_index() >= snap.index) {
    // PLANTED BUG: keeps a log that conflicts with the snapshot instead of replacing it.
    log_.commit_to(snap.index);
    return false;
  }
  log_.restore(snap);
  // The snapshot's configuration replaces every one the log held (a snapshot without one,
  // from a test, keeps the configuration in force).
  configs_.reset(
      ConfigAt{snap.index, snap.term, snap.conf_state.voters.empty() ? conf() : snap.conf_state});
  return true;
}

}  // namespace helios::raft
