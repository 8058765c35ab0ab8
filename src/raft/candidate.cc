// Elections: the pre-candidate and candidate roles (§5.2, thesis §9.6).
#include "base/assert.h"
#include "raft/raft.h"

namespace helios::raft {

void Raft::start_campaign(bool pre_vote, bool transfer) {
  if (pre_vote || role_ != Role::kPreCandidate) {
    ++elections_started_;  // an election: its pre-vote, or a vote without one
  }
  if (pre_vote) {
    become_pre_candidate();
  } else {
    become_candidate();
  }
  // A pre-vote asks for the term the node would campaign in, without taking it.
  const Term campaign_term = pre_vote ? term_ + 1 : term_;
  const MessageType type = pre_vote ? MessageType::kPreVote : MessageType::kVote;
  // A pre-candidate counts itself at once (a pre-vote promises nothing). A candidate counts
  // its own vote only once it is durable (on_hard_state_durable): a node that won alone (a
  // single voter) and crashed before its term reached the disk could win the same term
  // again with other entries, after learners had taken the first ones.
  if (pre_vote && poll(id_, true) == VoteResult::kWon) {
    start_campaign(false, transfer);  // a single voter: no one else to ask
    return;
  }
  for (NodeId peer : members(conf())) {
    if (peer == id_ || !is_voter(conf(), peer)) {
      continue;
    }
    send(Message{.type = type,
                 .to = peer,
                 .term = campaign_term,
                 .log_term = log_.last_term(),
                 .index = log_.last_index(),
                 .context = transfer ? kCampaignTransfer : 0});
  }
}

void Raft::on_hard_state_durable(const HardState& hard_state) {
  if (role_ != Role::kCandidate || hard_state.term != term_ || hard_state.vote != id_) {
    return;
  }
  if (poll(id_, true) == VoteResult::kWon) {
    become_leader();
    broadcast_append();
  }
}

VoteResult Raft::poll(NodeId from, bool granted) {
  votes_.emplace(from, granted);  // the first answer from a node counts
  return joint_vote_result(conf(), votes_);
}

void Raft::step_candidate(const Message& m) {
  const MessageType my_resp =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kAppend:
      become_follower(m.term, m.from);
      handle_append(m);
      return;
    case MessageType::kHeartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      return;
    case MessageType::kSnapshot:
      become_follower(m.term, m.from);
      handle_snapshot(m);
      return;
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp: {
      if (m.type != my_resp) {
        return;  // an answer to an earlier phase of this election
      }
      const VoteResult result = poll(m.from, !m.reject);
      if (result == VoteResult::kWon) {
        if (role_ == Role::kPreCandidate) {
          start_campaign(false);
        } else {
          become_leader();
          broadcast_append();
        }
      } else if (result == VoteResult::kLost) {
        become_follower(term_, kNoNode);
      }
      return;
    }
    default:
      return;  // no leader to serve reads or acknowledge anything
  }
}

}  // namespace helios::raft
