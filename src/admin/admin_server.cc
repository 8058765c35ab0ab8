#include "admin/admin_server.h"

#include "admin/admin_client.h"
#include "admin/backup_api.h"
#include "admin/cluster_view.h"
#include "admin/dashboard.h"
#include "admin/members_api.h"
#include "tls/context.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>

namespace helios::admin {

namespace {

const char* state_name(raft::Role role) {
  switch (role) {
    case raft::Role::kLeader:
      return "Leader";
    case raft::Role::kCandidate:
      return "Candidate";
    case raft::Role::kPreCandidate:
      return "PreCandidate";
    case raft::Role::kFollower:
      return "Follower";
  }
  return "Unknown";
}

void reply_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// What POST /snapshot saw on the loop thread.
struct SnapshotRequest {
  bool busy = false;     // one was already being taken
  Status status;         // request_snapshot()'s answer (when not busy)
  bool started = false;  // a snapshot is now being taken (false: nothing new to save)
  Index applied = 0;     // the index it covers (everything applied when it started)
  raft::SnapshotMeta last;
};

// POST /snapshot: asks the loop thread to start one, waits for its answer.
void post_snapshot(node::Runtime& runtime, httplib::Response& res) {
  auto promise = std::make_shared<std::promise<SnapshotRequest>>();
  std::future<SnapshotRequest> future = promise->get_future();
  runtime.post([&runtime, promise]() {
    SnapshotRequest r;
    r.busy = runtime.node().snapshotting();
    if (!r.busy) {
      r.status = runtime.request_snapshot();
      r.started = r.status.is_ok() && runtime.node().snapshotting();
    }
    r.applied = runtime.node().applied();
    r.last = runtime.node().last_snapshot();
    promise->set_value(std::move(r));
  });
  if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    reply_json(res, 503, {{"error", "the node's loop did not answer in time"}});
    return;
  }
  const SnapshotRequest r = future.get();
  if (r.busy) {
    reply_json(res, 409, {{"error", "a snapshot is already being taken"}});
  } else if (r.started) {
    reply_json(res, 202, {{"started", true}, {"index", r.applied}});
  } else if (r.status.is_ok()) {
    reply_json(res, 200,
               {{"started", false},
                {"reason", "nothing was applied since the last snapshot"},
                {"index", r.last.index},
                {"term", r.last.term}});
  } else {
    reply_json(res, 503, {{"error", r.status.message()}});
  }
}

std::string node_name(NodeId id) {
  return "node-" + std::to_string(id);
}

nlohmann::json id_or_null(NodeId id) {
  return id == kNoNode ? nlohmann::json(nullptr) : nlohmann::json(id);
}

// The answer to POST /transfer-leader for a transfer's outcome (admin_server.h).
void reply_transfer(httplib::Response& res, NodeId self, const node::TransferResult& r) {
  if (r.already_leader) {
    reply_json(res, 200,
               {{"leader", r.leader},
                {"name", node_name(r.leader)},
                {"term", r.term},
                {"elapsed_ms", 0},
                {"note", node_name(r.leader) + " is already the leader"}});
  } else if (r.status.is_ok()) {
    reply_json(res, 200,
               {{"leader", r.leader},
                {"name", node_name(r.leader)},
                {"previous_leader", self},
                {"target", r.target},
                {"term", r.term},
                {"elapsed_ms", r.elapsed_ms}});
  } else if (r.status.code() == Code::kInvalidArgument) {
    reply_json(res, 400, {{"error", r.status.message()}});
  } else if (r.status.code() == Code::kNotLeader) {
    reply_json(res, 421,
               {{"error", node_name(self) + " is not the leader: " + r.status.message()},
                {"leader", id_or_null(r.leader)},
                {"term", r.term}});
  } else {
    reply_json(res, r.timed_out ? 504 : 503,
               {{"error", r.status.message()},
                {"leader", id_or_null(r.leader)},
                {"target", id_or_null(r.target)},
                {"term", r.term}});
  }
}

// POST /transfer-leader: asks the loop thread to hand leadership over and waits for the
// outcome: up to two election timeouts (the core gives up after one), plus the usual 2 s for
// the loop to answer.
void post_transfer_leader(node::Runtime& runtime, const httplib::Request& req,
                          httplib::Response& res) {
  const std::optional<std::string> query =
      req.has_param("target") ? std::optional<std::string>(req.get_param_value("target"))
                              : std::nullopt;
  const Result<NodeId> target = parse_transfer_target(query, req.body);
  if (!target.is_ok()) {
    reply_json(res, 400, {{"error", target.status().message()}});
    return;
  }
  const std::chrono::milliseconds wait(2 * runtime.config().election_timeout_ms);
  auto promise = std::make_shared<std::promise<node::TransferResult>>();
  std::future<node::TransferResult> future = promise->get_future();
  runtime.post([&runtime, promise, wait, id = target.value()]() {
    runtime.transfer_leadership(
        id, wait, [promise](const node::TransferResult& r) { promise->set_value(r); });
  });
  if (future.wait_for(wait + std::chrono::seconds(2)) != std::future_status::ready) {
    reply_json(res, 503, {{"error", "the node's loop did not answer in time"}});
    return;
  }
  reply_transfer(res, runtime.config().node_id, future.get());
}

// Registers POST, PUT, PATCH and DELETE on `path` to answer 405 (only GET is served there).
void only_get(httplib::Server& server, const std::string& path) {
  const auto refuse = [path](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "GET");
    reply_json(res, 405, {{"error", "use GET " + path}});
  };
  server.Post(path, refuse);
  server.Put(path, refuse);
  server.Patch(path, refuse);
  server.Delete(path, refuse);
}

