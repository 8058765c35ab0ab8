// Membership changes (thesis chapter 4) and leadership transfer (thesis §3.10).
#include <algorithm>

#include "base/assert.h"
#include "raft/raft.h"

namespace helios::raft {

Result<EntryId> Raft::propose_conf_change(ConfState next) {
  if (role_ != Role::kLeader) {
    return Status(Code::kNotLeader, "leader is " + std::to_string(leader_id_));
  }
  if (lead_transferee_ != kNoNode) {
    return Status(Code::kUnavailable,
                  "leadership is being transferred to " + std::to_string(lead_transferee_));
  }
  if (!is_incoming_voter(conf(), id_)) {
    return Status(Code::kUnavailable, "this leader is leaving the configuration");
  }
  if (configs_.current().index > log_.committed()) {
    return Status(Code::kUnavailable, "a configuration change is in progress (entry " +
                                          std::to_string(configs_.current().index) +
                                          " is not committed yet)");
  }
  if (Status s = validate_conf_state(next); !s.is_ok()) {
    return s;
  }
  if (Status s = check_transition(conf(), next); !s.is_ok()) {
    return s;
  }
  Entry e;
  e.type = EntryType::kConfChange;
  e.data = encode_conf_state(next);
  if (!append_entry({std::move(e)})) {
    return Status(Code::kUnavailable, "too many uncommitted entries");
  }
  broadcast_append();
  return EntryId{term_, log_.last_index()};
}

void Raft::record_conf_entries(const std::vector<Entry>& entries) {
  const Index before = configs_.current().index;
  // A follower's log may have lost entries (a conflicting tail replaced): forget their
  // configurations first.
  configs_.truncate(log_.last_index(), [this](Index i) { return log_.term_or_zero(i); });
  for (const Entry& e : entries) {
    if (e.type != EntryType::kConfChange || e.index <= configs_.current().index ||
        !log_.match_term(e.index, e.term)) {
      continue;
    }
    Result<ConfState> conf = decode_conf_state(e.data);
    HELIOS_ASSERT_MSG(conf.is_ok(), "a configuration entry passed validation but not decoding");
    configs_.append(ConfigAt{e.index, e.term, std::move(conf).value()});
  }
  if (configs_.current().index != before && role_ == Role::kLeader) {
    sync_progress();
    // A read round waiting for acknowledgements may have its quorum in the new
    // configuration already (nothing else would look again).
    maybe_complete_read_round();
    if (config_.bugs.leave_joint_early && conf().joint()) {
      // PLANTED BUG: C(new) follows C(old,new) at once, before C(old,new) commits.
      Entry e;
      e.type = EntryType::kConfChange;
      e.data = encode_conf_state(leave_joint(conf()));
      (void)append_entry({std::move(e)});
    }
  }
}

void Raft::sync_progress() {
  HELIOS_ASSERT(role_ == Role::kLeader);
  // Tracked: the members of the configuration in force and of the last committed one.
  std::vector<NodeId> tracked = members(conf());
  const std::vector<NodeId> committed = members(configs_.at(log_.committed()).conf);
  tracked.insert(tracked.end(), committed.begin(), committed.end());
  tracked.push_back(id_);
  std::sort(tracked.begin(), tracked.end());
  tracked.erase(std::unique(tracked.begin(), tracked.end()), tracked.end());
  // A member whose removal committed is forgotten once it has the entry that removed it,
  // and is told that it committed (it may be the last it hears from the cluster).
  const Index removal = configs_.at(log_.committed()).index;
  for (auto it = progress_.begin(); it != progress_.end();) {
    if (std::binary_search(tracked.begin(), tracked.end(), it->first)) {
      ++it;
      continue;
    }
    if (it->second.match() < removal) {
      departing_.insert(it->first);
      ++it;
      continue;
    }
    send_heartbeat(it->first, 0);
    departing_.erase(it->first);
    it = progress_.erase(it);
  }
  const Index next = log_.last_index() + 1;
  for (NodeId id : tracked) {
    if (departing_.erase(id) != 0) {
      progress_.erase(id);  // added again: whatever it had may be gone (a new machine)
    }
    if (progress_.count(id) == 0) {
      // A new member counts as active (it has not had time to answer), as in etcd/raft.
      Progress pr(next, config_.max_inflight_appends, config_.max_inflight_bytes);
      pr.set_recent_active(true);
      progress_.emplace(id, std::move(pr));
    }
  }
  if (lead_transferee_ != kNoNode && !is_incoming_voter(conf(), lead_transferee_)) {
    lead_transferee_ = kNoNode;
  }
}

void Raft::after_commit() {
  if (role_ != Role::kLeader) {
    return;
  }
  sync_progress();  // a committed removal stops replication to the removed member
  const ConfigAt& current = configs_.current();
  if (current.index > log_.committed()) {
    return;  // the change in flight has not committed yet
  }
  if (current.conf.joint()) {
    // C(old,new) committed: C(new) can be decided alone now (thesis §4.3).
    Entry e;
    e.type = EntryType::kConfChange;
    e.data = encode_conf_state(leave_joint(current.conf));
    (void)append_entry({std::move(e)});  // if too many entries wait: again at the next commit
    return;
  }
  if (!is_incoming_voter(current.conf, id_)) {
    step_down_pending_ = true;  // at the next tick, once followers heard the commit index
  }
}

Status Raft::transfer_leadership(NodeId target) {
  if (role_ != Role::kLeader) {
    return Status(Code::kNotLeader, "leader is " + std::to_string(leader_id_));
  }
  if (target == id_) {
    return Status::ok();
  }
  if (!is_incoming_voter(conf(), target)) {
    return Status(Code::kInvalidArgument,
                  "node " + std::to_string(target) + " is not a voter of " + describe(conf()));
  }
  lead_transferee_ = target;
  lease_void_ = true;     // its voters may now vote inside our lease
  election_elapsed_ = 0;  // it has one election timeout to take over
  const Progress& pr = progress_.at(target);
  if (pr.match() == log_.last_index()) {
    send_timeout_now(target);
  } else {
    send_append(target, true);
  }
  return Status::ok();
}

void Raft::send_timeout_now(NodeId to) {
  send(Message{.type = MessageType::kTimeoutNow, .to = to});
}

// A candidate left out of the configuration committed here, whose log ends below our commit
// index, was removed while it was down or cut off: no leader sends to it any more, so it
// would campaign for ever. Both the configuration in force and the committed one must leave
// it out: a removal that is not committed may still be lost. And its log must end below our
// commit: a candidate that holds a later configuration adding it again (which we lack) has a
// longer log than our commit index.
bool Raft::removal_notice_due(const Message& m) const {
  if (m.from == id_ || is_member(conf(), m.from) || m.index >= log_.committed()) {
    return false;
  }
  if (config_.bugs.notice_uncommitted_removal) {
    return true;  // PLANTED BUG: a removal that is not committed may still be undone
  }
  return !is_member(configs_.at(log_.committed()).conf, m.from);
}

void Raft::handle_removal_notice(const Message& m) {
  if (!m.reject || m.index <= log_.last_index() || m.index <= removal_notice_.index) {
    return;  // a stale notice: our log reached past it since we asked
  }
  removal_notice_ = RemovalNotice{m.index, m.from};
  if (role_ != Role::kLeader) {
    become_follower(term_, kNoNode);
  }
}

}  // namespace helios::raft
