// Session: the commands the connection answers itself (PING, HELLO, CLIENT, COMMAND, INFO,
// CONFIG, SELECT, READONLY, BGSAVE, LASTSAVE...), and DEBUG. See session.h.

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

void Session::on_connection(std::string_view name, Argv& argv) {
  std::string out;
  resp::Writer w(out, protocol_);
  if (name == "PING") {
    if (argv.size() > 2) {
      push_error(wrong_args(name));
      return;
    }
    argv.size() == 2 ? w.bulk(argv[1]) : w.simple("PONG");
  } else if (name == "ECHO") {
    w.bulk(argv[1]);
  } else if (name == "HELLO") {
    on_hello(argv);
    return;
  } else if (name == "QUIT") {
    w.simple("OK");
    close_after_flush_ = true;
  } else if (name == "RESET") {
    in_multi_ = false;
    multi_dirty_ = false;
    multi_queue_.clear();
    multi_records_.clear();
    stop_monitor();
    readonly_ = false;
    protocol_ = 2;
    name_.clear();
    user_ = "default";
    authenticated_ = !server_.acl().auth_required(server_.store());
    w.simple("RESET");
  } else if (name == "SELECT") {
    const std::optional<std::int64_t> db = atlas::parse_int64(argv[1]);
    if (!db.has_value()) {
      push_error(kErrNotInteger);
      return;
    }
    if (*db != 0) {
      push_error("ERR DB index is out of range");
      return;
    }
    w.simple("OK");
  } else if (name == "AUTH") {
    on_auth(argv);
    return;
  } else if (name == "ACL") {
    on_acl(argv);
    return;
  } else if (name == "COMMAND") {
    on_command(argv);
    return;
  } else if (name == "CLIENT") {
    on_client(argv);
    return;
  } else if (name == "CONFIG" || name == "SLOWLOG" || name == "LATENCY" || name == "MONITOR") {
    on_observe(name, argv);
    return;
  } else if (name == "INFO") {
    w.verbatim(info_text(server_, argv));
  } else if (name == "TIME") {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    w.array(2);
    w.bulk(std::to_string(us / 1000000));
    w.bulk(std::to_string(us % 1000000));
  } else if (name == "WAIT") {
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
    w.integer(replicas_holding_writes(server_));
  } else if (name == "BGSAVE") {
    // A snapshot of this node (never forwarded), taken in the background. As in Redis,
    // "started" also when there is nothing new to save (then nothing is written). Like INFO
    // it acts when it arrives: a write of this connection still unanswered may be left to
    // the next snapshot.
    const bool schedule = argv.size() == 2 && upper(argv[1]) == "SCHEDULE";
    if (argv.size() > 2 || (argv.size() == 2 && !schedule)) {
      push_error(kErrSyntax);
      return;
    }
    node::Runtime& runtime = server_.runtime();
    if (runtime.node().snapshotting()) {
      if (!schedule) {
        push_error("ERR Background save already in progress");
        return;
      }
      // Helios queues nothing: the snapshot under way covers every write applied when it
      // started, and the snapshot policy (or another BGSAVE) takes the next one.
      w.simple("Background saving scheduled");
    } else if (const Status started = runtime.request_snapshot(); !started.is_ok()) {
      push_error("ERR " + started.message());
      return;
    } else {
      w.simple("Background saving started");
    }
  } else if (name == "SAVE") {
    push_error(kErrSave);
    return;
  } else if (name == "LASTSAVE") {
    w.integer(server_.runtime().last_save_unix_s());
  } else if (name == "READONLY") {
    readonly_ = true;
    w.simple("OK");
  } else if (name == "READWRITE") {
    readonly_ = false;
    w.simple("OK");
  } else {
    push_error("ERR unknown command '" + argv[0] + "'");
    return;
  }
  push_done(std::move(out));
}

