#include "apps/node_main.h"

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <memory>

#include "admin/admin_server.h"
#include "api/server.h"
#include "base/log.h"
#include "node/runtime.h"

namespace helios::apps {

namespace {

using atlas::Command;
using atlas::SetOp;

std::string node_name(NodeId id) {
  return "node-" + std::to_string(id);
}

void log_role_change(const node::NodeConfig& config, const raft::SoftState& soft, Term term,
                     raft::Role& last_role, NodeId& last_leader) {
  const std::string me = config.name();
  if (soft.role == raft::Role::kPreCandidate && last_role != raft::Role::kPreCandidate) {
    HELIOS_LOG_INFO("raft", "Starting election term=%llu",
                    static_cast<unsigned long long>(term + 1));
  } else if (soft.role == raft::Role::kLeader && last_role != raft::Role::kLeader) {
    HELIOS_LOG_INFO("raft", "Became leader term=%llu", static_cast<unsigned long long>(term));
    HELIOS_LOG_INFO("", "Node %s is the LEADER", me.c_str());
  } else if (soft.role == raft::Role::kFollower && soft.leader != kNoNode &&
             (soft.leader != last_leader || last_role != raft::Role::kFollower)) {
    HELIOS_LOG_INFO("", "Node %s is a FOLLOWER (leader %s, term %llu)", me.c_str(),
                    node_name(soft.leader).c_str(), static_cast<unsigned long long>(term));
  }
  last_role = soft.role;
  last_leader = soft.leader;
}

void write_test_data(node::Runtime& runtime) {
  HELIOS_LOG_INFO("", "Writing test data...");
  struct Item {
    const char* key;
    const char* value;
    std::uint64_t ttl_ms;
    const char* note;
  };
  static const Item items[] = {{"user:1:name", "Alice", 0, ""},
                               {"user:2:name", "Bob", 5 * 60 * 1000, " (TTL: 5m)"},
                               {"counter", "1", 0, ""}};
  for (const Item& item : items) {
    Command cmd;
    SetOp set;
    set.key = item.key;
    set.value = item.value;
    if (item.ttl_ms != 0) {
      // Relative TTLs become absolute deadlines here, at the leader (DESIGN: TTLs are
      // deterministic); the runtime stamps the command with the same clock.
      set.deadline_ms =
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()) +
          item.ttl_ms;
    }
    cmd.ops.emplace_back(std::move(set));
    const std::string key = item.key;
    const std::string value = item.value;
    const std::string note = item.note;
    runtime.propose(std::move(cmd), [key, value, note](Result<std::vector<atlas::Reply>> r) {
      if (r.is_ok()) {
        HELIOS_LOG_INFO("", "\xE2\x9C\x93 Set %s = %s%s", key.c_str(), value.c_str(), note.c_str());
      } else {
        HELIOS_LOG_WARN("", "Could not set %s: %s", key.c_str(), r.status().to_string().c_str());
      }
    });
  }
}

sigset_t block_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread started later inherits it
  return set;
}

// Waits for SIGINT/SIGTERM, logging every few seconds while no quorum is reachable.
void wait_for_signal(const sigset_t& signals, node::Runtime& runtime, bool quick_start) {
  const std::size_t voters = runtime.config().peers.size();
  while (true) {
    timespec timeout{3, 0};
    if (sigtimedwait(&signals, nullptr, &timeout) > 0) {
      return;
    }
    if (!quick_start) {
      continue;
    }
    Result<node::NodeStatus> s = runtime.status();
    if (!s.is_ok() || s.value().leader != kNoNode) {
      continue;
    }
    std::size_t reachable = 1;
    for (const node::PeerView& p : s.value().peers) {
      reachable += p.connected ? 1 : 0;
    }
    if (reachable < voters / 2 + 1) {
      HELIOS_LOG_INFO("", "Node %s is waiting for quorum: %zu/%zu nodes reachable",
                      runtime.config().name().c_str(), reachable, voters);
    }
  }
}

}  // namespace

int run_node(const node::NodeConfig& config, const RunOptions& options) {
  base::set_log_level(config.log_level);
  const sigset_t signals = block_signals();
  node::Runtime runtime(config);
  std::unique_ptr<api::Server> clients;
  if (config.client.listen.port != 0) {
    clients = std::make_unique<api::Server>(runtime, config);
    clients->install();
  }
  raft::Role last_role = raft::Role::kFollower;
  NodeId last_leader = kNoNode;
  runtime.on_role_change_hook = [&](const raft::SoftState& soft, Term term) {
    const bool became_leader = soft.role == raft::Role::kLeader && last_role != soft.role;
    log_role_change(config, soft, term, last_role, last_leader);
    if (became_leader && options.quick_start && runtime.machine().commands_applied() == 0) {
      write_test_data(runtime);
    }
  };
  const Status started = runtime.start();
  if (!started.is_ok()) {
    HELIOS_LOG_ERROR("", "%s: cannot start: %s", config.name().c_str(),
                     started.to_string().c_str());
    return 1;
  }
  Result<node::NodeStatus> s = runtime.status();
  HELIOS_LOG_INFO("raft", "Raft node initialized nodeID=%s term=%llu lastLogIndex=%llu",
                  config.name().c_str(),
                  static_cast<unsigned long long>(s.is_ok() ? s.value().term : 0),
                  static_cast<unsigned long long>(s.is_ok() ? s.value().last_index : 0));
  HELIOS_LOG_INFO("raft", "Starting Raft node nodeID=%s", config.name().c_str());
  if (clients != nullptr) {
    const Status serving = clients->start();
    if (!serving.is_ok()) {
      HELIOS_LOG_ERROR("", "%s", serving.to_string().c_str());
      runtime.stop();
      return 1;
    }
  }
  admin::AdminServer admin(runtime);
  const Status admin_started = admin.start(config.admin.host, config.admin.port);
  if (!admin_started.is_ok()) {
    HELIOS_LOG_ERROR("", "%s", admin_started.to_string().c_str());
    if (clients != nullptr) {
      clients->stop();
    }
    runtime.stop();
    return 1;
  }
  std::string listen;
  for (const node::PeerConfig& p : config.peers) {
    if (p.id == config.node_id) {
      listen = p.address.to_string();
    }
  }
  HELIOS_LOG_INFO(
      "", "Node %s started on %s (admin http://%s, clients %s)", config.name().c_str(),
      listen.c_str(), config.admin.to_string().c_str(),
      config.client.listen.port != 0 ? config.client.listen.to_string().c_str() : "none");
  wait_for_signal(signals, runtime, options.quick_start);
  HELIOS_LOG_INFO("", "Shutting down...");
  HELIOS_LOG_INFO("raft", "Shutting down Raft node");
  admin.stop();
  if (clients != nullptr) {
    clients->stop();
  }
  runtime.stop();
  HELIOS_LOG_INFO("", "Shutdown complete");
  return 0;
}

}  // namespace helios::apps
