// Session: authentication and ACL users on the client port (docs/security.md): the checks
// every command passes (-NOAUTH, -NOPERM), AUTH and HELLO's AUTH, and the ACL command.
// The users come from the server's AclState (api/acl_state.h); changes (ACL SETUSER,
// DELUSER, LOAD) are writes through the log, so every node enforces them once applied.

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "acl/category.h"
#include "api/acl_state.h"
#include "api/args.h"
#include "api/command_table.h"
#include "api/server.h"
#include "api/session.h"
#include "atlas/glob.h"
#include "atlas/integer.h"

namespace helios::api {

namespace {

constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The keys of `argv` by the spec's key positions (Redis's legacy first/last/step).
std::vector<std::string_view> keys_of(const CommandSpec& spec, const Argv& argv) {
  std::vector<std::string_view> keys;
  if (spec.object != nullptr && argv.size() > 1) {
    const atlas::Args args(argv.begin() + 1, argv.end());
    for (std::size_t i : atlas::object_key_positions(*spec.object, args)) {
      keys.push_back(argv[i + 1]);
    }
    return keys;
  }
  if (spec.first_key <= 0 || spec.step <= 0) {
    return keys;
  }
  const int argc = static_cast<int>(argv.size());
  const int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  for (int i = spec.first_key; i <= last && i < argc; i += spec.step) {
    keys.push_back(argv[static_cast<std::size_t>(i)]);
  }
  return keys;
}

// What the command does to its keys for %R~ / %W~ patterns, from Redis 7's key specs: a key
// the command reads the value of (ACCESS) needs read rights, one it inserts, updates or
// deletes needs write rights; metadata reads (EXISTS, TTL, TYPE, STRLEN) need neither (any
// matching pattern). SET needs read rights only with its GET option.
acl::KeyAccess access_of(const CommandSpec& spec, const Argv& argv) {
  static constexpr std::string_view kReadWrite[] = {"INCR",        "INCRBY",  "DECR",   "DECRBY",
                                                    "INCRBYFLOAT", "GETSET",  "GETDEL", "GETEX",
                                                    "RENAME",      "RENAMENX"};
  static constexpr std::string_view kMetadata[] = {"EXISTS",      "TTL",  "PTTL",  "EXPIRETIME",
                                                   "PEXPIRETIME", "TYPE", "STRLEN"};
  const std::string_view name = spec.name;
  if (std::find(std::begin(kReadWrite), std::end(kReadWrite), name) != std::end(kReadWrite)) {
    return acl::KeyAccess::kReadWrite;
  }
  if (std::find(std::begin(kMetadata), std::end(kMetadata), name) != std::end(kMetadata)) {
    return acl::KeyAccess::kNone;
  }
  if (name == "SET") {
    for (std::size_t i = 3; i < argv.size(); ++i) {
      if (upper(argv[i]) == "GET") {
        return acl::KeyAccess::kReadWrite;
      }
    }
  }
  return spec.flags.find("write") != std::string_view::npos ? acl::KeyAccess::kWrite
                                                            : acl::KeyAccess::kRead;
}

void write_selector(resp::Writer& w, const acl::SelectorInfo& s) {
  w.bulk("commands");
  w.bulk(s.commands);
  w.bulk("keys");
  w.bulk(s.keys);
  w.bulk("channels");
  w.bulk(s.channels);
}

}  // namespace

// Redis's rejectCommand: a refused EXEC also discards the transaction, and says so.
void Session::refuse(const CommandSpec& spec, std::string_view line) {
  current_outcome_ = Outcome::kRejected;
  if (spec.name == "EXEC") {
    in_multi_ = false;
    multi_dirty_ = false;
    multi_queue_.clear();
    multi_records_.clear();
    forget_watches();
    push_error("EXECABORT Transaction discarded because of: " + std::string(line));
    return;
  }
  push_error(line);
}

bool Session::admit(const CommandSpec& spec, const Argv& argv, bool in_multi) {
  AclState& acl = server_.acl();
  const atlas::Store& store = server_.store();
  const bool no_auth = spec.flags.find("no_auth") != std::string_view::npos;
  if (!authenticated_ && !no_auth && acl.auth_required(store)) {
    refuse(spec, kNoAuth);
    return false;
  }
  const acl::Users& users = acl.users(store);
  const acl::User* user = users.find(user_);
  if (user == nullptr) {  // deleted since it authenticated: Redis disconnects such clients
    close_after_flush_ = true;
    current_outcome_ = Outcome::kRejected;
    push_error("ERR this connection's user was deleted");
    return false;
  }
  const std::vector<std::string_view> keys = keys_of(spec, argv);
  const std::optional<std::string_view> first_arg =
      argv.size() >= 2 ? std::optional<std::string_view>(argv[1]) : std::nullopt;
  const acl::Verdict verdict =
      users.check(*user, argv[0], first_arg, keys, access_of(spec, argv), &atlas::glob_match);
  if (verdict.allowed()) {
    return true;
  }
  const std::string object = verdict.kind == acl::Verdict::Kind::kDeniedKey
                                 ? std::string(keys[verdict.key_index])
                                 : std::string(verdict.command);
  acl.log().add(acl::log_reason(verdict),
                in_multi ? acl::LogContext::kMulti : acl::LogContext::kToplevel, object, user_,
                describe(), now_ms());
  refuse(spec, acl::noperm_error(verdict, user_));
  return false;
}

