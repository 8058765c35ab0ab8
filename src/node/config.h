#pragma once
// NodeConfig: everything a node needs to start, from a TOML file and/or flags (flags
// override the file). Names follow the seed's `config.X` knobs: heartbeat_timeout,
// election_timeout, max_entries_per_append, snapshot_threshold, snapshot_interval, data_dir.
//
//   node_id = 1
//   cluster_id = "helios"
//   data_dir = "./data/node-1"
//   listen = "127.0.0.1:9001"     # peer (Raft) address of this node
//   admin = "127.0.0.1:8001"      # admin HTTP: /status, /health
//   heartbeat_timeout = "50ms"    # durations: "ms", "s", "m" suffixes
//   election_timeout = "150ms"
//   max_entries_per_append = 100
//   read_mode = "read_index"      # linearizable reads: "read_index" (a heartbeat round per
//                                 # batch of reads) or "lease" (the leader answers at once
//                                 # while its lease holds; trusts clocks: docs/consistency.md)
//   max_clock_drift = "0"         # lease: how far two nodes' clocks may disagree over one
//                                 # election timeout; 0 = a tenth of election_timeout
//   snapshot_threshold = 10000    # snapshot after this many entries applied; 0: never by count
//   snapshot_interval = "30m"     # ... or this long after the last one (if any entry was
//                                 # applied since); 0: never by time
//   snapshot_threshold_bytes = 67108864  # ... or once the entries applied since hold this
//                                 # many bytes (or the last snapshot's size, if more); 0: never
//   snapshot_trailing_entries = 10000  # entries kept in the WAL behind a durable snapshot
//   snapshot_trailing_bytes = 67108864  # ... holding at most this many bytes; 0: no bound
//   snapshot_retain = 2           # newest snapshot files kept (at least 1)
//   snapshot_chunk_bytes = 1048576  # InstallSnapshot chunk size, 4 KiB .. 16 MiB
//   log_level = "info"
//   log_format = "text"               # or "json": one JSON object per line
//   [client]                      # the client port (Redis protocol and JSON lines)
//   listen = "127.0.0.1:7001"     # omitted: no client port
//   redirect = "forward"          # writes at a follower: "forward" to the leader or "moved"
//   max_connections = 10000       # further connections are refused with an error
//   max_bulk_bytes = 33554432     # one argument (proto-max-bulk-len)
//   max_args = 1048576            # arguments of one command
//   max_inline_bytes = 65536      # one inline command line
//   max_output_bytes = 67108864   # replies waiting to be sent on one connection
//   write_timeout = "5s"          # a write not known to be committed by then: -UNCERTAIN
//   leader_wait = "3s"            # during an election: how long a command waits for a leader
//   max_batch_bytes = 1048576     # commands that ride in one log entry: bytes
//   max_batch_commands = 4096     # ... and commands
//   max_batches_in_flight = 0     # 1: hold the next batch while one is in flight; 0: never
//   timeout = "0"                 # close a client idle this long (Redis's timeout); 0: never
//   handshake_timeout = "10s"     # TLS handshake and first command must arrive by then
//   requirepass = "..."           # top level: the default user's password (Redis's)
//   aclfile = "/etc/helios/users.acl"   # top level: ACL users at bootstrap (Redis's format)
//   admin_token_file = "/etc/helios/admin.token"  # top level: bearer token for admin POSTs
//   [tls]                         # docs/security.md
//   cert = "node-1.crt"           # this node's certificate (chain), key and the cluster's CA
//   key = "node-1.key"
//   ca = "ca.crt"
//   peer_tls = true               # mutual TLS between peers (certificates name node-<id>)
//   client_tls = true             # TLS on the client port
//   admin_tls = true              # HTTPS on the admin port
//   require_client_cert = false   # clients and admin callers must present a CA certificate
//   [[peers]]                     # every voter, this node included
//   id = 1
//   address = "127.0.0.1:9001"
//   client = "127.0.0.1:7001"     # its client port (needed for redirect = "moved")
//   admin = "127.0.0.1:8001"      # its admin address (optional: shown by GET /members)
//
// A node with no [[peers]] (listen set) starts with an empty configuration: it never
// campaigns and waits to be added to a cluster (--join). The peers only bootstrap a new
// cluster: once it runs, the members and their addresses live in its configuration.
//
// validate() refuses inconsistent values with a message naming the key, for example an
// election timeout not well above the heartbeat, a node missing from its own peer list, a
// malformed address, snapshot_retain = 0, a snapshot chunk size out of range.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "raft/config.h"

