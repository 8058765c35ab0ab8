// Node configuration: TOML parsing, durations and addresses, and validation that names
// the offending key.
#include "node/config.h"

#include <gtest/gtest.h>

#include <limits>

namespace helios::node {
namespace {

constexpr char kThreeNodes[] = R"(
node_id = 2
cluster_id = "prod-1"
data_dir = "/var/lib/helios/node-2"
listen = "10.0.1.11:9001"
admin = "10.0.1.11:8001"
heartbeat_timeout = "100ms"
election_timeout = "1s"
max_entries_per_append = 50
snapshot_threshold = 50000
snapshot_interval = "30m"
snapshot_trailing_entries = 500
snapshot_retain = 5
snapshot_chunk_bytes = 65536
log_level = "debug"
log_format = "json"
[[peers]]
id = 1
address = "10.0.1.10:9001"
[[peers]]
id = 2
address = "10.0.1.11:9001"
[[peers]]
id = 3
address = "10.0.1.12:9001"
)";

NodeConfig parsed(const std::string& text) {
  NodeConfig c;
  const Status s = load_toml(text, c);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return c;
}

TEST(ConfigTest, loadToml_readsEveryKey) {
  const NodeConfig c = parsed(kThreeNodes);
  EXPECT_EQ(c.node_id, 2u);
  EXPECT_EQ(c.cluster_id, "prod-1");
  EXPECT_EQ(c.data_dir, "/var/lib/helios/node-2");
  EXPECT_EQ(c.listen, (HostPort{"10.0.1.11", 9001}));
  EXPECT_EQ(c.admin, (HostPort{"10.0.1.11", 8001}));
  EXPECT_EQ(c.heartbeat_timeout_ms, 100u);
  EXPECT_EQ(c.election_timeout_ms, 1000u);
  EXPECT_EQ(c.max_entries_per_append, 50u);
  EXPECT_EQ(c.snapshot_threshold, 50000u);
  EXPECT_EQ(c.snapshot_interval_ms, 30u * 60 * 1000);
  EXPECT_EQ(c.snapshot_trailing_entries, 500u);
  EXPECT_EQ(c.snapshot_retain, 5u);
  EXPECT_EQ(c.snapshot_chunk_bytes, 65536u);
  EXPECT_EQ(c.log_level, base::LogLevel::kDebug);
  EXPECT_EQ(c.log_format, base::LogFormat::kJson);
  ASSERT_EQ(c.peers.size(), 3u);
  EXPECT_EQ(c.peers[2].address.to_string(), "10.0.1.12:9001");
  EXPECT_TRUE(validate(c).is_ok()) << validate(c).to_string();
}

TEST(ConfigTest, snapshotIntervalTicks_roundsUpAndNeverWraps) {
  NodeConfig c = parsed(kThreeNodes);
  c.heartbeat_timeout_ms = 50;  // ticks of 10 ms
  c.snapshot_interval_ms = 0;
  EXPECT_EQ(c.snapshot_interval_ticks(), 0u);  // never
  c.snapshot_interval_ms = 30 * 60 * 1000;
  EXPECT_EQ(c.snapshot_interval_ticks(), 180'000u);
  c.snapshot_interval_ms = 1001;
  EXPECT_EQ(c.snapshot_interval_ticks(), 101u);
  // The longest duration the parser accepts stays the longest interval, not a short one.
  c.snapshot_interval_ms = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(c.snapshot_interval_ticks(), std::numeric_limits<std::uint64_t>::max() / 10 + 1);
}

TEST(ConfigTest, toRaftConfig_ticksFromTimeouts) {
  NodeConfig c = parsed(kThreeNodes);
  c.heartbeat_timeout_ms = 50;
  c.election_timeout_ms = 150;
  const raft::Config r = to_raft_config(c);
  EXPECT_EQ(c.tick_ms(), 10u);
  EXPECT_EQ(r.heartbeat_ticks, 5);
  EXPECT_EQ(r.election_ticks, 15);  // randomized in [150ms, 300ms)
  EXPECT_EQ(r.voters, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(r.id, 2u);
}

TEST(ConfigTest, readMode_defaultReadIndexAndLeaseWithItsDriftBound) {
  NodeConfig c = parsed(kThreeNodes);  // tick 20 ms, election timeout 50 ticks
  EXPECT_EQ(c.read_mode, ReadMode::kReadIndex);
  EXPECT_FALSE(to_raft_config(c).lease_reads);
  c = parsed("read_mode = \"lease\"\n" + std::string(kThreeNodes));
  EXPECT_EQ(c.read_mode, ReadMode::kLease);
  raft::Config r = to_raft_config(c);
  EXPECT_TRUE(r.lease_reads);
  EXPECT_EQ(r.lease_drift_ticks, 5);  // by default a tenth of the election timeout
  EXPECT_EQ(r.lease_ticks(), 43);     // 50 - 2 - 5
  c = parsed("read_mode = \"lease\"\nmax_clock_drift = \"101ms\"\n" + std::string(kThreeNodes));
  EXPECT_EQ(to_raft_config(c).lease_drift_ticks, 6);  // rounded up to whole ticks
  EXPECT_TRUE(validate(c).is_ok()) << validate(c).to_string();
}

TEST(ConfigTest, readMode_errorsNameTheKey) {
  NodeConfig c;
  Status s = load_toml("read_mode = \"fast\"", c);
  EXPECT_NE(s.message().find("read_mode"), std::string::npos) << s.message();
  s = load_toml("max_clock_drift = \"a while\"", c);
  EXPECT_NE(s.message().find("max_clock_drift"), std::string::npos) << s.message();
  // A drift that leaves no lease is refused, naming the key.
  c = parsed("read_mode = \"lease\"\nmax_clock_drift = \"1s\"\n" + std::string(kThreeNodes));
  s = validate(c);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("max_clock_drift"), std::string::npos) << s.message();
  // The same drift is fine with ReadIndex: it is not used.
  c.read_mode = ReadMode::kReadIndex;
  EXPECT_TRUE(validate(c).is_ok());
}

TEST(ConfigTest, parseDuration_unitsAndErrors) {
  EXPECT_EQ(parse_duration_ms("50ms").value(), 50u);
  EXPECT_EQ(parse_duration_ms("2s").value(), 2000u);
  EXPECT_EQ(parse_duration_ms("30m").value(), 1'800'000u);
  EXPECT_EQ(parse_duration_ms("1h").value(), 3'600'000u);
  EXPECT_EQ(parse_duration_ms("75").value(), 75u);
  EXPECT_FALSE(parse_duration_ms("fast").is_ok());
  EXPECT_FALSE(parse_duration_ms("5 days").is_ok());
  EXPECT_FALSE(parse_duration_ms("").is_ok());
}

TEST(ConfigTest, parseHostPort_rejectsMalformedAddresses) {
  EXPECT_EQ(parse_host_port("127.0.0.1:9001").value(), (HostPort{"127.0.0.1", 9001}));
  for (const char* bad : {"127.0.0.1", ":9001", "host:", "host:0", "host:70000", "host:9x"}) {
    EXPECT_FALSE(parse_host_port(bad).is_ok()) << bad;
  }
}

struct BadCase {
  const char* edit;  // appended to the valid document, or replacing a key
  const char* key;   // the key the error must name
};

void expect_refused(NodeConfig c, const std::string& key) {
  const Status s = validate(c);
  ASSERT_FALSE(s.is_ok()) << "expected " << key << " to be refused";
  EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
}

TEST(ConfigTest, validate_namesTheOffendingKey) {
  NodeConfig c = parsed(kThreeNodes);
  NodeConfig e = c;
  e.election_timeout_ms = 150;  // not well above heartbeat 100ms
  expect_refused(e, "election_timeout");
  e = c;
  e.node_id = 4;  // missing from its own peer list
  expect_refused(e, "peers");
  e = c;
  e.node_id = 0;
  expect_refused(e, "node_id");
  e = c;
  e.cluster_id = "bad id!";
  expect_refused(e, "cluster_id");
  e = c;
  e.data_dir.clear();
  expect_refused(e, "data_dir");
  e = c;
  e.peers.push_back(e.peers[0]);
  expect_refused(e, "peers");
  e = c;
  e.listen.port = 9999;
  expect_refused(e, "listen");
  e = c;
  e.max_entries_per_append = 0;
  expect_refused(e, "max_entries_per_append");
}

TEST(ConfigTest, loadToml_errorsNameTheKey) {
  NodeConfig c;
  Status s = load_toml("listen = \"nowhere\"", c);
  EXPECT_NE(s.message().find("listen"), std::string::npos) << s.message();
  s = load_toml("heartbeat_timeout = \"soon\"", c);
  EXPECT_NE(s.message().find("heartbeat_timeout"), std::string::npos) << s.message();
  s = load_toml("hearbeat_timeout = \"50ms\"", c);  // a typo is not ignored
  EXPECT_NE(s.message().find("unknown key"), std::string::npos) << s.message();
  s = load_toml("node_id = -3", c);
  EXPECT_NE(s.message().find("node_id"), std::string::npos) << s.message();
  s = load_toml("[[peers]]\nid = 1\nadress = \"a:1\"", c);
  EXPECT_NE(s.message().find("peers[0].adress"), std::string::npos) << s.message();
  s = load_toml("node_id = = 3", c);
  EXPECT_NE(s.message().find("line 1"), std::string::npos) << s.message();
}

TEST(ConfigTest, snapshotKnobs_defaults) {
  const NodeConfig c;
  EXPECT_EQ(c.snapshot_threshold, 10000u);
  EXPECT_EQ(c.snapshot_interval_ms, 30u * 60 * 1000);
  EXPECT_EQ(c.snapshot_trailing_entries, 10000u);
  EXPECT_EQ(c.snapshot_threshold_bytes, 64u << 20);
  EXPECT_EQ(c.snapshot_trailing_bytes, 64u << 20);
  EXPECT_EQ(c.snapshot_retain, 2u);
  EXPECT_EQ(c.snapshot_chunk_bytes, 1u << 20);
  // A document without the snapshot keys leaves them as they were.
  NodeConfig kept;
  kept.snapshot_retain = 7;
  ASSERT_TRUE(load_toml("node_id = 1\n", kept).is_ok());
  EXPECT_EQ(kept.snapshot_retain, 7u);
  EXPECT_EQ(kept.snapshot_trailing_entries, 10000u);
}

TEST(ConfigTest, snapshotKnobs_zeroDisablesTriggersAndKeepsNoTrailingEntries) {
  std::string text = kThreeNodes;
  const std::string knobs =
      "snapshot_threshold = 50000\nsnapshot_interval = \"30m\"\nsnapshot_trailing_entries = 500\n";
  ASSERT_NE(text.find(knobs), std::string::npos);
  text.replace(text.find(knobs), knobs.size(),
               "snapshot_threshold = 0\nsnapshot_interval = \"0s\"\n"
               "snapshot_trailing_entries = 0\nsnapshot_threshold_bytes = 0\n"
               "snapshot_trailing_bytes = 0\n");
  const NodeConfig c = parsed(text);
  EXPECT_EQ(c.snapshot_threshold_bytes, 0u);
  EXPECT_EQ(c.snapshot_trailing_bytes, 0u);
  EXPECT_EQ(c.snapshot_threshold, 0u);
  EXPECT_EQ(c.snapshot_interval_ms, 0u);
  EXPECT_EQ(c.snapshot_trailing_entries, 0u);
  EXPECT_TRUE(validate(c).is_ok()) << validate(c).to_string();
}

TEST(ConfigTest, snapshotKnobs_loadErrorsNameTheKey) {
  for (const char* key :
       {"snapshot_threshold", "snapshot_trailing_entries", "snapshot_retain",
        "snapshot_chunk_bytes", "snapshot_threshold_bytes", "snapshot_trailing_bytes"}) {
    for (const char* value : {"-1", "\"many\"", "1.5"}) {
      NodeConfig c;
      const Status s = load_toml(std::string(key) + " = " + value, c);
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << key << " = " << value;
      EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
    }
  }
  NodeConfig c;
  const Status s = load_toml("snapshot_interval = \"soon\"", c);
  EXPECT_NE(s.message().find("snapshot_interval"), std::string::npos) << s.message();
  EXPECT_NE(load_toml("snapshot_retention = 3", c).message().find("unknown key"),
            std::string::npos);
}

TEST(ConfigTest, snapshotKnobs_validateRefusesNoRetainedSnapshotAndChunkOutOfRange) {
  const NodeConfig c = parsed(kThreeNodes);
  NodeConfig e = c;
  e.snapshot_retain = 0;
  expect_refused(e, "snapshot_retain");
  e.snapshot_retain = 1;
  EXPECT_TRUE(validate(e).is_ok()) << validate(e).to_string();
  for (std::uint64_t bytes : {std::uint64_t{0}, std::uint64_t{4095}, std::uint64_t{16u << 20} + 1,
                              std::uint64_t{1} << 40}) {
    e = c;
    e.snapshot_chunk_bytes = bytes;
    expect_refused(e, "snapshot_chunk_bytes");
  }
  for (std::uint64_t bytes : {kMinSnapshotChunkBytes, kMaxSnapshotChunkBytes}) {
    e = c;
    e.snapshot_chunk_bytes = bytes;
    EXPECT_TRUE(validate(e).is_ok()) << bytes << ": " << validate(e).to_string();
  }
  EXPECT_EQ(kMinSnapshotChunkBytes, 4096u);
  EXPECT_EQ(kMaxSnapshotChunkBytes, 16u << 20);
}

TEST(ConfigTest, clientTable_readsEveryKeyAndPeerClientAddresses) {
  const std::string text =
      std::string(kThreeNodes)
          .replace(
              std::string(kThreeNodes).find("[[peers]]"), 9,
              "[client]\nlisten = \"10.0.1.11:7001\"\nredirect = \"moved\"\n"
              "max_connections = 10\nmax_bulk_bytes = 1000\nmax_args = 20\nmax_inline_bytes = 300\n"
              "max_output_bytes = 4000\nwrite_timeout = \"2s\"\nleader_wait = \"500ms\"\n"
              "max_batch_bytes = 5000\nmax_batch_commands = 7\n[[peers]]\nclient = \"h:1\"");
  NodeConfig c = parsed(text);
  EXPECT_EQ(c.client.listen, (HostPort{"10.0.1.11", 7001}));
  EXPECT_EQ(c.client.redirect, Redirect::kMoved);
  EXPECT_EQ(c.client.max_connections, 10u);
  EXPECT_EQ(c.client.max_bulk_bytes, 1000u);
  EXPECT_EQ(c.client.max_args, 20u);
  EXPECT_EQ(c.client.max_inline_bytes, 300u);
  EXPECT_EQ(c.client.max_output_bytes, 4000u);
  EXPECT_EQ(c.client.write_timeout_ms, 2000u);
  EXPECT_EQ(c.client.leader_wait_ms, 500u);
  EXPECT_EQ(c.client.max_batch_bytes, 5000u);
  EXPECT_EQ(c.client.max_batch_commands, 7u);
  EXPECT_EQ(c.peers[0].client, (HostPort{"h", 1}));
  // "moved" needs every peer's client address.
  const Status s = validate(c);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("client.redirect"), std::string::npos) << s.message();
  for (PeerConfig& p : c.peers) {
    p.client = {"h", 7001};
  }
  EXPECT_TRUE(validate(c).is_ok());
  c.client.max_batch_commands = 0;
  EXPECT_NE(validate(c).message().find("client.max_batch_commands"), std::string::npos);
}

TEST(ConfigTest, clientTable_errorsNameTheKey) {
  for (const char* bad : {"[client]\nredirect = \"sideways\"\n", "[client]\nlisten = 5\n",
                          "[client]\nmax_args = -1\n", "[client]\nbogus = 1\n", "client = 3\n"}) {
    NodeConfig c;
    const Status s = load_toml(bad, c);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("client"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace helios::node
