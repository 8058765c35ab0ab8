#include "api/session.h"

#include <charconv>
#include <chrono>

#include "api/args.h"
#include "api/command_table.h"
#include "api/json_lines.h"
#include "api/server.h"
#include "atlas/integer.h"
#include "resp/reply_parser.h"

namespace helios::api {

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// Requests in flight on one connection before reading pauses (pipelining is bounded here).
constexpr std::size_t kMaxSlots = 4096;

}  // namespace

std::int64_t Session::wall_ms() const {
  return server_.wall_ms();
}

namespace {

// Redis: "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string unknown_command(const Argv& argv) {
  std::string line =
      "ERR unknown command '" + argv[0].substr(0, 128) + "', with args beginning with: ";
  for (std::size_t i = 1; i < argv.size() && line.size() < 256; ++i) {
    line += "'" + argv[i].substr(0, 128) + "' ";
  }
  return line;
}

}  // namespace

Session::Session(Server& server, std::unique_ptr<ClientStream> stream, std::uint64_t id)
    : server_(server),
      stream_(std::move(stream)),
      id_(id),
      remote_(stream_->remote()),
      local_(stream_->local()),
      parser_(server.parser_limits()),
      read_buffer_(kReadChunk) {
  created_ms_ = wall_ms();
  last_interaction_ms_ = created_ms_;
  authenticated_ = !server.acl().auth_required(server.store());
}

void Session::start() {
  stream_->async_handshake(
      [self = shared_from_this()](const std::error_code& ec, const std::string& why) {
        self->on_tls_handshake(ec, why);
      });
}

void Session::on_tls_handshake(const std::error_code& ec, const std::string& why) {
  if (closed_) {
    return;
  }
  if (ec) {
    server_.note_refused(remote_, "TLS handshake failed: " + (why.empty() ? ec.message() : why));
    close();
    return;
  }
  read_more();
}

std::string Session::expired(std::int64_t now_ms) const {
  const node::ClientConfig& c = server_.config().client;
  if (!seen_command_ && now_ms - created_ms_ > static_cast<std::int64_t>(c.handshake_timeout_ms)) {
    return std::string(stream_->is_tls() ? "no TLS handshake and command" : "no command") +
           " within handshake_timeout (" + std::to_string(c.handshake_timeout_ms) + " ms)";
  }
  if (c.idle_timeout_ms != 0 && seen_command_ && !monitoring_ &&
      ((slots_.empty() && !write_in_flight_ && out_.empty()) || server_.bug_idle_closes_busy()) &&
      now_ms - last_interaction_ms_ > static_cast<std::int64_t>(c.idle_timeout_ms)) {
    return "idle for longer than timeout (" + std::to_string(c.idle_timeout_ms) + " ms)";
  }
  return "";
}

void Session::close() {
  if (closed_) {
    return;
  }
  const std::shared_ptr<Session> self = shared_from_this();  // on_closed drops the server's
  closed_ = true;
  stream_->close();
  slots_.clear();
  stop_monitor();
  server_.on_closed(id_);
}

std::string Session::describe() const {
  const std::int64_t now = wall_ms();
  const std::size_t omem = out_.size() + writing_.size();
  // The fields and order of Redis 7's CLIENT LIST (client libraries parse them all).
  return "id=" + std::to_string(id_) + " addr=" + remote_ + " laddr=" + local_ +
         " fd=0 name=" + name_ + " age=" + std::to_string((now - created_ms_) / 1000) +
         " idle=" + std::to_string((now - last_interaction_ms_) / 1000) +
         " flags=" + (readonly_ ? "r" : "N") + " db=0 sub=0 psub=0 ssub=0 multi=" +
         (in_multi_ ? std::to_string(multi_queue_.size()) : "-1") +
         " qbuf=" + std::to_string(parser_.buffered()) + " qbuf-free=0 argv-mem=0" +
         " multi-mem=0 rbs=16384 rbp=0 obl=0 oll=" + std::to_string(slots_.size()) +
         " omem=" + std::to_string(omem) + " tot-mem=" + std::to_string(omem) +
         " events=r cmd=" + last_command_ + " user=" + user_ +
         " redir=-1 resp=" + std::to_string(protocol_) +
         " proto=" + (mode_ == Mode::kJson ? "json" : "resp");
}

