#include "apps/node_main.h"

#include <CLI/CLI.hpp>

#include <malloc.h>
#include <pthread.h>
#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <future>
#include <limits>
#include <memory>

#include "admin/admin_server.h"
#include "api/client_port.h"
#include "apps/join.h"
#include "apps/systemd_notify.h"
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
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread started later inherits it
  return set;
}

// The STATUS= line systemd shows for a node that serves (systemd_notify.h).
std::string serving_status(const node::NodeConfig& config) {
  return "serving as " + config.name() + " (cluster " + config.cluster_id + ")";
}

// Waits for SIGINT/SIGTERM, logging every few seconds while no quorum is reachable.
// SIGHUP reloads the TLS certificate files (docs/security.md), told to systemd as a reload.
void wait_for_signal(const sigset_t& signals, node::Runtime& runtime, bool quick_start) {
  while (true) {
    timespec timeout{3, 0};
    const int signal = sigtimedwait(&signals, nullptr, &timeout);
    if (signal == SIGHUP) {
      HELIOS_LOG_INFO("", "SIGHUP: reloading the TLS certificates");
      notify_reloading();
      if (runtime.tls() != nullptr) {
        (void)runtime.reload_tls();
      }
      notify_ready(serving_status(runtime.config()));
      continue;
    }
    if (signal > 0 || runtime.removed()) {
      return;
    }
    if (!quick_start) {
      continue;
    }
    Result<node::NodeStatus> s = runtime.status();
    if (!s.is_ok() || s.value().leader != kNoNode || s.value().voters.empty()) {
      continue;
    }
    const std::size_t voters = s.value().voters.size();
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

// A leader hands leadership to its most up-to-date follower before it stops, so that a
// planned restart costs clients a few milliseconds instead of an election timeout. Waits on
// this (the main) thread until another node leads or one election timeout passes; the
// loop keeps serving meanwhile. A second SIGINT/SIGTERM stops the wait at once. A follower
// returns at once.
void transfer_before_shutdown(node::Runtime& runtime, const sigset_t& signals) {
  const std::chrono::milliseconds wait(runtime.config().election_timeout_ms);
  auto promise = std::make_shared<std::promise<node::TransferResult>>();
  std::future<node::TransferResult> future = promise->get_future();
  runtime.post([&runtime, promise, wait]() {
    runtime.transfer_leadership(
        kNoNode, wait, [promise](const node::TransferResult& r) { promise->set_value(r); });
  });
  // The loop answers within `wait`; the margin only matters if it is stuck.
  const auto give_up = std::chrono::steady_clock::now() + wait + std::chrono::seconds(2);
  while (future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    timespec poll{0, 2'000'000};
    const int signal = sigtimedwait(&signals, nullptr, &poll);
    if (signal == SIGINT || signal == SIGTERM) {
      HELIOS_LOG_INFO("", "Second signal: not waiting for the leadership transfer");
      return;
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      HELIOS_LOG_WARN("", "The loop did not answer the leadership transfer in time");
      return;
    }
  }
  const node::TransferResult r = future.get();
  if (!r.status.is_ok() && r.status.code() != Code::kNotLeader && !r.timed_out) {
    // (The runtime logged the outcome of a transfer that started.)
    HELIOS_LOG_WARN("", "Not transferring leadership before shutting down: %s",
                    r.status.message().c_str());
  }
}

using node::NodeConfig;

// "50ms", "2s", "30m", "1h": the largest unit that divides ms.
std::string format_duration(std::uint64_t ms) {
  const std::pair<std::uint64_t, const char*> units[] = {
      {60 * 60 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}};
  for (const auto& [scale, unit] : units) {
    if (ms != 0 && ms % scale == 0) {
      return std::to_string(ms / scale) + unit;
    }
  }
  return std::to_string(ms) + "ms";
}

Status bad_flag(const char* flag, const std::string& why) {
  return Status(Code::kInvalidArgument, std::string(flag) + ": " + why);
}

Status parse_count(const char* flag, const std::string& text, std::uint64_t& out) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return bad_flag(flag, "'" + text + "' is not a non-negative integer");
  }
  out = value;
  return Status::ok();
}

template <std::uint64_t NodeConfig::*Field>
Status set_count(const char* flag, const std::string& text, NodeConfig& c) {
  return parse_count(flag, text, c.*Field);
}

template <typename T, T NodeConfig::*Field>
Status set_duration(const char* flag, const std::string& text, NodeConfig& c) {
  const Result<std::uint64_t> ms = node::parse_duration_ms(text);
  if (!ms.is_ok()) {
    return bad_flag(flag, ms.status().message());
  }
  if (ms.value() > std::numeric_limits<T>::max()) {
    return bad_flag(flag, "'" + text + "' is too long");
  }
  c.*Field = static_cast<T>(ms.value());
  return Status::ok();
}

