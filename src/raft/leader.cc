// The leader role: proposals, log replication (§5.3), commitment (§5.4.2), check-quorum and
// ReadIndex (thesis §6.4).
#include <algorithm>

#include "base/assert.h"
#include "raft/raft.h"

namespace helios::raft {

// ---------------------------------------------------------------------------------------
// Proposals.

Result<EntryId> Raft::propose(std::string data) {
  if (role_ != Role::kLeader) {
    return Status(Code::kNotLeader, "leader is " + std::to_string(leader_id_));
  }
  if (lead_transferee_ != kNoNode) {
    return Status(Code::kUnavailable,
                  "leadership is being transferred to " + std::to_string(lead_transferee_));
  }
  if (step_down_pending_) {
    return Status(Code::kNotLeader, "this leader left the configuration; it steps down");
  }
  Entry e;
  e.type = EntryType::kNormal;
  e.data = std::move(data);
  if (!append_entry({std::move(e)})) {
    return Status(Code::kUnavailable, "too many uncommitted entries");
  }
  broadcast_append();
  return EntryId{term_, log_.last_index()};
}

bool Raft::append_entry(std::vector<Entry> entries) {
  if (uncommitted_entries_ + entries.size() > config_.max_uncommitted_entries) {
    return false;
  }
  Index index = log_.last_index();
  for (Entry& e : entries) {
    e.term = term_;
    e.index = ++index;
  }
  uncommitted_entries_ += entries.size();
  log_.append(entries);
  record_conf_entries(entries);
  // No self-acknowledgement here: the node reports durability through on_persisted().
  return true;
}

// ---------------------------------------------------------------------------------------
// Replication.

bool Raft::send_append(NodeId to, bool send_if_empty) {
  auto it = progress_.find(to);
  if (it == progress_.end()) {
    return false;  // no longer a member (a configuration change removed it)
  }
  Progress& pr = it->second;
  if (pr.is_paused()) {
    return false;
  }
  if (pr.next() < log_.first_index()) {
    // The entries it needs were compacted away: only a snapshot brings it back.
    return send_snapshot(to, pr);
  }
  const Index prev_index = pr.next() - 1;
  const Term prev_term = log_.term_or_zero(prev_index);
  HELIOS_ASSERT(prev_index == 0 || prev_term != 0);  // first_index() - 1 has a known term
  std::vector<Entry> entries =
      log_.entries_from(pr.next(), config_.max_entries_per_append, config_.max_append_bytes);
  if (entries.empty() && !send_if_empty) {
    return false;
  }
  std::uint64_t bytes = 0;
  for (const Entry& e : entries) {
    bytes += e.byte_size();
  }
  const std::uint64_t count = entries.size();
  const Index last = count > 0 ? entries.back().index : prev_index;
  send(Message{.type = MessageType::kAppend,
               .to = to,
               .log_term = prev_term,
               .index = prev_index,
               .commit = log_.committed(),
               .entries = std::move(entries)});
  pr.sent_entries(last, count, bytes);
  return true;
}

bool Raft::send_snapshot(NodeId to, Progress& pr) {
  if (!pr.recent_active()) {
    return false;  // do not stream a snapshot to a node that may be down
  }
  const SnapshotMeta snapshot = log_.storage().snapshot_meta();
  HELIOS_ASSERT_MSG(snapshot.index > 0 && snapshot.index + 1 >= log_.first_index(),
                    "entries were compacted that no snapshot covers");
  send(Message{.type = MessageType::kSnapshot, .to = to, .snapshot = snapshot});
  pr.become_snapshot(snapshot.index);
  return true;
}

void Raft::report_snapshot(NodeId to, bool ok) {
  if (role_ != Role::kLeader) {
    return;
  }
  auto it = progress_.find(to);
  if (it == progress_.end() || it->second.state() != ProgressState::kSnapshot) {
    return;
  }
  if (ok) {
    // It still has to verify and install it: wait for its acknowledgement (an AppendResp at
    // the snapshot's index) before sending anything else, or time out (tick_heartbeat).
    it->second.snapshot_sent();
  } else {
    it->second.snapshot_failed();
  }
}

void Raft::tick_snapshot_transfers() {
  const int limit =
      config_.snapshot_ack_ticks > 0 ? config_.snapshot_ack_ticks : 200 * config_.election_ticks;
  for (auto& [id, pr] : progress_) {
    if (id != id_ && pr.snapshot_ack_overdue(limit)) {
      pr.become_probe();  // probe after the snapshot: it may have installed it after all
      send_append(id, true);
    }
  }
}

void Raft::broadcast_append() {
  std::vector<NodeId> peers;
  for (const auto& [peer, pr] : progress_) {
    if (peer != id_) {
      peers.push_back(peer);
    }
  }
  // (send_append can change progress_: an append may commit a configuration change)
  for (NodeId peer : peers) {
    send_append(peer, true);
  }
}

void Raft::send_heartbeat(NodeId to, std::uint64_t context) {
  const Progress& pr = progress_.at(to);
  // Never let a follower commit beyond what it is known to match: its log may still hold
  // entries of an old term past that point.
  const Index commit = std::min(pr.match(), log_.committed());
  // `index` carries the tick it leaves at; the answer echoes it (lease reads).
  send(Message{.type = MessageType::kHeartbeat,
               .to = to,
               .index = ticks_,
               .commit = commit,
               .context = context});
}

void Raft::broadcast_heartbeat() {
  for (const auto& [peer, pr] : progress_) {
    if (peer != id_) {
      send_heartbeat(peer, read_only_.round());
    }
  }
}

bool Raft::committed_in_current_term() const {
  return log_.term_or_zero(log_.committed()) == term_;
}

bool Raft::maybe_commit() {
  const auto match = [this](NodeId id) {
    auto it = progress_.find(id);
    return it == progress_.end() ? Index{0} : it->second.match();
  };
  Index candidate = joint_committed_index(conf(), match);
  if (config_.bugs.count_learner_ack && !conf().learners.empty()) {
    // PLANTED BUG: learners' acknowledgements count towards the voters' majority.
    std::vector<Index> matches;
    for (NodeId id : members(conf())) {
      matches.push_back(match(id));
    }
    std::sort(matches.begin(), matches.end(), std::greater<>());
    candidate = std::max(candidate, matches[majority_size(conf().voters.size()) - 1]);
  }
  if (candidate <= log_.committed()) {
    return false;
  }
  // §5.4.2: only an entry of the current term is committed by counting replicas; earlier
  // entries are committed indirectly by it (Figure 8).
  if (log_.term_or_zero(candidate) != term_ && !config_.bugs.commit_old_term) {
    return false;
  }
  const Index old_commit = log_.committed();
  log_.commit_to(candidate);
  uncommitted_entries_ -= std::min<std::uint64_t>(uncommitted_entries_, candidate - old_commit);
  after_commit();
  maybe_start_read_round();
  return true;
}

bool Raft::quorum_active() {
  const bool active = joint_quorum(conf(), [this](NodeId id) {
    auto it = progress_.find(id);
    return id == id_ || (it != progress_.end() && it->second.recent_active());
  });
  for (auto& [id, pr] : progress_) {
    if (id != id_) {
      pr.set_recent_active(false);
    }
  }
  return active;
}

void Raft::step_leader(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) {
    return;  // not a member (removed, or not added yet): nothing it says counts
  }
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::kAppendResp:
      pr.set_recent_active(true);
      handle_append_response(m, pr);
      return;
    case MessageType::kHeartbeatResp:
      pr.set_recent_active(true);
      handle_heartbeat_response(m, pr);
      return;
    case MessageType::kReadIndex:
      handle_read_request(ReadRequest{m.context, m.from});
      return;
    default:
      return;  // vote answers from an election already won, and the like
  }
}

