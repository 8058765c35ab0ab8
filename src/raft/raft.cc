// Term rules, role transitions and timers. Role-specific handling lives in leader.cc,
// candidate.cc and follower.cc.
#include "raft/raft.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::raft {

const char* role_name(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

namespace {

// The configuration a node starts with: the snapshot's, else the one storage keeps, else the
// bootstrap voters; then every configuration entry of the log on top (thesis §4.1).
ConfigHistory initial_configs(const Config& config, const Storage& storage) {
  const SnapshotMeta snap = storage.snapshot_meta();
  ConfigAt base{snap.index, snap.term, snap.conf_state};
  if (base.conf.voters.empty()) {
    base.conf = storage.initial_state().conf_state;
  }
  if (base.conf.voters.empty()) {
    base.conf = ConfState{};
    base.conf.voters = config.voters;
    std::sort(base.conf.voters.begin(), base.conf.voters.end());
  }
  HELIOS_ASSERT_MSG(validate_conf_state(base.conf).is_ok(), "the initial configuration is invalid");
  ConfigHistory configs(std::move(base));
  for (Index index : storage.conf_entry_indexes()) {
    if (index <= configs.current().index) {
      continue;  // kept in the log behind the snapshot, which already reflects it
    }
    Result<std::vector<Entry>> read = storage.entries(index, index + 1, UINT64_MAX);
    HELIOS_ASSERT_MSG(read.is_ok() && read.value().size() == 1,
                      "cannot read a configuration entry");
    const Entry& e = read.value().front();
    HELIOS_ASSERT(e.type == EntryType::kConfChange && e.index == index);
    Result<ConfState> conf = decode_conf_state(e.data);
    if (!conf.is_ok()) {
      HELIOS_PANIC("configuration entry %llu (term %llu) does not decode: %s",
                   static_cast<unsigned long long>(e.index),
                   static_cast<unsigned long long>(e.term), conf.status().to_string().c_str());
    }
    configs.append(ConfigAt{e.index, e.term, std::move(conf).value()});
  }
  return configs;
}

}  // namespace

Raft::Raft(const Config& config, const Storage& storage)
    : config_(config),
      id_(config.id),
      prng_(config.seed),
      log_(storage, config.applied),
      configs_(initial_configs(config, storage)) {
  HELIOS_ASSERT(id_ != kNoNode);
  HELIOS_ASSERT(config.heartbeat_ticks > 0);
  HELIOS_ASSERT(config.election_ticks > config.heartbeat_ticks);
  HELIOS_ASSERT(config.max_entries_per_append > 0);
  HELIOS_ASSERT(config.max_inflight_appends > 0);
  const InitialState initial = storage.initial_state();
  become_follower(initial.hard_state.term, kNoNode);
  vote_ = initial.hard_state.vote;
}

// ---------------------------------------------------------------------------------------
// Transitions.

void Raft::reset(Term term) {
  if (term_ != term) {
    HELIOS_ASSERT(term > term_);
    term_ = term;
    vote_ = kNoNode;
  }
  leader_id_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  votes_.clear();
  progress_.clear();
  departing_.clear();
  uncommitted_entries_ = 0;
  read_only_.reset();
  lead_transferee_ = kNoNode;
  lease_void_ = false;
  step_down_pending_ = false;
}

void Raft::reset_randomized_election_timeout() {
  const auto t = static_cast<std::uint64_t>(config_.election_ticks);
  randomized_election_timeout_ = static_cast<int>(t + prng_.uniform(t));
}

void Raft::become_follower(Term term, NodeId leader) {
  reset(term);
  role_ = Role::kFollower;
  leader_id_ = leader;
}

void Raft::become_pre_candidate() {
  HELIOS_ASSERT(role_ != Role::kLeader);
  // A pre-candidate keeps its term and vote: it has not started an election yet.
  votes_.clear();
  leader_id_ = kNoNode;
  role_ = Role::kPreCandidate;
}

void Raft::become_candidate() {
  HELIOS_ASSERT(role_ != Role::kLeader);
  reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::become_leader() {
  HELIOS_ASSERT(role_ == Role::kCandidate);
  reset(term_);
  role_ = Role::kLeader;
  leader_id_ = id_;
  sync_progress();
  // The leader counts itself only for what is durable (thesis §10.2.1).
  Progress& self = progress_.at(id_);
  self.maybe_update(log_.stable_last_index());
  self.become_replicate();
  // §8: a no-op entry of the new term commits earlier terms' entries and enables reads.
  Entry noop;
  noop.type = EntryType::kNoop;
  const bool appended = append_entry({noop});
  HELIOS_ASSERT(appended);
}

// ---------------------------------------------------------------------------------------
// Timers.

void Raft::tick() {
  ++ticks_;
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void Raft::tick_election() {
  if (!promotable()) {
    // A learner, a removed node or one that has not joined yet never campaigns; but time
    // passes for it too, or it would think itself in a leader's lease for ever and refuse
    // the votes of a configuration that counts it and that it has not received yet.
    election_elapsed_ = std::min(election_elapsed_ + 1, randomized_election_timeout_);
    return;
  }
  ++election_elapsed_;
  if (election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    campaign();
  }
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (step_down_pending_) {
    become_follower(term_, kNoNode);  // a committed configuration left it out (thesis §4.2.2)
    return;
  }
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    lead_transferee_ = kNoNode;  // a transfer not done within an election timeout is over
    if (config_.check_quorum && !quorum_active()) {
      become_follower(term_, kNoNode);
      return;
    }
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat();
  }
  tick_snapshot_transfers();
}

void Raft::campaign() {
  if (role_ == Role::kLeader || !promotable()) {
    return;
  }
  start_campaign(config_.pre_vote);
}

// ---------------------------------------------------------------------------------------
// Step: validation, then the term rules of §5.1, then the role's handler.

Status Raft::validate(const Message& m) const {
  if (m.to != id_) {
    return Status(Code::kInvalidArgument, "message addressed to another node");
  }
  // Any node may send: one this node's configuration does not know yet can lead (it was
  // added by an entry not yet here), and the leader ignores answers from non-members.
  if (m.from == id_ || m.from == kNoNode) {
    return Status(Code::kInvalidArgument, "message from node " + std::to_string(m.from));
  }
  if (m.term == 0) {
    return Status(Code::kInvalidArgument, "message without a term");
  }
  if (static_cast<int>(m.type) >= kMessageTypeCount) {
    return Status(Code::kInvalidArgument, "unknown message type");
  }
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const Entry& e = m.entries[i];
    const Term prev_term = i == 0 ? m.log_term : m.entries[i - 1].term;
    if (e.index != m.index + 1 + i || e.term < prev_term || e.term > m.term) {
      return Status(Code::kInvalidArgument, "entries out of order");
    }
  }
  if (!m.entries.empty() && m.type != MessageType::kAppend) {
    return Status(Code::kInvalidArgument, "entries on a message that carries none");
  }
  for (const Entry& e : m.entries) {
    if (e.type == EntryType::kConfChange) {
      if (Status s = decode_conf_state(e.data).status(); !s.is_ok()) {
        return Status(Code::kInvalidArgument,
                      "entry " + std::to_string(e.index) + ": " + s.message());
      }
    }
  }
  if (m.type == MessageType::kSnapshot) {
    if (Status s = validate_conf_state(m.snapshot.conf_state); !s.is_ok()) {
      return Status(Code::kInvalidArgument, "snapshot: " + s.message());
    }
  }
  if (m.type == MessageType::kSnapshot &&
      (m.snapshot.index == 0 || m.snapshot.term == 0 || m.snapshot.term > m.term)) {
    return Status(Code::kInvalidArgument, "snapshot without a valid index and term");
  }
  return Status::ok();
}

bool Raft::in_lease() const {
  // With check-quorum, a node that heard from a live leader within the election timeout
  // ignores vote requests: the leader is still there (thesis §4.2.3). With lease reads the
  // leader counts on it, so a node that just started (and may have heard from a leader
  // just before it went down) waits an election timeout too.
  if (config_.lease_reads && ticks_ < static_cast<std::uint64_t>(config_.election_ticks)) {
    return true;
  }
  return config_.check_quorum && leader_id_ != kNoNode &&
         election_elapsed_ < config_.election_ticks;
}

// Applies the term rules. Returns false if the message must be dropped.
bool Raft::step_term(const Message& m) {
  const bool is_vote = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
  if (m.term > term_) {
    // A vote the leader asked for (TimeoutNow) may depose it within its lease.
    const bool transfer = m.type == MessageType::kVote && m.context == kCampaignTransfer;
    if (is_vote && in_lease() && !transfer) {
      return false;
    }
    if (m.type == MessageType::kPreVote) {
      return true;  // a pre-vote never changes our term
    }
    if (m.type == MessageType::kPreVoteResp && !m.reject) {
      return true;  // granted for a future term: our term bumps once we win the pre-vote
    }
    const bool from_leader = m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
                             m.type == MessageType::kSnapshot;
    become_follower(m.term, from_leader ? m.from : kNoNode);
    return true;
  }
  if (m.term < term_) {
    if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat) {
      // A stale leader: tell it our term so it steps down (otherwise, with check-quorum
      // and pre-vote, it could keep a partitioned follower from ever electing anyone).
      send(Message{.type = MessageType::kAppendResp, .to = m.from});
    } else if (m.type == MessageType::kPreVote) {
      send(Message{.type = MessageType::kPreVoteResp, .to = m.from, .reject = true});
    }
    return false;
  }
  return true;
}

