#include "admin/admin_server.h"

#include <httplib.h>

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

}  // namespace

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
  j["uptime_ms"] = s.uptime_ms;
  j["healthy"] = s.leader_recently_heard;
  j["snapshot"] = {{"index", s.snapshot.index},
                   {"term", s.snapshot.term},
                   {"bytes", s.snapshot_bytes},
                   {"time_ms", s.snapshot_unix_ms},
                   {"in_progress", s.snapshot_in_progress},
                   {"error", s.snapshot_error.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(s.snapshot_error)}};
  j["first_log_index"] = s.first_index;
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
  server_ = std::make_unique<httplib::Server>();
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
  const auto only_post = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "POST");
    reply_json(res, 405, {{"error", "use POST /snapshot"}});
  };
  server_->Get("/snapshot", only_post);
  server_->Put("/snapshot", only_post);
  server_->Delete("/snapshot", only_post);
  if (!server_->bind_to_port(host.c_str(), port)) {
    return Status(Code::kUnavailable,
                  "admin: cannot listen on " + host + ":" + std::to_string(port));
  }
  thread_ = std::thread([this]() { server_->listen_after_bind(); });
  return Status::ok();
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