// DEBUG DIGEST and DEBUG DIGEST-VALUE key...: reads of the store (atlas/digest.h), served
// like GET, after a read barrier (at once with READONLY), evaluated in request order. As in
// Redis, the digests are status replies of 40 lowercase hex digits (DIGEST-VALUE: an array
// of them, 40 zeros for a key without an item); both count items expired but not yet
// removed, since they describe the applied state. Other subcommands, and DIGEST with
// arguments, get Redis's error for DEBUG.
void Session::on_debug(const Argv& argv) {
  const std::string sub = upper(argv[1]);
  if (sub == "DIGEST" && argv.size() == 2) {
    push_read([this](resp::Writer& w) { w.simple(server_.store().digest_hex()); });
  } else if (sub == "DIGEST-VALUE") {
    push_read([this, keys = Argv(argv.begin() + 2, argv.end())](resp::Writer& w) {
      w.array(keys.size());
      for (const std::string& key : keys) {
        w.simple(server_.store().item_digest_hex(key));
      }
    });
  } else if (sub == "HELP" && argv.size() == 2) {
    static constexpr std::string_view kHelp[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DIGEST",
        "    Output a hex signature representing the current DB content (every item's key,",
        "    value and deadline, items expired but not yet removed included).",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of each given key's item (40 zeros if there is none).",
        "HELP",
        "    Print this help.",
    };
    std::string out;
    resp::Writer w(out, protocol_);
    w.array(std::size(kHelp));
    for (const std::string_view line : kHelp) {
      w.simple(line);
    }
    push_done(std::move(out));
  } else {
    push_error("ERR unknown subcommand or wrong number of arguments for '" +
               argv[1].substr(0, 128) + "'. Try DEBUG HELP.");
  }
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

void Session::on_client(Argv& argv) {
  const std::string sub = upper(argv[1]);
  std::string out;
  resp::Writer w(out, protocol_);
  if (sub == "SETNAME" && argv.size() == 3) {
    for (char c : argv[2]) {
      if (c < '!' || c > '~') {
        push_error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
    }
    name_ = argv[2];
    w.simple("OK");
  } else if (sub == "GETNAME" && argv.size() == 2) {
    name_.empty() ? w.null() : w.bulk(name_);
  } else if (sub == "ID" && argv.size() == 2) {
    w.integer(static_cast<std::int64_t>(id_));
  } else if (sub == "INFO" && argv.size() == 2) {
    w.verbatim(describe() + "\n");
  } else if (sub == "LIST") {
    w.verbatim(server_.client_list());
  } else if ((sub == "SETINFO" && argv.size() == 4) || sub == "NO-EVICT" || sub == "NO-TOUCH") {
    w.simple("OK");
  } else {
    static const char* kKnown[] = {"SETNAME", "GETNAME", "ID",       "INFO",
                                   "LIST",    "SETINFO", "NO-EVICT", "NO-TOUCH"};
    bool known = false;
    for (const char* k : kKnown) {
      known = known || sub == k;
    }
    push_error(known ? wrong_args("client|" + lower(sub))
                     : "ERR unknown subcommand '" + argv[1] + "'. Try CLIENT HELP.");
    return;
  }
  push_done(std::move(out));
}

void Session::on_command(Argv& argv) {
  std::string out;
  resp::Writer w(out, protocol_);
  const std::string sub = argv.size() >= 2 ? upper(argv[1]) : "";
  if (argv.size() == 1) {
    w.array(all_commands().size());
    for (const CommandSpec& spec : all_commands()) {
      write_command_info(spec, w);
    }
  } else if (sub == "COUNT" && argv.size() == 2) {
    w.integer(static_cast<std::int64_t>(all_commands().size()));
  } else if (sub == "LIST") {
    w.array(all_commands().size());
    for (const CommandSpec& spec : all_commands()) {
      w.bulk(lower(spec.name));
    }
  } else if (sub == "INFO") {
    const std::size_t n = argv.size() == 2 ? all_commands().size() : argv.size() - 2;
    w.array(n);
    for (std::size_t i = 0; i < n; ++i) {
      const CommandSpec* spec =
          argv.size() == 2 ? &all_commands()[i] : find_command_or_subcommand(upper(argv[i + 2]));
      spec != nullptr ? write_command_info(*spec, w) : w.null_array();
    }
  } else if (sub == "DOCS") {
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
    w.map(specs.size());
    for (const CommandSpec* spec : specs) {
      w.bulk(lower(spec->name));
      write_command_docs(*spec, w);
    }
  } else {
    push_error("ERR unknown subcommand '" + argv[1] + "'. Try COMMAND HELP.");
    return;
  }
  push_done(std::move(out));
}

}  // namespace helios::api
