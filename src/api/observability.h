#pragma once
// Observability: Redis's own views of the client port, kept by the Server for its sessions
// (src/api/README.md, "Observability"):
//   - per-command statistics (INFO commandstats and latencystats) on one record per command
//     and subcommand (CommandRecord), the same record that holds the command's Prometheus
//     series: a reply is recorded once, into both;
//   - error replies by code (INFO errorstats, total_error_replies);
//   - SLOWLOG: commands slower than slowlog-log-slower-than, newest first;
//   - LATENCY: the "command" and "fast-command" events of commands slower than
//     latency-monitor-threshold;
//   - CONFIG SET of those three settings (the rest of the configuration is the node's file);
//   - MONITOR's line format (the sessions that monitor are the Server's).
// A command's duration is from its arrival to its reply, replication included (Redis
// measures execution only): a write's includes its commit on a majority.
//
// Threads: the host's loop thread only (no locks). Recording a reply allocates nothing
// and looks nothing up, except a SLOWLOG entry; so does capturing a command's arguments for
// SLOWLOG when they are small (LoggedArgs).

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/command_table.h"
#include "api/plan.h"
#include "metrics/command_stats.h"
#include "metrics/metrics.h"
#include "resp/writer.h"

namespace helios::api {

// How a reply counts in Redis's view of its command.
enum class Outcome : std::uint8_t {
  kCall,       // the command ran: calls, duration, failed_calls if an error; SLOWLOG, LATENCY
  kRejected,   // refused before running (wrong arity...): rejected_calls
  kUncounted,  // not in Redis's view (an unknown command or subcommand; +QUEUED in MULTI)
};

// One per command and subcommand (command_table.h rows), and one for unknown commands.
struct CommandRecord {
  std::string name;  // lower case: "get", "config|get"; "unknown"
  // Prometheus (helios_client_commands_total...), by top-level command: a subcommand shares
  // its container's. Filled at the first use (Server::command_record).
  metrics::CommandSeries* series = nullptr;
  metrics::CommandStats stats;  // Redis's view, since CONFIG RESETSTAT
  bool fast = false;            // flag "fast": LATENCY's "fast-command" event, else "command"
  bool skip_slowlog = false;    // flag "skip_slowlog" (EXEC)
  bool admin = false;           // flag "admin": not shown to MONITOR
  bool keyspace = false;        // reads or writes the store: refused on a MONITOR connection
};

// What CONFIG SET may change, with Redis's names and defaults.
struct ObserveSettings {
  std::int64_t slowlog_log_slower_than = 10000;  // us; -1: off; 0: every command
  std::int64_t slowlog_max_len = 128;            // entries
  std::int64_t latency_monitor_threshold = 0;    // ms; 0: off
};

// A command's arguments as SLOWLOG keeps them, captured when it arrives and decoded only if
// it is logged, by Redis's rules: AUTH's and HELLO AUTH's secrets "(redacted)"; at most
// kSlowlogMaxArgs (the last one then "... (N more arguments)"), each at most
// kSlowlogMaxString bytes then "... (N more bytes)". Up to kInlineBytes of encoding are held
// inline (no allocation: the slot holding them is allocated anyway), more on the heap.
class LoggedArgs {
 public:
  static constexpr std::size_t kInlineBytes = 112;

  void capture(const CommandRecord& record, const Argv& argv);
  Argv decode() const;
  bool empty() const { return size_ == 0; }
  void clear() {
    size_ = 0;
    on_heap_ = false;
    heap_.clear();
  }

 private:
  void append(const void* bytes, std::size_t n);
  const char* data() const { return on_heap_ ? heap_.data() : inline_.data(); }

