// Runtime: leadership transfer (leader_transfer.h, transfer_waiter.h: the choice of target and
// the candidates, from the transport's links). Everything here runs on the loop thread.
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

void Runtime::transfer_leadership(NodeId target, std::chrono::milliseconds wait,
                                  TransferCallback done) {
  transfers_->transfer(target, wait, std::move(done));
}

}  // namespace helios::node
