// raft-example: the seed's quick start. `raft-example node-1|node-2|node-3` runs one node of
// a built-in three-node cluster on 127.0.0.1: clients (Redis protocol) on ports 7001..7003,
// peers on 9001..9003, admin HTTP on 8001..8003, data in ./data/node-N (created if missing). The
// first leader of a new cluster writes the seed's test data.
//
// For tests and for running several quick-start clusters on one machine, the ports and the
// data root can be moved: --peer-port-base P (peers on P+1..P+3), --admin-port-base A,
// --client-port-base C, --data-root DIR (data in DIR/node-N); --redirect moved answers
// writes at a follower with -MOVED instead of forwarding them. The tuning flags
// (--heartbeat-timeout, --election-timeout, --max-entries-per-append, --snapshot-threshold,
// --snapshot-interval, --snapshot-trailing-entries, --log-level) are helios-atlasd's
// (apps/node_main.h). `raft-example --help` lists them all.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "apps/node_main.h"

int main(int argc, char** argv) {
  CLI::App app{"raft-example: node N of the quick start's three-node cluster on 127.0.0.1",
               "raft-example"};
  std::string name;
  int peer_base = 9000;
  int admin_base = 8000;
  int client_base = 7000;
  std::string redirect = "forward";
  std::string data_root = "./data";
  app.add_option("node", name, "which node this is")
      ->required()
      ->check(CLI::IsMember({"node-1", "node-2", "node-3"}));
  const struct {
    const char* flag;
    int* base;
    const char* letter;
    const char* help;
  } port_bases[] = {
      {"--peer-port-base", &peer_base, "P", "peers listen on P+1..P+3"},
      {"--admin-port-base", &admin_base, "A", "admin HTTP on A+1..A+3"},
      {"--client-port-base", &client_base, "C", "clients (Redis protocol) on C+1..C+3"}};
  for (const auto& p : port_bases) {
    app.add_option(p.flag, *p.base, p.help)
        ->type_name(p.letter)
        ->check(CLI::Range(0, 65530))
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
  app.footer("Durations take ms, s, m or h: 50ms, 2s, 30m.");
  if (const std::optional<int> done = helios::apps::parse_command_line(app, argc, argv)) {
    return *done;
  }

  const int n = name.back() - '0';  // "node-1".."node-3", checked above
  helios::node::NodeConfig config;
  config.node_id = static_cast<helios::NodeId>(n);
  config.cluster_id = "helios-quickstart";
  config.data_dir = data_root + "/" + name;
  config.admin = {"127.0.0.1", static_cast<std::uint16_t>(admin_base + n)};
  for (int i = 1; i <= 3; ++i) {
    config.peers.push_back(
        helios::node::PeerConfig{static_cast<helios::NodeId>(i),
                                 {"127.0.0.1", static_cast<std::uint16_t>(peer_base + i)},
                                 {"127.0.0.1", static_cast<std::uint16_t>(client_base + i)}});
  }
  config.client.listen = config.peers[static_cast<std::size_t>(n - 1)].client;
  config.client.redirect =
      redirect == "moved" ? helios::node::Redirect::kMoved : helios::node::Redirect::kForward;
  config.listen = config.peers[static_cast<std::size_t>(n - 1)].address;
  helios::Status s = tuning.apply_to(config);
  if (s.is_ok()) {
    s = helios::node::validate(config);
  }
  if (!s.is_ok()) {
    std::fprintf(stderr, "raft-example: %s\n", s.message().c_str());
    return 2;
  }
  return helios::apps::run_node(config, helios::apps::RunOptions{.quick_start = true});
}
