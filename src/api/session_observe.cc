// Session: Redis's observability commands (CONFIG, SLOWLOG, LATENCY, MONITOR), subcommand
// resolution for containers, and what a transaction's reply counts for its commands. The
// views themselves are Observability's (observability.h). See session.h.

#include <chrono>

#include "api/args.h"
#include "api/command_table.h"
#include "api/info.h"
#include "api/server.h"
#include "api/session.h"
#include "resp/reply_parser.h"

namespace helios::api {

// A container's subcommand, as Redis 7 looks it up before running anything: unknown ->
// "unknown subcommand" (no command: INFO commandstats does not count it), wrong arity ->
// the subcommand's arity error (rejected). Otherwise its record becomes the command's.
const CommandSpec* Session::resolve_subcommand(const CommandSpec& container, const Argv& argv) {
  const CommandSpec* sub = find_subcommand(container, upper(argv[1]));
  if (sub == nullptr) {
    current_outcome_ = Outcome::kUncounted;
    push_error("ERR unknown subcommand '" + argv[1].substr(0, 128) + "'. Try " +
               std::string(container.name) + " HELP.");
    return nullptr;
  }
  current_record_ = &server_.command_record(sub);
  if (!arity_ok(*sub, argv.size())) {
    current_outcome_ = Outcome::kRejected;
    push_error(wrong_args(sub->name));
    return nullptr;
  }
  return sub;
}

// A view's reply, or the error line `write` returns instead ("" when it wrote the reply).
void Session::push_written_or_error(const std::function<std::string(resp::Writer&)>& write) {
  std::string out;
  resp::Writer w(out, protocol_);
  const std::string error = write(w);
  if (!error.empty()) {
    push_error(error);
    return;
  }
  push_done(std::move(out));
}

void Session::on_slowlog(Argv& argv) {
  push_written_or_error([&](resp::Writer& w) { return server_.observability().slowlog(argv, w); });
}

void Session::on_latency(Argv& argv) {
  push_written_or_error([&](resp::Writer& w) { return server_.observability().latency(argv, w); });
}

void Session::on_monitor(Argv&) {
  if (monitoring_) {
    return;  // as Redis: no reply at all
  }
  push_done("+OK\r\n").starts_monitor = true;
}

void Session::on_config_get(Argv& argv) {
  push_written([&](resp::Writer& w) { reply_config_get(server_, argv, w); });
}

void Session::on_config_resetstat(Argv&) {
  server_.reset_stats();
  push_written([](resp::Writer& w) { w.simple("OK"); });
}

void Session::on_config_set(Argv& argv) {
  if (argv.size() == 4 && upper(argv[2]) == "REQUIREPASS") {
    // The default user's password: an ACL change, replicated like ACL SETUSER
    // (api/acl_state.h), so every node asks for the same password.
    std::vector<Argv> commands;
    commands.push_back(Argv{"ACL", "REQUIREPASS", argv[3]});
    push_write(std::move(commands), false);
    return;
  }
  push_written_or_error([&](resp::Writer& w) {
    const std::string error = server_.observability().config_set(argv, config_file_parameters());
    if (error.empty()) {
      w.simple("OK");
    }
    return error;
  });
}

void Session::start_monitor() {
  if (!monitoring_ && !closed_) {
    monitoring_ = true;
    server_.add_monitor(shared_from_this());
  }
}

void Session::stop_monitor() {
  if (monitoring_) {
    monitoring_ = false;
    server_.remove_monitor(id_);
  }
}

void Session::send_monitor_line(const std::string& lines) {
  if (closed_) {
    return;
  }
  std::string text;
  if (mode_ == Mode::kJson) {
    for (std::size_t at = 0; at < lines.size();) {
      const std::size_t end = lines.find("\r\n", at) + 2;
      text += to_json(std::string_view(lines).substr(at, end - at));
      at = end;
    }
  }
  const std::string& out = mode_ == Mode::kJson ? text : lines;
  if (slots_.empty()) {
    out_ += out;
  } else {
    // Behind the replies still to come (this connection's own command among them).
    slots_.back()->monitor_after += out;
    monitor_held_bytes_ += out.size();
  }
  flush_output();
}

std::string Session::monitor_text(std::string_view name, const Argv& argv) const {
  if (current_record_->admin) {
    return "";
  }
  const std::int64_t unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  std::string text;
  if (name == "EXEC" && in_multi_ && !multi_dirty_) {
    for (std::size_t i = 0; i < multi_queue_.size(); ++i) {
      text += Observability::monitor_line(*multi_records_[i], multi_queue_[i], unix_us, remote_);
    }
  }
  return text + Observability::monitor_line(*current_record_, argv, unix_us, remote_);
}

// EXEC answered: its commands count as Redis counts them when EXEC runs them, each a call
// (failed if its element of the reply is an error, which errorstats counts too) with an
// equal share of the transaction's time (it applied as one log entry). An EXEC that did not
// answer an array (-TRYAGAIN, -UNCERTAIN...) counts nothing for them.
void Session::credit_transaction(const Slot& exec, std::uint64_t ns) {
  resp::ReplyParser parser;
  parser.feed(exec.reply);
  resp::Value v;
  if (parser.next(v) != resp::ParseStatus::kRequest || v.type != resp::Value::Type::kArray ||
      v.elements.size() != exec.queued.size()) {
    return;
  }
  const std::uint64_t share = ns / exec.queued.size();
  for (std::size_t i = 0; i < exec.queued.size(); ++i) {
    const bool failed = v.elements[i].type == resp::Value::Type::kError;
    if (failed) {
      server_.note_error_line(v.elements[i].str);
    }
    exec.queued[i]->stats.record_call(share, failed);
  }
}

}  // namespace helios::api
