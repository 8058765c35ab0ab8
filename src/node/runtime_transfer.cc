// Runtime: leadership transfer (leader_transfer.h, transfer_waiter.h): the choice of target
// and the candidates from the transport. Everything here runs on the loop thread.
#include <map>

#include "base/log.h"
#include "node/runtime.h"
#include "raft/membership.h"

namespace helios::node {

NodeId Runtime::member_below_wire_minor(std::uint16_t minor) const {
  const raft::ConfState& conf = node_->raw().raft().conf();
  std::map<NodeId, std::uint16_t> greeted;
  for (const transport::PeerStatus& p : transport_->peer_status()) {
    if (p.greeted) {
      greeted[p.id] = p.minor;
    }
  }
  for (const auto* ids : {&conf.voters, &conf.learners, &conf.voters_outgoing}) {
    for (NodeId id : *ids) {
      auto it = greeted.find(id);
      if (id != config_.node_id && it != greeted.end() && it->second < minor) {
        return id;
      }
    }
  }
  return kNoNode;
}

std::vector<TransferCandidate> Runtime::transfer_candidates() const {
  const raft::Raft& r = node_->raw().raft();
  std::vector<TransferCandidate> out;
  if (r.role() != raft::Role::kLeader) {
    return out;
  }
  // Progress::recent_active() is cleared at every check-quorum round, so a follower also
  // counts as active when the transport received from it within an election timeout.
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
  std::map<NodeId, std::int64_t> heard_ms;
  for (const transport::PeerStatus& p : transport_->peer_status()) {
    heard_ms[p.id] = p.last_received_ms;
  }
  for (NodeId id : r.conf().voters) {  // the incoming voters
    auto pr = r.progress().find(id);
    if (id == config_.node_id || pr == r.progress().end()) {
      continue;
    }
    TransferCandidate c{id, pr->second.match(), pr->second.recent_active()};
    auto heard = heard_ms.find(id);
    if (heard != heard_ms.end() && heard->second >= 0 &&
        now_ms - heard->second < static_cast<std::int64_t>(config_.election_timeout_ms)) {
      c.active = true;
    }
    out.push_back(c);
  }
  return out;
}

void Runtime::transfer_leadership(NodeId target, std::chrono::milliseconds wait,
                                  TransferCallback done) {
  transfers_->transfer(target, wait, std::move(done));
}

}  // namespace helios::node
