// raft-example: the seed's quick start. `raft-example node-1|node-2|node-3` runs one node of
// a built-in three-node cluster on 127.0.0.1: clients (Redis protocol) on ports 7001..7003,
// peers on 9001..9003, admin HTTP on 8001..8003, data in ./data/node-N (created if missing). The
// first leader of a new cluster writes the seed's test data.
//
// For tests and for running several quick-start clusters on one machine, the ports and the
// data root can be moved: --peer-port-base P (peers on P+1..P+3), --admin-port-base A,
// --client-port-base C, --data-root DIR (data in DIR/node-N); --redirect moved answers
// writes at a follower with -MOVED instead of forwarding them.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "apps/node_main.h"

namespace {

bool parse_port_base(const char* text, int* out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 0 || v > 65530) {
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      "usage: raft-example node-1|node-2|node-3 [--peer-port-base P] [--admin-port-base A] "
      "[--client-port-base C] [--data-root DIR] [--redirect forward|moved]\n";
  if (argc < 2 || argc % 2 != 0) {
    std::fputs(usage.c_str(), stderr);
    return 2;
  }
  const std::string name = argv[1];
  int peer_base = 9000;
  int admin_base = 8000;
  int client_base = 7000;
  bool moved = false;
  std::string data_root = "./data";
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    bool ok = true;
    if (flag == "--peer-port-base") {
      ok = parse_port_base(argv[i + 1], &peer_base);
    } else if (flag == "--admin-port-base") {
      ok = parse_port_base(argv[i + 1], &admin_base);
    } else if (flag == "--client-port-base") {
      ok = parse_port_base(argv[i + 1], &client_base);
    } else if (flag == "--redirect") {
      const std::string mode = argv[i + 1];
      ok = mode == "forward" || mode == "moved";
      moved = mode == "moved";
    } else if (flag == "--data-root") {
      data_root = argv[i + 1];
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "raft-example: bad option %s %s\n%s", flag.c_str(), argv[i + 1],
                   usage.c_str());
      return 2;
    }
  }
  int n = 0;
  if (name == "node-1") {
    n = 1;
  } else if (name == "node-2") {
    n = 2;
  } else if (name == "node-3") {
    n = 3;
  } else {
    std::fprintf(stderr, "raft-example: unknown node '%s'\n%s", name.c_str(), usage.c_str());
    return 2;
  }
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
      moved ? helios::node::Redirect::kMoved : helios::node::Redirect::kForward;
  config.listen = config.peers[static_cast<std::size_t>(n - 1)].address;
  const helios::Status valid = helios::node::validate(config);
  if (!valid.is_ok()) {
    std::fprintf(stderr, "raft-example: %s\n", valid.to_string().c_str());
    return 2;
  }
  return helios::apps::run_node(config, helios::apps::RunOptions{.quick_start = true});
}
