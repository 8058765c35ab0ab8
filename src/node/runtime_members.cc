// Runtime: membership (runtime.h, node/members.h). Everything here runs on the loop thread
// unless it says otherwise.
#include <algorithm>

#include "base/log.h"
#include "env/file_system.h"
#include "node/runtime.h"
#include "raft/membership.h"

namespace helios::node {

namespace {

constexpr std::chrono::milliseconds kPollEvery{2};

std::string name_of(NodeId id) {
  return "node-" + std::to_string(id);
}

std::uint64_t ms_since(std::chrono::steady_clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
          .count());
}

}  // namespace

struct Runtime::PendingMemberChange {
  MemberRequest request;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point deadline;
  MemberChangeCallback done;
  asio::steady_timer timer;
  bool applied = false;  // the proposed entry was applied
  bool finished = false;

  explicit PendingMemberChange(asio::io_context& io) : timer(io) {}
};

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
  Result<MemberList> book = members_of(conf, config_.peers);
  if (!book.is_ok()) {
    // Raft committed it; a newer binary may have written it. Keep the addresses we know.
    HELIOS_LOG_WARN("membership", "the configuration's addresses do not decode: %s",
                    book.status().to_string().c_str());
    return;
  }
  book_ = prune_to(book.value(), conf);
  const auto now = std::chrono::steady_clock::now();
  for (const Member& m : book_) {
    if (m.id != config_.node_id) {
      transport_->add_peer(transport::Peer{m.id, m.peer.host, m.peer.port});
      forget_at_.erase(m.id);
    }
  }
  // A removed member keeps its link for a while: the leader still sends it the entry that
  // removed it and the commit index, so that it learns it is out.
  const auto grace = std::max<std::chrono::milliseconds>(
      std::chrono::seconds(10), std::chrono::milliseconds(20 * config_.election_timeout_ms));
  for (const transport::Peer& p : transport_->peers()) {
    if (!raft::is_member(conf, p.id) && forget_at_.count(p.id) == 0) {
      forget_at_[p.id] = now + grace;
    }
  }
  HELIOS_LOG_DEBUG("membership", "configuration %s", raft::describe(conf).c_str());
}

void Runtime::add_seed_peers(const MemberList& members) {
  asio::post(io_, [this, members]() {
    for (const Member& m : members) {
      if (m.id != config_.node_id && m.peer.port != 0) {
        transport_->add_peer(transport::Peer{m.id, m.peer.host, m.peer.port});
        forget_at_.erase(m.id);
      }
    }
  });
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
  for (const auto& weak : member_changes_) {
    if (auto change = weak.lock()) {
      poll_member_change(change);
    }
  }
  if (on_removed_hook) {
    on_removed_hook();
  }
}

MembersView Runtime::members_view() const {
  const raft::Raft& r = node_->raw().raft();
  MembersView v;
  v.self = config_.node_id;
  v.cluster_id = config_.cluster_id;
  v.leader = r.leader();
  v.term = r.term();
  v.conf = r.conf();
  v.conf_index = r.conf_index();
  v.change_in_progress = r.conf().joint() || r.conf_index() > r.log().committed();
  v.book = book_;
  return v;
}

HostPort Runtime::member_client(NodeId id) const {
  if (const Member* m = find_member(book_, id); m != nullptr && m->client.port != 0) {
    return m->client;
  }
  for (const PeerConfig& p : config_.peers) {
    if (p.id == id && p.client.port != 0) {
      return p.client;
    }
  }
  return {};
}

void Runtime::change_members(const MemberRequest& request, std::chrono::milliseconds wait,
                             MemberChangeCallback done) {
  const raft::Raft& r = node_->raw().raft();
  MemberChangeResult result;
  result.leader = r.leader();
  result.term = r.term();
  result.conf = r.conf();
  if (const Member* m = find_member(book_, r.leader()); m != nullptr && m->admin.port != 0) {
    result.leader_admin = m->admin.to_string();
  }
  if (r.role() != raft::Role::kLeader) {
    result.status =
        Status(Code::kNotLeader, r.leader() == kNoNode ? std::string("no leader is known")
                                                       : name_of(r.leader()) + " is the leader");
    done(result);
    return;
  }
  if (r.conf_index() > r.log().committed()) {
    result.status =
        Status(Code::kUnavailable, "a configuration change is in progress (entry " +
                                       std::to_string(r.conf_index()) + " is not committed yet)");
    done(result);
    return;
  }
  Result<raft::ConfState> next = Status(Code::kInternal, "unknown request");
  switch (request.kind) {
    case MemberRequest::Kind::kAdd:
      next = plan_add(r.conf(), book_, request.member, request.learner);
      break;
    case MemberRequest::Kind::kRemove:
      next = plan_remove(r.conf(), book_, request.member.id);
      break;
    case MemberRequest::Kind::kPromote:
      next = plan_promote(r.conf(), book_, request.member.id);
      break;
  }
  if (!next.is_ok()) {
    result.status = next.status();
    done(result);
    return;
  }
  HELIOS_LOG_INFO("membership", "Proposing the configuration %s",
                  raft::describe(next.value()).c_str());
  auto change = std::make_shared<PendingMemberChange>(io_);
  change->request = request;
  change->started = std::chrono::steady_clock::now();
  change->deadline = change->started + wait;
  change->done = std::move(done);
  member_changes_.push_back(change);
  node_->propose_conf_change(std::move(next).value(), [this, change](Result<ApplyReply> reply) {
    if (change->finished) {
      return;
    }
    if (!reply.is_ok()) {
      const raft::Raft& now = node_->raw().raft();
      MemberChangeResult failed;
      failed.status = reply.status();
      failed.leader = now.leader();
      failed.term = now.term();
      failed.conf = now.conf();
      finish_member_change(change, failed);
      return;
    }
    change->applied = true;
    poll_member_change(change);
  });
  check_failed();
  if (!change->finished) {
    poll_member_change(change);
  }
}

