#pragma once
// Session: one client connection (a ClientStream: TCP in production, simulated in the
// simulator), on the loop thread of the node's client layer (Server).
//
// Protocol: the first byte decides. '{' starts the JSON-lines protocol (json_lines.h); any
// other byte starts RESP (RESP2 until HELLO 3). Requests are parsed incrementally
// (resp::RequestParser, with the [client] limits); a protocol error answers
// "-ERR Protocol error: ..." and closes this connection only.
//
// Pipelining and order: every request takes a slot in a queue and replies leave in request
// order. A write goes to the Executor at once (so a pipeline's writes share a batch) unless
// a read of this connection before it is still unanswered: it waits for that read, which
// must not see it. A read asks for its barrier at once unless a write before it is still
// unanswered: then it waits for that write, so a client always reads its own writes. A read
// is evaluated against the store only when it reaches the head of the queue, after the
// replies before it.
//
// Bounds: at most kMaxSlots requests in flight per connection (reading, and taking requests
// already received, pause beyond it and resume as replies leave);
// replies waiting to be written at most max_output_bytes (beyond it the connection is
// closed, as Redis's client-output-buffer-limit does).
//
// Lifetime: held by a shared_ptr; the Server keeps one until the session closes, and
// pending callbacks keep theirs, doing nothing once the session is closed.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/client_stream.h"
#include "api/command_table.h"
#include "api/observability.h"
#include "api/plan.h"
#include "env/loop.h"
#include "resp/request_parser.h"

namespace helios::api {

class Server;
struct BlockedCall;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The connection starts with the stream's handshake (TLS; at once for plaintext).
  Session(Server& server, std::unique_ptr<ClientStream> stream, std::uint64_t id);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  void close();

  // For CLIENT LIST / INFO.
  std::uint64_t id() const { return id_; }
  // The server's once-a-second sweep (Server::sweep): the reason to close this connection
  // now, or "": no complete command within handshake_timeout of the connection (TLS
  // handshake included), or idle for longer than `timeout`: no command read and no reply
  // written for that long (Redis's lastinteraction), and not a MONITOR client, nor one
  // waiting for a reply or with a reply not yet written.
  std::string expired(std::int64_t now_ms) const;
  const std::string& remote() const { return remote_; }
  std::string describe() const;
  // MONITOR: a line for this connection (a monitor), written after what is already ready;
  // closes it once its unsent output is over kMaxMonitorOutputBytes (or max_output_bytes).
  void send_monitor_line(const std::string& lines);
  // MONITOR's lines for a command of this connection ("" if it is not shown): EXEC's are its
  // queued commands' then its own, as Redis shows a transaction.
  std::string monitor_text(std::string_view name, const Argv& argv) const;
  // Unsent output a monitor may hold: Redis's hard client-output-buffer-limit for pubsub.
  static constexpr std::size_t kMaxMonitorOutputBytes = 32u << 20;

 private:
  struct Slot {
    enum class State : std::uint8_t { kWaitIssue, kPending, kReady, kDone };
    State state = State::kDone;
    bool write = false;
    std::vector<Argv> commands;  // a write not yet started: its command(s)
    bool exec = false;           // ... a MULTI/EXEC transaction
    std::string reply;
    // A read: computes the reply when the slot reaches the head (kReady), at the time
    // Session::read_time gives (unix ms: what hides an expired key).
    std::function<void(resp::Writer&, std::uint64_t at)> evaluate;
    std::uint64_t read_ms = 0;  // the leader's read time from its barrier (0: none)
    // The command's record, how its reply counts and its arrival (recorded when the reply
    // is sent); its arguments as SLOWLOG would keep them (empty: SLOWLOG was off).
    CommandRecord* record = nullptr;
    Outcome outcome = Outcome::kCall;
    env::Loop::Clock::time_point arrived;
    LoggedArgs logged;
    std::vector<CommandRecord*> queued;  // EXEC: its commands, counted at its reply
    std::uint64_t watch_epoch = 0;       // EXEC: the WATCHes it checks (session_watch.cc)
    bool starts_monitor = false;         // MONITOR: monitoring starts once its +OK is out
    std::string monitor_after;           // MONITOR lines that arrived behind this reply
    // A blocking command (api/blocking.h): nothing behind it starts until it is answered.
    std::shared_ptr<BlockedCall> blocked;
  };

