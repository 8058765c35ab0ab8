// Executor: the writes a follower forwards to the leader, and the leader's side of them
// (api/forward.h has the frames). See executor.h.

#include <algorithm>

#include "api/args.h"
#include "api/command_table.h"
#include "api/executor.h"
#include "api/watch.h"
#include "base/log.h"

namespace helios::api {

namespace {

// Forwards in flight from this node at once. Each one is a frame to the leader and a reply
// frame back, and a peer's queue holds at most 4,096 frames (transport::TcpOptions::
// max_queue_messages) with the Raft messages among them: beyond it the transport drops,
// and a dropped reply left the client waiting out the forward's whole deadline for
// -UNCERTAIN. A pipelining client at a follower (redis-cli --pipe) easily has 4,096 writes
// in flight. The rest wait in order (waiting_) until answers come back.
constexpr std::size_t kMaxForwardsInFlight = 1024;

std::string uncertain_now_line(std::string_view why) {
  return "UNCERTAIN " + std::string(why) + "; the write may or may not have been applied";
}

}  // namespace

bool Executor::forwards_full() const {
  return forwards_.size() >= kMaxForwardsInFlight;
}

void Executor::forward(Job job, NodeId leader) {
  // The links as they are now, not as the last sweep saw them: a connection lost since (a
  // process resumed after a pause runs its clients' requests before its timers, say) must
  // count before this forward is sent, or the next sweep would give up on a forward the
  // new connection carries (-UNCERTAIN for a write that reached the leader).
  refresh_links();
  if (!link_up(leader)) {
    // Nothing leaves while the connection is down (the leader may be gone): wait for the
    // connection or the next leader, certainly not sent.
    wait_for_leader(std::move(job));
    return;
  }
  if (forwards_full()) {
    // Not sent: it waits behind the others, as long as answers keep coming back (each
    // forward in flight ends by its own deadline), not as long as a leader election may.
    job.deadline = std::max(job.deadline,
                            loop_.now() + std::chrono::milliseconds(config_.client.leader_wait_ms));
    wait_for_leader(std::move(job));
    return;
  }
  const std::uint64_t id = next_forward_id_++;
  ForwardRequest request{id, job.protocol, job.exec, job.commands};
  if (!host_.send_forward(leader, false, encode_forward_request(request))) {
    wait_for_leader(std::move(job));  // not queued: certainly not applied; try again later
    return;
  }
  ++stats_.forwarded;
  // The leader answers within its write_timeout (or says UNCERTAIN itself); the link and a
  // leader change may add up to a leader_wait.
  const auto deadline = loop_.now() + std::chrono::milliseconds(config_.client.write_timeout_ms +
                                                                config_.client.leader_wait_ms);
  forwards_.emplace(id, Forward{std::move(job), deadline, view_now(leader)});
}

void Executor::refresh_links() {
  // In place (each forward refreshes them): no allocation unless a peer came or went.
  const std::vector<node::PeerLinkState> links = host_.peer_link_states();
  for (const node::PeerLinkState& p : links) {
    links_[p.id] = Link{p.connected, p.disconnects};
  }
  if (links_.size() != links.size()) {
    std::erase_if(links_, [&links](const auto& entry) {
      return std::none_of(links.begin(), links.end(),
                          [&entry](const node::PeerLinkState& p) { return p.id == entry.first; });
    });
  }
}

bool Executor::link_up(NodeId peer) const {
  auto it = links_.find(peer);
  return it == links_.end() || it->second.up;  // not seen yet: let the transport queue it
}

ForwardView Executor::view_now(NodeId peer) const {
  const raft::Raft& r = host_.node().raw().raft();
  ForwardView v{r.leader(), r.term(), true, 0};
  if (auto it = links_.find(peer); it != links_.end()) {
    v.link_up = it->second.up;
    v.link_losses = it->second.losses;
  }
  return v;
}

void Executor::review_forwards(Clock::time_point now) {
  std::map<NodeId, std::vector<std::pair<std::uint64_t, std::string>>> given_up;
  for (auto& [id, f] : forwards_) {
    const ForwardView current = view_now(f.sent.leader);
    const ForwardWait wait = forward_wait(f.sent, current);
    if (wait == ForwardWait::kWait) {
      continue;
    }
    if (wait == ForwardWait::kGrace) {
      if (f.grace_until == Clock::time_point::max()) {
        f.grace_until = now + std::chrono::milliseconds(config_.election_timeout_ms);
      }
      if (now < f.grace_until) {
        continue;
      }
    }
    const std::string node = "node " + std::to_string(f.sent.leader);
    given_up[f.sent.leader].emplace_back(
        id, current.link_losses != f.sent.link_losses
                ? "the connection to the leader (" + node + ") was lost before it answered"
                : "the leadership changed (term " + std::to_string(current.term) +
                      ") before the leader it was forwarded to (" + node + ") answered");
  }
  for (const auto& [peer, ids] : given_up) {
    abandon(peer, ids);
  }
}

void Executor::abandon(NodeId peer,
                       const std::vector<std::pair<std::uint64_t, std::string>>& given_up) {
  // What is still queued for the peer never left: certainly not applied, so send it again
  // (to the next leader). Any forward of it may come back, not only those given up.
  bool requeued = false;
  for (const std::string& body : host_.withdraw_forwards(peer)) {
    Result<std::uint64_t> id = forward_request_id(body);
    auto it = id.is_ok() ? forwards_.find(id.value()) : forwards_.end();
    if (it == forwards_.end()) {
      continue;  // answered already
    }
    Job job = std::move(it->second.job);
    forwards_.erase(it);
    ++stats_.forwards_withdrawn;
    wait_for_leader(std::move(job));
    requeued = true;
  }
  for (const auto& [id, why] : given_up) {
    auto it = forwards_.find(id);
    if (it == forwards_.end()) {
      continue;  // taken back above
    }
    Job job = std::move(it->second.job);
    forwards_.erase(it);
    ++stats_.uncertain;
    ++stats_.forwards_given_up;
    job.done(error_reply(job.protocol, uncertain_now_line(why)));
  }
  if (requeued && host_.node().raw().raft().leader() != kNoNode) {
    drain_waiting();
  }
}

void Executor::on_forward(NodeId from, std::string_view body) {
  Result<ForwardRequest> request = decode_forward_request(body);
  if (!request.is_ok()) {
    HELIOS_LOG_WARN("api", "dropping a malformed forwarded command from node %llu: %s",
                    static_cast<unsigned long long>(from), request.status().to_string().c_str());
    return;
  }
  ForwardRequest& r = request.value();
  // A WATCHed transaction starts with its guard (api/watch.h), which is in no table.
  const bool guarded = r.exec && parse_watch_guard(r.commands.front()).has_value();
  for (std::size_t i = guarded ? 1 : 0; i < r.commands.size(); ++i) {
    const Argv& argv = r.commands[i];
    const CommandSpec* spec = find_command(upper(argv[0]));
    // Those with a planner: data commands, and ACL changes (replicated writes too:
    // api/acl_state.h).
    const bool writable = spec != nullptr && spec->plan != nullptr;
    if (!writable || !arity_ok(*spec, argv.size())) {
      HELIOS_LOG_WARN("api", "dropping a forwarded command from node %llu: not a data command",
                      static_cast<unsigned long long>(from));
      return;
    }
  }
  const std::uint64_t id = r.id;
  if (host_.node().raw().raft().role() != raft::Role::kLeader || transferring()) {
    host_.send_forward(from, true, encode_forward_reply({id, ForwardOutcome::kNotLeader, {}}));
    return;
  }
  ++stats_.forwards_served;
  Job job{std::move(r.commands), r.exec, r.protocol, nullptr, loop_.now(), next_job_seq_++};
  job.done = [this, from, id](std::string reply) {
    host_.send_forward(from, true,
                       encode_forward_reply({id, ForwardOutcome::kReply, std::move(reply)}));
  };
  job.forwarded_from = from;
  job.forward_id = id;
  enqueue_local(std::move(job));
}

void Executor::refuse_forwarded(const Job& job) {
  host_.send_forward(job.forwarded_from, true,
                     encode_forward_reply({job.forward_id, ForwardOutcome::kNotLeader, {}}));
}

void Executor::on_forward_reply(std::string_view body) {
  Result<ForwardReply> reply = decode_forward_reply(body);
  if (!reply.is_ok()) {
    HELIOS_LOG_WARN("api", "dropping a malformed forward reply: %s",
                    reply.status().to_string().c_str());
    return;
  }
  auto it = forwards_.find(reply.value().id);
  if (it == forwards_.end()) {
    return;  // answered already (timed out)
  }
  Job job = std::move(it->second.job);
  forwards_.erase(it);
  if (reply.value().outcome == ForwardOutcome::kNotLeader) {
    wait_for_leader(std::move(job));  // our view of the leader is stale: retry from the sweep
    return;
  }
  job.done(std::move(reply.value().reply));
  if (!waiting_.empty() && forwards_.size() <= kMaxForwardsInFlight / 2 &&
      host_.node().raw().raft().leader() != kNoNode) {
    drain_waiting();  // forwards held back by the bound: send the next ones now
  }
}
}  // namespace helios::api