void Session::read_more() {
  if (closed_ || reading_ || close_after_flush_ || slots_.size() >= kMaxSlots) {
    return;
  }
  if (input_paused_) {
    // Requests already received wait in the buffer (the slots ran out while they were
    // taken): take them before reading more, or a client that sent its last requests
    // would wait for them forever. Posted: read_more runs inside advance() and reply
    // callbacks, which must not see new slots appear under them.
    if (!resume_posted_) {
      resume_posted_ = true;
      server_.host().loop().post([self = shared_from_this()]() { self->resume_input(); });
    }
    return;
  }
  reading_ = true;
  // RESP is read straight into the parser's buffer (a request's bytes are not copied on
  // their way to its arguments); the first read, and JSON lines, into read_buffer_.
  char* into = mode_ == Mode::kResp ? parser_.prepare(kReadChunk) : read_buffer_.data();
  const std::size_t size = mode_ == Mode::kResp ? kReadChunk : read_buffer_.size();
  stream_->async_read_some(into, size,
                           [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                             self->on_read(ec, n);
                           });
}

void Session::on_read(const std::error_code& ec, std::size_t n) {
  reading_ = false;
  if (mode_ == Mode::kResp) {
    parser_.commit(ec ? 0 : n);
  }
  if (closed_) {
    return;
  }
  if (ec) {
    close();
    return;
  }
  if (mode_ == Mode::kResp) {
    handle_resp_requests();
  } else {
    handle_input(std::string_view(read_buffer_.data(), n));
  }
  if (!closed_) {
    advance();
    read_more();
  }
}

void Session::resume_input() {
  resume_posted_ = false;
  if (closed_ || !input_paused_ || slots_.size() >= kMaxSlots) {
    return;
  }
  input_paused_ = false;
  if (mode_ == Mode::kJson) {
    handle_json_requests();
  } else {
    handle_resp_requests();
  }
  if (!closed_) {
    advance();
    read_more();
  }
}

void Session::handle_input(std::string_view bytes) {
  if (bytes.empty()) {
    return;
  }
  if (mode_ == Mode::kUnknown) {
    mode_ = bytes[0] == '{' ? Mode::kJson : Mode::kResp;
  }
  if (mode_ == Mode::kJson) {
    json_buffer_.append(bytes);
    handle_json_requests();
  } else {
    parser_.feed(bytes);
    std::vector<char>().swap(read_buffer_);  // (bytes are in it) later reads go to the parser
    handle_resp_requests();
  }
}

void Session::handle_resp_requests() {
  Argv argv;
  while (!close_after_flush_ && slots_.size() < kMaxSlots) {
    const resp::ParseStatus s = parser_.next(argv);
    if (s == resp::ParseStatus::kNeedMore) {
      return;
    }
    if (s == resp::ParseStatus::kError) {
      push_error("ERR " + parser_.error());
      close_after_flush_ = true;
      return;
    }
    on_request(argv);
    current_record_ = nullptr;  // errors outside a command (the parser's) count no command
  }
  input_paused_ = !close_after_flush_;  // the slots ran out: resume_input takes the rest
}

void Session::handle_json_requests() {
  const std::size_t max_line = server_.parser_limits().max_request_bytes;
  while (!close_after_flush_ && slots_.size() < kMaxSlots) {
    // Search only the bytes not searched before: a long line arriving in many reads is
    // scanned once, not once per read.
    const std::size_t nl = json_buffer_.find('\n', json_scanned_);
    if (nl == std::string::npos) {
      json_scanned_ = json_buffer_.size();
      if (json_buffer_.size() > max_line) {
        push_error("ERR Protocol error: JSON request line too long");
        close_after_flush_ = true;
      }
      return;
    }
    const std::string line = json_buffer_.substr(0, nl);
    json_buffer_.erase(0, nl + 1);
    json_scanned_ = 0;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    Result<Argv> argv = json_line_to_argv(line);
    if (!argv.is_ok()) {
      push_error("ERR " + argv.status().message());
      continue;
    }
    on_request(argv.value());
    current_record_ = nullptr;
  }
  input_paused_ = !close_after_flush_;  // the slots ran out: resume_input takes the rest
}

