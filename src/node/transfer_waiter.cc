// TransferWaiter (transfer_waiter.h). Everything here runs on the node's loop.
#include "node/transfer_waiter.h"

#include <algorithm>

#include "base/log.h"
#include "node/members.h"
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

struct TransferWaiter::Pending {
  NodeId target = kNoNode;
  env::Loop::Clock::time_point started;
  env::Loop::Clock::time_point deadline;
  TransferCallback done;
  std::unique_ptr<env::Timer> timer;
};

TransferWaiter::TransferWaiter(NodeId self, env::Loop& loop, Node& node, Links links,
                               std::chrono::milliseconds election_timeout,
                               std::function<void()> after_start)
    : self_(self),
      loop_(loop),
      node_(node),
      links_(std::move(links)),
      election_timeout_(election_timeout),
      after_start_(std::move(after_start)) {}

TransferWaiter::~TransferWaiter() {
  for (const auto& weak : pending_) {
    if (auto pending = weak.lock()) {
      pending->timer.reset();  // its poll never runs; the transfer stays unanswered
    }
  }
}

std::vector<TransferCandidate> TransferWaiter::candidates() const {
  const raft::Raft& r = node_.raw().raft();
  std::vector<TransferCandidate> out;
  if (r.role() != raft::Role::kLeader) {
    return out;
  }
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(loop_.now().time_since_epoch()).count();
  const std::vector<PeerLinkState> links = links_();
  for (NodeId id : r.conf().voters) {  // the incoming voters
    auto pr = r.progress().find(id);
    if (id == self_ || pr == r.progress().end()) {
      continue;
    }
    TransferCandidate c{id, pr->second.match(), bug_silent_active_};
    for (const PeerLinkState& link : links) {
      if (link.id == id && link.last_received_ms >= 0 &&
          now_ms - link.last_received_ms < election_timeout_.count()) {
        c.active = true;
      }
    }
    out.push_back(c);
  }
  return out;
}

void TransferWaiter::transfer(NodeId target, std::chrono::milliseconds wait,
                              TransferCallback done) {
  const raft::Raft& r = node_.raw().raft();
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
    result.target = choose_transfer_target(candidates());
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
  const Status started = node_.transfer_leadership(result.target);
  after_start_();
  if (!started.is_ok()) {
    result.status = started;
    done(result);
    return;
  }
  HELIOS_LOG_INFO("raft", "Transferring leadership to %s (match %llu, last index %llu)",
                  node_name(result.target).c_str(),
                  static_cast<unsigned long long>(r.progress().at(result.target).match()),
                  static_cast<unsigned long long>(r.log().last_index()));
  auto pending = std::make_shared<Pending>();
  pending->target = result.target;
  pending->started = loop_.now();
  pending->deadline = pending->started + wait;
  pending->done = std::move(done);
  std::erase_if(pending_, [](const std::weak_ptr<Pending>& w) { return w.expired(); });
  pending_.push_back(pending);
  poll(pending);
}

void TransferWaiter::poll(const std::shared_ptr<Pending>& pending) {
  const raft::Raft& r = node_.raw().raft();
  const auto now = loop_.now();
  TransferResult result;
  result.target = pending->target;
  result.leader = r.leader();
  result.term = r.term();
  result.elapsed_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - pending->started).count());
  const bool moved = bug_answer_leaderless_ ? r.role() != raft::Role::kLeader
                                            : r.leader() != kNoNode && r.leader() != self_;
  if (moved) {
    HELIOS_LOG_INFO("raft", "Transferred leadership to %s in %llu ms (term %llu)",
                    node_name(r.leader()).c_str(),
                    static_cast<unsigned long long>(result.elapsed_ms),
                    static_cast<unsigned long long>(r.term()));
    TransferCallback done = std::move(pending->done);
    done(result);
    return;
  }
  const bool gave_up = r.role() == raft::Role::kLeader && r.lead_transferee() == kNoNode;
  if (gave_up || now >= pending->deadline) {
    result.timed_out = true;
    result.status =
        Status(Code::kUnavailable, "leadership did not move to " + node_name(pending->target) +
                                       " within " + std::to_string(result.elapsed_ms) + " ms" +
                                       (gave_up ? " (the leader gave up and leads on)" : ""));
    HELIOS_LOG_WARN("raft", "Leadership transfer failed: %s", result.status.message().c_str());
    TransferCallback done = std::move(pending->done);
    done(result);
    return;
  }
  // The timer's callback holds the transfer until it is answered.
  pending->timer = loop_.schedule_after(kPollEvery, [this, pending]() {
    const std::shared_ptr<Pending> keep = pending;
    poll(keep);
  });
}

}  // namespace helios::node
