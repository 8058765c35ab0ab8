// The admin API's request parsing: the target of POST /transfer-leader.
#include "admin/admin_server.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace helios::admin {
namespace {

NodeId target_of(const std::optional<std::string>& query, const std::string& body) {
  const Result<NodeId> r = parse_transfer_target(query, body);
  EXPECT_TRUE(r.is_ok()) << "query " << query.value_or("(none)") << ", body '" << body
                         << "': " << r.status().to_string();
  return r.is_ok() ? r.value() : kNoNode;
}

std::string refusal_of(const std::optional<std::string>& query, const std::string& body) {
  const Result<NodeId> r = parse_transfer_target(query, body);
  EXPECT_FALSE(r.is_ok()) << "query " << query.value_or("(none)") << ", body '" << body << "' gave "
                          << (r.is_ok() ? r.value() : 0);
  if (r.is_ok()) {
    return "";
  }
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

TEST(ParseTransferTargetTest, parse_noTargetMeansChoose) {
  EXPECT_EQ(target_of(std::nullopt, ""), kNoNode);
  EXPECT_EQ(target_of(std::nullopt, " \n"), kNoNode);
  EXPECT_EQ(target_of(std::nullopt, "{}"), kNoNode);
  EXPECT_EQ(target_of(std::nullopt, R"({"target": null})"), kNoNode);
}

TEST(ParseTransferTargetTest, parse_queryOrBody) {
  EXPECT_EQ(target_of("3", ""), 3u);
  EXPECT_EQ(target_of("node-2", ""), 2u);
  EXPECT_EQ(target_of(std::nullopt, R"({"target": 5})"), 5u);
  EXPECT_EQ(target_of(std::nullopt, R"({"target": "4"})"), 4u);
  EXPECT_EQ(target_of(std::nullopt, R"({"target": "node-4"})"), 4u);
  EXPECT_EQ(target_of("2", R"({"target": 2})"), 2u);  // both, agreeing
}

TEST(ParseTransferTargetTest, parse_badIdsAreRefused) {
  for (const char* bad :
       {"", "0", "-1", "abc", "2x", "node-", "node-0", " 2", "99999999999999999999999"}) {
    EXPECT_NE(refusal_of(std::string(bad), "").find("is not a node id"), std::string::npos) << bad;
  }
  for (const char* body : {R"({"target": 0})", R"({"target": -2})", R"({"target": 1.5})",
                           R"({"target": "x"})", R"({"target": [2]})", R"({"target": true})"}) {
    EXPECT_NE(refusal_of(std::nullopt, body).find("is not a node id"), std::string::npos) << body;
  }
}

TEST(ParseTransferTargetTest, parse_malformedBodiesAreRefused) {
  EXPECT_NE(refusal_of(std::nullopt, "{").find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusal_of(std::nullopt, "[2]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusal_of(std::nullopt, "target=2").find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusal_of(std::nullopt, R"({"traget": 2})").find("unknown field 'traget'"),
            std::string::npos);
  EXPECT_NE(refusal_of("2", R"({"target": 3})").find("the query names target 2"),
            std::string::npos);
}

}  // namespace
}  // namespace helios::admin
