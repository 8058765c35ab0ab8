#include "node/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <set>
#include <utility>

namespace helios::node {

namespace {

Status bad(const std::string& key, const std::string& why) {
  return Status(Code::kInvalidArgument, "config: " + key + ": " + why);
}

bool valid_cluster_id(const std::string& id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

bool parse_read_mode(std::string_view text, ReadMode* mode) {
  if (text == "read_index") {
    *mode = ReadMode::kReadIndex;
  } else if (text == "lease") {
    *mode = ReadMode::kLease;
  } else {
    return false;
  }
  return true;
}

std::string_view read_mode_name(ReadMode mode) {
  return mode == ReadMode::kLease ? "lease" : "read_index";
}

std::uint32_t NodeConfig::tick_ms() const {
  return std::max<std::uint32_t>(1, heartbeat_timeout_ms / kTicksPerHeartbeat);
}

std::uint64_t NodeConfig::snapshot_interval_ticks() const {
  const std::uint64_t tick = tick_ms();
  return snapshot_interval_ms / tick + (snapshot_interval_ms % tick != 0 ? 1 : 0);
}

Result<HostPort> parse_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Status(Code::kInvalidArgument, "'" + std::string(text) + "' is not host:port");
  }
  unsigned port = 0;
  const std::string_view digits = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
    return Status(Code::kInvalidArgument, "'" + std::string(text) + "' has no valid port");
  }
  return HostPort{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

Result<std::uint64_t> parse_duration_ms(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) {
    return Status(Code::kInvalidArgument, "'" + std::string(text) + "' is not a duration");
  }
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 60 * 60 * 1000;
  } else {
    return Status(Code::kInvalidArgument,
                  "'" + std::string(text) + "' has an unknown unit (use ms, s, m or h)");
  }
  if (value > UINT64_MAX / scale) {
    return Status(Code::kInvalidArgument, "'" + std::string(text) + "' is too long");
  }
  return value * scale;
}

