// Runtime: membership (runtime.h, node/members.h). Everything here runs on the loop thread
// unless it says otherwise.
#include <algorithm>

#include "base/log.h"
#include "env/file_system.h"
#include "node/runtime.h"
#include "raft/membership.h"

namespace helios::node {

void Runtime::finish_join(raft::EntryId conf, Term term) {
  asio::post(io_, [this, conf, term]() {
    removal_->finish_join(conf);
    removal_->guard(*node_);
    node_->finish_join(term);
    check_failed();
  });
}

void Runtime::on_conf_change(const raft::ConfState& conf) {
  members_->on_conf_change(conf);
}

std::vector<NodeId> Runtime::peer_ids() const {
  std::vector<NodeId> ids;
  for (const transport::Peer& p : transport_->peers()) {
    ids.push_back(p.id);
  }
  return ids;
}

void Runtime::add_seed_peers(const MemberList& members) {
  asio::post(io_, [this, members]() { members_->add_seed_peers(members); });
}

void Runtime::on_applied(const raft::Entry& entry) {
  on_applied_debug(entry);
  if (std::optional<std::string> reason = removal_->on_applied(entry, node_->raw().raft().conf())) {
    on_removed(*reason);
  }
}

void Runtime::on_removal_notice(const raft::Raft::RemovalNotice& notice) {
  if (std::optional<std::string> reason = removal_->on_removal_notice(notice)) {
    on_removed(*reason);
  }
}

void Runtime::on_removed(const std::string& reason) {
  removed_ = true;
  (void)removal_->record(reason);  // logged there; the node stops all the same
  HELIOS_LOG_INFO("", "Node %s was removed from the cluster (%s); stopping", config_.name().c_str(),
                  reason.c_str());
  // Answer the changes waiting here (the removal of this very node, say) before stopping.
  members_->answer_pending();
  if (on_removed_hook) {
    on_removed_hook();
  }
}

MembersView Runtime::members_view() const {
  return members_->view();
}

HostPort Runtime::member_client(NodeId id) const {
  return members_->member_client(id);
}

void Runtime::change_members(const MemberRequest& request, std::chrono::milliseconds wait,
                             MemberChangeCallback done) {
  members_->change_members(request, wait, std::move(done));
}

}  // namespace helios::node
