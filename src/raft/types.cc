#include "raft/types.h"

#include <cstdio>

namespace helios::raft {

const char* message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kAppend:
      return "Append";
    case MessageType::kAppendResp:
      return "AppendResp";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResp:
      return "VoteResp";
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResp:
      return "PreVoteResp";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResp:
      return "HeartbeatResp";
    case MessageType::kReadIndex:
      return "ReadIndex";
    case MessageType::kReadIndexResp:
      return "ReadIndexResp";
    case MessageType::kSnapshot:
      return "Snapshot";
    case MessageType::kTimeoutNow:
      return "TimeoutNow";
  }
  return "Unknown";
}

std::string describe(const Message& m) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s %llu->%llu term=%llu idx=%llu lt=%llu commit=%llu%s",
                message_type_name(m.type), static_cast<unsigned long long>(m.from),
                static_cast<unsigned long long>(m.to), static_cast<unsigned long long>(m.term),
                static_cast<unsigned long long>(m.index),
                static_cast<unsigned long long>(m.log_term),
                static_cast<unsigned long long>(m.commit), m.reject ? " REJECT" : "");
  std::string out(buf);
  if (m.reject) {
    out += " hint=" + std::to_string(m.reject_hint);
  }
  if (m.time_ms != 0) {
    out += " time=" + std::to_string(m.time_ms);
  }
  if (m.context != 0) {
    out += " ctx=" + std::to_string(m.context);
  }
  if (m.type == MessageType::kSnapshot) {
    out += " snap=" + std::to_string(m.snapshot.index) + "/" + std::to_string(m.snapshot.term);
  }
  if (!m.entries.empty()) {
    out += " entries=[" + std::to_string(m.entries.front().index) + ".." +
           std::to_string(m.entries.back().index) + "]";
  }
  return out;
}

std::string describe(const Entry& e) {
  const char* type =
      e.type == EntryType::kNoop ? "noop" : (e.type == EntryType::kNormal ? "" : "conf");
  return std::to_string(e.index) + "/" + std::to_string(e.term) + type;
}

}  // namespace helios::raft
