// Logging: levels and formats parse, and a JSON line is one valid object whatever the
// message holds.
#include "base/log.h"

#include <gtest/gtest.h>

namespace helios::base {
namespace {

TEST(LogTest, levelsAndFormatsParse) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(parse_log_level("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_FALSE(parse_log_level("loud", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  LogFormat format = LogFormat::kText;
  EXPECT_TRUE(parse_log_format("json", &format));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_TRUE(parse_log_format("text", &format));
  EXPECT_EQ(format, LogFormat::kText);
  EXPECT_FALSE(parse_log_format("JSON", &format));
  EXPECT_EQ(format, LogFormat::kText);
}

TEST(LogTest, jsonLineEscapesTheMessage) {
  EXPECT_EQ(json_log_line(LogLevel::kInfo, "raft", "Vote granted candidate=node-2 term=2",
                          "2026-01-15T10:00:00.000Z"),
            "{\"time\":\"2026-01-15T10:00:00.000Z\",\"level\":\"info\",\"component\":\"raft\","
            "\"msg\":\"Vote granted candidate=node-2 term=2\"}");
  EXPECT_EQ(
      json_log_line(LogLevel::kWarn, "", std::string("a\"b\\c\nd\te\x01\xE2\x9C\x93", 13), "t"),
      "{\"time\":\"t\",\"level\":\"warn\",\"component\":\"\","
      "\"msg\":\"a\\\"b\\\\c\\nd\\te\\u0001\xE2\x9C\x93\"}");
}

TEST(LogTest, enabledFollowsTheLevel) {
  const LogLevel saved = log_level();
  set_log_level(LogLevel::kWarn);
  EXPECT_FALSE(log_enabled(LogLevel::kInfo));
  EXPECT_TRUE(log_enabled(LogLevel::kError));
  set_log_level(saved);
}

}  // namespace
}  // namespace helios::base
