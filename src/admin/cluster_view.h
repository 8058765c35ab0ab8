#pragma once
// GET /cluster: the whole cluster as one node sees it, for the dashboard (GET /), which asks
// only its own node.
//
// A round: the node reads its configuration's members (Runtime::members_view(), posted to
// the loop thread, 2 s at most) and asks every other member for GET /status and GET /metrics
// on its admin port (the address the configuration holds), all in parallel, each on a
// short-lived thread of its own with short timeouts (connect 300 ms, read and write 500 ms,
// an answer over 4 MiB is cut off); its own status and metrics it reads directly
// (Runtime::status(), Runtime::metrics_text()). The round waits at most kRoundMs for the
// answers: a member that refused, timed out, answered an error, has no known admin address,
// or has not answered by then is listed as unreachable, with why.
//
// Bounds (a dashboard left open, or many, must not load the node): one round at a time, and
// requests during a round, or within kFreshMs after it, share its answer; at most kMaxAsked
// members are asked; at most one probe per member is outstanding (a member whose previous
// probe has not returned, e.g. a host name that does not resolve, is not asked again until
// it has). The loop thread only answers members_view() and the status and metrics reads.
//
// JSON:
//   {"node_id", "name", "cluster_id", "time_ms" (unix ms at the end of the round),
//    "elapsed_ms", "leader" (id or null: the leader this node knows), "term", "joint",
//    "change_in_progress",
//    "members": [ by id:
//      {"id", "name", "kind" ("voter", "learner" or, while joint, "outgoing voter"), "self",
//       "admin" ("HOST:PORT" or null: unknown), "reachable", "error" (null, or why not),
//       "status" (its GET /status object, or null),
//       "lag", "match_index" (as the leader reports them, the leader itself 0 and its last
//                             log index; null when no reachable member leads),
//       "link" (this node's peer link to it: {"connected", "last_heard_ms"}; null for itself),
//       "metrics" (metrics_summary() of its /metrics, or null)}]}

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "node/runtime.h"

namespace helios::admin {

// The few figures of a node's /metrics text (the exposition format) that the dashboard
// charts, as a JSON object:
//   {"commands": {cmd: count} (helios_client_commands_total),
//    "proposals_committed", "proposals_failed",
//    "commit_seconds", "fsync_seconds", "read_index_seconds": the histograms
//      helios_commit_duration_seconds, helios_wal_fsync_duration_seconds and
//      helios_raft_read_index_duration_seconds as {"le": [finite upper bounds, ascending],
//      "cumulative": [count at or below each], "count", "sum"}}
// Families absent from the text are absent from the object; lines it does not understand
// are skipped.
std::string metrics_summary(std::string_view text);

// What one member answered in a round.
struct MemberProbe {
  NodeId id = kNoNode;
  bool reachable = false;
  std::string error;    // why not reachable
  std::string status;   // its /status JSON
  std::string metrics;  // its /metrics text (empty: none)
};

// The /cluster JSON for a members view and the round's probes (one per member of the view,
// any order; a member without one is listed as unreachable). Pure: unit-tested.
std::string cluster_json(const node::MembersView& view, const std::vector<MemberProbe>& probes,
                         std::int64_t time_ms, std::int64_t elapsed_ms);

class ClusterView {
 public:
  static constexpr std::chrono::milliseconds kRoundMs{1500};
  static constexpr std::chrono::milliseconds kFreshMs{500};
  static constexpr std::size_t kMaxAsked = 64;

  explicit ClusterView(node::Runtime& runtime);
  ~ClusterView();
  ClusterView(const ClusterView&) = delete;
  ClusterView& operator=(const ClusterView&) = delete;

  // GET /cluster's JSON (any thread); kUnavailable when the loop does not answer.
  Result<std::string> get();

  struct Outstanding;  // the members with a probe still running (shared with the probes)

 private:
  Result<std::string> run_round();

  node::Runtime& runtime_;
  std::shared_ptr<Outstanding> outstanding_;
  std::mutex mutex_;
  std::optional<std::shared_future<Result<std::string>>> round_;  // the round under way
  std::optional<Result<std::string>> last_;                       // the last round's answer
  std::chrono::steady_clock::time_point last_at_;
};

}  // namespace helios::admin
