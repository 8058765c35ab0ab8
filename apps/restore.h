#pragma once
// --restore FILE (helios-atlasd, raft-example): initialise an EMPTY data directory from a
// backup (storage/backup_file.h) as the first and only voter of a NEW cluster, before the
// node starts normally. docs/operations.md, "Backup and restore".
//
// What it does, in order; every refusal comes before anything is written and changes
// nothing:
//   1. reads the backup whole and verifies it (header, version, checksum, the data decodes);
//   2. picks the new cluster's id: the configured one if the configuration or --cluster-id
//      names one (refused if it equals the backup's source cluster id: the restored cluster
//      must never talk to the old one), else a random "restored-<16 hex>";
//   3. refuses a data directory that exists and is not empty;
//   4. builds the directory beside it, in "<data_dir>.restore.tmp" (removed first if a
//      crash left one): META (this node, the new cluster), the backup's state as the first
//      snapshot (the backup's index and term; configuration: this node alone, with its
//      addresses), a WAL that starts after it with the backup's term and commit index;
//      every file fsynced;
//   5. renames it to data_dir (an empty data_dir is removed first) and fsyncs the parent,
//      so a crash leaves either no data directory or the whole restored one.
// Other members then join with --join and the new --cluster-id, as in "Membership".

#include <string>

#include "base/status.h"
#include "node/config.h"

namespace helios::apps {

// On success config.cluster_id is the new cluster's id (and a line saying what to give the
// members that join is logged). `cluster_id_named`: the configuration or a flag set
// config.cluster_id (else it is only the default, and a random one is chosen).
Status restore_from_backup(const std::string& backup_path, bool cluster_id_named,
                           node::NodeConfig& config);

}  // namespace helios::apps
