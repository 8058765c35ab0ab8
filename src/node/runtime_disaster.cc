// Runtime: start-up decisions of disaster recovery (docs/disaster-recovery.md): a data
// directory that was copied or upgraded, and --force-new-cluster.
#include <cstdio>

#include "base/log.h"
#include "node/force_new_cluster.h"
#include "node/runtime.h"

namespace helios::node {

void Runtime::log_data_dir_changes() const {
  const storage::DataDirChanges& c = dir_->changes();
  if (c.upgraded) {
    HELIOS_LOG_INFO("storage", "data directory %s: META upgraded to format %u (place recorded)",
                    dir_->path().c_str(), storage::kDataDirFormat);
  }
  if (c.place_changed) {
    HELIOS_LOG_WARN("storage",
                    "data directory %s was copied or moved; accepted as this node's newest "
                    "state (--accept-moved-data-dir) and its new place recorded",
                    dir_->path().c_str());
  }
}

Status Runtime::force_new_cluster() {
  Member self;
  self.id = config_.node_id;
  self.peer = config_.listen;
  for (const PeerConfig& p : config_.peers) {
    if (p.id == config_.node_id && self.peer.port == 0) {
      self.peer = p.address;
    }
  }
  self.client = config_.client.listen;
  self.admin = config_.admin;
  Result<ForcedConfiguration> forced = force_new_configuration(*wal_, self);
  if (!forced.is_ok()) {
    return Status(forced.status().code(), "--force-new-cluster: " + forced.status().message());
  }
  const std::string was = dir_->changes().previous_cluster_id;
  if (!dir_->pending_cluster_id().empty()) {
    if (Status s = dir_->finish_new_cluster(); !s.is_ok()) {
      return s;
    }
  }
  const std::string summary =
      "--force-new-cluster: " + config_.name() + " is now the only member of cluster " +
      config_.cluster_id + (was.empty() ? "" : " (was " + was + ")") + ": " +
      describe(forced.value()) + " Other nodes join it with --join and --cluster-id " +
      config_.cluster_id + "; start this node without --force-new-cluster from now on.";
  HELIOS_LOG_WARN("recovery", "%s", summary.c_str());
  return Status::ok();
}

}  // namespace helios::node
