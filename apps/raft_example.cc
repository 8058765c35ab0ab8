// raft-example: the seed's quick start. `raft-example node-1|node-2|node-3` runs one node of
// a built-in three-node cluster on 127.0.0.1: clients (Redis protocol) on ports 7001..7003,
// peers on 9001..9003, admin HTTP on 8001..8003, data in ./data/node-N (created if missing). The
// first leader of a new cluster writes the seed's test data.
//
// `raft-example node-N --join 127.0.0.1:8001` (N from 4 to 9, same port scheme: 700N, 900N,
// 800N) starts a node that is not one of the three: it asks the cluster to add it as a
// learner, catches up, and is promoted to voter once caught up (--learner: stays a learner).
// Started again later, it needs no --join (its data directory knows the configuration);
// without --join and without a data directory, node-4..node-9 are refused.
//
// `raft-example node-1 --restore FILE` initialises node-1's empty data directory from a
// backup as the only voter of a new cluster (apps/restore.h) and prints its new cluster id;
// the other nodes join it with `--cluster-id ID --join 127.0.0.1:8001` (node-2 and node-3
// too, given --cluster-id). --cluster-id (default helios-quickstart) must be given again at
// every start of a restored cluster's node.
//
// For tests and for running several quick-start clusters on one machine, the ports and the
// data root can be moved: --peer-port-base P (peers on P+1..P+3), --admin-port-base A,
// --client-port-base C, --data-root DIR (data in DIR/node-N); --redirect moved answers
// writes at a follower with -MOVED instead of forwarding them. The tuning flags
// (--heartbeat-timeout, --election-timeout, --max-entries-per-append, --snapshot-threshold,
// --snapshot-interval, --snapshot-trailing-entries, --max-batches-in-flight, --log-level)
// are helios-atlasd's (apps/node_main.h). `raft-example --help` lists them all.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "apps/node_main.h"
#include "apps/recovery_flags.h"
#include "apps/restore.h"
#include "apps/security_flags.h"