namespace helios::node {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
  bool operator==(const HostPort&) const = default;
};

struct PeerConfig {
  NodeId id = kNoNode;
  HostPort address;
  HostPort client;  // port 0: not known
  HostPort admin;   // its admin HTTP address; port 0: not known
};

enum class Redirect : std::uint8_t { kForward, kMoved };
enum class ReadMode : std::uint8_t { kReadIndex, kLease };

// The client port's settings (the [client] table); every limit is per node unless it says.
struct ClientConfig {
  HostPort listen;  // port 0: no client port
  Redirect redirect = Redirect::kForward;
  std::uint64_t max_connections = 10000;
  std::uint64_t max_bulk_bytes = 32u << 20;
  std::uint64_t max_args = 1u << 20;
  std::uint64_t max_inline_bytes = 64u << 10;
  std::uint64_t max_output_bytes = 64u << 20;  // per connection
  std::uint64_t write_timeout_ms = 5000;
  std::uint64_t leader_wait_ms = 3000;
  std::uint64_t max_batch_bytes = 1u << 20;
  std::uint64_t max_batch_commands = 4096;
  // Batches a leader keeps proposed and not yet answered before it may hold the next one
  // back to fill (0: never held; api/executor.h says when it holds). Holding trades latency
  // for CPU: worth it where the nodes' CPUs are the bottleneck (docs/operations.md).
  std::uint64_t max_batches_in_flight = 0;
  std::uint64_t idle_timeout_ms = 0;           // `timeout`: 0 = never
  std::uint64_t handshake_timeout_ms = 10000;  // `handshake_timeout`
};

// The [tls] table. A port uses TLS when its flag is set; cert, key and ca are then needed.
struct TlsConfig {
  std::string cert;
  std::string key;
  std::string ca;
  bool peer_tls = false;
  bool client_tls = false;
  bool admin_tls = false;
  bool require_client_cert = false;  // client and admin ports (peers always)
  bool any() const { return peer_tls || client_tls || admin_tls; }
};

// Who may do what: passwords and users of the client port, the admin port's token.
struct SecurityConfig {
  std::string requirepass;       // the default user's password ("" = none)
  std::string aclfile;           // ACL users at bootstrap ("" = none)
  std::string admin_token_file;  // bearer token for the admin API's mutating endpoints
};

