// The rows of the commands a connection answers itself (command_table.h): the connection
// and the server, transactions, KEYS/SCAN and DEBUG, observability, persistence, ACL, and
// the containers' subcommands, each with its handler (a Session member, session_*.cc).

#include "api/acl_state.h"
#include "api/command_table.h"
#include "api/session.h"

namespace helios::api {

std::vector<CommandSpec> session_command_rows() {
  constexpr Kind C = Kind::kConnection;
  constexpr Kind T = Kind::kTransaction;
  using S = Session;
  return {
      {"KEYS", 2, Kind::kKeys, "readonly", 0, 0, 0, nullptr, &S::on_keys},
      {"SCAN", -2, Kind::kKeys, "readonly", 0, 0, 0, nullptr, &S::on_scan},
      // Transactions.
      {"MULTI", 1, T, "noscript loading stale fast", 0, 0, 0, nullptr, &S::on_multi, InMulti::kRun},
      {"EXEC", 1, T, "noscript loading stale skip_slowlog", 0, 0, 0, nullptr, &S::on_exec,
       InMulti::kRun},
      {"DISCARD", 1, T, "noscript loading stale fast", 0, 0, 0, nullptr, &S::on_discard,
       InMulti::kRun},
      {"WATCH", -2, T, "noscript loading stale fast", 1, -1, 1, nullptr, &S::on_watch,
       InMulti::kRun},
      {"UNWATCH", 1, T, "noscript loading stale fast", 0, 0, 0, nullptr, &S::on_unwatch},
      // The connection and the server.
      {"PING", -1, C, "fast", 0, 0, 0, nullptr, &S::on_ping},
      {"ECHO", 2, C, "fast", 0, 0, 0, nullptr, &S::on_echo},
      {"HELLO", -1, C, "noscript loading stale fast no_auth", 0, 0, 0, nullptr, &S::on_hello},
      {"QUIT", -1, C, "noscript loading stale fast no_auth", 0, 0, 0, nullptr, &S::on_quit,
       InMulti::kRun},
      {"RESET", 1, C, "noscript loading stale fast no_auth", 0, 0, 0, nullptr, &S::on_reset,
       InMulti::kRun},
      {"SELECT", 2, C, "loading stale fast", 0, 0, 0, nullptr, &S::on_select},
      {"AUTH", -2, C, "noscript loading stale fast no_auth", 0, 0, 0, nullptr, &S::on_auth},
      // ACL SETUSER, DELUSER, LOAD (and CONFIG SET requirepass): replicated AclOps.
      {"ACL", -2, C, "", 0, 0, 0, plan_acl, &S::on_acl},
      {"COMMAND", -1, C, "loading stale", 0, 0, 0, nullptr, &S::on_command},
      {"CLIENT", -2, C, ""},
      {"CONFIG", -2, C, ""},
      {"DEBUG", -2, Kind::kDebug, "admin noscript loading stale protected", 0, 0, 0, nullptr,
       &S::on_debug},
      {"INFO", -1, C, "loading stale", 0, 0, 0, nullptr, &S::on_info},
      {"TIME", 1, C, "loading stale fast", 0, 0, 0, nullptr, &S::on_time},
      {"WAIT", 3, C, "noscript", 0, 0, 0, nullptr, &S::on_wait},
      {"READONLY", 1, C, "loading stale fast", 0, 0, 0, nullptr, &S::on_readonly},
      {"READWRITE", 1, C, "loading stale fast", 0, 0, 0, nullptr, &S::on_readwrite},
      // Observability (session_observe.cc): the node's own views, never forwarded.
      {"SLOWLOG", -2, C, "", 0, 0, 0, nullptr, &S::on_slowlog},
      {"LATENCY", -2, C, "", 0, 0, 0, nullptr, &S::on_latency},
      {"MONITOR", 1, C, "admin noscript loading stale", 0, 0, 0, nullptr, &S::on_monitor,
       InMulti::kDenyBlocking},
      // Persistence: node-local, never forwarded (the node they are sent to snapshots).
      {"BGSAVE", -1, C, "admin noscript no_async_loading", 0, 0, 0, nullptr, &S::on_bgsave},
      {"SAVE", 1, C, "admin noscript no_async_loading no_multi", 0, 0, 0, nullptr, &S::on_save},
      {"LASTSAVE", 1, C, "loading stale fast", 0, 0, 0, nullptr, &S::on_lastsave},
  };
}

std::vector<CommandSpec> session_subcommand_rows() {
  constexpr Kind C = Kind::kConnection;
  constexpr std::string_view kAdmin = "admin noscript loading stale";
  constexpr std::string_view kPlain = "noscript loading stale";
  using S = Session;
  return {
      // ACL's run on_acl (session_acl.cc).
      {"ACL|CAT", -2, C, kPlain},
      {"ACL|DELUSER", -3, C, kAdmin},
      {"ACL|DRYRUN", -4, C, kAdmin},
      {"ACL|GENPASS", -2, C, kPlain},
      {"ACL|GETUSER", 3, C, kAdmin},
      {"ACL|HELP", 2, C, "loading stale"},
      {"ACL|LIST", 2, C, kAdmin},
      {"ACL|LOAD", 2, C, kAdmin},
      {"ACL|LOG", -2, C, kAdmin},
      {"ACL|SAVE", 2, C, kAdmin},
      {"ACL|SETUSER", -3, C, kAdmin},
      {"ACL|USERS", 2, C, kAdmin},
      {"ACL|WHOAMI", 2, C, kPlain},
      {"CLIENT|GETNAME", 2, C, kPlain, 0, 0, 0, nullptr, &S::on_client_getname},
      {"CLIENT|ID", 2, C, kPlain, 0, 0, 0, nullptr, &S::on_client_id},
      {"CLIENT|INFO", 2, C, kPlain, 0, 0, 0, nullptr, &S::on_client_info},
      {"CLIENT|LIST", -2, C, kAdmin, 0, 0, 0, nullptr, &S::on_client_list},
      {"CLIENT|NO-EVICT", 3, C, kAdmin, 0, 0, 0, nullptr, &S::on_client_ok},
      {"CLIENT|NO-TOUCH", 3, C, kPlain, 0, 0, 0, nullptr, &S::on_client_ok},
      {"CLIENT|SETINFO", 4, C, kPlain, 0, 0, 0, nullptr, &S::on_client_ok},
      {"CLIENT|SETNAME", 3, C, kPlain, 0, 0, 0, nullptr, &S::on_client_setname},
      {"CLIENT|UNBLOCK", -3, C, kAdmin, 0, 0, 0, nullptr, &S::on_client_unblock},
      {"COMMAND|COUNT", 2, C, "loading stale", 0, 0, 0, nullptr, &S::on_command_count},
      {"COMMAND|DOCS", -2, C, "loading stale", 0, 0, 0, nullptr, &S::on_command_docs},
      {"COMMAND|INFO", -2, C, "loading stale", 0, 0, 0, nullptr, &S::on_command_info},
      {"COMMAND|LIST", -2, C, "loading stale", 0, 0, 0, nullptr, &S::on_command_list},
      {"CONFIG|GET", -3, C, kAdmin, 0, 0, 0, nullptr, &S::on_config_get},
      {"CONFIG|RESETSTAT", 2, C, kAdmin, 0, 0, 0, nullptr, &S::on_config_resetstat},
      {"CONFIG|SET", -4, C, kAdmin, 0, 0, 0, nullptr, &S::on_config_set},
      // SLOWLOG's and LATENCY's run their container's (Observability parses them).
      {"LATENCY|HELP", 2, C, "loading stale"},
      {"LATENCY|HISTORY", 3, C, kAdmin},
      {"LATENCY|LATEST", 2, C, kAdmin},
      {"LATENCY|RESET", -2, C, kAdmin},
      {"SLOWLOG|GET", -2, C, "admin loading stale"},
      {"SLOWLOG|HELP", 2, C, "loading stale"},
      {"SLOWLOG|LEN", 2, C, "admin loading stale"},
      {"SLOWLOG|RESET", 2, C, "admin loading stale"},
  };
}

}  // namespace helios::api