int main(int argc, char** argv) {
  CLI::App app{"raft-example: node N of the quick start's three-node cluster on 127.0.0.1",
               "raft-example"};
  std::string name;
  int peer_base = 9000;
  int admin_base = 8000;
  int client_base = 7000;
  std::string redirect = "forward";
  std::string data_root = "./data";
  std::string cluster_id = "helios-quickstart";
  app.add_option("node", name, "which node this is")
      ->required()
      ->check(CLI::IsMember({"node-1", "node-2", "node-3", "node-4", "node-5", "node-6", "node-7",
                             "node-8", "node-9"}));
  std::string join;
  bool learner = false;
  app.add_option("--join", join,
                 "ask the cluster at this admin address to add this node (node-4..node-9, or "
                 "node-1..node-3 with an empty data directory)")
      ->type_name("HOST:PORT");
  app.add_flag("--learner", learner, "with --join: stay a learner (never promoted to voter)");
  std::string restore;
  app.add_option("--restore", restore,
                 "initialise the empty data directory from this backup, as the only voter of "
                 "a new cluster (docs/operations.md, Backup and restore)")
      ->type_name("FILE");
  app.add_option("--cluster-id", cluster_id,
                 "the cluster's id (a restored cluster's: printed by --restore)")
      ->capture_default_str();
  const struct {
    const char* flag;
    int* base;
    const char* letter;
    const char* help;
  } port_bases[] = {
      {"--peer-port-base", &peer_base, "P", "peers listen on P+1..P+9"},
      {"--admin-port-base", &admin_base, "A", "admin HTTP on A+1..A+9"},
      {"--client-port-base", &client_base, "C", "clients (Redis protocol) on C+1..C+9"}};
  for (const auto& p : port_bases) {
    app.add_option(p.flag, *p.base, p.help)
        ->type_name(p.letter)
        ->check(CLI::Range(0, 65534))
        ->capture_default_str();
  }
  app.add_option("--data-root", data_root, "data in DIR/node-N")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_option("--redirect", redirect,
                 "writes at a follower: forward them to the leader, or answer -MOVED")
      ->check(CLI::IsMember({"forward", "moved"}))
      ->capture_default_str();
  helios::apps::TuningFlags tuning;
  tuning.add_to(app);
  helios::apps::SecurityFlags security;
  security.add_to(app);
  helios::apps::RecoveryFlags recovery;
  recovery.add_to(app);
  app.footer("Durations take ms, s, m or h: 50ms, 2s, 30m.");
  if (const std::optional<int> done = helios::apps::parse_command_line(app, argc, argv)) {
    return *done;
  }

  const int n = name.back() - '0';  // "node-1".."node-9", checked above
  // node-N listens on base+N, and node-1..node-3 dial base+1..base+3: all must be ports.
  const int top = std::max(n, 3);
  helios::Status ports = helios::Status::ok();
  for (const auto& p : port_bases) {
    if (ports.is_ok() && *p.base + top > 65535) {
      ports = helios::Status(helios::Code::kInvalidArgument,
                             std::string(p.flag) + " " + std::to_string(*p.base) + ": " + name +
                                 " needs port " + std::to_string(*p.base + top) +
                                 ", above 65535 (the base can be at most " +
                                 std::to_string(65535 - top) + ")");
    }
  }
  if (!ports.is_ok()) {  // before any port is computed: base + N must fit in 16 bits
    std::fprintf(stderr, "raft-example: %s\n", ports.message().c_str());
    return 2;
  }
  const auto at = [](int base, int i) {
    return helios::node::HostPort{"127.0.0.1", static_cast<std::uint16_t>(base + i)};
  };
  helios::node::NodeConfig config;
  config.node_id = static_cast<helios::NodeId>(n);
  config.cluster_id = cluster_id;
  config.data_dir = data_root + "/" + name;
  config.admin = at(admin_base, n);
  // node-1..node-3 bootstrap the cluster; node-4..node-9 join it (no bootstrap peers), and
  // so do node-1..node-3 with --join (an empty data directory taking the place of a lost one,
  // or joining a restored cluster).
  for (int i = 1; i <= 3 && n <= 3 && join.empty(); ++i) {
    config.peers.push_back(helios::node::PeerConfig{
        static_cast<helios::NodeId>(i), at(peer_base, i), at(client_base, i), at(admin_base, i)});
  }
  config.client.listen = at(client_base, n);
  config.client.redirect =
      redirect == "moved" ? helios::node::Redirect::kMoved : helios::node::Redirect::kForward;
  config.listen = at(peer_base, n);
  helios::Status s = tuning.apply_to(config);
  if (s.is_ok()) {
    s = security.apply_to(config);
  }
  if (s.is_ok() && !join.empty()) {
    helios::Result<helios::node::HostPort> j = helios::node::parse_host_port(join);
    s = j.is_ok()
            ? helios::Status::ok()
            : helios::Status(helios::Code::kInvalidArgument, "--join: " + j.status().message());
    config.join = j.is_ok() ? j.value() : helios::node::HostPort{};
    config.join_as_learner = learner;
  }
  if (s.is_ok() && join.empty() && learner) {
    s = helios::Status(helios::Code::kInvalidArgument, "--learner needs --join");
  }
  if (s.is_ok() && join.empty() && n > 3 && !std::filesystem::exists(config.data_dir)) {
    s = helios::Status(helios::Code::kInvalidArgument,
                       name +
                           " is not one of the quick start's node-1..node-3: start it with "
                           "--join 127.0.0.1:8001 (its data directory does not exist yet)");
  }
  if (s.is_ok() && !restore.empty() && !join.empty()) {
    s = helios::Status(helios::Code::kInvalidArgument,
                       "--restore starts a new cluster; --join joins one: not both");
  }
  if (s.is_ok()) {
    s = recovery.apply_to(config);
  }
  if (s.is_ok()) {
    s = helios::node::validate(config);
  }
  if (!s.is_ok()) {
    std::fprintf(stderr, "raft-example: %s\n", s.message().c_str());
    return 2;
  }
  if (!restore.empty()) {
    s = helios::apps::restore_from_backup(restore, app.count("--cluster-id") != 0, config);
    if (!s.is_ok()) {
      std::fprintf(stderr, "raft-example: %s\n", s.message().c_str());
      return 2;
    }
  }
  return helios::apps::run_node(config, helios::apps::RunOptions{.quick_start = true});
}