// Registers GET, PUT, PATCH and DELETE on `path` to answer 405 (only POST is served there).
void only_post(httplib::Server& server, const std::string& path) {
  const auto refuse = [path](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "POST");
    reply_json(res, 405, {{"error", "use POST " + path}});
  };
  server.Get(path, refuse);
  server.Put(path, refuse);
  server.Patch(path, refuse);
  server.Delete(path, refuse);
}

}  // namespace

Result<NodeId> parse_transfer_target(const std::optional<std::string>& query,
                                     std::string_view body) {
  const auto bad = [](const std::string& why) {
    return Result<NodeId>(Status(Code::kInvalidArgument, why));
  };
  const auto parse_id = [&bad](std::string_view text) -> Result<NodeId> {
    Result<NodeId> id = parse_node_id(text);
    return id.is_ok() ? id : bad("target: " + id.status().message());
  };
  std::optional<NodeId> from_query;
  if (query.has_value()) {
    Result<NodeId> id = parse_id(*query);
    if (!id.is_ok()) {
      return id;
    }
    from_query = id.value();
  }
  std::optional<NodeId> from_body;
  if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return bad("the body is not a JSON object (expected {\"target\": ID} or nothing)");
    }
    for (const auto& [key, value] : j.items()) {
      if (key != "target") {
        return bad("unknown field '" + key + "' (expected {\"target\": ID})");
      }
      if (value.is_number_unsigned()) {
        from_body = value.get<NodeId>();
      } else if (value.is_string()) {
        Result<NodeId> id = parse_id(value.get<std::string>());
        if (!id.is_ok()) {
          return id;
        }
        from_body = id.value();
      } else if (!value.is_null()) {
        return bad("target: " + value.dump() + " is not a node id (a positive integer)");
      }
    }
    if (from_body == kNoNode) {
      return bad("target: 0 is not a node id (a positive integer)");
    }
  }
  if (from_query && from_body && *from_query != *from_body) {
    return bad("the query names target " + std::to_string(*from_query) + " and the body " +
               std::to_string(*from_body));
  }
  return from_query ? *from_query : from_body.value_or(kNoNode);
}

std::string status_json(const node::NodeStatus& s) {
  nlohmann::json j;
  j["node_id"] = s.id;
  j["name"] = s.name;
  j["state"] = state_name(s.role);
  j["term"] = s.term;
  j["leader"] = s.leader == kNoNode ? nlohmann::json(nullptr)
                                    : nlohmann::json("node-" + std::to_string(s.leader));
  j["leader_id"] = s.leader;
  j["commit_index"] = s.commit;
  j["last_applied"] = s.applied;
  j["last_log_index"] = s.last_index;
  j["keys"] = s.keys;
  j["key_versions_since"] = s.key_versions_since;
  j["uptime_ms"] = s.uptime_ms;
  j["healthy"] = s.leader_recently_heard;
  j["snapshot"] = {{"index", s.snapshot.index},
                   {"term", s.snapshot.term},
                   {"bytes", s.snapshot_bytes},
                   {"time_ms", s.snapshot_unix_ms},
                   {"in_progress", s.snapshot_in_progress},
                   {"log_bytes", s.snapshot_log_bytes},
                   {"next_at_bytes", s.snapshot_next_at_bytes},
                   {"next_at_index", s.snapshot_next_at_index},
                   {"error", s.snapshot_error.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(s.snapshot_error)}};
  j["first_log_index"] = s.first_index;
  j["voters"] = s.voters;
  j["learners"] = s.learners;
  j["outgoing_voters"] = s.voters_outgoing;
  j["joint"] = !s.voters_outgoing.empty();
  j["conf_index"] = s.conf_index;
  j["conf_change_in_progress"] = s.conf_change_in_progress;
  j["wal_bytes"] = s.wal_bytes;
  nlohmann::json peers = nlohmann::json::array();
  for (const node::PeerView& p : s.peers) {
    nlohmann::json pj;
    pj["id"] = p.id;
    pj["name"] = "node-" + std::to_string(p.id);
    pj["address"] = p.address;
    pj["connected"] = p.connected;
    pj["last_heard_ms"] = p.last_heard_ms;
    if (s.role == raft::Role::kLeader) {
      pj["match_index"] = p.match;
      pj["replication_lag"] = p.lag;
    }
    peers.push_back(pj);
  }
  j["peers"] = peers;
  return j.dump();
}

