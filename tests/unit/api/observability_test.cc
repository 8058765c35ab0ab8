// Redis's observability views on the client port, through a real socket (server_harness.h):
// INFO commandstats / errorstats / latencystats and CONFIG RESETSTAT, SLOWLOG, LATENCY,
// CONFIG SET / GET of their settings, MONITOR (its lines, redaction, transactions, RESP3,
// MULTI, RESET, and the bound on a monitor that does not read), the commands in COMMAND
// INFO, and the Prometheus families recorded from the same per-command record. The replies'
// shapes and error texts are Redis 7.0's (checked against redis-server 7.0.15).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "api/observability.h"
#include "server_harness.h"

namespace helios::api {
namespace {

using namespace test_support;

// Lines "name:value" of INFO's text, by name.
std::map<std::string, std::string> info_map(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t eol = std::min(text.find("\r\n", at), text.size());
    const std::string line = text.substr(at, eol - at);
    const std::size_t colon = line.find(':');
    if (!line.empty() && line[0] != '#' && colon != std::string::npos) {
      out[line.substr(0, colon)] = line.substr(colon + 1);
    }
    at = eol + 2;
  }
  return out;
}

// "a=1,b=2" as {a: 1, b: 2}.
std::map<std::string, std::string> fields(const std::string& value) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at <= value.size()) {
    const std::size_t comma = std::min(value.find(',', at), value.size());
    const std::string kv = value.substr(at, comma - at);
    const std::size_t eq = kv.find('=');
    out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    at = comma + 1;
  }
  return out;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  // A monitor may hold 1 MiB of unsent lines (max_output_bytes) before it is closed.
  static constexpr std::uint64_t kMaxOutputBytes = 1u << 20;

  static void SetUpTestSuite() {
    base::set_log_level(base::LogLevel::kError);  // the monitor closed on purpose warns
    node_ = new TestNode(10000, kMaxOutputBytes);
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(node_->ok());
    c_ = connect();
    ASSERT_EQ(c_->cmd({"FLUSHDB"}), "OK");
    ASSERT_EQ(c_->cmd({"CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len",
                       "128", "latency-monitor-threshold", "0"}),
              "OK");
    ASSERT_EQ(c_->cmd({"SLOWLOG", "RESET"}), "OK");
    c_->call({"LATENCY", "RESET"});
    ASSERT_EQ(c_->cmd({"CONFIG", "RESETSTAT"}), "OK");
  }
  std::unique_ptr<Client> connect() const { return std::make_unique<Client>(node_->port()); }
  std::map<std::string, std::string> info(const std::string& section) {
    return info_map(c_->call({"INFO", section}).str);
  }

  static TestNode* node_;
  std::unique_ptr<Client> c_;
};

TestNode* ObservabilityTest::node_ = nullptr;

// ---- INFO commandstats, errorstats, latencystats; CONFIG RESETSTAT -------------------------

