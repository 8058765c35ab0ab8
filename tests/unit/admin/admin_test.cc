// The admin API's request parsing: the target of POST /transfer-leader, the body of
// POST /members and the JSON of GET /members.
#include "admin/admin_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "admin/members_api.h"

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

// --- POST /members, GET /members (members_api.h) ---------------------------------------

std::string member_refusal(const std::string& body) {
  const Result<node::MemberRequest> r = parse_member_request(body);
  EXPECT_FALSE(r.is_ok()) << body;
  return r.is_ok() ? "" : r.status().message();
}

TEST(MemberRequestTest, parse_fullAndMinimalRequests) {
  const Result<node::MemberRequest> full =
      parse_member_request(R"({"id": 4, "peer": "10.0.0.4:9004", "client": "10.0.0.4:7004",)"
                           R"( "admin": "10.0.0.4:8004", "learner": true, "auto_promote": true})");
  ASSERT_TRUE(full.is_ok()) << full.status().to_string();
  EXPECT_EQ(full.value().kind, node::MemberRequest::Kind::kAdd);
  EXPECT_EQ(full.value().member.id, 4u);
  EXPECT_EQ(full.value().member.peer.to_string(), "10.0.0.4:9004");
  EXPECT_EQ(full.value().member.client.to_string(), "10.0.0.4:7004");
  EXPECT_EQ(full.value().member.admin.to_string(), "10.0.0.4:8004");
  EXPECT_TRUE(full.value().learner);
  EXPECT_TRUE(full.value().member.auto_promote);

  const Result<node::MemberRequest> minimal = parse_member_request(R"({"id":5,"peer":"h:1"})");
  ASSERT_TRUE(minimal.is_ok());
  EXPECT_FALSE(minimal.value().learner);
  EXPECT_EQ(minimal.value().member.client.port, 0);
}

TEST(MemberRequestTest, parse_refusesMalformedRequests) {
  EXPECT_NE(member_refusal("").find("not a JSON object"), std::string::npos);
  EXPECT_NE(member_refusal("[1]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(member_refusal("{bad").find("not a JSON object"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"peer":"h:1"})").find("id: missing"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":0,"peer":"h:1"})").find("id: 0"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":-2,"peer":"h:1"})").find("id: -2"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":"4","peer":"h:1"})").find("id:"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":4})").find("peer: missing"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":4,"peer":"nohost"})").find("peer:"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":4,"peer":"h:70000"})").find("peer:"), std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":4,"peer":"h:1","client":5})").find("client:"),
            std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":4,"peer":"h:1","learner":"yes"})").find("learner:"),
            std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":4,"peer":"h:1","auto_promote":true})").find("only for"),
            std::string::npos);
  EXPECT_NE(member_refusal(R"({"id":4,"peer":"h:1","role":"x"})").find("unknown field 'role'"),
            std::string::npos);
  const std::string long_host(300, 'a');
  EXPECT_NE(member_refusal(R"({"id":4,"peer":")" + long_host + R"(:1"})").find("255"),
            std::string::npos);
}

TEST(MemberRequestTest, parseNodeId) {
  EXPECT_EQ(parse_node_id("3").value(), 3u);
  EXPECT_EQ(parse_node_id("node-12").value(), 12u);
  for (const char* bad : {"", "0", "-1", "x", "node-", "3x", "99999999999999999999999"}) {
    EXPECT_FALSE(parse_node_id(bad).is_ok()) << bad;
  }
}

TEST(MembersJsonTest, listsEachRoleWithAddresses) {
  node::MembersView v;
  v.self = 2;
  v.cluster_id = "c";
  v.leader = 1;
  v.term = 7;
  v.conf.voters = {2, 3};
  v.conf.voters_outgoing = {1, 2, 3};
  v.conf.learners = {4};
  v.change_in_progress = true;
  v.book = {node::Member{1, {"h", 1}, {"h", 2}, {"h", 3}, false},
            node::Member{4, {"k", 1}, {}, {}, true}};
  const nlohmann::json j = nlohmann::json::parse(members_json(v));
  EXPECT_EQ(j["cluster_id"], "c");
  EXPECT_EQ(j["leader"], 1);
  EXPECT_TRUE(j["joint"].get<bool>());
  EXPECT_TRUE(j["change_in_progress"].get<bool>());
  ASSERT_EQ(j["voters"].size(), 2u);
  EXPECT_EQ(j["voters"][0]["name"], "node-2");
  EXPECT_TRUE(j["voters"][0]["peer"].is_null());
  ASSERT_EQ(j["outgoing_voters"].size(), 3u);
  EXPECT_EQ(j["outgoing_voters"][0]["admin"], "h:3");
  ASSERT_EQ(j["learners"].size(), 1u);
  EXPECT_EQ(j["learners"][0]["peer"], "k:1");
  EXPECT_TRUE(j["learners"][0]["client"].is_null());
  EXPECT_TRUE(j["learners"][0]["auto_promote"].get<bool>());
}

}  // namespace
}  // namespace helios::admin