void Raft::handle_append_response(const Message& m, Progress& pr) {
  if (m.reject) {
    // Fast backtracking: skip every entry of a term the follower cannot have.
    Index next_probe = m.reject_hint;
    if (m.log_term > 0) {
      next_probe = log_.find_conflict_by_term(m.reject_hint, m.log_term);
    }
    if (pr.maybe_decrease_to(m.index, next_probe)) {
      if (pr.state() == ProgressState::kReplicate) {
        pr.become_probe();
      }
      send_append(m.from, true);
    }
    return;
  }
  if (m.index > log_.last_index()) {
    return;  // acknowledges entries we never sent: malformed, ignore it
  }
  const bool was_paused = pr.is_paused();
  if (!pr.maybe_update(m.index)) {
    pr.resume_probe();
    return;
  }
  if (pr.state() == ProgressState::kProbe) {
    pr.become_replicate();
  } else if (pr.state() == ProgressState::kSnapshot && pr.match() + 1 >= log_.first_index()) {
    // It has the snapshot (or caught up another way): replicate from the log again.
    pr.become_probe();
    pr.become_replicate();
  } else if (pr.state() == ProgressState::kSnapshot && pr.match() >= pr.pending_snapshot()) {
    // It installed the snapshot it was sent, but the log was compacted past it since (a
    // newer snapshot, no trailing entries): probing sends the newer one now (below), not
    // after the acknowledgement's timeout, which a quorum may be waiting for.
    pr.become_probe();
  }
  if (maybe_commit()) {
    broadcast_append();
  } else if (was_paused) {
    // It was skipped by the broadcast that announced the commit index: tell it now.
    send_append(m.from, true);
  }
  // Keep the pipe full: send what fits in the in-flight window.
  while (send_append(m.from, false)) {
  }
  if (!is_member(conf(), m.from)) {
    sync_progress();  // a removed member that now has its removal is let go
  }
  // A transfer target that caught up is told to campaign (thesis §3.10).
  auto target = progress_.find(m.from);
  if (m.from == lead_transferee_ && target != progress_.end() &&
      target->second.match() == log_.last_index()) {
    send_timeout_now(m.from);
  }
}