TEST_F(ObservabilityTest, commandstats_countCallsFailuresAndRejectionsAsRedis) {
  EXPECT_EQ(c_->cmd({"SET", "k", "v"}), "OK");
  EXPECT_EQ(c_->cmd({"GET", "k"}), "\"v\"");
  EXPECT_EQ(c_->cmd({"SET", "k"}), "(error) ERR wrong number of arguments for 'set' command");
  EXPECT_EQ(c_->cmd({"INCR", "k"}), "(error) ERR value is not an integer or out of range");
  EXPECT_EQ(c_->cmd({"NOSUCH", "a"}),
            "(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
  EXPECT_EQ(c_->cmd({"CONFIG", "GET"}),
            "(error) ERR wrong number of arguments for 'config|get' command");
  EXPECT_EQ(c_->cmd({"CONFIG", "nosuch"}),
            "(error) ERR unknown subcommand 'nosuch'. Try CONFIG HELP.");
  EXPECT_EQ(c_->cmd({"SLOWLOG"}), "(error) ERR wrong number of arguments for 'slowlog' command");

  const Value text = c_->call({"INFO", "commandstats"});
  EXPECT_EQ(text.str.rfind("# Commandstats\r\n", 0), 0u) << text.str;
  const std::regex line(
      R"(cmdstat_[a-z|-]+:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,)"
      R"(failed_calls=\d+)");
  const std::map<std::string, std::string> stats = info_map(text.str);
  for (const auto& [name, value] : stats) {
    EXPECT_TRUE(std::regex_match(name + ":" + value, line)) << name << ":" << value;
  }
  auto stat = [&](const std::string& cmd) {
    return stats.count("cmdstat_" + cmd) ? fields(stats.at("cmdstat_" + cmd))
                                         : std::map<std::string, std::string>{};
  };
  EXPECT_EQ(stat("set")["calls"], "1");
  EXPECT_EQ(stat("set")["rejected_calls"], "1");
  EXPECT_EQ(stat("set")["failed_calls"], "0");
  EXPECT_EQ(stat("get")["calls"], "1");
  EXPECT_EQ(stat("incr")["calls"], "1");
  EXPECT_EQ(stat("incr")["failed_calls"], "1");
  EXPECT_EQ(stat("config|get")["calls"], "0");
  EXPECT_EQ(stat("config|get")["rejected_calls"], "1");
  EXPECT_EQ(stat("config|resetstat")["calls"], "1");  // SetUp's, counted after the reset
  EXPECT_EQ(stat("slowlog")["rejected_calls"], "1");
  // An unknown command or subcommand has no command: errorstats only.
  EXPECT_EQ(stats.count("cmdstat_nosuch"), 0u);
  EXPECT_EQ(stats.count("cmdstat_unknown"), 0u);
  EXPECT_EQ(stats.count("cmdstat_config"), 0u);
  EXPECT_EQ(stats.count("cmdstat_info"), 0u);  // counted when its reply leaves

  EXPECT_EQ(info("errorstats"), (std::map<std::string, std::string>{{"errorstat_ERR", "count=6"}}));
  EXPECT_EQ(info("stats")["total_error_replies"], "6");
  // Prometheus counts the same replies, by top-level command (config|get is "config").
  const std::string metrics = node_->metrics_text();
  EXPECT_NE(metrics.find("helios_client_commands_total{cmd=\"config\"}"), std::string::npos);
  EXPECT_NE(metrics.find("helios_client_commands_total{cmd=\"unknown\"}"), std::string::npos);
  EXPECT_NE(metrics.find("helios_client_command_duration_seconds_count{cmd=\"set\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("helios_client_errors_total{error=\"ERR\"}"), std::string::npos);
}

TEST_F(ObservabilityTest, errorstats_byCodeAndTransactionsCountTheirCommands) {
  EXPECT_EQ(c_->cmd({"SET", "k", "v"}), "OK");
  EXPECT_EQ(c_->cmd({"EXEC"}), "(error) ERR EXEC without MULTI");
  EXPECT_EQ(c_->cmd({"HELLO", "4"}), "(error) NOPROTO unsupported protocol version");
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "a", "1"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"INCR", "k"}), "QUEUED");
  const Value exec = c_->call({"EXEC"});
  ASSERT_EQ(exec.type, Type::kArray) << exec.to_string();
  EXPECT_EQ(exec.elements[1].type, Type::kError);
  const std::map<std::string, std::string> stats = info("commandstats");
  EXPECT_EQ(fields(stats.at("cmdstat_set"))["calls"], "2");  // one alone, one in the EXEC
  EXPECT_EQ(fields(stats.at("cmdstat_incr"))["failed_calls"], "1");
  EXPECT_EQ(fields(stats.at("cmdstat_multi"))["calls"], "1");
  EXPECT_EQ(fields(stats.at("cmdstat_exec"))["calls"], "2");
  EXPECT_EQ(fields(stats.at("cmdstat_exec"))["failed_calls"], "1");
  EXPECT_EQ(info("errorstats"),
            (std::map<std::string, std::string>{{"errorstat_ERR", "count=2"},
                                                {"errorstat_NOPROTO", "count=1"}}));
}

TEST_F(ObservabilityTest, latencystats_percentilesPerCommand) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(c_->cmd({"PING"}), "PONG");
  }
  const std::map<std::string, std::string> stats = info("latencystats");
  ASSERT_EQ(stats.count("latency_percentiles_usec_ping"), 1u);
  const std::string ping = stats.at("latency_percentiles_usec_ping");
  EXPECT_TRUE(
      std::regex_match(ping, std::regex(R"(p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3})")))
      << ping;
  std::map<std::string, std::string> p = fields(ping);
  EXPECT_GT(std::stod(p["p50"]), 0);
  EXPECT_LE(std::stod(p["p50"]), std::stod(p["p99"]));
  EXPECT_LE(std::stod(p["p99"]), std::stod(p["p99.9"]));
  EXPECT_EQ(stats.count("latency_percentiles_usec_config|get"), 0u);  // only commands called
}

