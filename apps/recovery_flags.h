#pragma once
// The disaster-recovery flags raft-example and helios-atlasd share (docs/disaster-
// recovery.md). Command line only: they describe one start, never a configuration to keep.
//   --force-new-cluster       this node (its majority lost for good) starts a new one-node
//                             cluster with its data; needs a new --cluster-id
//   --accept-moved-data-dir   the data directory was copied or moved while the node was
//                             stopped and is its newest state

#include "base/status.h"
#include "node/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace helios::apps {

class RecoveryFlags {
 public:
  // Adds the flags to app; this object must outlive app's parse().
  void add_to(CLI::App& app);
  // Sets them in config. kInvalidArgument for a combination that makes no sense (with
  // --join: a node that joins has no data to force or accept).
  Status apply_to(node::NodeConfig& config) const;

 private:
  bool force_new_cluster_ = false;
  bool accept_moved_ = false;
};

}  // namespace helios::apps