void Session::on_request(Argv& argv) {
  current_arrived_ = server_.host().loop().now();
  ++commands_;
  server_.note_command();
  last_interaction_ms_ = wall_ms();
  seen_command_ = true;
  const std::string name = upper(argv[0]);
  last_command_ = lower(name.substr(0, 32));
  const CommandSpec* spec = find_command(name);
  current_record_ = &server_.command_record(spec);
  current_outcome_ = spec == nullptr ? Outcome::kUncounted : Outcome::kCall;
  if (in_multi_ && (spec == nullptr || spec->in_multi != InMulti::kRun)) {
    queue_in_multi(name, spec, argv);
    return;
  }
  if (spec == nullptr) {
    push_error(unknown_command(argv));
    return;
  }
  if (!arity_ok(*spec, argv.size())) {
    current_outcome_ = Outcome::kRejected;
    push_error(wrong_args(name));
    return;
  }
  const CommandSpec* sub = nullptr;
  if (!spec->subcommands.empty() && argv.size() >= 2) {
    sub = resolve_subcommand(*spec, argv);
    if (sub == nullptr) {
      return;
    }
  }
  if (!admit(*spec, argv, false)) {
    return;
  }
  if (monitoring_ && current_record_->keyspace) {
    current_outcome_ = Outcome::kRejected;  // a monitor is a replica to Redis
    push_error("ERR Replica can't interact with the keyspace");
    return;
  }
  // MONITOR's lines, made now (the command may take its arguments) and sent once it ran, as
  // Redis does (a monitor's own command: after its reply; RESET: not to itself).
  const std::string monitor_lines = server_.has_monitors() ? monitor_text(name, argv) : "";
  if (!current_record_->skip_slowlog && server_.observability().slowlog_on()) {
    current_logged_.capture(*current_record_, argv);
  }
  // The row's function: the subcommand's handler, else the command's; a data command's
  // planner (on_data).
  const Handler handle = sub != nullptr && sub->handle != nullptr ? sub->handle : spec->handle;
  if (handle != nullptr) {
    (this->*handle)(argv);
  } else {
    on_data(*spec, argv);
  }
  current_logged_.clear();
  if (!monitor_lines.empty()) {
    server_.feed_monitors(monitor_lines);
  }
}

void Session::queue_in_multi(std::string_view name, const CommandSpec* spec, Argv& argv) {
  if (spec == nullptr) {
    multi_dirty_ = true;
    push_error(unknown_command(argv));
    return;
  }
  current_outcome_ = Outcome::kRejected;  // unless queued
  if (!arity_ok(*spec, argv.size())) {
    multi_dirty_ = true;
    push_error(wrong_args(name));
  } else if (!admit(*spec, argv, true)) {
    multi_dirty_ = true;
  } else if (spec->in_multi == InMulti::kDenyBlocking) {
    // Redis queues it and EXEC answers this for it; the rest of the transaction runs.
    push_error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  } else if (spec->kind != Kind::kData) {
    multi_dirty_ = true;
    push_error(
        "ERR Command not allowed inside a transaction (Helios runs only data commands "
        "in MULTI)");
  } else {
    // Redis counts (and shows MONITOR) a queued command when EXEC runs it.
    current_outcome_ = Outcome::kUncounted;
    multi_queue_.push_back(std::move(argv));
    multi_records_.push_back(current_record_);
    push_done("+QUEUED\r\n");
  }
}

void Session::on_multi(Argv&) {
  if (in_multi_) {
    push_error("ERR MULTI calls can not be nested");
    return;
  }
  in_multi_ = true;
  multi_dirty_ = false;
  multi_queue_.clear();
  multi_records_.clear();
  push_done("+OK\r\n");
}

void Session::on_exec(Argv&) {
  end_multi(true);
}

void Session::on_discard(Argv&) {
  end_multi(false);
}

void Session::end_multi(bool exec) {
  if (!in_multi_) {
    push_error(exec ? "ERR EXEC without MULTI" : "ERR DISCARD without MULTI");
    return;
  }
  in_multi_ = false;
  std::vector<Argv> queued = std::move(multi_queue_);
  std::vector<CommandRecord*> records = std::move(multi_records_);
  multi_queue_.clear();
  multi_records_.clear();
  const std::uint64_t watch_epoch = forget_watches();  // EXEC and DISCARD unwatch everything
  if (!exec) {
    push_done("+OK\r\n");
  } else if (multi_dirty_) {
    push_error("EXECABORT Transaction discarded because of previous errors.");
  } else {
    // Even an empty transaction checks its watched keys (session_watch.cc, start_write).
    Slot& slot = push_write(std::move(queued), true);
    slot.queued = std::move(records);
    slot.watch_epoch = watch_epoch;
  }
}

