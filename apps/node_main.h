#pragma once
// The body shared by raft-example and helios-atlasd: start a node from a validated
// configuration, log its life in the seed's format, serve the admin API, and shut down
// cleanly on SIGINT or SIGTERM. Returns the process exit status.

#include "node/config.h"

namespace helios::apps {

struct RunOptions {
  // The quick start's extras: write the seed's test data as the first leader of a new
  // cluster, and say when the node waits for a quorum.
  bool quick_start = false;
};

int run_node(const node::NodeConfig& config, const RunOptions& options);

}  // namespace helios::apps
