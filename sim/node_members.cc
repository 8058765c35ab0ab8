// SimNode: membership through the production keeper (node::MemberKeeper): the admin API's
// changes, the leader's own (the first configuration's addresses, promotions of learners
// that asked for it) and the peer directory, on the node's simulated loop.
#include <algorithm>

#include "base/assert.h"
#include "raft/membership.h"
#include "sim/node.h"

namespace helios::sim {

node::Member SimNode::sim_member(NodeId id) {
  node::Member m;
  m.id = id;
  const std::string host = "n" + std::to_string(id) + ".sim";
  const auto port = static_cast<std::uint16_t>(id);
  m.peer = node::HostPort{host, static_cast<std::uint16_t>(7000 + port)};
  m.client = node::HostPort{host, static_cast<std::uint16_t>(6000 + port)};
  m.admin = node::HostPort{host, static_cast<std::uint16_t>(8000 + port)};
  return m;
}

void SimNode::start_members() {
  node::MemberKeeperOptions o = node::MemberKeeperOptions::of(client_config_);
  o.bug_answer_early = options_.bugs.member_answer_early;
  o.bug_promote_unanswered = options_.bugs.promote_unanswered;
  const std::chrono::milliseconds election_timeout(
      options_.tick_us * static_cast<Micros>(options_.election_ticks) / 1000);
  transfers_ = std::make_unique<node::TransferWaiter>(
      id(), loop_, *node_, [this]() { return host_.peer_links(index_); }, election_timeout,
      []() {});
  if (options_.bugs.transfer_answer_leaderless) {
    transfers_->plant_answer_leaderless();
  }
  if (options_.bugs.transfer_to_silent) {
    transfers_->plant_silent_active();
  }
  peers_.clear();
  node::PeerDirectory& peers = *this;
  members_ = std::make_unique<node::MemberKeeper>(o, loop_, *node_, peers, []() {});
}

void SimNode::on_conf_change(const raft::ConfState& conf) {
  if (members_ == nullptr) {
    return;  // not yet started (the keeper reads the configuration once it is)
  }
  members_->on_conf_change(conf);
  // The keeper keeps a link to every member of the configuration in force that has an
  // address (the simulator's book has one for every node).
  for (NodeId id : raft::members(conf)) {
    if (id != this->id() && node::find_member(members_->book(), id) != nullptr &&
        peers_.count(id) == 0) {
      throw SimFailure("n" + std::to_string(this->id()) + " has no link to member n" +
                       std::to_string(id) + " of " + raft::describe(conf));
    }
  }
}

void SimNode::remove_peer(NodeId id) {
  if (node_ != nullptr && raft::is_member(node_->raw().raft().conf(), id)) {
    throw SimFailure("n" + std::to_string(this->id()) + " forgot the link to member n" +
                     std::to_string(id) + " of " + raft::describe(node_->raw().raft().conf()));
  }
  peers_.erase(id);
}

void SimNode::change_members(const node::MemberRequest& request, std::chrono::milliseconds wait,
                             node::MemberChangeCallback done) {
  HELIOS_ASSERT(members_ != nullptr);
  members_->change_members(request, wait, std::move(done));
}

void SimNode::request_transfer(NodeId target, std::chrono::milliseconds wait,
                               node::TransferCallback done) {
  HELIOS_ASSERT(transfers_ != nullptr);
  transfers_->transfer(target, wait, std::move(done));
}

node::MembersView SimNode::members_view() const {
  HELIOS_ASSERT(members_ != nullptr);
  return members_->view();
}

node::MemberList SimNode::member_book() const {
  return members_ != nullptr ? members_->book() : node::MemberList{};
}

}  // namespace helios::sim