Status Raft::step(const Message& m) {
  Status valid = validate(m);
  if (!valid.is_ok()) {
    return valid;
  }
  if (joining_ && !config_.bugs.join_unquarantined) {
    return Status::ok();  // a new machine under an old id, not yet added: hears nothing
  }
  // A removed node's vote request, and the answer (before the term rules: the removed node's
  // term may be far behind, and the voter may be in a leader's lease).
  if ((m.type == MessageType::kVote || m.type == MessageType::kPreVote) && removal_notice_due(m)) {
    const MessageType resp =
        m.type == MessageType::kPreVote ? MessageType::kPreVoteResp : MessageType::kVoteResp;
    send(Message{.type = resp,
                 .to = m.from,
                 .index = log_.committed(),
                 .reject = true,
                 .context = kRemovedNotice});
    return Status::ok();
  }
  if ((m.type == MessageType::kVoteResp || m.type == MessageType::kPreVoteResp) &&
      m.context == kRemovedNotice) {
    handle_removal_notice(m);
    return Status::ok();
  }
  if (!step_term(m)) {
    return Status::ok();
  }
  switch (m.type) {
    case MessageType::kVote:
    case MessageType::kPreVote:
      handle_vote_request(m);
      return Status::ok();
    default:
      break;
  }
  switch (role_) {
    case Role::kLeader:
      step_leader(m);
      break;
    case Role::kCandidate:
    case Role::kPreCandidate:
      step_candidate(m);
      break;
    case Role::kFollower:
      step_follower(m);
      break;
  }
  return Status::ok();
}

