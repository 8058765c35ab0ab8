#include "apps/restore.h"

#include <filesystem>
#include <random>
#include <system_error>

#include "base/hex.h"
#include "base/log.h"
#include "env/posix/posix_file_system.h"
#include "node/backup.h"
#include "node/members.h"
#include "storage/data_dir.h"
#include "storage/snapshot_store.h"
#include "storage/wal.h"

namespace helios::apps {

namespace {

Status refuse(const std::string& why) {
  return Status(Code::kInvalidArgument, "--restore refused (nothing was changed): " + why);
}

std::string random_cluster_id() {
  std::random_device rd;
  const std::uint64_t bits = (std::uint64_t{rd()} << 32) ^ rd();
  return "restored-" + base::to_hex16(bits);
}

// This node as the only member of the new configuration, with the addresses it is
// configured with (its [[peers]] entry if it has one, else listen / client / admin).
node::Member self_member(const node::NodeConfig& config) {
  node::Member m{config.node_id, config.listen, config.client.listen, config.admin, false};
  for (const node::PeerConfig& p : config.peers) {
    if (p.id == config.node_id) {
      m.peer = p.address;
      m.client = p.client.port != 0 ? p.client : m.client;
    }
  }
  return m;
}

// OK if `path` does not exist or is an empty directory.
Status check_empty(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return refuse("cannot inspect " + path + ": " + ec.message());
  }
  if (!std::filesystem::exists(st)) {
    return Status::ok();
  }
  if (!std::filesystem::is_directory(st)) {
    return refuse(path + " exists and is not a directory");
  }
  if (!std::filesystem::is_empty(path, ec) || ec) {
    return refuse("the data directory " + path +
                  " is not empty: a restore only initialises an empty data directory (a "
                  "node's data is never overwritten; move it away first)");
  }
  return Status::ok();
}

// Steps 4 of restore.h: the whole data directory at `tmp`.
Status build(env::FileSystem& fs, const std::string& tmp, const node::NodeConfig& config,
             const node::CheckedBackup& backup) {
  Result<std::unique_ptr<storage::DataDir>> dir =
      storage::DataDir::open(fs, tmp, std::to_string(config.node_id), config.cluster_id);
  if (!dir.is_ok()) {
    return dir.status();
  }
  raft::SnapshotMeta meta;
  meta.index = backup.header.index;
  meta.term = backup.header.term;
  meta.conf_state.voters = {config.node_id};
  meta.conf_state.context = node::encode_members({self_member(config)});
  storage::SnapshotStore snapshots(fs, dir.value()->snapshot_dir(), config.snapshot_retain);
  if (Status s = snapshots.save(meta, backup.data()); !s.is_ok()) {
    return s;
  }
  Result<std::unique_ptr<storage::Wal>> wal =
      storage::Wal::open(fs, dir.value()->wal_dir(), storage::WalOptions{});
  if (!wal.is_ok()) {
    return wal.status();
  }
  // The log starts after the snapshot, in its term: the node's first election is for a later
  // term, so every entry it appends has a term at least the snapshot's.
  if (Status s = wal.value()->reset_to_snapshot(meta); !s.is_ok()) {
    return s;
  }
  if (Status s = wal.value()->append(raft::HardState{meta.term, kNoNode, meta.index}, {});
      !s.is_ok()) {
    return s;
  }
  return wal.value()->sync();
}

}  // namespace

Status restore_from_backup(const std::string& backup_path, bool cluster_id_named,
                           node::NodeConfig& config) {
  env::PosixFileSystem fs;
  Result<node::CheckedBackup> backup = node::read_backup_file(fs, backup_path);
  if (!backup.is_ok()) {
    return refuse(backup.status().message());
  }
  const storage::BackupHeader& h = backup.value().header;
  if (cluster_id_named && config.cluster_id == h.cluster_id) {
    return refuse("the backup comes from cluster '" + h.cluster_id +
                  "', and the restored cluster must be a new one that never talks to it: "
                  "name another cluster id (--cluster-id / cluster_id), or none for a "
                  "random one");
  }
  if (!cluster_id_named) {
    config.cluster_id = random_cluster_id();
  }
  std::string path = config.data_dir;
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  if (Status s = check_empty(path); !s.is_ok()) {
    return s;
  }
  const std::string tmp = path + ".restore.tmp";
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);  // a crashed restore's leftovers
  if (ec) {
    return refuse("cannot remove " + tmp + ": " + ec.message());
  }
  Status s = build(fs, tmp, config, backup.value());
  if (s.is_ok() && std::filesystem::exists(path)) {
    std::filesystem::remove(path, ec);  // empty, checked above
    s = ec ? Status(Code::kIoError, "cannot replace the empty " + path + ": " + ec.message())
           : Status::ok();
  }
  if (s.is_ok()) {
    s = fs.rename(tmp, path);
  }
  if (s.is_ok()) {
    s = fs.sync_dir(env::parent_dir(path));
  }
  if (!s.is_ok()) {
    std::filesystem::remove_all(tmp, ec);
    return Status(s.code(),
                  "--restore failed (the data directory was not created): " + s.message());
  }
  HELIOS_LOG_INFO("restore",
                  "Restored backup %s (cluster '%s', node %s, index %llu, term %llu, %llu keys, "
                  "digest %s) into %s",
                  backup_path.c_str(), h.cluster_id.c_str(), h.node_id.c_str(),
                  static_cast<unsigned long long>(h.index), static_cast<unsigned long long>(h.term),
                  static_cast<unsigned long long>(backup.value().keys),
                  backup.value().digest_hex.c_str(), path.c_str());
  HELIOS_LOG_INFO("restore",
                  "Node %s is the only voter of the NEW cluster '%s'. Start it again with "
                  "--cluster-id %s (or cluster_id = \"%s\"); other members join with "
                  "--cluster-id %s --join %s",
                  config.name().c_str(), config.cluster_id.c_str(), config.cluster_id.c_str(),
                  config.cluster_id.c_str(), config.cluster_id.c_str(),
                  config.admin.to_string().c_str());
  return Status::ok();
}

}  // namespace helios::apps