bool Session::authenticate(const std::string& command, const std::string& user,
                           const std::string& password) {
  AclState& acl = server_.acl();
  if (acl.users(server_.store()).authenticate(user, password)) {
    user_ = user;
    authenticated_ = true;
    return true;
  }
  // The object is the command as the client typed it ("AUTH", "auth", "HELLO"), as Redis logs.
  acl.log().add(acl::LogReason::kAuth, acl::LogContext::kToplevel, command, user, describe(),
                now_ms());
  return false;
}

void Session::on_auth(Argv& argv) {
  if (argv.size() > 3) {
    push_error("ERR syntax error");
    return;
  }
  if (argv.size() == 2 && !server_.acl().auth_required(server_.store())) {
    push_error(
        "ERR AUTH <password> called without any password configured for the default "
        "user. Are you sure your configuration is correct?");
    return;
  }
  const std::string user = argv.size() == 3 ? argv[1] : "default";
  if (!authenticate(argv[0], user, argv.back())) {
    current_outcome_ = Outcome::kRejected;
    push_error("WRONGPASS invalid username-password pair or user is disabled.");
    return;
  }
  push_done("+OK\r\n");
}

void Session::on_acl(Argv& argv) {
  const std::string sub = upper(argv[1]);
  AclState& acl = server_.acl();
  const acl::Users& users = acl.users(server_.store());
  std::string out;
  resp::Writer w(out, protocol_);
  if (sub == "SETUSER" || sub == "DELUSER") {
    // Checked first against this node's users, so that an error quotes the rule as the
    // client wrote it (the log carries passwords as hashes: acl_state.h); the change itself
    // is applied, and can still fail, in log order.
    acl::Users trial = users;
    const std::span<const std::string> rest(argv.data() + 2, argv.size() - 2);
    const Status check =
        sub == "SETUSER" ? trial.setuser(argv[2], rest.subspan(1)) : trial.deluser(rest).status();
    if (!check.is_ok()) {
      push_error(check.message());
      return;
    }
    std::vector<Argv> commands;
    commands.push_back(std::move(argv));
    push_write(std::move(commands), false);
    return;
  }
  if (sub == "LOAD" || sub == "SAVE") {
    if (acl.aclfile().empty()) {
      push_error(kNoAclFile);
      return;
    }
    if (sub == "SAVE") {
      const std::string tmp = acl.aclfile() + ".tmp";
      {
        std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
        file << users.aclfile();
        file.flush();
        if (!file) {
          push_error(
              "ERR There was an error trying to save the ACLs. Please check the server "
              "logs for more information");
          return;
        }
      }
      std::error_code ec;
      std::filesystem::rename(tmp, acl.aclfile(), ec);
      ec ? push_error(
               "ERR There was an error trying to save the ACLs. Please check the "
               "server logs for more information")
         : push_done("+OK\r\n");
      return;
    }
    std::ifstream file(acl.aclfile(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (!file.good() && !file.eof()) {
      push_error("ERR Error loading ACLs, opening file '" + acl.aclfile() + "'");
      return;
    }
    std::vector<Argv> commands;
    commands.push_back(Argv{"ACL", "LOAD", acl.aclfile(), std::move(text)});
    push_write(std::move(commands), false);
    return;
  }
  if (sub == "WHOAMI") {
    w.bulk(user_);
  } else if (sub == "USERS") {
    const std::vector<std::string> names = users.usernames();
    w.array(names.size());
    for (const std::string& n : names) {
      w.bulk(n);
    }
  } else if (sub == "LIST") {
    const std::vector<std::string> lines = users.list();
    w.array(lines.size());
    for (const std::string& l : lines) {
      w.bulk(l);
    }
  } else if (sub == "GETUSER") {
    const std::optional<acl::UserInfo> info = users.getuser(argv[2]);
    if (!info) {
      w.null();
    } else {
      w.map(6);
      w.bulk("flags");
      w.array(info->flags.size());
      for (const std::string& f : info->flags) {
        w.bulk(f);
      }
      w.bulk("passwords");
      w.array(info->passwords.size());
      for (const std::string& p : info->passwords) {
        w.bulk(p);
      }
      write_selector(w, info->root);
      w.bulk("selectors");
      w.array(info->selectors.size());
      for (const acl::SelectorInfo& s : info->selectors) {
        w.map(3);
        write_selector(w, s);
      }
    }
  } else if (sub == "CAT") {
    if (argv.size() > 3) {
      push_error(wrong_args("ACL|CAT"));
      return;
    }
    if (argv.size() == 2) {
      w.array(acl::category_names().size());
      for (std::string_view n : acl::category_names()) {
        w.bulk(n);
      }
    } else {
      const std::optional<acl::CategoryBits> bits = acl::category_by_name(argv[2]);
      if (!bits) {
        push_error(acl::unknown_category_error(argv[2]));
        return;
      }
      const std::vector<std::string_view> names = acl_catalogue()->in_category(*bits);
      w.array(names.size());
      for (std::string_view n : names) {
        w.bulk(n);
      }
    }
  } else if (sub == "LOG") {
    if (!on_acl_log(argv, w)) {
      return;
    }
  } else if (sub == "DRYRUN") {
    const acl::User* user = users.find(argv[2]);
    if (user == nullptr) {
      push_error("ERR User '" + argv[2] + "' not found");
      return;
    }
    const Argv rest(argv.begin() + 3, argv.end());
    const CommandSpec* spec = find_command(upper(rest[0]));
    if (spec == nullptr || !arity_ok(*spec, rest.size())) {
      push_error(spec == nullptr
                     ? "ERR Command '" + rest[0] + "' not found"
                     : "ERR wrong number of arguments for '" + lower(rest[0]) + "' command");
      return;
    }
    const std::vector<std::string_view> keys = keys_of(*spec, rest);
    const acl::Verdict v = users.check(
        *user, rest[0], rest.size() >= 2 ? std::optional<std::string_view>(rest[1]) : std::nullopt,
        keys, access_of(*spec, rest), &atlas::glob_match);
    if (v.allowed()) {
      w.simple("OK");
    } else {
      const std::string_view key =
          v.kind == acl::Verdict::Kind::kDeniedKey ? keys[v.key_index] : std::string_view();
      w.bulk(acl::dryrun_denial(v, argv[2], key));
    }
  } else if (sub == "GENPASS") {
    std::int64_t bits = 256;
    if (argv.size() == 3) {
      const std::optional<std::int64_t> b = atlas::parse_int64(argv[2]);
      if (!b || *b <= 0 || *b > 4096) {
        push_error(
            "ERR ACL GENPASS argument must be the number of bits for the output "
            "password, a positive number up to 4096");
        return;
      }
      bits = *b;
    }
    const std::size_t chars = static_cast<std::size_t>((bits + 3) / 4);
    std::vector<unsigned char> bytes((chars + 1) / 2);
    RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char b : bytes) {
      hex += kHex[b >> 4];
      hex += kHex[b & 15];
    }
    hex.resize(chars);
    w.bulk(hex);
  } else {  // HELP
    static constexpr std::string_view kHelp[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "DELUSER <username> [<username> ...]",
        "DRYRUN <username> <command> [<arg> ...]",
        "GETUSER <username>",
        "LIST",
        "USERS",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "SAVE",
        "LOAD",
        "LOG [<count> | RESET]",
        "WHOAMI",
        "GENPASS [<bits>]",
        "HELP"};
    w.array(std::size(kHelp));
    for (std::string_view line : kHelp) {
      w.simple(line);
    }
  }
  push_done(std::move(out));
}

bool Session::on_acl_log(const Argv& argv, resp::Writer& w) {
  acl::AclLog& log = server_.acl().log();
  std::size_t count = 10;
  if (argv.size() == 3) {
    if (upper(argv[2]) == "RESET") {
      log.reset();
      w.simple("OK");
      return true;
    }
    const std::optional<std::int64_t> n = atlas::parse_int64(argv[2]);
    if (!n) {
      push_error("ERR value is not an integer or out of range");
      return false;
    }
    count = *n < 0 ? 0 : static_cast<std::size_t>(*n);  // Redis: a negative count lists none
  } else if (argv.size() > 3) {
    push_error(wrong_args("ACL|LOG"));
    return false;
  }
  const std::int64_t now = now_ms();
  const std::size_t n = std::min(count, log.entries().size());
  w.array(n);
  for (std::size_t i = 0; i < n; ++i) {
    const acl::LogEntry& e = log.entries()[i];
    w.map(10);
    w.bulk("count");
    w.integer(static_cast<std::int64_t>(e.count));
    w.bulk("reason");
    w.bulk(acl::reason_name(e.reason));
    w.bulk("context");
    w.bulk(acl::context_name(e.context));
    w.bulk("object");
    w.bulk(e.object);
    w.bulk("username");
    w.bulk(e.username);
    w.bulk("age-seconds");
    w.dbl(static_cast<double>(now - e.last_updated_ms) / 1000.0);
    w.bulk("client-info");
    w.bulk(e.client_info);
    w.bulk("entry-id");
    w.integer(e.entry_id);
    w.bulk("timestamp-created");
    w.integer(e.created_ms);
    w.bulk("timestamp-last-updated");
    w.integer(e.last_updated_ms);
  }
  return true;
}

}  // namespace helios::api