void Raft::finish_join(Term term) {
  joining_ = false;
  if (term > term_) {
    become_follower(term, kNoNode);
  }
}

void Raft::handle_vote_request(const Message& m) {
  // A wiped machine under an old id whose log does not hold the entry that added it yet
  // answers only a candidate whose log does; the others get silence (its term may still be
  // 0, which no message may carry).
  const bool candidate_holds_floor =
      m.log_term > vote_floor_.term ||
      (m.log_term == vote_floor_.term && m.index >= vote_floor_.index);
  if (below_vote_floor() && !candidate_holds_floor) {
    return;
  }
  const bool pre = m.type == MessageType::kPreVote;
  // §5.2: one vote per term, first come first served; a pre-vote for a future term is not
  // a vote, so it is given freely to an up-to-date log.
  bool can_vote =
      vote_ == m.from || (vote_ == kNoNode && leader_id_ == kNoNode) || (pre && m.term > term_);
  if (config_.bugs.vote_twice && !pre) {
    can_vote = true;  // PLANTED BUG: ignores the vote already cast in this term
  }
  const MessageType resp_type = pre ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // The response carries the term the vote is for (for a pre-vote, the future term).
    send(Message{.type = resp_type, .to = m.from, .term = m.term});
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    send(Message{.type = resp_type, .to = m.from, .reject = true});
  }
}

// ---------------------------------------------------------------------------------------
// Output.

void Raft::send(Message m) {
  m.from = id_;
  if (m.term == 0) {
    m.term = term_;
  }
  // Which messages may leave before the node's pending writes are durable:
  //  - the leader's replication traffic (its own durability is counted separately);
  //  - ReadIndex requests and answers, which depend on no local state that is unsynced;
  //  - a follower's heartbeat answer (as etcd/raft): it acknowledges a leader and term, not
  //    entries, and says only that this node had seen no higher term when it answered,
  //    which a crash that loses an unsynced term change cannot make untrue (a vote, the
  //    only thing a forgotten term could lead to repeating, is durable before it leaves).
  // Everything else (votes, responses acknowledging entries) waits for the fsync.
  bool early = false;
  switch (m.type) {
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kHeartbeatResp:  // acknowledges the term and leader, not entries
    case MessageType::kSnapshot:
    case MessageType::kReadIndex:
    case MessageType::kReadIndexResp:
    case MessageType::kTimeoutNow:
      early = true;
      break;
    case MessageType::kAppendResp:
      early = config_.bugs.ack_before_persist;
      break;
    default:
      break;
  }
  if (early) {
    messages_.push_back(std::move(m));
  } else {
    messages_after_persist_.push_back(std::move(m));
  }
}

std::vector<Message> Raft::take_messages() {
  return std::exchange(messages_, {});
}

std::vector<Message> Raft::take_messages_after_persist() {
  return std::exchange(messages_after_persist_, {});
}

std::vector<ReadState> Raft::take_read_states() {
  return std::exchange(read_states_, {});
}

bool Raft::has_output() const {
  return !messages_.empty() || !messages_after_persist_.empty() || !read_states_.empty();
}

// ---------------------------------------------------------------------------------------
// Durability feedback.

void Raft::on_persisted(Index index, Term term) {
  if (!log_.stable_to(index, term)) {
    return;
  }
  if (role_ != Role::kLeader) {
    return;
  }
  if (progress_.at(id_).maybe_update(index) && maybe_commit()) {
    broadcast_append();
  }
}

}  // namespace helios::raft
