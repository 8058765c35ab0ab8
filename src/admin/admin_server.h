#pragma once
// AdminServer: the node's admin HTTP endpoint (cpp-httplib, its own thread).
//
//   GET /status     JSON: node id and name, state, term, leader, commit index, last applied,
//                   last log index, keys, uptime, the newest durable snapshot ("snapshot":
//                   index, term, bytes, time_ms (unix ms, -1: none since the start),
//                   in_progress, error (the last failure, or null)), first_log_index,
//                   wal_bytes, and per peer: address, connected, ms since last heard, and
//                   (on the leader) match index and replication lag.
//   GET /metrics    Prometheus text exposition (docs/operations.md, "Monitoring"): the
//                   families recorded as things happen and those read off the node's state;
//                   503 when the loop does not answer. Other methods: 405.
//   GET /health     200 {"healthy":true} when the node has a leader it has heard from
//                   recently (or is the leader); 503 otherwise.
//   POST /snapshot  starts a snapshot of this node in the background (BGSAVE): 202
//                   {"started":true,"index":N} (N: the applied index it covers); 200
//                   {"started":false,...} when nothing was applied since the last one; 409
//                   {"error":"a snapshot is already being taken"}; 503 when the node has
//                   stopped or its loop does not answer. Other methods: 405.
//   POST /transfer-leader[?target=ID]   (or a JSON body {"target": ID}; ID: 3 or "node-3")
//                   hands leadership to ID, or with no target to the most up-to-date
//                   active follower (node::choose_transfer_target), and answers once it
//                   moved: 200 {"leader":N,"name":"node-N","previous_leader":..,"target":..,
//                   "term":T,"elapsed_ms":..}; 200 {"leader":N,...,"note":"... is already
//                   the leader"} when the target leads already; 400 {"error":...} for a
//                   target that is not a voter (unknown, learner, not a positive integer)
//                   or a malformed body; 421 {"error":...,"leader":N or null,"term":T} at a
//                   node that is not the leader (admin requests are not forwarded: ask the
//                   leader's admin port); 503 when there is no active follower to hand it
//                   to or the loop does not answer; 504 {"error":...,"leader":...} when
//                   leadership did not move within two election timeouts (the core gives up
//                   after one and the leader accepts writes again). Other methods: 405.
//   GET /backup     a backup file of this node's state machine at a linearizable point,
//                   streamed (backup_api.h); needs the same authorization as a POST.
//   GET /           the dashboard: a read-only page of every member (role, term, commit and
//                   applied index, lag, links, last snapshot) and charts of the last five
//                   minutes (writes/s, reads/s, commit and fsync latency), refreshed every
//                   second; its files under /dashboard/ (dashboard.h).
//   GET /cluster    JSON: every member's /status and key metrics, gathered by this node from
//                   the members' admin ports in parallel with short timeouts; a member that
//                   does not answer is listed as unreachable (cluster_view.h). 503 when the
//                   loop does not answer. Other methods on these paths: 405.
//
// Security (docs/security.md): with [tls] admin_tls the port serves HTTPS (with
// require_client_cert, only to clients with a certificate of the cluster's CA). Requests
// other than GET and HEAD change the node: when the port uses TLS or admin_token_file is
// set, they (and GET /backup, which reads every key) need a verified client certificate or
// "Authorization: Bearer <token>", else 401. A plaintext port without a token is open to
// anyone who can reach it.
//
// Thread rules: start()/stop() from the controlling thread; requests are served on the
// server's thread and reach the node through Runtime::status() or Runtime::post() (the
// loop thread), waiting at most 2 s for the answer (GET /cluster: cluster_view.h).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "admin/httplib_fwd.h"
#include "node/runtime.h"

namespace helios::admin {

class ClusterView;

// The /status JSON for a status snapshot (also used by tests and helios-cli).
std::string status_json(const node::NodeStatus& status);

// The target of POST /transfer-leader from its query parameter `target` (if given) and its
// body (empty, or {"target": ID}): kNoNode when neither names one; kInvalidArgument, with a
// message, for an id that is not a positive integer (or "node-N"), a malformed body, an
// unknown field, or a query and a body that disagree.
Result<NodeId> parse_transfer_target(const std::optional<std::string>& query,
                                     std::string_view body);

class AdminServer {
 public:
  explicit AdminServer(node::Runtime& runtime);
  ~AdminServer();

  // Binds host:port (fails with a message naming the address) and serves in a thread.
  Status start(const std::string& host, std::uint16_t port);
  void stop();

 private:
  static constexpr time_t kIoTimeoutSeconds = 5;
  static constexpr std::size_t kMaxBodyBytes = 1 << 20;  // larger: 413

  // A request other than GET/HEAD (or GET /backup) may proceed (see the file comment).
  bool authorized(const httplib::Request& req) const;
  // authorized(), else writes the 401 answer and returns false.
  bool authorized_or_401(const httplib::Request& req, httplib::Response& res) const;

  node::Runtime& runtime_;
  std::string token_;  // admin_token_file's token ("" = none)
  bool tls_ = false;   // HTTPS
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<ClusterView> cluster_view_;  // GET /cluster
  std::thread thread_;
};

}  // namespace helios::admin