std::shared_ptr<Session::Slot> Session::new_slot() {
  auto slot = std::make_shared<Slot>();
  slot->record = current_record_;
  slot->outcome = current_outcome_;
  slot->arrived = current_arrived_;
  slot->logged = std::move(current_logged_);
  current_logged_.clear();
  return slot;
}

Session::Slot& Session::push_done(std::string reply) {
  auto slot = new_slot();
  slot->state = Slot::State::kDone;
  slot->reply = std::move(reply);
  slots_.push_back(slot);
  return *slot;
}

Session::Slot& Session::push_error(std::string_view line) {
  std::string out;
  resp::Writer w(out, protocol_);
  w.error(line);
  return push_done(std::move(out));
}

Session::Slot& Session::push_write(std::vector<Argv> commands, bool exec) {
  auto slot = new_slot();
  slot->state = Slot::State::kWaitIssue;
  slot->write = true;
  slot->commands = std::move(commands);
  slot->exec = exec;
  slots_.push_back(slot);
  // advance() sends it as soon as no read of this connection before it is unanswered.
  return *slot;
}

void Session::start_write(const std::shared_ptr<Slot>& slot) {
  if (slot->exec && !add_watch_guard(*slot)) {
    slot->reply = "*0\r\n";  // an empty transaction, nothing watched
    slot->state = Slot::State::kDone;
    return;
  }
  slot->state = Slot::State::kPending;
  // An ACL change (ACL SETUSER..., CONFIG SET requirepass) is answered only once this node
  // applied it too (a read barrier after the write): a client that gets OK from a follower
  // and then AUTHs there must find the new users.
  const bool acl_change =
      !slot->exec && !slot->commands.empty() && upper(slot->commands.front().front()) == "ACL";
  auto deliver = [self = shared_from_this(), slot](std::string reply) {
    if (self->closed_) {
      return;
    }
    slot->reply = std::move(reply);
    slot->state = Slot::State::kDone;
    self->advance_soon();
  };
  server_.executor().write(
      std::move(slot->commands), slot->exec, protocol_,
      [self = shared_from_this(), acl_change, deliver](std::string reply) {
        if (!acl_change || self->closed_) {
          deliver(std::move(reply));
          return;
        }
        self->server_.executor().barrier([deliver, reply = std::move(reply)](
                                             const Status&, const std::string&,
                                             std::uint64_t) mutable { deliver(std::move(reply)); });
      });
}

std::uint64_t Session::read_time(const Slot& slot) const {
  if (slot.read_ms == 0 || server_.bug_ttl_local_clock()) {
    return static_cast<std::uint64_t>(wall_ms());
  }
  return std::max(slot.read_ms, server_.machine().last_stamp_ms());
}

void Session::push_read(std::function<void(resp::Writer&, std::uint64_t at)> evaluate) {
  auto slot = new_slot();
  slot->evaluate = std::move(evaluate);
  slot->state = Slot::State::kWaitIssue;
  slots_.push_back(slot);
  // advance() issues it as soon as no write of this connection before it is unanswered.
}

void Session::issue(const std::shared_ptr<Slot>& keep) {
  if (readonly_) {
    keep->state = Slot::State::kReady;  // a stale local read: no barrier
    return;
  }
  keep->state = Slot::State::kPending;
  server_.executor().barrier([self = shared_from_this(), keep](const Status& status,
                                                               const std::string& error_line,
                                                               std::uint64_t read_ms) {
    if (self->closed_) {
      return;
    }
    if (status.is_ok()) {
      keep->state = Slot::State::kReady;
      keep->read_ms = read_ms;
    } else {
      std::string out;
      resp::Writer w(out, self->protocol_);
      w.error(error_line);
      keep->reply = std::move(out);
      keep->state = Slot::State::kDone;
    }
    self->advance_soon();
  });
}

void Session::advance_soon() {
  // The replies of a batch's writes (or a round's reads) arrive in one turn of the loop:
  // one pass over the slots for all of them, not one each. With 4,096 requests in flight a
  // pass per reply was quadratic, and a pipe of writes held the loop past the election
  // timeout (the followers elected another leader).
  if (advance_posted_) {
    return;
  }
  advance_posted_ = true;
  server_.host().loop().post([self = shared_from_this()]() {
    self->advance_posted_ = false;
    if (self->closed_) {
      return;
    }
    self->advance();
    self->read_more();
  });
}

