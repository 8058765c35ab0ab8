#include "apps/recovery_flags.h"

#include <CLI/CLI.hpp>

namespace helios::apps {

void RecoveryFlags::add_to(CLI::App& app) {
  app.add_flag("--force-new-cluster", force_new_cluster_,
               "disaster recovery: this stopped node becomes a one-node cluster with its data, "
               "under a new --cluster-id (docs/disaster-recovery.md)");
  app.add_flag("--accept-moved-data-dir", accept_moved_,
               "the data directory was copied or moved while this node was stopped and is its "
               "newest state");
}

Status RecoveryFlags::apply_to(node::NodeConfig& config) const {
  if ((force_new_cluster_ || accept_moved_) && config.join.port != 0) {
    return Status(
        Code::kInvalidArgument,
        std::string(force_new_cluster_ ? "--force-new-cluster" : "--accept-moved-data-dir") +
            " cannot be used with --join (a joining node starts empty)");
  }
  config.force_new_cluster = force_new_cluster_;
  config.accept_moved_data_dir = accept_moved_;
  return Status::ok();
}

}  // namespace helios::apps
