// raft-example: the seed's quick start. `raft-example node-1|node-2|node-3` runs one node of
// a built-in three-node cluster on 127.0.0.1: peers on ports 9001..9003, admin HTTP on
// 8001..8003, data in ./data/node-N (created if missing). The first leader of a new cluster
// writes the seed's test data.
#include <cstdio>
#include <string>

#include "apps/node_main.h"

int main(int argc, char** argv) {
  const std::string usage = "usage: raft-example node-1|node-2|node-3\n";
  if (argc != 2) {
    std::fputs(usage.c_str(), stderr);
    return 2;
  }
  const std::string name = argv[1];
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
  config.data_dir = "./data/" + name;
  config.admin = {"127.0.0.1", static_cast<std::uint16_t>(8000 + n)};
  for (int i = 1; i <= 3; ++i) {
    config.peers.push_back(helios::node::PeerConfig{
        static_cast<helios::NodeId>(i), {"127.0.0.1", static_cast<std::uint16_t>(9000 + i)}});
  }
  config.listen = config.peers[static_cast<std::size_t>(n - 1)].address;
  const helios::Status valid = helios::node::validate(config);
  if (!valid.is_ok()) {
    std::fprintf(stderr, "raft-example: %s\n", valid.to_string().c_str());
    return 2;
  }
  return helios::apps::run_node(config, helios::apps::RunOptions{.quick_start = true});
}
