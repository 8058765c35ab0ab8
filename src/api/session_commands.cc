// Session: the commands the connection answers itself (PING, HELLO, CLIENT, COMMAND, INFO,
// SELECT, READONLY, BGSAVE, LASTSAVE...): the handlers of their rows (session_rows.cc).
// See session.h.

#include <chrono>

#include "api/args.h"
#include "api/command_table.h"
#include "api/info.h"
#include "api/server.h"
#include "api/session.h"
#include "atlas/integer.h"

namespace helios::api {

namespace {

// Redis's SAVE blocks the server while it writes; Helios never does.
constexpr std::string_view kErrSave =
    "ERR SAVE is not supported: Helios takes snapshots in the background; use BGSAVE (and "
    "LASTSAVE or INFO persistence to see when it is done)";

}  // namespace

void Session::on_ping(Argv& argv) {
  if (argv.size() > 2) {
    push_error(wrong_args("PING"));
    return;
  }
  push_written([&](resp::Writer& w) { argv.size() == 2 ? w.bulk(argv[1]) : w.simple("PONG"); });
}

void Session::on_echo(Argv& argv) {
  push_written([&](resp::Writer& w) { w.bulk(argv[1]); });
}

void Session::on_quit(Argv&) {
  close_after_flush_ = true;
  push_written([](resp::Writer& w) { w.simple("OK"); });
}

void Session::on_reset(Argv&) {
  in_multi_ = false;
  multi_dirty_ = false;
  multi_queue_.clear();
  multi_records_.clear();
  forget_watches();
  stop_monitor();
  readonly_ = false;
  protocol_ = 2;
  name_.clear();
  user_ = "default";
  authenticated_ = !server_.acl().auth_required(server_.store());
  push_written([](resp::Writer& w) { w.simple("RESET"); });
}

void Session::on_select(Argv& argv) {
  const std::optional<std::int64_t> db = atlas::parse_int64(argv[1]);
  if (!db.has_value()) {
    push_error(kErrNotInteger);
    return;
  }
  if (*db != 0) {
    push_error("ERR DB index is out of range");
    return;
  }
  push_written([](resp::Writer& w) { w.simple("OK"); });
}

void Session::on_info(Argv& argv) {
  push_written([&](resp::Writer& w) { w.verbatim(info_text(server_, argv)); });
}

void Session::on_time(Argv&) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  push_written([us](resp::Writer& w) {
    w.array(2);
    w.bulk(std::to_string(us / 1000000));
    w.bulk(std::to_string(us % 1000000));
  });
}

void Session::on_wait(Argv& argv) {
  const std::optional<std::int64_t> n = atlas::parse_int64(argv[1]);
  const std::optional<std::int64_t> t = atlas::parse_int64(argv[2]);
  if (!n.has_value() || !t.has_value()) {
    push_error(kErrNotInteger);
    return;
  }
  if (*t < 0) {
    push_error("ERR timeout is negative");
    return;
  }
  push_written([this](resp::Writer& w) { w.integer(replicas_holding_writes(server_)); });
}

// A snapshot of this node (never forwarded), taken in the background. As in Redis,
// "started" also when there is nothing new to save (then nothing is written). Like INFO it
// acts when it arrives: a write of this connection still unanswered may be left to the next
// snapshot.
void Session::on_bgsave(Argv& argv) {
  const bool schedule = argv.size() == 2 && upper(argv[1]) == "SCHEDULE";
  if (argv.size() > 2 || (argv.size() == 2 && !schedule)) {
    push_error(kErrSyntax);
    return;
  }
  node::ClientHost& host = server_.host();
  if (host.node().snapshotting()) {
    if (!schedule) {
      push_error("ERR Background save already in progress");
      return;
    }
    // Helios queues nothing: the snapshot under way covers every write applied when it
    // started, and the snapshot policy (or another BGSAVE) takes the next one.
    push_written([](resp::Writer& w) { w.simple("Background saving scheduled"); });
  } else if (const Status started = host.request_snapshot(); !started.is_ok()) {
    push_error("ERR " + started.message());
  } else {
    push_written([](resp::Writer& w) { w.simple("Background saving started"); });
  }
}

void Session::on_save(Argv&) {
  push_error(kErrSave);
}

void Session::on_lastsave(Argv&) {
  push_written([this](resp::Writer& w) { w.integer(server_.host().last_save_unix_s()); });
}

void Session::on_readonly(Argv&) {
  readonly_ = true;
  push_written([](resp::Writer& w) { w.simple("OK"); });
}

void Session::on_readwrite(Argv&) {
  readonly_ = false;
  push_written([](resp::Writer& w) { w.simple("OK"); });
}

