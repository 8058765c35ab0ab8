// Runtime: leadership transfer (leader_transfer.h). Everything here runs on the loop thread.
#include <map>

#include "base/log.h"
#include "node/runtime.h"
#include "raft/membership.h"

namespace helios::node {

namespace {

constexpr std::chrono::milliseconds kPollEvery{1};

}  // namespace

NodeId choose_transfer_target(const std::vector<TransferCandidate>& candidates) {
  const TransferCandidate* best = nullptr;
  for (const TransferCandidate& c : candidates) {
    if (!c.active) {
      continue;
    }
    if (best == nullptr || c.match > best->match || (c.match == best->match && c.id < best->id)) {
      best = &c;
    }
  }
  return best == nullptr ? kNoNode : best->id;
}

struct Runtime::PendingTransfer {
  NodeId target = kNoNode;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point deadline;
  TransferCallback done;
  asio::steady_timer timer;

  explicit PendingTransfer(asio::io_context& io) : timer(io) {}
};

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
  const raft::Raft& r = node_->raw().raft();
  TransferResult result;
  result.target = target;
  result.leader = r.leader();
  result.term = r.term();
  if (target != kNoNode && !raft::is_incoming_voter(r.conf(), target)) {
    result.status = Status(Code::kInvalidArgument, node_name(target) + " is not a voter (" +
                                                       raft::describe(r.conf()) + ")");
  } else if (target != kNoNode && target == r.leader()) {
    result.already_leader = true;
  } else if (r.role() != raft::Role::kLeader) {
    result.status =
        Status(Code::kNotLeader, r.leader() == kNoNode ? std::string("no leader is known")
                                                       : node_name(r.leader()) + " is the leader");
  } else if (target == kNoNode) {
    result.target = choose_transfer_target(transfer_candidates());
    if (result.target == kNoNode) {
      result.status = Status(Code::kUnavailable,
                             "no follower to hand leadership to: none was heard from within "
                             "an election timeout");
    }
  }
  if (!result.status.is_ok() || result.already_leader) {
    done(result);
    return;
  }
  const Status started = node_->transfer_leadership(result.target);
  check_failed();
  if (!started.is_ok()) {
    result.status = started;
    done(result);
    return;
  }
  HELIOS_LOG_INFO("raft", "Transferring leadership to %s (match %llu, last index %llu)",
                  node_name(result.target).c_str(),
                  static_cast<unsigned long long>(r.progress().at(result.target).match()),
                  static_cast<unsigned long long>(r.log().last_index()));
  auto transfer = std::make_shared<PendingTransfer>(io_);
  transfer->target = result.target;
  transfer->started = std::chrono::steady_clock::now();
  transfer->deadline = transfer->started + wait;
  transfer->done = std::move(done);
  poll_transfer(transfer);
}

void Runtime::poll_transfer(const std::shared_ptr<PendingTransfer>& transfer) {
  const raft::Raft& r = node_->raw().raft();
  const auto now = std::chrono::steady_clock::now();
  TransferResult result;
  result.target = transfer->target;
  result.leader = r.leader();
  result.term = r.term();
  result.elapsed_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - transfer->started).count());
  const std::string target = node_name(transfer->target);
  if (r.leader() != kNoNode && r.leader() != config_.node_id) {
    HELIOS_LOG_INFO("raft", "Transferred leadership to %s in %llu ms (term %llu)",
                    node_name(r.leader()).c_str(),
                    static_cast<unsigned long long>(result.elapsed_ms),
                    static_cast<unsigned long long>(r.term()));
    transfer->done(result);
    return;
  }
  const bool gave_up = r.role() == raft::Role::kLeader && r.lead_transferee() == kNoNode;
  if (gave_up || now >= transfer->deadline) {
    result.timed_out = true;
    result.status =
        Status(Code::kUnavailable, "leadership did not move to " + target + " within " +
                                       std::to_string(result.elapsed_ms) + " ms" +
                                       (gave_up ? " (the leader gave up and leads on)" : ""));
    HELIOS_LOG_WARN("raft", "Leadership transfer failed: %s", result.status.message().c_str());
    transfer->done(result);
    return;
  }
  transfer->timer.expires_after(kPollEvery);
  transfer->timer.async_wait([this, transfer](const asio::error_code& ec) {
    if (!ec && running_) {
      poll_transfer(transfer);
    }
  });
}

}  // namespace helios::node