void Raft::handle_heartbeat_response(const Message& m, Progress& pr) {
  pr.on_heartbeat_response();
  if (m.index <= ticks_) {  // (a later tick was never sent: ignore a forged one)
    pr.ack_lease(m.index);
  }
  if (pr.match() < log_.last_index()) {
    send_append(m.from, true);
  }
  pr.ack_read_round(m.context);
  maybe_complete_read_round();
}

// ---------------------------------------------------------------------------------------
// ReadIndex.

Status Raft::read_index(std::uint64_t context) {
  if (role_ == Role::kLeader) {
    if (read_only_.pending_count() >= config_.max_pending_reads) {
      return Status(Code::kUnavailable, "too many reads waiting");
    }
    handle_read_request(ReadRequest{context, id_});
    return Status::ok();
  }
  if (role_ == Role::kFollower && leader_id_ != kNoNode) {
    send(Message{.type = MessageType::kReadIndex, .to = leader_id_, .context = context});
    return Status::ok();
  }
  return Status(Code::kNotLeader, "no leader known");
}

void Raft::handle_read_request(const ReadRequest& request) {
  if (config_.bugs.read_without_quorum) {
    answer_read(request, log_.committed());  // PLANTED BUG: no proof of leadership
    return;
  }
  if (lease_valid()) {
    // No other leader can have been elected since the acknowledged heartbeat: the voters
    // that acknowledged it refuse votes for an election timeout, and this one has
    // committed an entry of its term, so its commit index is the latest.
    ++lease_reads_;
    answer_read(request, log_.committed());
    return;
  }
  if (read_only_.pending_count() >= config_.max_pending_reads) {
    return;  // dropped; the requester times out
  }
  read_only_.enqueue(request);
  maybe_start_read_round();
}

void Raft::maybe_start_read_round() {
  // A leader knows the latest commit index only once it has committed an entry of its own
  // term (thesis §6.4 step 1); until then reads wait.
  if (role_ != Role::kLeader || read_only_.in_flight() || !read_only_.has_pending() ||
      !committed_in_current_term()) {
    return;
  }
  const std::uint64_t round = read_only_.start_round(log_.committed());
  progress_.at(id_).ack_read_round(round);
  broadcast_heartbeat();
  maybe_complete_read_round();  // a single-voter cluster needs no round trip
}

bool Raft::lease_valid() const {
  const int lease = config_.lease_ticks();
  if (role_ != Role::kLeader || !config_.lease_reads || !config_.check_quorum || lease < 1 ||
      lease_void_ || step_down_pending_ || !committed_in_current_term()) {
    return false;
  }
  // The send tick of the latest heartbeat a majority (of each configuration) acknowledged;
  // the leader's own "acknowledgement" is now.
  const Index start = joint_committed_index(conf(), [this](NodeId id) -> Index {
    if (id == id_) {
      return ticks_;
    }
    auto it = progress_.find(id);
    return it == progress_.end() ? Index{0} : it->second.lease_ack();
  });
  return start > 0 && ticks_ < start + static_cast<std::uint64_t>(lease);
}

Index Raft::lowest_unanswered_read_index() const {
  const Index committed = log_.committed();
  return read_only_.in_flight() ? std::min(read_only_.current_index(), committed) : committed;
}

void Raft::maybe_complete_read_round() {
  if (!read_only_.in_flight()) {
    return;
  }
  const bool quorum = joint_quorum(conf(), [this](NodeId id) {
    auto it = progress_.find(id);
    return it != progress_.end() && it->second.read_ack() >= read_only_.round();
  });
  if (!quorum) {
    return;
  }
  CompletedRound done = read_only_.complete_round();
  for (const ReadRequest& r : done.reads) {
    answer_read(r, done.read_index);
  }
  maybe_start_read_round();
}

void Raft::answer_read(const ReadRequest& request, Index read_index) {
  if (request.from == id_) {
    read_states_.push_back(ReadState{read_index, request.context});
  } else {
    send(Message{.type = MessageType::kReadIndexResp,
                 .to = request.from,
                 .index = read_index,
                 .context = request.context});
  }
}

}  // namespace helios::raft