void Session::on_hello(Argv& argv) {
  int protocol = protocol_;
  std::size_t i = 1;
  if (argv.size() >= 2) {
    const std::optional<std::int64_t> v = atlas::parse_int64(argv[1]);
    if (!v.has_value()) {
      push_error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (*v != 2 && *v != 3) {
      push_error("NOPROTO unsupported protocol version");
      return;
    }
    protocol = static_cast<int>(*v);
    i = 2;
  }
  std::string name = name_;
  for (; i < argv.size(); ++i) {
    const std::string opt = upper(argv[i]);
    if (opt == "AUTH" && i + 2 < argv.size()) {
      if (!authenticate(argv[0], argv[i + 1], argv[i + 2])) {
        current_outcome_ = Outcome::kRejected;
        push_error("WRONGPASS invalid username-password pair or user is disabled.");
        return;
      }
      i += 2;
    } else if (opt == "SETNAME" && i + 1 < argv.size()) {
      name = argv[++i];
    } else {
      push_error("ERR Syntax error in HELLO option '" + argv[i] + "'");
      return;
    }
  }
  if (!authenticated_ && server_.acl().auth_required(server_.store())) {
    push_error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
    return;
  }
  protocol_ = protocol;
  name_ = name;
  std::string out;
  resp::Writer w(out, protocol_);
  w.map(7);
  w.bulk("server");
  w.bulk("redis");
  w.bulk("version");
  w.bulk(kRedisCompatVersion);
  w.bulk("proto");
  w.integer(protocol_);
  w.bulk("id");
  w.integer(static_cast<std::int64_t>(id_));
  w.bulk("mode");
  w.bulk("standalone");
  w.bulk("role");
  w.bulk(server_.is_follower() ? "replica" : "master");
  w.bulk("modules");
  w.array(0);
  push_done(std::move(out));
}

// CLIENT's and COMMAND's subcommands: their arity was checked (resolve_subcommand).

void Session::on_client_setname(Argv& argv) {
  for (char c : argv[2]) {
    if (c < '!' || c > '~') {
      push_error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
  }
  name_ = argv[2];
  push_written([](resp::Writer& w) { w.simple("OK"); });
}

void Session::on_client_getname(Argv&) {
  push_written([this](resp::Writer& w) { name_.empty() ? w.null() : w.bulk(name_); });
}

void Session::on_client_id(Argv&) {
  push_written([this](resp::Writer& w) { w.integer(static_cast<std::int64_t>(id_)); });
}

void Session::on_client_info(Argv&) {
  push_written([this](resp::Writer& w) { w.verbatim(describe() + "\n"); });
}

void Session::on_client_list(Argv&) {
  push_written([this](resp::Writer& w) { w.verbatim(server_.client_list()); });
}

void Session::on_client_ok(Argv&) {
  push_written([](resp::Writer& w) { w.simple("OK"); });
}

void Session::on_command(Argv&) {
  push_written([](resp::Writer& w) {
    w.array(all_commands().size());
    for (const CommandSpec& spec : all_commands()) {
      write_command_info(spec, w);
    }
  });
}

void Session::on_command_count(Argv&) {
  push_written(
      [](resp::Writer& w) { w.integer(static_cast<std::int64_t>(all_commands().size())); });
}

void Session::on_command_list(Argv&) {
  push_written([](resp::Writer& w) {
    w.array(all_commands().size());
    for (const CommandSpec& spec : all_commands()) {
      w.bulk(lower(spec.name));
    }
  });
}

void Session::on_command_info(Argv& argv) {
  push_written([&](resp::Writer& w) {
    const std::size_t n = argv.size() == 2 ? all_commands().size() : argv.size() - 2;
    w.array(n);
    for (std::size_t i = 0; i < n; ++i) {
      const CommandSpec* spec =
          argv.size() == 2 ? &all_commands()[i] : find_command_or_subcommand(upper(argv[i + 2]));
      spec != nullptr ? write_command_info(*spec, w) : w.null_array();
    }
  });
}

void Session::on_command_docs(Argv& argv) {
  std::vector<const CommandSpec*> specs;
  if (argv.size() == 2) {
    for (const CommandSpec& spec : all_commands()) {
      specs.push_back(&spec);
    }
  } else {
    for (std::size_t i = 2; i < argv.size(); ++i) {
      if (const CommandSpec* spec = find_command_or_subcommand(upper(argv[i]))) {
        specs.push_back(spec);
      }
    }
  }
  push_written([&](resp::Writer& w) {
    w.map(specs.size());
    for (const CommandSpec* spec : specs) {
      w.bulk(lower(spec->name));
      write_command_docs(*spec, w);
    }
  });
}

}  // namespace helios::api