TEST_F(ObservabilityTest, info_sectionsInDefaultAllAndEverythingAsRedis7) {
  auto headers = [&](const Args& argv) {
    std::vector<std::string> out;
    const std::string text = c_->call(argv).str;
    for (std::size_t at = text.find("# "); at != std::string::npos; at = text.find("# ", at + 1)) {
      out.push_back(text.substr(at + 2, text.find('\r', at) - at - 2));
    }
    return out;
  };
  const std::vector<std::string> defaults = {"Server", "Clients",     "Memory",     "Persistence",
                                             "Stats",  "Replication", "Errorstats", "Keyspace"};
  const std::vector<std::string> all = {
      "Server",      "Clients",      "Memory",     "Persistence",  "Stats",
      "Replication", "Commandstats", "Errorstats", "Latencystats", "Keyspace"};
  EXPECT_EQ(headers({"INFO"}), defaults);
  EXPECT_EQ(headers({"INFO", "default"}), defaults);
  EXPECT_EQ(headers({"INFO", "all"}), all);
  EXPECT_EQ(headers({"INFO", "everything"}), all);
  EXPECT_EQ(headers({"INFO", "commandstats"}), std::vector<std::string>{"Commandstats"});
  std::vector<std::string> both = defaults;
  both.insert(both.begin() + 6, "Commandstats");
  EXPECT_EQ(headers({"INFO", "latencystats", "default", "commandstats"}).size(), 10u);
  EXPECT_EQ(headers({"INFO", "default", "commandstats"}), both);
}

TEST_F(ObservabilityTest, configResetstat_resetsRedisStatsButNotPrometheus) {
  EXPECT_EQ(c_->cmd({"GET", "x"}), "(nil)");
  EXPECT_EQ(c_->cmd({"NOSUCH"}),
            "(error) ERR unknown command 'NOSUCH', with args beginning with: ");
  EXPECT_NE(info("commandstats").count("cmdstat_get"), 0u);
  EXPECT_EQ(c_->cmd({"CONFIG", "RESETSTAT"}), "OK");
  EXPECT_EQ(c_->cmd({"CONFIG", "RESETSTAT", "x"}),
            "(error) ERR wrong number of arguments for 'config|resetstat' command");
  const std::map<std::string, std::string> stats = info("commandstats");
  EXPECT_EQ(stats.count("cmdstat_get"), 0u);
  EXPECT_EQ(fields(stats.at("cmdstat_config|resetstat"))["calls"], "1");
  EXPECT_EQ(info("errorstats"), (std::map<std::string, std::string>{{"errorstat_ERR", "count=1"}}));
  EXPECT_EQ(info("latencystats").count("latency_percentiles_usec_get"), 0u);
  const std::map<std::string, std::string> st = info("stats");
  EXPECT_LT(std::stoll(st.at("total_commands_processed")), 10);
  EXPECT_EQ(st.at("total_error_replies"), "1");
  EXPECT_NE(node_->metrics_text().find("helios_client_commands_total{cmd=\"get\"}"),
            std::string::npos);
}

// ---- SLOWLOG --------------------------------------------------------------------------------