Status set_batches_in_flight(const char* flag, const std::string& text, NodeConfig& c) {
  return parse_count(flag, text, c.client.max_batches_in_flight);
}

Status set_log_level(const char* flag, const std::string& text, NodeConfig& c) {
  if (!base::parse_log_level(text, &c.log_level)) {
    return bad_flag(flag, "'" + text + "' is not debug, info, warn or error");
  }
  return Status::ok();
}

Status set_read_mode(const char* flag, const std::string& text, NodeConfig& c) {
  if (!node::parse_read_mode(text, &c.read_mode)) {
    return bad_flag(flag, "'" + text + "' is not read_index or lease");
  }
  return Status::ok();
}

Status set_log_format(const char* flag, const std::string& text, NodeConfig& c) {
  if (!base::parse_log_format(text, &c.log_format)) {
    return bad_flag(flag, "'" + text + "' is not text or json");
  }
  return Status::ok();
}

// One tuning flag: its name, its value's name and meaning in --help, its default (from a
// default NodeConfig) and how a value given on the command line goes into a NodeConfig.
struct Knob {
  const char* flag;
  const char* type;
  const char* help;
  std::string (*shown)(const NodeConfig& c);
  Status (*set)(const char* flag, const std::string& text, NodeConfig& c);
};

const std::vector<Knob>& knobs() {
  static const std::vector<Knob> table = {
      {"--heartbeat-timeout", "DURATION", "how often a leader sends heartbeats",
       [](const NodeConfig& c) { return format_duration(c.heartbeat_timeout_ms); },
       &set_duration<std::uint32_t, &NodeConfig::heartbeat_timeout_ms>},
      {"--election-timeout", "DURATION",
       "a follower hearing no leader for a random time in [T, 2T) starts an election; at "
       "least twice the heartbeat",
       [](const NodeConfig& c) { return format_duration(c.election_timeout_ms); },
       &set_duration<std::uint32_t, &NodeConfig::election_timeout_ms>},
      {"--read-mode", "MODE",
       "linearizable reads: read_index (a heartbeat round) or lease (the leader answers at "
       "once while its lease holds; trusts clocks to drift less than --max-clock-drift); the "
       "same on every node",
       [](const NodeConfig& c) { return std::string(node::read_mode_name(c.read_mode)); },
       &set_read_mode},
      {"--max-clock-drift", "DURATION",
       "lease reads: how far two nodes' clocks may disagree over one election timeout; 0: a "
       "tenth of it",
       [](const NodeConfig& c) { return format_duration(c.max_clock_drift_ms); },
       &set_duration<std::uint32_t, &NodeConfig::max_clock_drift_ms>},
      {"--max-entries-per-append", "N", "entries in one AppendEntries message",
       [](const NodeConfig& c) { return std::to_string(c.max_entries_per_append); },
       &set_count<&NodeConfig::max_entries_per_append>},
      {"--snapshot-threshold", "N",
       "take a snapshot after N entries applied since the last one; 0: never by count",
       [](const NodeConfig& c) { return std::to_string(c.snapshot_threshold); },
       &set_count<&NodeConfig::snapshot_threshold>},
      {"--snapshot-interval", "DURATION",
       "take a snapshot this long after the last one if an entry was applied since; 0: never "
       "by time",
       [](const NodeConfig& c) { return format_duration(c.snapshot_interval_ms); },
       &set_duration<std::uint64_t, &NodeConfig::snapshot_interval_ms>},
      {"--snapshot-trailing-entries", "N",
       "entries kept in the log behind a snapshot, so that a slow follower catches up from "
       "the log",
       [](const NodeConfig& c) { return std::to_string(c.snapshot_trailing_entries); },
       &set_count<&NodeConfig::snapshot_trailing_entries>},
      {"--snapshot-threshold-bytes", "N",
       "also take a snapshot once the entries applied since the last one hold N bytes, or "
       "as many as the last snapshot file if that is more; 0: never by size",
       [](const NodeConfig& c) { return std::to_string(c.snapshot_threshold_bytes); },
       &set_count<&NodeConfig::snapshot_threshold_bytes>},
      {"--snapshot-trailing-bytes", "N",
       "at most N bytes of the trailing entries are kept; 0: no bound in bytes",
       [](const NodeConfig& c) { return std::to_string(c.snapshot_trailing_bytes); },
       &set_count<&NodeConfig::snapshot_trailing_bytes>},
      {"--max-batches-in-flight", "N",
       "client writes: batches a leader keeps proposed and unanswered before it may hold the "
       "next one back to fill (fewer, larger entries: less CPU per write, more latency); 0: "
       "never hold",
       [](const NodeConfig& c) { return std::to_string(c.client.max_batches_in_flight); },
       &set_batches_in_flight},
      {"--log-level", "LEVEL", "debug, info, warn or error",
       [](const NodeConfig& c) {
         const char* const names[] = {"debug", "info", "warn", "error"};
         return std::string(names[static_cast<int>(c.log_level)]);
       },
       &set_log_level},
      {"--log-format", "FORMAT", "text (the seed's lines) or json (one object per line)",
       [](const NodeConfig& c) {
         return std::string(c.log_format == base::LogFormat::kJson ? "json" : "text");
       },
       &set_log_format},
  };
  return table;
}

}  // namespace

