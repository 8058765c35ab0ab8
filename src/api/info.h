#pragma once
// What the server says about itself: INFO's text, CONFIG GET's answers, COMMAND's entries,
// and WAIT's count. Loop thread only (they read the Node and the store).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/command_table.h"
#include "api/plan.h"
#include "resp/writer.h"

namespace helios::api {

class Server;

// The Redis version Helios answers like (HELLO, INFO server's redis_version): clients use it
// to pick features, and Helios speaks Redis 7's protocol.
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";
inline constexpr std::string_view kHeliosVersion = "0.5.0";

// INFO [section ...]: "server", "clients", "memory", "persistence", "stats", "replication",
// "commandstats", "errorstats", "latencystats", "keyspace", in that order. None or "default":
// all but commandstats and latencystats (as Redis 7); "all" or "everything": all of them.
std::string info_text(Server& server, const Argv& argv);
// CONFIG GET pattern [pattern ...]: a map of the matching parameters (glob patterns).
void reply_config_get(Server& server, const Argv& argv, resp::Writer& w);
// The parameters CONFIG GET shows that come from the node's configuration file (CONFIG SET
// refuses them as immutable).
std::vector<std::string> config_file_parameters();
// WAIT: at the leader, the followers whose log holds everything committed so far; at a
// follower, the followers a committed write is certainly on (a majority minus the leader).
std::int64_t replicas_holding_writes(Server& server);
// One COMMAND / COMMAND INFO entry (Redis 7's ten fields) and one COMMAND DOCS entry.
void write_command_info(const CommandSpec& spec, resp::Writer& w);
void write_command_docs(const CommandSpec& spec, resp::Writer& w);

}  // namespace helios::api