TEST_F(ObservabilityTest, slowlog_entriesInRedisFormatNewestFirst) {
  ASSERT_EQ(c_->cmd({"CLIENT", "SETNAME", "obs"}), "OK");
  // A loaded machine may have logged the fixture's own commands (over the default 10 ms):
  // off, emptied, then every command.
  ASSERT_EQ(c_->cmd({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}), "OK");
  ASSERT_EQ(c_->cmd({"SLOWLOG", "RESET"}), "OK");
  ASSERT_EQ(c_->cmd({"CONFIG", "SET", "slowlog-log-slower-than", "0"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "big", std::string(200, 'a')}), "OK");
  Args exists = {"EXISTS"};
  for (int i = 0; i < 40; ++i) {
    exists.push_back("k" + std::to_string(i));
  }
  EXPECT_EQ(c_->cmd(exists), "(integer) 0");
  EXPECT_EQ(c_->cmd({"AUTH", "default", "secret"}), "OK");
  // SET, EXISTS, AUTH (the CONFIG SET that turned it on ran while it was off).
  EXPECT_EQ(c_->cmd({"SLOWLOG", "LEN"}), "(integer) 3");

  const Value all = c_->call({"SLOWLOG", "GET"});
  ASSERT_EQ(all.type, Type::kArray) << all.to_string();
  ASSERT_EQ(all.elements.size(), 4u) << all.to_string();  // and SLOWLOG LEN
  const Value& auth = all.elements[1];
  ASSERT_EQ(auth.elements.size(), 6u);
  EXPECT_EQ(auth.elements[0].type, Type::kInteger);
  EXPECT_EQ(all.elements[0].elements[0].integer, auth.elements[0].integer + 1);
  EXPECT_LE(std::abs(integer_of(auth.elements[1]) - unix_s()), 5);
  EXPECT_GE(integer_of(auth.elements[2]), 0);
  EXPECT_EQ(sorted_strings(auth.elements[3]),
            (std::vector<std::string>{"(redacted)", "(redacted)", "AUTH"}));
  EXPECT_TRUE(std::regex_match(auth.elements[4].str, std::regex(R"(127\.0\.0\.1:\d+)")));
  EXPECT_EQ(auth.elements[5].str, "obs");
  const Value& ex = all.elements[2].elements[3];
  ASSERT_EQ(ex.elements.size(), 32u);
  EXPECT_EQ(ex.elements[30].str, "k29");
  EXPECT_EQ(ex.elements[31].str, "... (10 more arguments)");
  const Value& set = all.elements[3].elements[3];
  ASSERT_EQ(set.elements.size(), 3u);
  EXPECT_EQ(set.elements[2].str, std::string(128, 'a') + "... (72 more bytes)");

  EXPECT_EQ(c_->call({"SLOWLOG", "GET", "1"}).elements.size(), 1u);
  EXPECT_EQ(c_->cmd({"SLOWLOG", "GET", "0"}), "(empty array)");
  EXPECT_EQ(c_->call({"SLOWLOG", "GET", "-1"}).elements.size(), 7u);  // and the 3 GETs
  for (const char* bad : {"-2", "x", "1.5", ""}) {
    EXPECT_EQ(c_->cmd({"SLOWLOG", "GET", bad}),
              "(error) ERR count should be greater than or equal to -1");
  }
  EXPECT_EQ(c_->cmd({"slowlog", "get", "1", "2"}),
            "(error) ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG "
            "HELP.");
  EXPECT_EQ(c_->cmd({"SLOWLOG", "LEN", "x"}),
            "(error) ERR wrong number of arguments for 'slowlog|len' command");
  EXPECT_EQ(c_->cmd({"SLOWLOG", "foo"}), "(error) ERR unknown subcommand 'foo'. Try SLOWLOG HELP.");
  EXPECT_EQ(c_->cmd({"SLOWLOG", "RESET"}), "OK");
  EXPECT_EQ(c_->cmd({"SLOWLOG", "LEN"}), "(integer) 1");  // the RESET itself, as in Redis
}

