#pragma once
// AdminServer: the node's admin HTTP endpoint (cpp-httplib, its own thread).
//
//   GET /status     JSON: node id and name, state, term, leader, commit index, last applied,
//                   last log index, keys, uptime, the newest durable snapshot ("snapshot":
//                   index, term, bytes, time_ms (unix ms, -1: none since the start),
//                   in_progress, error (the last failure, or null)), first_log_index,
//                   wal_bytes, and per peer: address, connected, ms since last heard, and
//                   (on the leader) match index and replication lag.
//   GET /health     200 {"healthy":true} when the node has a leader it has heard from
//                   recently (or is the leader); 503 otherwise.
//   POST /snapshot  starts a snapshot of this node in the background (BGSAVE): 202
//                   {"started":true,"index":N} (N: the applied index it covers); 200
//                   {"started":false,...} when nothing was applied since the last one; 409
//                   {"error":"a snapshot is already being taken"}; 503 when the node has
//                   stopped or its loop does not answer. Other methods: 405.
//
// Thread rules: start()/stop() from the controlling thread; requests are served on the
// server's thread and reach the node through Runtime::status() or Runtime::post() (the
// loop thread), waiting at most 2 s for the answer.

#include <memory>
#include <string>
#include <thread>

#include "node/runtime.h"

namespace httplib {
class Server;
}

namespace helios::admin {

// The /status JSON for a status snapshot (also used by tests and helios-cli).
std::string status_json(const node::NodeStatus& status);

class AdminServer {
 public:
  explicit AdminServer(node::Runtime& runtime);
  ~AdminServer();

  // Binds host:port (fails with a message naming the address) and serves in a thread.
  Status start(const std::string& host, std::uint16_t port);
  void stop();

 private:
  node::Runtime& runtime_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace helios::admin