  std::array<char, kInlineBytes> inline_;
  std::size_t size_ = 0;
  bool on_heap_ = false;
  std::string heap_;
};

// A reply that left its connection.
struct FinishedCommand {
  CommandRecord* record = nullptr;
  Outcome outcome = Outcome::kCall;
  std::uint64_t ns = 0;                // arrival to reply
  std::string_view error_code;         // Redis's code if the reply is an error ("ERR", "MOVED")
  const LoggedArgs* logged = nullptr;  // the arguments for SLOWLOG (empty: not captured)
  const std::string* addr = nullptr;   // the client's "ip:port"
  const std::string* client_name = nullptr;  // CLIENT SETNAME's
};

class Observability {
 public:
  static constexpr std::size_t kMaxErrorCodes = 128;     // Redis's ERROR_STATS_NUMBER
  static constexpr std::size_t kSlowlogMaxArgs = 32;     // SLOWLOG_ENTRY_MAX_ARGC
  static constexpr std::size_t kSlowlogMaxString = 128;  // SLOWLOG_ENTRY_MAX_STRING
  static constexpr std::size_t kLatencySamples = 160;    // LATENCY_TS_LEN

  Observability();
  Observability(const Observability&) = delete;
  Observability& operator=(const Observability&) = delete;

  // The record of a command or subcommand (nullptr: the row of unknown commands).
  CommandRecord& record_of(const CommandSpec* spec);
  ObserveSettings& settings() { return settings_; }
  const ObserveSettings& settings() const { return settings_; }
  bool slowlog_on() const { return settings_.slowlog_log_slower_than >= 0; }

  // A reply left: counts it (-MOVED, -TRYAGAIN and -READONLY as rejected, as Redis's
  // redirections and replica refusals are), logs it if slow.
  void finished(const FinishedCommand& f);
  // An error reply with Redis's code (errorstats; total_error_replies).
  void note_error(std::string_view code);
  std::uint64_t total_error_replies() const { return total_error_replies_; }
  // CONFIG RESETSTAT: commandstats, latencystats, errorstats (not SLOWLOG, not LATENCY).
  void reset_stats();

  // INFO sections, "# Commandstats\r\n..." (Redis's fields and formats).
  void info_commandstats(std::string& out) const;
  void info_errorstats(std::string& out) const;
  void info_latencystats(std::string& out) const;

  // SLOWLOG and LATENCY (arity and subcommand already checked): the reply written to `w`,
  // or an error line returned.
  std::string slowlog(const Argv& argv, resp::Writer& w);
  std::string latency(const Argv& argv, resp::Writer& w);
  // CONFIG SET name value [name value ...] (arity checked): "" once applied (all or none),
  // else the error line. `immutable` lists the parameters CONFIG GET shows but Helios takes
  // from the node's configuration file.
  std::string config_set(const Argv& argv, const std::vector<std::string>& immutable);
  // CONFIG GET's values of the settings above (name, value).
  std::vector<std::pair<std::string, std::string>> config_values() const;

  // MONITOR's line: +<unix s>.<us> [0 <addr>] "arg" ... (secrets redacted, sdscatrepr quoting).
  static std::string monitor_line(const CommandRecord& record, const Argv& argv,
                                  std::int64_t unix_us, std::string_view addr);

 private:
  struct SlowlogEntry {
    std::uint64_t id = 0;
    std::int64_t unix_s = 0;
    std::uint64_t duration_us = 0;
    Argv argv;
    std::string addr;
    std::string client_name;
  };
  struct LatencySample {
    std::int64_t unix_s = 0;  // 0: an empty slot
    std::uint64_t ms = 0;
  };
  struct LatencyEvent {
    std::array<LatencySample, kLatencySamples> samples{};
    std::size_t next = 0;  // the slot the next second's sample goes to
    std::uint64_t max_ms = 0;
  };

  void add_latency_sample(const char* event, std::uint64_t ms);
  void write_slowlog_entry(const SlowlogEntry& e, resp::Writer& w) const;

  std::vector<CommandRecord> rows_;  // command_rows() of them, then the unknown row
  ObserveSettings settings_;
  std::map<std::string, std::uint64_t, std::less<>> errors_;
  std::uint64_t total_error_replies_ = 0;
  std::deque<SlowlogEntry> slowlog_;  // newest first
  std::uint64_t next_slowlog_id_ = 0;
  std::map<std::string, LatencyEvent, std::less<>> latency_events_;
};

}  // namespace helios::api
