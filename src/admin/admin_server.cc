#include "admin/admin_server.h"

#include <httplib.h>

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
      res.status = 503;
      res.set_content(nlohmann::json{{"error", s.status().message()}}.dump(), "application/json");
      return;
    }
    res.set_content(status_json(s.value()), "application/json");
  });
  server_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    Result<node::NodeStatus> s = runtime_.status();
    const bool healthy = s.is_ok() && s.value().leader_recently_heard;
    res.status = healthy ? 200 : 503;
    res.set_content(nlohmann::json{{"healthy", healthy}}.dump(), "application/json");
  });
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