void TuningFlags::add_to(CLI::App& app) {
  const NodeConfig defaults;
  values_.assign(knobs().size(), std::string());  // no reallocation below: options bind to it
  options_.clear();
  for (std::size_t i = 0; i < knobs().size(); ++i) {
    const Knob& k = knobs()[i];
    options_.push_back(app.add_option(k.flag, values_[i], k.help)
                           ->type_name(k.type)
                           ->default_str(k.shown(defaults)));
  }
}

Status TuningFlags::apply_to(NodeConfig& config) const {
  for (std::size_t i = 0; i < options_.size(); ++i) {
    if (options_[i]->count() == 0) {
      continue;
    }
    const Status s = knobs()[i].set(knobs()[i].flag, values_[i], config);
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", app.get_name().c_str(), e.what());
    return 2;
  }
  return std::nullopt;
}

int run_node(const node::NodeConfig& config, const RunOptions& options) {
  // One malloc arena for every thread (glibc; before any thread starts). A thread's own
  // arena grows a page at a time, an mprotect call each: decoding a received 1 GB snapshot
  // on its decoding thread took 3.3-3.8 s, against 1.5-1.8 s in the main arena, which grows
  // 128 KiB per call (bench/README.md, "InstallSnapshot decoded while it arrives"). Small
  // allocations still come from each thread's cache without the arena's lock.
  (void)mallopt(M_ARENA_MAX, 1);
  base::set_log_level(config.log_level);
  base::set_log_format(config.log_format);
  const sigset_t signals = block_signals();
  node::Runtime runtime(config);
  std::unique_ptr<api::ClientPort> clients;
  if (config.client.listen.port != 0) {
    clients = std::make_unique<api::ClientPort>(runtime, config);
    clients->install();
  }
  raft::Role last_role = raft::Role::kFollower;
  NodeId last_leader = kNoNode;
  // A node removed from the cluster stops as if it got SIGTERM (exit status 0).
  const pthread_t main_thread = pthread_self();
  runtime.on_removed_hook = [main_thread]() { pthread_kill(main_thread, SIGTERM); };
  runtime.on_role_change_hook = [&](const raft::SoftState& soft, Term term) {
    const bool became_leader = soft.role == raft::Role::kLeader && last_role != soft.role;
    log_role_change(config, soft, term, last_role, last_leader);
    // The seed's data goes into a new cluster only: its first leader's log holds nothing but
    // the leader's own first entry. A cluster forced from a survivor's log or restored from
    // a backup may not have applied anything yet, but is not new.
    const bool new_cluster = runtime.machine().commands_applied() == 0 &&
                             runtime.node().raw().raft().log().last_index() <= 1;
    if (became_leader && options.quick_start && new_cluster) {
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
  std::string listen = config.listen.port != 0 ? config.listen.to_string() : "";
  for (const node::PeerConfig& p : config.peers) {
    if (p.id == config.node_id) {
      listen = p.address.to_string();
    }
  }
  HELIOS_LOG_INFO(
      "", "Node %s started on %s (admin %s://%s, clients %s)", config.name().c_str(),
      listen.c_str(), config.tls.admin_tls ? "https" : "http", config.admin.to_string().c_str(),
      config.client.listen.port != 0 ? config.client.listen.to_string().c_str() : "none");
  int status = 0;
  bool signalled = false;
  if (config.join.port != 0) {
    const int joined = join_cluster(runtime, signals);
    signalled = joined < 0;
    status = std::max(0, joined);
  }
  if (status == 0 && !signalled && !runtime.removed()) {
    // Recovered, serving, and a member (after --join): ready for systemd (Type=notify).
    notify_ready(serving_status(config));
    wait_for_signal(signals, runtime, options.quick_start);
  }
  notify_stopping();
  HELIOS_LOG_INFO("", "Shutting down...");
  if (!runtime.removed()) {
    transfer_before_shutdown(runtime, signals);
  }
  HELIOS_LOG_INFO("raft", "Shutting down Raft node");
  admin.stop();
  if (clients != nullptr) {
    clients->stop();
  }
  runtime.stop();
  HELIOS_LOG_INFO("", "Shutdown complete%s",
                  runtime.removed() ? " (this node was removed from the cluster)" : "");
  return status;
}

}  // namespace helios::apps