AdminServer::AdminServer(node::Runtime& runtime) : runtime_(runtime) {}

AdminServer::~AdminServer() {
  stop();
}

Status AdminServer::start(const std::string& host, std::uint16_t port) {
  const node::NodeConfig& config = runtime_.config();
  if (!config.security.admin_token_file.empty()) {
    Result<std::string> token = read_token_file(config.security.admin_token_file);
    if (!token.is_ok()) {
      return token.status();
    }
    token_ = token.value();
  }
  tls_ = config.tls.admin_tls;
  if (tls_) {
    const std::shared_ptr<tls::Credentials> credentials = runtime_.tls();
    HELIOS_ASSERT_MSG(credentials != nullptr, "admin_tls without loaded credentials");
    // Without require_client_cert a client may still present a certificate: one that
    // verifies authorizes mutating requests.
    const tls::ClientCert mode =
        config.tls.require_client_cert ? tls::ClientCert::kRequired : tls::ClientCert::kOptional;
    server_ = std::make_unique<httplib::SSLServer>([credentials, mode](SSL_CTX& ctx) {
      tls::apply_server_policy(&ctx, *credentials, mode);
      return true;
    });
    if (!server_->is_valid()) {
      return Status(Code::kInternal, "admin: cannot set up TLS: " + tls::last_error("unknown"));
    }
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD" || authorized_or_401(req, res)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    return httplib::Server::HandlerResponse::Handled;
  });
  // A slow or stuck client cannot hold a worker for long, nor send a huge body.
  server_->set_read_timeout(kIoTimeoutSeconds, 0);
  server_->set_write_timeout(kIoTimeoutSeconds, 0);
  server_->set_keep_alive_timeout(kIoTimeoutSeconds);
  server_->set_payload_max_length(kMaxBodyBytes);
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    Result<std::string> text = runtime_.metrics_text();
    if (!text.is_ok()) {
      reply_json(res, 503, {{"error", text.status().message()}});
      return;
    }
    res.set_content(std::move(text).value(), "text/plain; version=0.0.4; charset=utf-8");
  });
  only_get(*server_, "/metrics");
  server_->Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    Result<node::NodeStatus> s = runtime_.status();
    if (!s.is_ok()) {
      reply_json(res, 503, {{"error", s.status().message()}});
      return;
    }
    res.set_content(status_json(s.value()), "application/json");
  });
  server_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    Result<node::NodeStatus> s = runtime_.status();
    const bool healthy = s.is_ok() && s.value().leader_recently_heard;
    reply_json(res, healthy ? 200 : 503, {{"healthy", healthy}});
  });
  server_->Post("/snapshot", [this](const httplib::Request&, httplib::Response& res) {
    post_snapshot(runtime_, res);
  });
  only_post(*server_, "/snapshot");
  server_->Post("/transfer-leader", [this](const httplib::Request& req, httplib::Response& res) {
    post_transfer_leader(runtime_, req, res);
  });
  only_post(*server_, "/transfer-leader");
  // GET /backup holds every key: it needs what a request that changes the node needs.
  add_backup_route(*server_, runtime_, [this](const httplib::Request& req, httplib::Response& res) {
    return authorized_or_401(req, res);
  });
  only_get(*server_, "/backup");
  add_member_routes(*server_, runtime_);
  cluster_view_ = std::make_unique<ClusterView>(runtime_);
  add_dashboard_routes(*server_, *cluster_view_);
  for (const std::string& path : dashboard_paths()) {
    only_get(*server_, path);
  }
  if (!server_->bind_to_port(host.c_str(), port)) {
    return Status(Code::kUnavailable,
                  "admin: cannot listen on " + host + ":" + std::to_string(port));
  }
  thread_ = std::thread([this]() { server_->listen_after_bind(); });
  return Status::ok();
}

bool AdminServer::authorized_or_401(const httplib::Request& req, httplib::Response& res) const {
  if (authorized(req)) {
    return true;
  }
  reply_json(res, 401,
             {{"error", tls_ ? "this request changes the node or reads every key: present a "
                               "client certificate of the cluster's CA or the admin token "
                               "(Authorization: Bearer ...)"
                             : "this request changes the node or reads every key: send the "
                               "admin token (Authorization: Bearer ...)"}});
  res.set_header("WWW-Authenticate", "Bearer");
  return false;
}

bool AdminServer::authorized(const httplib::Request& req) const {
  if (token_.empty() && !tls_) {
    return true;  // a plaintext admin port without a token: open (docs/security.md)
  }
  if (tls_ && tls::peer_verified(req.ssl)) {
    return true;
  }
  if (token_.empty()) {
    return false;
  }
  const std::string header = req.get_header_value("Authorization");
  const std::string_view prefix = "Bearer ";
  if (header.size() != prefix.size() + token_.size() || header.compare(0, prefix.size(), prefix)) {
    return false;
  }
  return CRYPTO_memcmp(header.data() + prefix.size(), token_.data(), token_.size()) == 0;
}

void AdminServer::stop() {
  if (server_ != nullptr) {
    server_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace helios::admin
