// Runtime: membership (runtime.h, node/members.h). Everything here runs on the loop thread
// unless it says otherwise.
#include <algorithm>

#include "base/log.h"
#include "env/file_system.h"
#include "node/runtime.h"
#include "raft/membership.h"

namespace helios::node {

Status Runtime::check_not_removed() {
  const std::string marker = dir_->path() + "/" + kRemovedMarker;
  if (!fs_.exists(marker)) {
    return Status::ok();
  }
  Result<std::string> text = env::read_file(fs_, marker);
  std::string why = text.is_ok() ? text.value() : std::string("unreadable");
  while (!why.empty() && why.back() == '\n') {
    why.pop_back();
  }
  return Status(Code::kInvalidArgument,
                config_.name() + " was removed from the cluster (" + marker + ": " + why +
                    "); it does not start again. To bring this machine back, wipe its data "
                    "directory and add it as a new member (--join)");
}

Status Runtime::read_joined() {
  const std::string marker = dir_->path() + "/" + kJoinedMarker;
  if (!fs_.exists(marker)) {
    return Status::ok();
  }
  Result<std::string> text = env::read_file(fs_, marker);
  if (!text.is_ok()) {
    return text.status();
  }
  char* end = nullptr;
  const std::uint64_t index = std::strtoull(text.value().c_str(), &end, 10);
  if (end == text.value().c_str() || (*end != '\n' && *end != '\0')) {
    return Status(Code::kCorruption, marker + ": not an index: '" + text.value() + "'");
  }
  joined_at_ = index;
  return Status::ok();
}

void Runtime::finish_join(Index conf_index) {
  asio::post(io_, [this, conf_index]() {
    if (conf_index > joined_at_) {
      joined_at_ = conf_index;
      const Status s = env::write_file_atomically(fs_, dir_->path() + "/" + kJoinedMarker,
                                                  std::to_string(conf_index) + "\n");
      if (!s.is_ok()) {
        HELIOS_LOG_ERROR("membership", "cannot record the join: %s", s.to_string().c_str());
      }
    }
    joining_ = false;
    was_member_ = true;  // the cluster added this node: its removal from now on stops it
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
  if (entry.type != raft::EntryType::kConfChange || removed_) {
    return;
  }
  Result<raft::ConfState> conf = raft::decode_conf_state(entry.data);
  if (!conf.is_ok()) {
    return;  // the core validated it before appending it
  }
  if (joining_ || entry.index < joined_at_) {
    return;  // an earlier member under this id: its history, replayed while catching up
  }
  if (raft::is_member(conf.value(), config_.node_id)) {
    was_member_ = true;
  } else if (was_member_ && !conf.value().joint() &&
             !raft::is_member(node_->raw().raft().conf(), config_.node_id)) {
    // Only if the configuration in force still leaves it out: a node added again under an
    // id that was removed before replays that old removal from the log, and must not stop.
    on_removed(conf.value());
  }
}

void Runtime::on_removal_notice(const raft::Raft::RemovalNotice& notice) {
  if (removed_) {
    return;
  }
  on_removed("node-" + std::to_string(notice.from) + " committed a configuration without it" +
             " at index " + std::to_string(notice.index) + ", above this node's log");
}

void Runtime::on_removed(const raft::ConfState& conf) {
  on_removed("removed by the configuration " + raft::describe(conf) + " at index " +
             std::to_string(node_->applied()));
}

void Runtime::on_removed(const std::string& reason) {
  removed_ = true;
  const std::string why = reason + "\n";
  const Status s =
      env::write_file_atomically(fs_, dir_->path() + "/" + kRemovedMarker, std::string(why));
  if (!s.is_ok()) {
    HELIOS_LOG_ERROR("membership", "cannot record the removal: %s", s.to_string().c_str());
  }
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