namespace {

Status read_string(const toml::node& n, const std::string& key, std::string& out) {
  if (!n.is_string()) {
    return bad(key, "must be a string");
  }
  out = *n.value<std::string>();
  return Status::ok();
}

Status read_u64(const toml::node& n, const std::string& key, std::uint64_t& out) {
  if (!n.is_integer() || *n.value<std::int64_t>() < 0) {
    return bad(key, "must be a non-negative integer");
  }
  out = static_cast<std::uint64_t>(*n.value<std::int64_t>());
  return Status::ok();
}

// Reads the integer key `name` (reported as `key`) into its field in `fields`; a name not
// there is an unknown key.
Status read_u64_field(std::string_view name, const std::string& key, const toml::node& n,
                      std::initializer_list<std::pair<std::string_view, std::uint64_t*>> fields) {
  for (const auto& [field_name, field] : fields) {
    if (field_name == name) {
      return read_u64(n, key, *field);
    }
  }
  return bad(key, "unknown key");
}

Status read_duration(const toml::node& n, const std::string& key, std::uint64_t& out) {
  if (n.is_integer()) {
    return read_u64(n, key, out);
  }
  std::string text;
  Status s = read_string(n, key, text);
  if (!s.is_ok()) {
    return bad(key, "must be a duration such as \"50ms\"");
  }
  Result<std::uint64_t> ms = parse_duration_ms(text);
  if (!ms.is_ok()) {
    return bad(key, ms.status().message());
  }
  out = ms.value();
  return Status::ok();
}

Status read_address(const toml::node& n, const std::string& key, HostPort& out) {
  std::string text;
  Status s = read_string(n, key, text);
  if (!s.is_ok()) {
    return s;
  }
  Result<HostPort> hp = parse_host_port(text);
  if (!hp.is_ok()) {
    return bad(key, hp.status().message());
  }
  out = hp.value();
  return Status::ok();
}

Status read_peers(const toml::node& n, NodeConfig& config) {
  const toml::array* peers = n.as_array();
  if (peers == nullptr) {
    return bad("peers", "must be an array of tables ([[peers]])");
  }
  config.peers.clear();
  for (std::size_t i = 0; i < peers->size(); ++i) {
    const std::string key = "peers[" + std::to_string(i) + "]";
    const toml::table* t = (*peers)[i].as_table();
    if (t == nullptr) {
      return bad(key, "must be a table with id and address");
    }
    PeerConfig peer;
    for (const auto& [k, v] : *t) {
      const std::string field = key + "." + std::string(k.str());
      Status s = Status::ok();
      if (k.str() == "id") {
        s = read_u64(v, field, peer.id);
      } else if (k.str() == "address") {
        s = read_address(v, field, peer.address);
      } else if (k.str() == "client") {
        s = read_address(v, field, peer.client);
      } else if (k.str() == "admin") {
        s = read_address(v, field, peer.admin);
      } else {
        s = bad(field, "unknown key");
      }
      if (!s.is_ok()) {
        return s;
      }
    }
    config.peers.push_back(peer);
  }
  return Status::ok();
}

Status read_client(const toml::node& n, ClientConfig& c) {
  const toml::table* t = n.as_table();
  if (t == nullptr) {
    return bad("client", "must be a table ([client])");
  }
  for (const auto& [k, v] : *t) {
    const std::string key = "client." + std::string(k.str());
    const std::string_view name = k.str();
    Status s = Status::ok();
    if (name == "listen") {
      s = read_address(v, key, c.listen);
    } else if (name == "redirect") {
      std::string mode;
      s = read_string(v, key, mode);
      if (s.is_ok() && mode != "forward" && mode != "moved") {
        s = bad(key, "must be \"forward\" or \"moved\"");
      }
      c.redirect = mode == "moved" ? Redirect::kMoved : Redirect::kForward;
    } else if (name == "write_timeout") {
      s = read_duration(v, key, c.write_timeout_ms);
    } else if (name == "leader_wait") {
      s = read_duration(v, key, c.leader_wait_ms);
    } else if (name == "timeout") {
      s = read_duration(v, key, c.idle_timeout_ms);
    } else if (name == "handshake_timeout") {
      s = read_duration(v, key, c.handshake_timeout_ms);
    } else {
      s = read_u64_field(name, key, v,
                         {{"max_connections", &c.max_connections},
                          {"max_bulk_bytes", &c.max_bulk_bytes},
                          {"max_args", &c.max_args},
                          {"max_inline_bytes", &c.max_inline_bytes},
                          {"max_output_bytes", &c.max_output_bytes},
                          {"max_batch_bytes", &c.max_batch_bytes},
                          {"max_batch_commands", &c.max_batch_commands},
                          {"max_batches_in_flight", &c.max_batches_in_flight}});
    }
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

Status validate_client(const ClientConfig& c) {
  const std::pair<const char*, std::uint64_t> positive[] = {
      {"max_connections", c.max_connections},
      {"max_bulk_bytes", c.max_bulk_bytes},
      {"max_args", c.max_args},
      {"max_inline_bytes", c.max_inline_bytes},
      {"max_output_bytes", c.max_output_bytes},
      {"write_timeout", c.write_timeout_ms},
      {"leader_wait", c.leader_wait_ms},
      {"handshake_timeout", c.handshake_timeout_ms},
      {"max_batch_bytes", c.max_batch_bytes},
      {"max_batch_commands", c.max_batch_commands}};
  for (const auto& [name, value] : positive) {
    if (value == 0) {
      return bad(std::string("client.") + name, "must be at least 1");
    }
  }
  if (c.max_inline_bytes > (1u << 30) || c.max_bulk_bytes > (1u << 30)) {
    return bad("client", "max_inline_bytes and max_bulk_bytes must be at most 1 GiB");
  }
  if (c.max_batch_commands > 65536) {
    return bad("client.max_batch_commands", "must be at most 65536 (operations per entry)");
  }
  return Status::ok();
}

Status read_bool(const toml::node& n, const std::string& key, bool& out) {
  if (!n.is_boolean()) {
    return bad(key, "must be true or false");
  }
  out = *n.value<bool>();
  return Status::ok();
}

Status read_tls(const toml::node& n, TlsConfig& c) {
  const toml::table* t = n.as_table();
  if (t == nullptr) {
    return bad("tls", "must be a table ([tls])");
  }
  for (const auto& [k, v] : *t) {
    const std::string key = "tls." + std::string(k.str());
    const std::string_view name = k.str();
    Status s = Status::ok();
    if (name == "cert" || name == "key" || name == "ca") {
      s = read_string(v, key, name == "cert" ? c.cert : name == "key" ? c.key : c.ca);
    } else if (name == "peer_tls") {
      s = read_bool(v, key, c.peer_tls);
    } else if (name == "client_tls") {
      s = read_bool(v, key, c.client_tls);
    } else if (name == "admin_tls") {
      s = read_bool(v, key, c.admin_tls);
    } else if (name == "require_client_cert") {
      s = read_bool(v, key, c.require_client_cert);
    } else {
      s = bad(key, "unknown key");
    }
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

Status read_key(const std::string& key, const toml::node& v, NodeConfig& c) {
  std::uint64_t n = 0;
  Status s = Status::ok();
  if (key == "node_id") {
    s = read_u64(v, key, c.node_id);
  } else if (key == "cluster_id") {
    s = read_string(v, key, c.cluster_id);
  } else if (key == "data_dir") {
    s = read_string(v, key, c.data_dir);
  } else if (key == "listen") {
    s = read_address(v, key, c.listen);
  } else if (key == "admin") {
    s = read_address(v, key, c.admin);
  } else if (key == "heartbeat_timeout" || key == "election_timeout") {
    s = read_duration(v, key, n);
    if (s.is_ok() && n > UINT32_MAX) {
      s = bad(key, "is too long");
    }
    (key == "heartbeat_timeout" ? c.heartbeat_timeout_ms : c.election_timeout_ms) =
        static_cast<std::uint32_t>(n);
  } else if (key == "snapshot_interval") {
    s = read_duration(v, key, c.snapshot_interval_ms);
  } else if (key == "read_mode") {
    std::string mode;
    s = read_string(v, key, mode);
    if (s.is_ok() && !parse_read_mode(mode, &c.read_mode)) {
      s = bad(key, "must be \"read_index\" or \"lease\"");
    }
  } else if (key == "max_clock_drift") {
    s = read_duration(v, key, n);
    if (s.is_ok() && n > UINT32_MAX) {
      s = bad(key, "is too long");
    }
    c.max_clock_drift_ms = static_cast<std::uint32_t>(n);
  } else if (key == "log_level") {
    std::string level;
    s = read_string(v, key, level);
    if (s.is_ok() && !base::parse_log_level(level, &c.log_level)) {
      s = bad(key, "must be debug, info, warn or error");
    }
  } else if (key == "log_format") {
    std::string format;
    s = read_string(v, key, format);
    if (s.is_ok() && !base::parse_log_format(format, &c.log_format)) {
      s = bad(key, "must be text or json");
    }
  } else if (key == "peers") {
    s = read_peers(v, c);
  } else if (key == "client") {
    s = read_client(v, c.client);
  } else if (key == "tls") {
    s = read_tls(v, c.tls);
  } else if (key == "requirepass") {
    s = read_string(v, key, c.security.requirepass);
  } else if (key == "aclfile") {
    s = read_string(v, key, c.security.aclfile);
  } else if (key == "admin_token_file") {
    s = read_string(v, key, c.security.admin_token_file);
  } else {
    s = read_u64_field(key, key, v,
                       {{"max_entries_per_append", &c.max_entries_per_append},
                        {"snapshot_threshold", &c.snapshot_threshold},
                        {"snapshot_trailing_entries", &c.snapshot_trailing_entries},
                        {"snapshot_threshold_bytes", &c.snapshot_threshold_bytes},
                        {"snapshot_trailing_bytes", &c.snapshot_trailing_bytes},
                        {"snapshot_retain", &c.snapshot_retain},
                        {"snapshot_chunk_bytes", &c.snapshot_chunk_bytes}});
  }
  return s;
}

// snapshot_threshold, snapshot_threshold_bytes, snapshot_interval,
// snapshot_trailing_entries and snapshot_trailing_bytes take any value (0 disables the
// trigger or the bound, or keeps no entries behind the snapshot).
Status validate_snapshots(const NodeConfig& c) {
  if (c.snapshot_retain == 0) {
    return bad("snapshot_retain", "must be at least 1 (the newest snapshot is always kept)");
  }
  if (c.snapshot_chunk_bytes < kMinSnapshotChunkBytes ||
      c.snapshot_chunk_bytes > kMaxSnapshotChunkBytes) {
    return bad("snapshot_chunk_bytes",
               "must be between " + std::to_string(kMinSnapshotChunkBytes) + " (4 KiB) and " +
                   std::to_string(kMaxSnapshotChunkBytes) + " (16 MiB), not " +
                   std::to_string(c.snapshot_chunk_bytes));
  }
  return Status::ok();
}

}  // namespace

Status load_toml(std::string_view text, NodeConfig& config) {
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status(Code::kInvalidArgument, "config: line " + std::to_string(where.line) +
                                              ", column " + std::to_string(where.column) + ": " +
                                              std::string(e.description()));
  }
  for (const auto& [k, v] : table) {
    Status s = read_key(std::string(k.str()), v, config);
    if (!s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

Status validate(const NodeConfig& c) {
  if (c.node_id == kNoNode) {
    return bad("node_id", "must be set to a positive integer");
  }
  if (!valid_cluster_id(c.cluster_id)) {
    return bad("cluster_id", "must be 1-128 characters of [A-Za-z0-9._-]");
  }
  if (c.data_dir.empty()) {
    return bad("data_dir", "must be set");
  }
  if (c.heartbeat_timeout_ms < kTicksPerHeartbeat) {
    return bad("heartbeat_timeout",
               "must be at least " + std::to_string(kTicksPerHeartbeat) + "ms");
  }
  if (c.election_timeout_ms < 2 * c.heartbeat_timeout_ms) {
    return bad("election_timeout", "must be at least twice heartbeat_timeout (" +
                                       std::to_string(c.election_timeout_ms) + "ms vs " +
                                       std::to_string(c.heartbeat_timeout_ms) + "ms)");
  }
  if (c.max_entries_per_append == 0) {
    return bad("max_entries_per_append", "must be at least 1");
  }
  if (c.read_mode == ReadMode::kLease && to_raft_config(c).lease_ticks() < 1) {
    return bad("max_clock_drift", "leaves no lease: election_timeout minus two ticks (" +
                                      std::to_string(2 * c.tick_ms()) + "ms) minus the drift (" +
                                      std::to_string(c.max_clock_drift_ms) +
                                      "ms) must be at least one tick (" +
                                      std::to_string(c.tick_ms()) + "ms)");
  }
  if (Status s = validate_snapshots(c); !s.is_ok()) {
    return s;
  }
  if (c.peers.empty() && c.listen.port == 0) {
    return bad("peers",
               "must list every voter, this node included (or set listen, for a "
               "node that joins a running cluster)");
  }
  if (c.join.port != 0 && !c.peers.empty()) {
    return bad("peers",
               "a node that joins (--join) has no peers: the cluster's configuration "
               "gives them (set listen instead)");
  }
  std::set<NodeId> ids;
  std::set<std::string> addresses;
  bool self_listed = false;
  for (const PeerConfig& p : c.peers) {
    if (p.id == kNoNode || p.address.port == 0) {
      return bad("peers", "every peer needs an id > 0 and an address");
    }
    if (!ids.insert(p.id).second || !addresses.insert(p.address.to_string()).second) {
      return bad("peers", "node " + std::to_string(p.id) + " or address " + p.address.to_string() +
                              " is listed twice");
    }
    if (p.id == c.node_id) {
      self_listed = true;
      if (c.listen.port != 0 && c.listen.port != p.address.port) {
        return bad("listen", "port " + std::to_string(c.listen.port) +
                                 " differs from this node's peers entry " + p.address.to_string());
      }
    }
  }
  if (!self_listed && !c.peers.empty()) {
    return bad("peers", "node " + std::to_string(c.node_id) + " is missing from its own peers");
  }
  if (c.admin.port == 0) {
    return bad("admin", "must be set (host:port of the admin HTTP server)");
  }
  if (c.client.redirect == Redirect::kMoved) {
    for (const PeerConfig& p : c.peers) {
      if (p.client.port == 0) {
        return bad("client.redirect",
                   "\"moved\" needs every peer's client address "
                   "(peers[].client)");
      }
    }
  }
  if (Status s = validate_security(c); !s.is_ok()) {
    return s;
  }
  return validate_client(c.client);
}

Status validate_security(const NodeConfig& c) {
  const TlsConfig& t = c.tls;
  if (t.any()) {
    for (const auto& [name, path] : {std::pair<const char*, const std::string&>{"cert", t.cert},
                                     {"key", t.key},
                                     {"ca", t.ca}}) {
      if (path.empty()) {
        return bad(std::string("tls.") + name, "must be set when a port uses TLS");
      }
    }
  } else if (t.require_client_cert) {
    return bad("tls.require_client_cert", "needs client_tls or admin_tls");
  }
  if (t.client_tls && c.client.listen.port == 0) {
    return bad("tls.client_tls", "needs a client port ([client] listen)");
  }
  if (c.security.requirepass.size() > 1024) {
    return bad("requirepass", "is longer than 1024 bytes");
  }
  return Status::ok();
}

raft::Config to_raft_config(const NodeConfig& c) {
  raft::Config r;
  r.id = c.node_id;
  for (const PeerConfig& p : c.peers) {
    r.voters.push_back(p.id);
  }
  r.heartbeat_ticks = static_cast<int>(kTicksPerHeartbeat);
  r.election_ticks = static_cast<int>(c.election_timeout_ms / c.tick_ms());
  r.max_entries_per_append = c.max_entries_per_append;
  r.lease_reads = c.read_mode == ReadMode::kLease;
  const std::uint32_t drift_ms =
      c.max_clock_drift_ms != 0 ? c.max_clock_drift_ms : c.election_timeout_ms / 10;
  r.lease_drift_ticks = static_cast<int>((drift_ms + c.tick_ms() - 1) / c.tick_ms());
  return r;
}

}  // namespace helios::node