  void read_more();
  // advance() and read_more() once this turn of the loop is done (replies arriving together
  // share one pass over the slots).
  void advance_soon();
  void on_read(const std::error_code& ec, std::size_t n);
  void handle_input(std::string_view bytes);
  // Takes the requests left in the buffer when the slots ran out (input_paused_).
  void resume_input();
  void handle_resp_requests();
  void handle_json_requests();
  void on_request(Argv& argv);
  void queue_in_multi(std::string_view name, const CommandSpec* spec, Argv& argv);
  // The handlers of the command table's rows (command_table.h, session_rows.cc): each runs
  // its command, its arity checked and the client admitted.
  friend std::vector<CommandSpec> session_command_rows();
  friend std::vector<CommandSpec> session_subcommand_rows();
  friend std::vector<CommandSpec> blocking_command_rows();
  // session_reads.cc: the reads: a data command by its planner (plan.h), KEYS, SCAN, DEBUG.
  void on_data(const CommandSpec& spec, Argv& argv);
  void on_keys(Argv& argv);
  void on_scan(Argv& argv);
  void on_debug(Argv& argv);
  // session.cc: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
  void on_multi(Argv& argv);
  void on_exec(Argv& argv);
  void on_discard(Argv& argv);
  void end_multi(bool exec);
  // WATCH (session_watch.cc). The watched keys and versions are recorded when a WATCH's
  // read is evaluated (in request order, after its barrier), but UNWATCH, EXEC, DISCARD and
  // RESET forget them when they arrive: each arrival of those starts a new epoch, and a
  // WATCH adds to the epoch it arrived in. An EXEC carries its epoch's keys; its write
  // starts only once every read before it (its WATCHes) was evaluated.
  void on_watch(Argv& argv);
  void on_unwatch(Argv& argv);
  // session_blocking.cc: BLPOP, BLMOVE, BZPOPMIN... (api/blocking.h) and CLIENT UNBLOCK.
  void on_blocking(Argv& argv);
  void start_blocked(const std::shared_ptr<Slot>& slot);
  void on_client_unblock(Argv& argv);
  // Starts a new epoch (forgetting the current one's keys); returns the one that ended.
  std::uint64_t forget_watches();
  // EXEC: puts the guard argv (api/watch.h) of its epoch's keys in front of its commands;
  // false if there is nothing to send (no command, no key watched).
  bool add_watch_guard(Slot& exec);
  // session_commands.cc: the connection and the server.
  void on_ping(Argv& argv);
  void on_echo(Argv& argv);
  void on_hello(Argv& argv);
  void on_quit(Argv& argv);
  void on_reset(Argv& argv);
  void on_select(Argv& argv);
  void on_info(Argv& argv);
  void on_time(Argv& argv);
  void on_wait(Argv& argv);
  void on_bgsave(Argv& argv);
  void on_save(Argv& argv);
  void on_lastsave(Argv& argv);
  void on_readonly(Argv& argv);
  void on_readwrite(Argv& argv);
  void on_client_setname(Argv& argv);
  void on_client_getname(Argv& argv);
  void on_client_id(Argv& argv);
  void on_client_info(Argv& argv);
  void on_client_list(Argv& argv);
  void on_client_ok(Argv& argv);  // SETINFO, NO-EVICT, NO-TOUCH: accepted, no effect
  void on_command(Argv& argv);    // COMMAND alone: every command's info
  void on_command_count(Argv& argv);
  void on_command_list(Argv& argv);
  void on_command_info(Argv& argv);
  void on_command_docs(Argv& argv);
  // session_acl.cc: authentication and ACL users.
  // -NOAUTH / -NOPERM (and an ACL LOG entry) unless this connection may run the command;
  // true if it may.
  bool admit(const CommandSpec& spec, const Argv& argv, bool in_multi);
  // AUTH's and HELLO's check: true (and the connection is `user` from now on) if the
  // password is right; else an ACL LOG entry, and the caller answers -WRONGPASS.
  // `command` is the command as typed (AUTH, HELLO), for ACL LOG.
  bool authenticate(const std::string& command, const std::string& user,
                    const std::string& password);
  void refuse(const CommandSpec& spec, std::string_view line);
  void on_auth(Argv& argv);
  void on_acl(Argv& argv);
  bool on_acl_log(const Argv& argv, resp::Writer& w);
  // session_observe.cc: CONFIG, SLOWLOG, LATENCY, MONITOR.
  // A container's subcommand (its record becomes the command's), or nullptr once answered.
  const CommandSpec* resolve_subcommand(const CommandSpec& container, const Argv& argv);
  void on_config_get(Argv& argv);
  void on_config_resetstat(Argv& argv);
  void on_config_set(Argv& argv);
  void on_slowlog(Argv& argv);
  void on_latency(Argv& argv);
  void on_monitor(Argv& argv);
  void push_written_or_error(const std::function<std::string(resp::Writer&)>& write);
  std::int64_t wall_ms() const;  // the host's wall clock, unix ms
  // A reply written by `write`, ready at once.
  template <typename Write>
  void push_written(Write&& write) {
    std::string out;
    resp::Writer w(out, protocol_);
    write(w);
    push_done(std::move(out));
  }
  void start_monitor();
  void stop_monitor();
  void credit_transaction(const Slot& exec, std::uint64_t ns);

