#pragma once
// Server: the client layer of a node: its sessions (one per client connection), the
// Executor that routes their writes and read barriers, the blocked commands (Blocking),
// the users (AclState), MONITOR, statistics and the command records. It runs on the loop
// of the node that hosts it (node::ClientHost: in production the Runtime, whose loop thread
// owns the Node and the store; in the simulator a simulated node) and takes connections as
// ClientStreams: in production from the ClientPort (client_port.h: the TCP listener, TLS,
// timeouts), in the simulator from its clients.
//
// Limits: at most [client] max_connections sessions (full() says when one more must be
// refused); parser limits from [client].
//
// Threads: install() and open() before the host starts, from the controlling thread;
// everything else on the host's loop.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/acl_state.h"
#include "api/blocking.h"
#include "api/client_stream.h"
#include "api/command_table.h"
#include "api/executor.h"
#include "api/observability.h"
#include "base/log_limiter.h"
#include "env/loop.h"
#include "metrics/metrics.h"
#include "node/client_host.h"
#include "node/config.h"
#include "resp/limits.h"

namespace helios::api {

class Session;

struct ServerStats {
  std::uint64_t connections_received = 0;
  std::uint64_t connections_rejected = 0;
  std::uint64_t commands_processed = 0;
  std::uint64_t output_overflows = 0;
  std::uint64_t connections_timed_out = 0;  // handshake_timeout or timeout
};

class Server {
 public:
  Server(node::ClientHost& host, const node::NodeConfig& config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before the host starts: the ACL applier, the executor's and Blocking's hooks.
  void install();
  // Before the host starts: loads the users ([acl]); an error if they do not load.
  Status open();
  // Loop thread, once the host started: starts the executor and Blocking.
  void start();
  // Loop thread: stops them (what waits is dropped unanswered) and closes every connection.
  void stop();

  // Loop thread: a new connection, served from now on (its TLS handshake first).
  void accept(std::unique_ptr<ClientStream> stream);
  // True when max_connections sessions are open: the next connection is to be refused
  // (note_rejected counts it).
  bool full() const { return sessions_.size() >= config_.client.max_connections; }
  void note_rejected() {
    ++stats_.connections_received;
    ++stats_.connections_rejected;
  }
  // Closes connections past handshake_timeout or timeout (Session::expired, by the host's
  // wall clock); from start() to stop(), every kSweepEvery on the host's loop (so the
  // simulator's nodes run it too).
  static constexpr std::chrono::seconds kSweepEvery{1};
  void sweep();
  // The port clients connect to (INFO), as the ClientPort bound it; 0 when none.
  std::uint16_t port() const { return port_; }
  void set_port(std::uint16_t port) { port_ = port; }

  // Loop thread: for sessions.
  node::ClientHost& host() { return host_; }
  Executor& executor() { return executor_; }
  // The blocked commands (BLPOP...) of this node's connections.
  Blocking& blocking() { return blocking_; }
  const atlas::Store& store() const { return host_.machine().store(); }
  const node::AtlasMachine& machine() const { return host_.machine(); }
  const node::NodeConfig& config() const { return config_; }
  const resp::ParserLimits& parser_limits() const { return limits_; }
  // The host's wall clock, unix ms.
  std::int64_t wall_ms() const { return host_.wall_ms(); }
  bool is_follower() const;
  void note_command() { ++stats_.commands_processed; }
  // The record of a command or subcommand (nullptr: an unknown command), its Prometheus
  // series filled at the first use.
  CommandRecord& command_record(const CommandSpec* spec);
  Observability& observability() { return observe_; }
  // The users and the ACL LOG (api/acl_state.h); loaded by open().
  AclState& acl() { return *acl_; }
  // Counts an error reply (helios_client_errors_total, INFO errorstats) from its RESP bytes
  // ("-CODE message\r\n", RESP3 "!len\r\nCODE message\r\n"); returns Redis's code for it.
  std::string_view note_error_reply(std::string_view reply);
  // The same for an error inside a reply (an EXEC's), without its '-'.
  void note_error_line(std::string_view line);
  void note_output_overflow(const std::string& remote);
  // A connection closed for a reason its peer controls (a failed TLS handshake, a timeout):
  // a warning at most once per address and second (base/log_limiter.h).
  void note_refused(const std::string& remote, const std::string& reason);
  void on_closed(std::uint64_t id);
  std::size_t connections() const { return sessions_.size(); }
  // Monotonic (Prometheus reads them); INFO shows them since CONFIG RESETSTAT.
  const ServerStats& stats() const { return stats_; }
  ServerStats stats_since_reset() const;
  // CONFIG RESETSTAT: Redis's statistics (INFO stats, commandstats, errorstats,
  // latencystats); the Prometheus families keep counting.
  void reset_stats();

  // MONITOR: the sessions that receive every command (their own and others').
  void add_monitor(std::shared_ptr<Session> session);
  void remove_monitor(std::uint64_t id);
  bool has_monitors() const { return !monitors_.empty(); }
  // Sends MONITOR lines (Observability::monitor_line) to every monitor.
  void feed_monitors(const std::string& lines);
  std::string client_list() const;
  // When start() ran (unix ms, the host's clock).
  std::uint64_t started_ms() const { return started_ms_; }
  // Planted bug (simulator, `ttl-local-clock`): a linearizable read hides expired keys by
  // this node's clock instead of the leader's read time (Session::read_time).
  void plant_ttl_local_clock() { bug_ttl_local_clock_ = true; }
  bool bug_ttl_local_clock() const { return bug_ttl_local_clock_; }
  // Planted bug (simulator, `read-skips-write`): a session's read does not wait for the
  // writes before it on its connection (Session::advance_once).
  void plant_read_skips_write() { bug_read_skips_write_ = true; }
  bool bug_read_skips_write() const { return bug_read_skips_write_; }
  // Planted bug (simulator, `blocking-serves-local`): Blocking::plant_serves_local.
  void plant_blocking_serves_local() { blocking_.plant_serves_local(); }
  // Planted bug (simulator, `blocking-drops-late-pop`): Blocking::plant_drops_late_pop.
  void plant_blocking_drops_late_pop() { blocking_.plant_drops_late_pop(); }
  // Planted bug (simulator, `unblock-drops-pop`): Blocking::plant_unblock_drops_pop.
  void plant_unblock_drops_pop() { blocking_.plant_unblock_drops_pop(); }
  // Planted bug (simulator, `idle-closes-busy`): `timeout` closes a connection that waits for
  // a reply (a blocked command, a write in flight) as idle (Session::expired).
  void plant_idle_closes_busy() { bug_idle_closes_busy_ = true; }
  bool bug_idle_closes_busy() const { return bug_idle_closes_busy_; }

 private:
  node::ClientHost& host_;
  const node::NodeConfig& config_;
  resp::ParserLimits limits_;
  Executor executor_;
  Blocking blocking_;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::uint64_t next_id_ = 1;
  ServerStats stats_;
  ServerStats stats_at_reset_;  // stats_ at the last CONFIG RESETSTAT
  std::uint16_t port_ = 0;
  std::uint64_t started_ms_ = 0;
  Observability observe_;
  std::vector<std::shared_ptr<Session>> monitors_;
  std::unique_ptr<AclState> acl_;
  base::LogLimiter refusals_;
  std::unique_ptr<env::Timer> sweep_timer_;  // while started
  bool bug_ttl_local_clock_ = false;
  bool bug_read_skips_write_ = false;
  bool bug_idle_closes_busy_ = false;

  void schedule_sweep();
};

}  // namespace helios::api
