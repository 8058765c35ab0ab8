// Runtime: the log lines that explain what the node does (docs/operations.md, "Logs"): the
// seed's "Vote granted candidate=node-2 term=2", role changes with their reason at info;
// replication, heartbeats, votes and applies at debug.
#include "node/runtime.h"

namespace helios::node {
namespace {

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

}  // namespace

void Runtime::log_message(const raft::Message& m) const {
  using raft::MessageType;
  if (m.type == MessageType::kVoteResp && !m.reject) {
    HELIOS_LOG_INFO("raft", "Vote granted candidate=node-%llu term=%llu", ull(m.to), ull(m.term));
    return;
  }
  if (m.type == MessageType::kTimeoutNow) {
    HELIOS_LOG_INFO("raft", "Asking node-%llu to take over now (TimeoutNow) term=%llu", ull(m.to),
                    ull(m.term));
    return;
  }
  if (!base::log_enabled(base::LogLevel::kDebug)) {
    return;
  }
  switch (m.type) {
    case MessageType::kAppend:
      HELIOS_LOG_DEBUG("raft",
                       "Replicating to node-%llu: %zu entries after %llu/%llu, commit=%llu "
                       "term=%llu",
                       ull(m.to), m.entries.size(), ull(m.index), ull(m.log_term), ull(m.commit),
                       ull(m.term));
      return;
    case MessageType::kAppendResp:
      HELIOS_LOG_DEBUG("raft", "%s to node-%llu index=%llu term=%llu",
                       m.reject ? "Append rejected" : "Append acknowledged", ull(m.to),
                       ull(m.index), ull(m.term));
      return;
    case MessageType::kHeartbeat:
      HELIOS_LOG_DEBUG("raft", "Heartbeat to node-%llu commit=%llu term=%llu", ull(m.to),
                       ull(m.commit), ull(m.term));
      return;
    case MessageType::kVote:
    case MessageType::kPreVote:
      HELIOS_LOG_DEBUG("raft", "%s requested from node-%llu term=%llu last=%llu/%llu",
                       m.type == MessageType::kVote ? "Vote" : "Pre-vote", ull(m.to), ull(m.term),
                       ull(m.index), ull(m.log_term));
      return;
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp:
      HELIOS_LOG_DEBUG("raft", "%s %s candidate=node-%llu term=%llu",
                       m.type == MessageType::kVoteResp ? "Vote" : "Pre-vote",
                       m.reject ? "refused" : "granted", ull(m.to), ull(m.term));
      return;
    default:
      return;
  }
}

void Runtime::log_role_change(const raft::SoftState& soft, Term term) const {
  using raft::Role;
  if (soft.role == last_role_) {
    return;  // the leader changed, not the role: the follower line says which
  }
  std::string why;
  if (soft.role == Role::kPreCandidate || soft.role == Role::kCandidate) {
    // Before any leader was heard from, the silence is counted from the start.
    const auto since = std::max(last_leader_contact_, started_);
    const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - since)
                            .count();
    if (soft.role == Role::kCandidate && last_role_ != Role::kPreCandidate) {
      why = "the leader asked this node to take over, or pre-vote is off";
    } else if (soft.role == Role::kCandidate) {
      why = "a majority granted the pre-vote";
    } else {
      why = "no leader heard from for " + std::to_string(silent) + " ms";
    }
  } else if (soft.role == Role::kLeader) {
    why = "won the election";
  } else if (last_role_ == Role::kLeader) {
    why = soft.leader != kNoNode ? "node-" + std::to_string(soft.leader) + " leads now"
                                 : "stepped down: no majority heard from within an election "
                                   "timeout, a newer term seen, or this node was removed";
  } else {
    why = soft.leader != kNoNode ? "node-" + std::to_string(soft.leader) + " leads"
                                 : "the election did not succeed";
  }
  HELIOS_LOG_INFO("raft", "Role change %s -> %s term=%llu (%s)", raft::role_name(last_role_),
                  raft::role_name(soft.role), ull(term), why.c_str());
}

void Runtime::on_applied_debug(const raft::Entry& e) const {
  if (base::log_enabled(base::LogLevel::kDebug)) {
    HELIOS_LOG_DEBUG("raft", "Applied index=%llu term=%llu (%s, %zu bytes)", ull(e.index),
                     ull(e.term),
                     e.type == raft::EntryType::kConfChange ? "configuration"
                     : e.type == raft::EntryType::kNoop     ? "no-op"
                                                            : "command",
                     e.data.size());
  }
}

}  // namespace helios::node
