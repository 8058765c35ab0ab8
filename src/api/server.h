#pragma once
// Server: the client port of a node. Accepts connections on the runtime's loop thread (the
// thread that owns the Node and the store) and runs a Session for each; owns the Executor
// that routes their writes and read barriers.
//
// Limits: at most [client] max_connections sessions (one more is told
// "-ERR max number of clients reached" and closed; with TLS, just closed); parser limits
// from [client]; a connection must complete its TLS handshake and send a first command
// within handshake_timeout, and one idle longer than `timeout` (if set) is closed.
//
// TLS ([tls] client_tls): every connection starts with a TLS handshake; with
// require_client_cert the client must present a certificate of the cluster's CA.
//
// Threads: install() before runtime.start(); start() after it and stop() before
// runtime.stop(), from the controlling thread; everything else on the loop thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "api/acl_state.h"
#include "api/blocking.h"
#include "api/command_table.h"
#include "api/executor.h"
#include "api/observability.h"
#include "base/log_limiter.h"
#include "metrics/metrics.h"
#include "node/config.h"
#include "node/runtime.h"
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
  Server(node::Runtime& runtime, const node::NodeConfig& config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void install();
  // Binds [client] listen and starts accepting. kIoError if the address cannot be bound.
  Status start();
  // Closes the listener and every connection; waits for the loop thread to do it.
  void stop();
  // The bound port after start() (useful with port 0 in tests).
  std::uint16_t port() const { return port_.load(); }

  // Loop thread: for sessions.
  Executor& executor() { return executor_; }
  // The blocked commands (BLPOP...) of this node's connections.
  Blocking& blocking() { return blocking_; }
  const atlas::Store& store() const { return runtime_.machine().store(); }
  const node::AtlasMachine& machine() const { return runtime_.machine(); }
  node::Runtime& runtime() { return runtime_; }
  const node::NodeConfig& config() const { return config_; }
  const resp::ParserLimits& parser_limits() const { return limits_; }
  bool is_follower() const;
  void note_command() { ++stats_.commands_processed; }
  // The record of a command or subcommand (nullptr: an unknown command), its Prometheus
  // series filled at the first use.
  CommandRecord& command_record(const CommandSpec* spec);
  Observability& observability() { return observe_; }
  // The users and the ACL LOG (api/acl_state.h); opened by start().
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
  std::uint64_t started_ms() const { return started_ms_; }

 private:
  void accept_next();
  // Once a second: closes connections past handshake_timeout or timeout (Session::expired).
  void schedule_sweep();
  void sweep();

  node::Runtime& runtime_;
  const node::NodeConfig& config_;
  resp::ParserLimits limits_;
  Executor executor_;
  Blocking blocking_;
  asio::ip::tcp::acceptor acceptor_;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::uint64_t next_id_ = 1;
  ServerStats stats_;
  ServerStats stats_at_reset_;  // stats_ at the last CONFIG RESETSTAT
  std::atomic<std::uint16_t> port_{0};
  std::uint64_t started_ms_ = 0;
  bool started_ = false;
  Observability observe_;
  std::vector<std::shared_ptr<Session>> monitors_;
  std::shared_ptr<asio::ssl::context> tls_;  // client_tls: the sessions' context
  std::unique_ptr<AclState> acl_;
  asio::steady_timer sweep_timer_{acceptor_.get_executor()};
  base::LogLimiter refusals_;
};

}  // namespace helios::api
