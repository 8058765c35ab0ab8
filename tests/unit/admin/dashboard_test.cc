// The dashboard: its embedded files (as in the source tree, a page that loads nothing from
// elsewhere and runs under its Content-Security-Policy), the script's lists of write and
// read commands against the command table, metrics_summary() and the /cluster JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "admin/cluster_view.h"
#include "admin/dashboard.h"
#include "admin/dashboard_assets.h"
#include "api/command_table.h"
#include "node/members.h"

namespace helios::admin {
namespace {

using nlohmann::json;

std::string asset(const std::string& name) {
  const Asset* a = find_asset(name);
  EXPECT_NE(a, nullptr) << name;
  return a == nullptr ? "" : std::string(a->body);
}

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(HELIOS_DASHBOARD_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DashboardAssetsTest, embedded_areTheSourceFiles) {
  ASSERT_EQ(dashboard_assets().size(), 3U);
  for (const char* name : {"index.html", "style.css", "app.js"}) {
    const std::string body = asset(name);
    EXPECT_FALSE(body.empty()) << name;
    EXPECT_EQ(body, source_file(name)) << name << " differs from src/admin/dashboard/";
  }
  EXPECT_EQ(find_asset("nope.js"), nullptr);
}

TEST(DashboardAssetsTest, paths_andContentTypes) {
  const std::vector<std::string> paths = dashboard_paths();
  const std::set<std::string> got(paths.begin(), paths.end());
  EXPECT_EQ(got,
            (std::set<std::string>{"/", "/dashboard/style.css", "/dashboard/app.js", "/cluster"}));
  EXPECT_EQ(content_type_of("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_of("x.bin"), "application/octet-stream");
}

TEST(DashboardAssetsTest, page_loadsOnlyItsOwnFilesAndRunsUnderThePolicy) {
  const std::string page = asset("index.html");
  EXPECT_NE(page.find(R"(<link rel="stylesheet" href="/dashboard/style.css">)"), std::string::npos);
  EXPECT_NE(page.find(R"(<script src="/dashboard/app.js" defer></script>)"), std::string::npos);
  EXPECT_NE(page.find(R"(<meta name="viewport" content="width=device-width)"), std::string::npos);
  for (const std::string& name :
       {std::string("index.html"), std::string("app.js"), std::string("style.css")}) {
    const std::string text = asset(name);
    // Nothing from another origin (the SVG namespace is a name, not a request).
    std::string stripped =
        std::regex_replace(text, std::regex("http://www\\.w3\\.org/2000/svg"), "");
    EXPECT_EQ(stripped.find("://"), std::string::npos) << name;
    EXPECT_EQ(text.find("@import"), std::string::npos) << name;
  }
  // The policy allows no inline script, style attribute or event handler.
  EXPECT_FALSE(std::regex_search(page, std::regex("<script>|<style|\\sstyle=|\\son[a-z]+=")));
  EXPECT_EQ(asset("app.js").find("innerHTML"), std::string::npos);  // text only, no markup
}

// The quoted names of `const NAME = [...]` in app.js.
std::set<std::string> js_list(const std::string& script, const std::string& name) {
  const std::size_t start = script.find("const " + name + " = [");
  EXPECT_NE(start, std::string::npos) << name;
  if (start == std::string::npos) {
    return {};
  }
  const std::size_t end = script.find("];", start);
  const std::string body = script.substr(start, end - start);
  std::set<std::string> out;
  const std::regex quoted("'([a-z]+)'");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), quoted);
       it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

TEST(DashboardScriptTest, writeAndReadLists_matchTheCommandTable) {
  std::set<std::string> writes{"exec"};  // a transaction: one log entry
  std::set<std::string> reads;
  for (const api::CommandSpec& c : api::all_commands()) {
    const std::string flags = " " + std::string(c.flags) + " ";
    if (flags.find(" write ") != std::string::npos) {
      writes.insert(lower(c.name));
    } else if (flags.find(" readonly ") != std::string::npos) {
      reads.insert(lower(c.name));
    }
  }
  const std::string script = asset("app.js");
  EXPECT_EQ(js_list(script, "WRITE_COMMANDS"), writes);
  EXPECT_EQ(js_list(script, "READ_COMMANDS"), reads);
}

constexpr const char* kMetrics = R"(# HELP helios_client_commands_total Commands
# TYPE helios_client_commands_total counter
helios_client_commands_total{cmd="get"} 12
helios_client_commands_total{cmd="set"} 7
# TYPE helios_raft_proposals_committed_total counter
helios_raft_proposals_committed_total 5
# TYPE helios_commit_duration_seconds histogram
helios_commit_duration_seconds_count 5
helios_commit_duration_seconds_sum 0.0125
helios_commit_duration_seconds_bucket{le="0.001"} 1
helios_commit_duration_seconds_bucket{le="0.0025"} 4
helios_commit_duration_seconds_bucket{le="+Inf"} 5
helios_wal_fsync_duration_seconds_count 2
helios_wal_fsync_duration_seconds_sum 0.002
helios_wal_fsync_duration_seconds_bucket{le="0.001"} 2
helios_wal_fsync_duration_seconds_bucket{le="+Inf"} 2
helios_client_command_duration_seconds_bucket{cmd="get",le="0.001"} 12
helios_raft_term 3
not a sample line
helios_keys{broken 3
)";

TEST(MetricsSummaryTest, summary_keepsTheChartedFamilies) {
  const json j = json::parse(metrics_summary(kMetrics));
  EXPECT_EQ(j["commands"], json::parse(R"({"get": 12, "set": 7})"));
  EXPECT_EQ(j["proposals_committed"], 5);
  EXPECT_FALSE(j.contains("proposals_failed"));
  EXPECT_EQ(j["commit_seconds"]["le"], json::parse("[0.001, 0.0025]"));
  EXPECT_EQ(j["commit_seconds"]["cumulative"], json::parse("[1, 4]"));
  EXPECT_EQ(j["commit_seconds"]["count"], 5);
  EXPECT_DOUBLE_EQ(j["commit_seconds"]["sum"].get<double>(), 0.0125);
  EXPECT_EQ(j["fsync_seconds"]["cumulative"], json::parse("[2]"));
  EXPECT_FALSE(j.contains("read_index_seconds"));
  EXPECT_EQ(json::parse(metrics_summary("")), json::parse(R"({"commands": {}})"));
}

// A members view of voters 1..3 (node-3's admin address unknown) and learner 4.
node::MembersView view_of_three() {
  node::MembersView v;
  v.self = 1;
  v.cluster_id = "c";
  v.leader = 2;
  v.term = 7;
  v.conf.voters = {1, 2, 3};
  v.conf.learners = {4};
  for (NodeId id : {1, 2, 3, 4}) {
    node::Member m;
    m.id = id;
    m.peer = {"127.0.0.1", static_cast<std::uint16_t>(9000 + id)};
    if (id != 3) {
      m.admin = {"127.0.0.1", static_cast<std::uint16_t>(8000 + id)};
    }
    node::upsert_member(v.book, m);
  }
  return v;
}

TEST(ClusterJsonTest, members_withTheLeadersLagAndThisNodesLinks) {
  const json self_status = {{"node_id", 1},
                            {"state", "Follower"},
                            {"term", 7},
                            {"last_log_index", 40},
                            {"peers",
                             {{{"id", 2}, {"connected", true}, {"last_heard_ms", 12}},
                              {{"id", 3}, {"connected", false}, {"last_heard_ms", -1}}}}};
  const json leader_status = {{"node_id", 2},
                              {"state", "Leader"},
                              {"term", 7},
                              {"last_log_index", 42},
                              {"peers",
                               {{{"id", 1}, {"match_index", 40}, {"replication_lag", 2}},
                                {{"id", 3}, {"match_index", 30}, {"replication_lag", 12}},
                                {{"id", 4}, {"match_index", 41}, {"replication_lag", 1}}}}};
  std::vector<MemberProbe> probes(4);
  probes[0] = {1, true, "", self_status.dump(), kMetrics};
  probes[1] = {2, true, "", leader_status.dump(), ""};
  probes[2] = {3, false, "admin address unknown", "", ""};
  probes[3] = {4, false, "/status: cannot connect", "", ""};
  const json j = json::parse(cluster_json(view_of_three(), probes, 1000, 12));
  EXPECT_EQ(j["node_id"], 1);
  EXPECT_EQ(j["name"], "node-1");
  EXPECT_EQ(j["cluster_id"], "c");
  EXPECT_EQ(j["leader"], 2);
  EXPECT_EQ(j["term"], 7);
  EXPECT_EQ(j["time_ms"], 1000);
  EXPECT_EQ(j["elapsed_ms"], 12);
  ASSERT_EQ(j["members"].size(), 4U);
  const json& m1 = j["members"][0];
  EXPECT_EQ(m1["name"], "node-1");
  EXPECT_EQ(m1["kind"], "voter");
  EXPECT_TRUE(m1["self"]);
  EXPECT_EQ(m1["admin"], "127.0.0.1:8001");
  EXPECT_TRUE(m1["reachable"]);
  EXPECT_TRUE(m1["error"].is_null());
  EXPECT_EQ(m1["status"], self_status);
  EXPECT_EQ(m1["lag"], 2);
  EXPECT_EQ(m1["match_index"], 40);
  EXPECT_TRUE(m1["link"].is_null());
  EXPECT_EQ(m1["metrics"]["commands"]["set"], 7);
  const json& m2 = j["members"][1];
  EXPECT_EQ(m2["lag"], 0);
  EXPECT_EQ(m2["match_index"], 42);
  EXPECT_EQ(m2["link"], json::parse(R"({"connected": true, "last_heard_ms": 12})"));
  EXPECT_TRUE(m2["metrics"].is_null());
  const json& m3 = j["members"][2];
  EXPECT_FALSE(m3["reachable"]);
  EXPECT_TRUE(m3["admin"].is_null());
  EXPECT_EQ(m3["error"], "admin address unknown");
  EXPECT_TRUE(m3["status"].is_null());
  EXPECT_EQ(m3["lag"], 12);
  EXPECT_EQ(m3["link"], json::parse(R"({"connected": false, "last_heard_ms": -1})"));
  const json& m4 = j["members"][3];
  EXPECT_EQ(m4["kind"], "learner");
  EXPECT_EQ(m4["error"], "/status: cannot connect");
  EXPECT_EQ(m4["lag"], 1);
  EXPECT_TRUE(m4["link"].is_null());
}

TEST(ClusterJsonTest, noReachableLeader_noLag_andBadStatusIsUnreachable) {
  node::MembersView v = view_of_three();
  v.conf.voters = {1, 2};
  v.conf.voters_outgoing = {1, 2, 3};  // joint: node-3 on its way out
  v.conf.learners.clear();
  std::vector<MemberProbe> probes = {{1, true, "", R"({"node_id":1,"state":"Candidate"})", ""},
                                     {2, true, "", "not json", ""}};
  const json j = json::parse(cluster_json(v, probes, 0, 0));
  ASSERT_EQ(j["members"].size(), 3U);
  EXPECT_TRUE(j["joint"]);
  EXPECT_EQ(j["members"][2]["kind"], "outgoing voter");
  for (const json& m : j["members"]) {
    EXPECT_TRUE(m["lag"].is_null()) << m;
  }
  EXPECT_FALSE(j["members"][1]["reachable"]);
  EXPECT_EQ(j["members"][1]["error"], "/status: not a JSON object");
  EXPECT_EQ(j["members"][2]["error"], "admin address unknown");  // no probe, no address
}

}  // namespace
}  // namespace helios::admin