void Runtime::finish_member_change(const std::shared_ptr<PendingMemberChange>& change,
                                   MemberChangeResult result) {
  if (change->finished) {
    return;
  }
  change->finished = true;
  change->timer.cancel();
  result.elapsed_ms = ms_since(change->started);
  if (result.status.is_ok()) {
    HELIOS_LOG_INFO("membership", "Configuration %s in force after %llu ms",
                    raft::describe(result.conf).c_str(),
                    static_cast<unsigned long long>(result.elapsed_ms));
  }
  member_changes_.erase(
      std::remove_if(member_changes_.begin(), member_changes_.end(),
                     [](const std::weak_ptr<PendingMemberChange>& w) { return w.expired(); }),
      member_changes_.end());
  MemberChangeCallback done = std::move(change->done);
  done(result);
}

void Runtime::poll_member_change(const std::shared_ptr<PendingMemberChange>& change) {
  if (change->finished) {
    return;
  }
  const raft::Raft& r = node_->raw().raft();
  MemberChangeResult result;
  result.leader = r.leader();
  result.term = r.term();
  result.conf = r.conf();
  // Done once the entry is applied and the configuration in force is no longer joint and
  // applied here (the automatic C(new) of a joint change).
  if (change->applied && !r.conf().joint() && node_->applied() >= r.conf_index()) {
    finish_member_change(change, result);
    return;
  }
  if (std::chrono::steady_clock::now() >= change->deadline) {
    result.timed_out = true;
    result.status =
        Status(Code::kUnavailable, "the change was proposed but not applied within " +
                                       std::to_string(ms_since(change->started)) + " ms (" +
                                       raft::describe(r.conf()) + "); check GET /members");
    finish_member_change(change, result);
    return;
  }
  change->timer.expires_after(kPollEvery);
  change->timer.async_wait([this, change](const asio::error_code& ec) {
    if (!ec && running_) {
      poll_member_change(change);
    }
  });
}

void Runtime::propose_own_change(const raft::ConfState& next, const std::string& what) {
  HELIOS_LOG_INFO("membership", "%s: proposing %s", what.c_str(), raft::describe(next).c_str());
  own_change_in_flight_ = true;
  node_->propose_conf_change(next, [this, what](Result<ApplyReply> reply) {
    own_change_in_flight_ = false;
    if (!reply.is_ok()) {
      HELIOS_LOG_INFO("membership", "%s: %s", what.c_str(), reply.status().to_string().c_str());
    }
  });
  check_failed();
}

void Runtime::tend_members() {
  const auto now = std::chrono::steady_clock::now();
  const raft::Raft& r = node_->raw().raft();
  const bool has_conf = !r.conf().voters.empty();
  for (auto it = forget_at_.begin(); it != forget_at_.end();) {
    if (raft::is_member(r.conf(), it->first)) {
      it = forget_at_.erase(it);
    } else if (has_conf && now >= it->second && it->first != r.leader()) {
      transport_->remove_peer(it->first);
      it = forget_at_.erase(it);
    } else {
      ++it;
    }
  }
  if (r.role() != raft::Role::kLeader || own_change_in_flight_ || r.conf().joint() ||
      r.conf_index() > r.log().committed() || r.lead_transferee() != kNoNode || removed_) {
    return;
  }
  // A cluster whose configuration has no addresses yet (a new cluster, or one that started
  // before addresses travelled with the configuration): the file's peers go into it.
  if (r.conf().context.empty()) {
    Result<MemberList> book = members_of(r.conf(), config_.peers);
    bool complete = book.is_ok();
    for (NodeId id : raft::members(r.conf())) {
      complete = complete && find_member(book.value(), id) != nullptr;
    }
    if (complete) {
      raft::ConfState next = r.conf();
      MemberList pruned = prune_to(book.value(), next);
      for (Member& m : pruned) {
        if (m.id == config_.node_id && m.admin.port == 0) {
          m.admin = config_.admin;
        }
      }
      next.context = encode_members(pruned);
      propose_own_change(next, "Recording the members' addresses in the configuration");
    }
    return;
  }
  // Promote a learner that asked for it once it is within one AppendEntries of the log.
  for (const Member& m : book_) {
    auto pr = r.progress().find(m.id);
    if (!m.auto_promote || !raft::is_learner(r.conf(), m.id) || pr == r.progress().end() ||
        pr->second.match() + config_.max_entries_per_append < r.log().last_index()) {
      continue;
    }
    Result<raft::ConfState> next = plan_promote(r.conf(), book_, m.id);
    if (next.is_ok()) {
      propose_own_change(next.value(), "Promoting " + name_of(m.id) + " (caught up: match " +
                                           std::to_string(pr->second.match()) + ", last index " +
                                           std::to_string(r.log().last_index()) + ")");
    }
    return;
  }
}

}  // namespace helios::node