struct NodeConfig {
  NodeId node_id = kNoNode;
  std::string cluster_id = "helios";
  std::string data_dir;
  HostPort listen;
  HostPort admin;
  std::uint32_t heartbeat_timeout_ms = 50;
  std::uint32_t election_timeout_ms = 150;
  std::uint64_t max_entries_per_append = 100;
  // Linearizable reads: ReadIndex, or a leader's lease (every node of a cluster must use the
  // same mode: the voters keep the promise a lease relies on). max_clock_drift_ms: the
  // largest difference between two nodes' clocks over one election timeout (0: a tenth of
  // election_timeout_ms); the lease is shorter by it.
  ReadMode read_mode = ReadMode::kReadIndex;
  std::uint32_t max_clock_drift_ms = 0;
  // Snapshots and log compaction (docs/operations.md, "Snapshots and log compaction: the
  // knobs"). A snapshot is taken when snapshot_threshold entries were applied since the
  // last one (0: never by count), or when snapshot_interval_ms passed and at least one entry
  // was applied since (0: never by time).
  std::uint64_t snapshot_threshold = 10000;
  std::uint64_t snapshot_interval_ms = 30 * 60 * 1000;
  // ...or when the entries applied since the last snapshot hold snapshot_threshold_bytes,
  // or as many bytes as the last snapshot's file if that is more (0: never by size). Entries
  // carry batches of commands, so a count of entries bounds neither the log kept nor the
  // time a restart spends replaying it; bytes do.
  std::uint64_t snapshot_threshold_bytes = 64u << 20;
  // Entries kept in the log behind a snapshot, so that a slow follower can catch up from
  // the log instead of receiving the whole snapshot: once a snapshot is durable, the WAL
  // drops whole segments below (snapshot index - snapshot_trailing_entries).
  std::uint64_t snapshot_trailing_entries = 10000;
  // ...but no more of them than hold this many bytes (0: no bound in bytes).
  std::uint64_t snapshot_trailing_bytes = 64u << 20;
  // Snapshot files kept (the newest ones); at least 1.
  std::uint64_t snapshot_retain = 2;
  // InstallSnapshot streams a snapshot in chunks of this many bytes
  // (kMinSnapshotChunkBytes .. kMaxSnapshotChunkBytes).
  std::uint64_t snapshot_chunk_bytes = 1u << 20;
  base::LogLevel log_level = base::LogLevel::kInfo;
  base::LogFormat log_format = base::LogFormat::kText;  // "text" (the seed's) or "json"
  std::vector<PeerConfig> peers;  // all voters, this node included (none: a node that joins)
  // --join HOST:PORT: the admin address of a member of the cluster to join (apps/).
  HostPort join;
  bool join_as_learner = false;  // --learner: stay a learner (no automatic promotion)
  // Start-up only, command line only (docs/disaster-recovery.md):
  //   --force-new-cluster: this node (stopped, its majority lost for good) becomes a
  //     one-node cluster with its data, under cluster_id, which must differ from the data
  //     directory's (node/force_new_cluster.h);
  //   --accept-moved-data-dir: the data directory was copied or moved while the node was
  //     stopped and is its newest state (storage/data_dir.h, place=).
  bool force_new_cluster = false;
  bool accept_moved_data_dir = false;
  ClientConfig client;
  TlsConfig tls;
  SecurityConfig security;

  // "node-<id>", the name used in logs and status.
  std::string name() const { return "node-" + std::to_string(node_id); }
  // The Raft core's tick: heartbeat_timeout / kTicksPerHeartbeat.
  std::uint32_t tick_ms() const;
  // snapshot_interval in ticks, rounded up (0: never); any interval, up to the largest one a
  // duration may hold, without wrapping around.
  std::uint64_t snapshot_interval_ticks() const;
};

inline constexpr std::uint32_t kTicksPerHeartbeat = 5;

// "read_index" or "lease"; false for anything else.
bool parse_read_mode(std::string_view text, ReadMode* mode);
std::string_view read_mode_name(ReadMode mode);
inline constexpr std::uint64_t kMinSnapshotChunkBytes = 4u << 10;   // 4 KiB
inline constexpr std::uint64_t kMaxSnapshotChunkBytes = 16u << 20;  // 16 MiB

// Parses "127.0.0.1:9001" (host non-empty, port 1..65535).
Result<HostPort> parse_host_port(std::string_view text);
// Parses "50ms", "2s", "30m", "1h" or a bare number of milliseconds.
Result<std::uint64_t> parse_duration_ms(std::string_view text);

// Reads a TOML document into `config` (keys it lacks keep their current values). Unknown
// keys are errors (a typo must not be ignored silently).
Status load_toml(std::string_view text, NodeConfig& config);
Status validate(const NodeConfig& config);
// The [tls] table and the security keys: a port with TLS has cert, key and ca (whether the
// files load is checked when the node starts: Runtime::start, Server::start).
Status validate_security(const NodeConfig& config);
// The core's configuration: ticks from the timeouts, voters from the peers.
raft::Config to_raft_config(const NodeConfig& config);

}  // namespace helios::node