  // Slots.
  Slot& push_done(std::string reply);
  Slot& push_error(std::string_view line);
  Slot& push_write(std::vector<Argv> commands, bool exec);
  void start_write(const std::shared_ptr<Slot>& slot);
  void push_read(std::function<void(resp::Writer&, std::uint64_t at)> evaluate);
  // The time a read is evaluated at (docs/consistency.md, "Time and TTLs"): the leader's
  // read time raised to this node's applied stamp; this node's clock for a READONLY read
  // (or a read index from a leader that gives no time).
  std::uint64_t read_time(const Slot& slot) const;
  void issue(const std::shared_ptr<Slot>& slot);
  void advance();
  bool advance_once();  // true if a reply left the queue
  void flush_output();
  void on_written(const std::error_code& ec);
  std::string to_json(std::string_view resp_reply) const;

  Server& server_;
  void on_tls_handshake(const std::error_code& ec, const std::string& why);

  std::unique_ptr<ClientStream> stream_;
  bool seen_command_ = false;     // a complete command has arrived
  std::string user_ = "default";  // the ACL user this connection runs as
  bool authenticated_ = false;    // AUTH succeeded, or the default user was nopass at start
  const std::uint64_t id_;
  std::string remote_;
  std::string local_;
  std::string name_;
  std::int64_t created_ms_ = 0;
  // Redis's lastinteraction: the wall time of the last command read or reply written (CLIENT
  // LIST's idle, and `timeout`).
  std::int64_t last_interaction_ms_ = 0;
  std::uint64_t commands_ = 0;
  std::string last_command_;
  // The command being handled by on_request (every slot it pushes records to it).
  CommandRecord* current_record_ = nullptr;
  Outcome current_outcome_ = Outcome::kCall;
  env::Loop::Clock::time_point current_arrived_;
  LoggedArgs current_logged_;  // moves to the first slot the command pushes
  std::shared_ptr<Slot> new_slot();
  // A reply leaves: counts its command and its time (Prometheus and Redis's views), and its
  // error if it is one.
  void record(Slot& slot);

  enum class Mode : std::uint8_t { kUnknown, kResp, kJson };
  Mode mode_ = Mode::kUnknown;
  resp::RequestParser parser_;
  std::string json_buffer_;
  std::size_t json_scanned_ = 0;   // json_buffer_[0, json_scanned_) holds no '\n'
  std::vector<char> read_buffer_;  // the first read, and JSON: RESP reads into parser_
  bool reading_ = false;
  // Whole requests may wait in parser_ (or json_buffer_): taking them stopped at kMaxSlots.
  bool input_paused_ = false;
  bool resume_posted_ = false;  // a resume_input is posted
  bool closed_ = false;
  bool close_after_flush_ = false;

  int protocol_ = 2;
  bool readonly_ = false;
  bool in_multi_ = false;
  bool multi_dirty_ = false;
  std::vector<Argv> multi_queue_;
  std::vector<CommandRecord*> multi_records_;  // multi_queue_'s records
  struct Watched {
    std::uint64_t epoch = 0;
    std::string key;
    std::uint64_t version = 0;  // atlas::Store::key_version when the WATCH was evaluated
  };
  std::uint64_t watch_epoch_ = 1;  // see forget_watches()
  std::vector<Watched> watched_;   // of watch_epoch_ and older epochs (pruned lazily)
  bool monitoring_ = false;
  std::size_t monitor_held_bytes_ = 0;  // in slots' monitor_after

  std::deque<std::shared_ptr<Slot>> slots_;
  std::string out_;      // replies ready, not yet handed to the stream
  std::string writing_;  // the bytes of the write in flight
  bool write_in_flight_ = false;
  bool advancing_ = false;
  bool advance_posted_ = false;  // an advance_soon is posted
  bool advance_again_ = false;
};

}  // namespace helios::api
