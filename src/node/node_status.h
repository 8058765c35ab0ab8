#pragma once
// NodeStatus: a consistent picture of a node (admin GET /status, INFO), taken on its loop
// thread, with its view of each peer.

#include <cstdint>
#include <string>
#include <vector>

#include "raft/raft.h"

namespace helios::node {

struct PeerView {
  NodeId id = kNoNode;
  std::string address;
  bool connected = false;           // our outbound connection is up
  std::int64_t last_heard_ms = -1;  // since we last received from it; -1 never
  Index match = 0;                  // leader only: highest index known replicated there
  Index lag = 0;                    // leader only: last index - match
};

// A consistent snapshot of the node, taken on the loop thread.
struct NodeStatus {
  NodeId id = kNoNode;
  raft::SnapshotMeta snapshot;         // newest durable snapshot (index 0: none)
  std::uint64_t snapshot_bytes = 0;    // its file's size
  std::int64_t snapshot_unix_ms = -1;  // when it became durable here (-1: not since start)
  bool snapshot_in_progress = false;
  // Bytes of the entries applied since the newest snapshot, and the count at which the
  // next one is taken by size (0: not by size; docs/operations.md, snapshot_threshold_bytes).
  std::uint64_t snapshot_log_bytes = 0;
  std::uint64_t snapshot_next_at_bytes = 0;
  Index snapshot_next_at_index = 0;  // where snapshot_threshold takes the next one (0: never)
  std::string snapshot_error;        // the last failed snapshot's error, if any
  Index first_index = 0;             // the first entry the log still holds
  std::uint64_t wal_bytes = 0;       // bytes of WAL segments on disk
  std::string name;
  raft::Role role = raft::Role::kFollower;
  Term term = 0;
  NodeId leader = kNoNode;
  Index commit = 0;
  Index applied = 0;
  Index last_index = 0;
  std::uint64_t uptime_ms = 0;
  bool leader_recently_heard = false;  // this node has a leader it heard from lately
  std::uint64_t keys = 0;
  Index key_versions_since = 0;  // atlas::Store::versions_since (0: WATCH not yet usable)
  std::vector<PeerView> peers;
  // The configuration in force.
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  std::vector<NodeId> voters_outgoing;   // not empty while joint
  Index conf_index = 0;                  // its entry (or snapshot) index
  bool conf_change_in_progress = false;  // joint, or its entry is not committed yet
};

}  // namespace helios::node