void Session::advance() {
  // A write or read may complete inside start_write/issue (an error answered at once) and
  // call advance() again: run the loop again instead of nesting, which would change slots_
  // under the loop.
  if (advancing_) {
    advance_again_ = true;
    return;
  }
  advancing_ = true;
  bool popped = false;
  do {
    advance_again_ = false;
    // Evaluating the head may unblock what waited for it (a write behind a read): go again.
    popped = advance_once();
  } while ((advance_again_ || popped) && !closed_);
  advancing_ = false;
  flush_output();
}

bool Session::advance_once() {
  // Start what may start, in request order: a read once no earlier write is unanswered
  // (it must see them), a write once no earlier read is unanswered (they must not see it).
  // Reads behind reads, and writes behind writes, start at once: the log keeps the writes'
  // order, and reads are evaluated in order at the head of the queue.
  bool write_ahead = false;
  bool read_ahead = false;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const std::shared_ptr<Slot> s = slots_[i];
    if (s->state == Slot::State::kWaitIssue) {
      if (s->write ? read_ahead : write_ahead && !server_.bug_read_skips_write()) {
        break;
      }
      if (s->blocked != nullptr) {
        start_blocked(s);
      } else {
        s->write ? start_write(s) : issue(s);
      }
    }
    if (s->state != Slot::State::kDone) {
      if (s->blocked != nullptr) {
        break;  // as in Redis, a blocked client runs nothing else until it is answered
      }
      (s->write ? write_ahead : read_ahead) = true;
    }
  }
  bool popped = false;
  while (!slots_.empty()) {
    Slot& head = *slots_.front();
    if (head.state == Slot::State::kReady) {
      std::string out;
      resp::Writer w(out, protocol_);
      const std::uint64_t at = read_time(head);
      stream_->note_read_time(at);
      head.evaluate(w, at);
      head.reply = std::move(out);
      head.state = Slot::State::kDone;
    }
    if (head.state != Slot::State::kDone) {
      break;
    }
    record(head);
    if (mode_ == Mode::kJson) {
      out_ += to_json(head.reply);
    } else {
      out_ += head.reply;
    }
    if (!head.monitor_after.empty()) {
      out_ += head.monitor_after;
      monitor_held_bytes_ -= head.monitor_after.size();
    }
    if (head.starts_monitor) {
      start_monitor();
    }
    slots_.pop_front();
    popped = true;
  }
  return popped;
}

void Session::record(Slot& slot) {
  const bool error =
      !slot.reply.empty() && (slot.reply.front() == '-' || slot.reply.front() == '!');
  const std::string_view code = error ? server_.note_error_reply(slot.reply) : std::string_view();
  if (slot.record == nullptr) {
    return;
  }
  const env::Loop::Clock::duration took = server_.host().loop().now() - slot.arrived;
  slot.record->series->calls.Increment();
  slot.record->series->duration.Observe(std::chrono::duration<double>(took).count());
  const auto ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
  server_.observability().finished(
      FinishedCommand{slot.record, slot.outcome, ns, code, &slot.logged, &remote_, &name_});
  if (!slot.queued.empty()) {
    credit_transaction(slot, ns);
  }
}

std::string Session::to_json(std::string_view resp_reply) const {
  resp::ReplyParser parser;
  parser.feed(resp_reply);
  resp::Value v;
  if (parser.next(v) != resp::ParseStatus::kRequest) {
    return "{\"ok\":false,\"error\":\"internal: unparsable reply\"}\n";
  }
  return value_to_json_line(v);
}

void Session::flush_output() {
  if (closed_) {
    return;
  }
  const std::uint64_t limit =
      monitoring_ ? std::min<std::uint64_t>(server_.config().client.max_output_bytes,
                                            kMaxMonitorOutputBytes)
                  : server_.config().client.max_output_bytes;
  if (out_.size() + writing_.size() + monitor_held_bytes_ > limit) {
    server_.note_output_overflow(remote_);
    close();
    return;
  }
  if (write_in_flight_ || out_.empty()) {
    if (!write_in_flight_ && close_after_flush_ && slots_.empty()) {
      close();
    }
    return;
  }
  writing_.swap(out_);
  out_.clear();
  write_in_flight_ = true;
  stream_->async_write(writing_,
                       [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                         self->on_written(ec);
                       });
}

void Session::on_written(const std::error_code& ec) {
  write_in_flight_ = false;
  writing_.clear();
  if (closed_) {
    return;
  }
  last_interaction_ms_ = wall_ms();
  if (ec) {
    close();
    return;
  }
  flush_output();
  read_more();
}

}  // namespace helios::api