TEST_F(ObservabilityTest, slowlog_thresholdAndLengthFromConfig) {
  EXPECT_EQ(c_->cmd({"PING"}), "PONG");
  EXPECT_EQ(c_->cmd({"SLOWLOG", "LEN"}), "(integer) 0");  // 10 ms by default
  ASSERT_EQ(c_->cmd({"CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "2"}),
            "OK");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(c_->cmd({"ECHO", std::to_string(i)}), "\"" + std::to_string(i) + "\"");
  }
  const Value two = c_->call({"SLOWLOG", "GET"});
  ASSERT_EQ(two.elements.size(), 2u) << two.to_string();
  EXPECT_EQ(two.elements[0].elements[3].elements[1].str, "4");  // newest first
  ASSERT_EQ(c_->cmd({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}), "OK");
  EXPECT_EQ(c_->cmd({"SLOWLOG", "RESET"}), "OK");
  EXPECT_EQ(c_->cmd({"PING"}), "PONG");
  EXPECT_EQ(c_->cmd({"SLOWLOG", "LEN"}), "(integer) 0");
  const Value help = c_->call({"SLOWLOG", "HELP"});
  ASSERT_EQ(help.type, Type::kArray);
  EXPECT_EQ(help.elements.front().str,
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.elements.back().str, "    Prints this help.");
}

// ---- CONFIG SET / GET -----------------------------------------------------------------------

TEST_F(ObservabilityTest, configSet_appliesAllOrNothingWithRedisErrors) {
  EXPECT_EQ(
      c_->cmd({"CONFIG", "GET", "slowlog*"}),
      array_text({"\"slowlog-log-slower-than\"", "\"10000\"", "\"slowlog-max-len\"", "\"128\""}));
  EXPECT_EQ(c_->cmd({"CONFIG", "SET", "SLOWLOG-MAX-LEN", "7", "latency-monitor-threshold", "5"}),
            "OK");
  EXPECT_EQ(c_->cmd({"CONFIG", "GET", "slowlog-max-len", "latency-monitor-threshold"}),
            array_text({"\"slowlog-max-len\"", "\"7\"", "\"latency-monitor-threshold\"", "\"5\""}));
  const std::string prefix = "(error) ERR CONFIG SET failed (possibly related to argument '";
  const std::pair<Args, std::string> bad[] = {
      {{"slowlog-log-slower-than", "-2"},
       prefix + "slowlog-log-slower-than') - argument must be between -1 and "
                "9223372036854775807 inclusive"},
      {{"slowlog-max-len", "-1"},
       prefix + "slowlog-max-len') - argument must be between 0 and 9223372036854775807 "
                "inclusive"},
      {{"latency-monitor-threshold", "-1"},
       prefix + "latency-monitor-threshold') - argument must be between 0 and "
                "9223372036854775807 inclusive"},
      {{"slowlog-max-len", "5kb"},
       prefix + "slowlog-max-len') - argument couldn't be parsed into an integer"},
      {{"slowlog-max-len", "+5"},
       prefix + "slowlog-max-len') - argument couldn't be parsed into an integer"},
      {{"slowlog-max-len", "1", "slowlog-max-len", "2"},
       prefix + "slowlog-max-len') - duplicate parameter"},
      {{"maxclients", "5"}, prefix + "maxclients') - can't set immutable config"},
      {{"slowlog-max-len", "1", "foo", "2"},
       "(error) ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
      {{"slowlog-max-len", "1", "foo"}, "(error) ERR syntax error"},
      {{"slowlog-max-len"}, "(error) ERR wrong number of arguments for 'config|set' command"},
  };
  for (const auto& [args, error] : bad) {
    Args argv = {"CONFIG", "SET"};
    argv.insert(argv.end(), args.begin(), args.end());
    EXPECT_EQ(c_->cmd(argv), error) << args[0];
  }
  // Nothing of a refused CONFIG SET applied.
  EXPECT_EQ(c_->cmd({"CONFIG", "GET", "slowlog-max-len"}),
            array_text({"\"slowlog-max-len\"", "\"7\""}));
}

// ---- LATENCY --------------------------------------------------------------------------------

TEST_F(ObservabilityTest, latency_commandEventsOverTheThreshold) {
  const std::string big(4u << 20, 'x');  // a 4 MiB write takes over a millisecond
  EXPECT_EQ(c_->cmd({"SET", "big", big}), "OK");
  EXPECT_EQ(c_->cmd({"LATENCY", "LATEST"}), "(empty array)");  // threshold 0: off
  ASSERT_EQ(c_->cmd({"CONFIG", "SET", "latency-monitor-threshold", "1"}), "OK");
  Value latest;
  for (int i = 0; i < 50 && latest.elements.empty(); ++i) {
    EXPECT_EQ(c_->cmd({"SET", "big", big}), "OK");
    latest = c_->call({"LATENCY", "LATEST"});
  }
  ASSERT_EQ(latest.type, Type::kArray) << latest.to_string();
  ASSERT_EQ(latest.elements.size(), 1u) << latest.to_string();
  const Value& event = latest.elements[0];
  ASSERT_EQ(event.elements.size(), 4u);
  EXPECT_EQ(event.elements[0].str, "command");
  EXPECT_LE(std::abs(integer_of(event.elements[1]) - unix_s()), 5);
  EXPECT_GE(integer_of(event.elements[2]), 1);
  EXPECT_GE(integer_of(event.elements[3]), integer_of(event.elements[2]));
  const Value history = c_->call({"LATENCY", "HISTORY", "command"});
  ASSERT_GE(history.elements.size(), 1u);
  EXPECT_EQ(history.elements.back().elements.size(), 2u);
  EXPECT_EQ(history.elements.back().elements[0].integer, event.elements[1].integer);
  EXPECT_EQ(c_->cmd({"LATENCY", "HISTORY", "nosuch"}), "(empty array)");
  EXPECT_EQ(c_->cmd({"LATENCY", "RESET", "nosuch", "command"}), "(integer) 1");
  EXPECT_EQ(c_->cmd({"LATENCY", "LATEST"}), "(empty array)");
  EXPECT_EQ(c_->cmd({"LATENCY", "RESET"}), "(integer) 0");
  EXPECT_EQ(c_->cmd({"LATENCY"}), "(error) ERR wrong number of arguments for 'latency' command");
  EXPECT_EQ(c_->cmd({"LATENCY", "HISTORY"}),
            "(error) ERR wrong number of arguments for 'latency|history' command");
  EXPECT_EQ(c_->cmd({"LATENCY", "LATEST", "x"}),
            "(error) ERR wrong number of arguments for 'latency|latest' command");
  EXPECT_EQ(c_->cmd({"LATENCY", "DOCTOR"}),
            "(error) ERR unknown subcommand 'DOCTOR'. Try LATENCY HELP.");
  const Value help = c_->call({"LATENCY", "HELP"});
  ASSERT_EQ(help.type, Type::kArray);
  EXPECT_EQ(help.elements.front().str,
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

// ---- MONITOR ----------------------------------------------------------------------------------

// The next MONITOR line's arguments part ("\"SET\" \"k\" \"v\""), checking its prefix.
std::string monitor_args(Client& m) {
  const std::optional<Value> v = m.next(5s);
  if (!v.has_value()) {
    return "<none>";
  }
  EXPECT_EQ(v->type, Type::kSimple) << v->to_string();
  const std::regex line(R"((\d{10}\.\d{6}) \[0 127\.0\.0\.1:\d+\] (.*))");
  std::smatch match;
  if (!std::regex_match(v->str, match, line)) {
    ADD_FAILURE() << "not a MONITOR line: " << v->str;
    return v->str;
  }
  return match[2];
}

TEST_F(ObservabilityTest, monitor_streamsCommandsAsRedisWithSecretsRedacted) {
  std::unique_ptr<Client> m = connect();
  EXPECT_EQ(m->cmd({"MONITOR"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "k", "v"}), "OK");
  EXPECT_EQ(monitor_args(*m), R"m("SET" "k" "v")m");
  EXPECT_EQ(c_->cmd({"AUTH", "default", "pw"}), "OK");
  EXPECT_EQ(monitor_args(*m), R"m("AUTH" "(redacted)" "(redacted)")m");
  c_->call({"HELLO", "2", "AUTH", "default", "pw", "SETNAME", "x"});
  EXPECT_EQ(monitor_args(*m), R"m("HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "x")m");
  // Not shown: refused before running, unknown, admin commands.
  c_->call({"GET"});
  c_->call({"NOSUCH"});
  c_->call({"CONFIG", "GET", "save"});
  c_->call({"SLOWLOG", "LEN"});
  EXPECT_EQ(c_->cmd({"SET", "q", std::string("a\"b\\\n\x01\xff", 7)}), "OK");
  EXPECT_EQ(monitor_args(*m), R"m("SET" "q" "a\"b\\\n\x01\xff")m");
  // A transaction: MULTI, then its commands and EXEC when EXEC runs them.
  EXPECT_EQ(c_->cmd({"MULTI"}), "OK");
  EXPECT_EQ(c_->cmd({"SET", "a", "1"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"INCR", "a"}), "QUEUED");
  EXPECT_EQ(c_->cmd({"EXEC"}), array_text({"OK", "(integer) 2"}));
  EXPECT_EQ(monitor_args(*m), R"m("MULTI")m");
  EXPECT_EQ(monitor_args(*m), R"m("SET" "a" "1")m");
  EXPECT_EQ(monitor_args(*m), R"m("INCR" "a")m");
  EXPECT_EQ(monitor_args(*m), R"m("EXEC")m");

  // The monitor itself: a replica to Redis, it may not touch the keyspace; MONITOR again is
  // silent; its own commands are shown too; RESET ends monitoring.
  EXPECT_EQ(m->cmd({"GET", "k"}), "(error) ERR Replica can't interact with the keyspace");
  m->send({"MONITOR"});
  EXPECT_EQ(m->cmd({"PING"}), "PONG");
  EXPECT_EQ(monitor_args(*m), R"m("PING")m");
  EXPECT_EQ(m->cmd({"RESET"}), "RESET");
  EXPECT_EQ(c_->cmd({"PING"}), "PONG");
  EXPECT_FALSE(m->try_next(200ms).has_value());
  EXPECT_EQ(m->cmd({"GET", "k"}), "\"v\"");
}

TEST_F(ObservabilityTest, monitor_inResp3AndInsideMulti) {
  std::unique_ptr<Client> m = connect();
  ASSERT_EQ(m->call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(m->cmd({"MONITOR"}), "OK");
  EXPECT_EQ(c_->cmd({"ECHO", "hi"}), "\"hi\"");
  EXPECT_EQ(monitor_args(*m), R"m("ECHO" "hi")m");  // a status line in RESP3 too

  std::unique_ptr<Client> x = connect();
  EXPECT_EQ(x->cmd({"MULTI"}), "OK");
  EXPECT_EQ(x->cmd({"MONITOR"}), "(error) ERR MONITOR isn't allowed for DENY BLOCKING client");
  EXPECT_EQ(x->cmd({"SET", "t", "1"}), "QUEUED");
  EXPECT_EQ(x->cmd({"EXEC"}), array_text({"OK"}));  // the rest of the transaction runs
  EXPECT_EQ(monitor_args(*m), R"m("MULTI")m");
  EXPECT_EQ(monitor_args(*m), R"m("SET" "t" "1")m");
  EXPECT_EQ(monitor_args(*m), R"m("EXEC")m");
}

TEST_F(ObservabilityTest, monitor_thatDoesNotReadIsClosedAtItsBound) {
  const std::int64_t before =
      std::stoll(info("stats").at("client_output_buffer_limit_disconnections"));
  std::unique_ptr<Client> m = connect();
  EXPECT_EQ(m->cmd({"MONITOR"}), "OK");
  // m reads nothing more: 64 MiB of lines fill the socket buffers, then its 1 MiB bound.
  const std::string payload(256u << 10, 'p');
  for (int i = 0; i < 256; ++i) {
    ASSERT_EQ(c_->call({"ECHO", payload}).str.size(), payload.size());
  }
  EXPECT_TRUE(m->wait_closed());
  EXPECT_EQ(std::stoll(info("stats").at("client_output_buffer_limit_disconnections")), before + 1);
  EXPECT_EQ(c_->cmd({"PING"}), "PONG");
}

// ---- The command table ----------------------------------------------------------------------

TEST_F(ObservabilityTest, commandInfo_showsTheCommandsAndSubcommandsAsRedis7) {
  const Value info = c_->call({"COMMAND", "INFO", "slowlog", "latency", "monitor", "config|set"});
  ASSERT_EQ(info.elements.size(), 4u) << info.to_string();
  auto flags = [](const Value& entry) {
    std::vector<std::string> out;
    for (const Value& f : entry.elements[2].elements) {
      out.push_back(f.str);
    }
    return out;
  };
  const Value& slowlog = info.elements[0];
  EXPECT_EQ(slowlog.elements[0].str, "slowlog");
  EXPECT_EQ(slowlog.elements[1].integer, -2);
  EXPECT_TRUE(flags(slowlog).empty());
  std::vector<std::string> subs;
  for (const Value& sub : slowlog.elements[9].elements) {
    subs.push_back(sub.elements[0].str + " " + std::to_string(sub.elements[1].integer));
  }
  EXPECT_EQ(subs, (std::vector<std::string>{"slowlog|get -2", "slowlog|help 2", "slowlog|len 2",
                                            "slowlog|reset 2"}));
  EXPECT_EQ(flags(slowlog.elements[9].elements[0]),
            (std::vector<std::string>{"admin", "loading", "stale"}));
  EXPECT_EQ(info.elements[1].elements[9].elements.size(), 4u);  // LATENCY's
  EXPECT_EQ(info.elements[2].elements[1].integer, 1);
  EXPECT_EQ(flags(info.elements[2]),
            (std::vector<std::string>{"admin", "noscript", "loading", "stale"}));
  EXPECT_EQ(info.elements[3].elements[0].str, "config|set");
  EXPECT_EQ(info.elements[3].elements[1].integer, -4);
  const std::vector<std::string> names = sorted_strings(c_->call({"COMMAND", "LIST"}));
  for (const char* name : {"slowlog", "latency", "monitor"}) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), name)) << name;
  }
  EXPECT_EQ(names.size(), all_commands().size());
  EXPECT_EQ(c_->call({"COMMAND", "DOCS", "slowlog"}).elements.size(), 2u);
}

}  // namespace
}  // namespace helios::api
