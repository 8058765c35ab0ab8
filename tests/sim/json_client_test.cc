// The simulator's JSON-lines client end (sim/json_client.h): the request lines it writes are
// the commands the server's translation (api/json_lines.h) reads back, and the reply lines
// the server renders read back as the Redis replies they stand for; a line that breaks the
// protocol fails the seed (SimFailure).
#include "sim/json_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/json_lines.h"
#include "sim/host.h"

namespace helios::sim {
namespace {

using Argv = std::vector<std::string>;
using Type = resp::Value::Type;

Argv server_reads(const Argv& argv) {
  std::string line = json_request_line(argv);
  EXPECT_EQ(line.back(), '\n');
  line.pop_back();
  Result<Argv> read = api::json_line_to_argv(line);
  EXPECT_TRUE(read.is_ok()) << line << ": " << read.status().to_string();
  return read.is_ok() ? read.value() : Argv{};
}

resp::Value round_trip(const resp::Value& reply) {
  std::string line = api::value_to_json_line(reply);
  line.pop_back();
  return json_reply_value(line);
}

TEST(JsonClientTest, requestsReadBackAsTheCommandsSent) {
  EXPECT_EQ(server_reads({"SET", "t0", "c1-7-a-value-to-lend", "PX", "75"}),
            (Argv{"SET", "t0", "c1-7-a-value-to-lend", "PX", "75"}));
  EXPECT_EQ(server_reads({"SET", "k0", "v"}), (Argv{"SET", "k0", "v"}));
  EXPECT_EQ(server_reads({"GET", "k0"}), (Argv{"GET", "k0"}));
  EXPECT_EQ(server_reads({"MULTI"}), (Argv{"MULTI"}));
  EXPECT_EQ(server_reads({"RPUSH", "l", "a", "b"}), (Argv{"RPUSH", "l", "a", "b"}));
  EXPECT_EQ(server_reads({"HSET", "h", "f", "v"}), (Argv{"HSET", "h", "f", "v"}));
}

TEST(JsonClientTest, thePlantedBugTurnsTtlMsIntoSeconds) {
  api::plant_json_ttl_seconds(true);
  const Argv read = server_reads({"SET", "t0", "v", "PX", "75"});
  api::plant_json_ttl_seconds(false);
  EXPECT_EQ(read, (Argv{"SET", "t0", "v", "EX", "75"}));
}

TEST(JsonClientTest, repliesReadBackAsTheRedisRepliesTheyStandFor) {
  resp::Value ok{.type = Type::kSimple, .str = "OK"};
  EXPECT_EQ(round_trip(ok).type, Type::kSimple);
  EXPECT_EQ(round_trip(ok).str, "OK");
  resp::Value bulk{.type = Type::kBulk, .str = std::string("v\0\xff", 3)};
  EXPECT_EQ(round_trip(bulk).type, Type::kBulk);
  EXPECT_EQ(round_trip(bulk).str, bulk.str);
  EXPECT_EQ(round_trip(resp::Value{.type = Type::kNull}).type, Type::kNull);
  resp::Value error{.type = Type::kError, .str = "UNCERTAIN the write may or may not apply"};
  EXPECT_EQ(round_trip(error).type, Type::kError);
  EXPECT_EQ(round_trip(error).str, error.str);
  resp::Value exec{.type = Type::kArray};
  exec.elements = {ok, resp::Value{.type = Type::kInteger, .integer = 3},
                   resp::Value{.type = Type::kError, .str = "WRONGTYPE x"},
                   resp::Value{.type = Type::kNull}};
  const resp::Value back = round_trip(exec);
  ASSERT_EQ(back.type, Type::kArray);
  ASSERT_EQ(back.elements.size(), 4u);
  EXPECT_EQ(back.elements[0].type, Type::kSimple);
  EXPECT_EQ(back.elements[0].str, "OK");
  EXPECT_EQ(back.elements[1].type, Type::kInteger);
  EXPECT_EQ(back.elements[1].integer, 3);
  EXPECT_EQ(back.elements[2].type, Type::kError);
  EXPECT_EQ(back.elements[2].str, "WRONGTYPE x");
  EXPECT_EQ(back.elements[3].type, Type::kNull);
}

TEST(JsonClientTest, aReplyLineThatBreaksTheProtocolFailsTheSeed) {
  EXPECT_THROW(json_reply_value("not json"), SimFailure);
  EXPECT_THROW(json_reply_value(R"({"ok":true})"), SimFailure);
  EXPECT_THROW(json_reply_value(R"({"ok":false,"result":"OK"})"), SimFailure);
  EXPECT_THROW(json_reply_value(R"({"ok":true,"value":"not base64!"})"), SimFailure);
  EXPECT_THROW(json_reply_value(R"({"ok":true,"value":5})"), SimFailure);
  EXPECT_THROW(json_reply_value(R"([1,2])"), SimFailure);
}

}  // namespace
}  // namespace helios::sim
