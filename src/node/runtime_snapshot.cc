// Runtime: snapshots (see runtime.h): recovery at startup, fork()ed snapshot writing and
// installing a snapshot received from the leader (the Node decides when: SnapshotPolicy).
#include <filesystem>

#include "base/log.h"
#include "env/posix/memory.h"
#include "node/recovery.h"
#include "node/runtime.h"

namespace helios::node {

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status Runtime::open_storage(raft::Config& raft) {
  snapshots_ =
      std::make_unique<storage::SnapshotStore>(fs_, dir_->snapshot_dir(), config_.snapshot_retain);
  snapshots_->set_dispose(
      [this](std::unique_ptr<env::File> file) { close_on_worker(std::move(file)); });
  // Files of transfers a crash interrupted: no transfer runs yet.
  if (Status s = snapshots_->remove_received_temporaries(); !s.is_ok()) {
    return s;
  }
  Result<Index> applied = recover_from_snapshot(*snapshots_, *wal_, machine_);
  if (!applied.is_ok()) {
    return applied.status();
  }
  raft.applied = applied.value();
  if (applied.value() > 0) {
    HELIOS_LOG_INFO("snapshot",
                    "restored %llu keys from snapshot %llu/%llu; replaying the log "
                    "from %llu to %llu",
                    static_cast<unsigned long long>(machine_.store().item_count()),
                    static_cast<unsigned long long>(wal_->snapshot_meta().index),
                    static_cast<unsigned long long>(wal_->snapshot_meta().term),
                    static_cast<unsigned long long>(applied.value() + 1),
                    static_cast<unsigned long long>(wal_->hard_state().commit));
  }
  return Status::ok();
}

void Runtime::start_snapshot(const raft::SnapshotMeta& meta) {
  // The child gets a copy-on-write image of this process as it is now, at meta.index; it
  // serializes and writes it while this process goes on.
  const Status started = snapshot_child_.start([this, meta]() {
    const Status s = snapshots_->write_temporary(meta, machine_.snapshot_data());
    return s.is_ok() ? 0 : 2;
  });
  if (!started.is_ok()) {
    asio::post(io_, [this, meta, started]() {
      node_->on_snapshot_done(meta, started);
      check_failed();
    });
    return;
  }
  HELIOS_LOG_INFO("snapshot", "taking snapshot %llu/%llu in child process %d",
                  static_cast<unsigned long long>(meta.index),
                  static_cast<unsigned long long>(meta.term), snapshot_child_.pid());
  child_meta_ = meta;
  child_started_ = std::chrono::steady_clock::now();
  poll_snapshot_child();
}

void Runtime::poll_snapshot_child() {
  const std::optional<int> exit_status = snapshot_child_.poll();
  if (!exit_status.has_value()) {
    if (snapshot_child_.running()) {
      child_timer_.expires_after(std::chrono::milliseconds(10));
      child_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec && running_) {
          poll_snapshot_child();
        }
      });
    }
    return;
  }
  Status s;
  if (*exit_status != 0) {
    s = Status(Code::kIoError, "the snapshot process failed writing " +
                                   snapshots_->path_of(child_meta_) + ".tmp (exit status " +
                                   std::to_string(*exit_status) + "; a full disk?)");
  } else {
    s = snapshots_->commit(child_meta_);
  }
  node_->on_snapshot_done(child_meta_, s);
  if (snapshots_->poisoned()) {
    node_->stop_on_storage_failure(s);
  }
  check_failed();
}

void Runtime::note_snapshot_file_bytes(const raft::SnapshotMeta& meta) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(snapshots_->path_of(meta), ec);
  if (!ec) {
    node_->set_snapshot_file_bytes(size);
  }
}

void Runtime::stop_snapshot_child() {
  snapshot_child_.kill();
}

void Runtime::on_snapshot_event(const raft::SnapshotMeta& meta, bool received,
                                const Status& status) {
  if (!status.is_ok()) {
    snapshot_error_ = status.to_string();
    HELIOS_LOG_ERROR("snapshot", "snapshot %llu/%llu failed (the log keeps every entry): %s",
                     static_cast<unsigned long long>(meta.index),
                     static_cast<unsigned long long>(meta.term), status.to_string().c_str());
    return;
  }
  snapshot_error_.clear();
  note_snapshot_file_bytes(meta);
  last_snapshot_unix_ms_ = unix_ms_now();
  const auto took = std::chrono::steady_clock::now() - child_started_;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  if (received) {
    ++snapshots_installed_;
  } else {
    ++snapshots_taken_;
    metrics_.snapshot_duration.Observe(std::chrono::duration<double>(took).count());
  }
  HELIOS_LOG_INFO("snapshot", "%s snapshot %llu/%llu%s; the log now starts at %llu",
                  received ? "installed" : "took", static_cast<unsigned long long>(meta.index),
                  static_cast<unsigned long long>(meta.term),
                  received ? " from the leader" : (" in " + std::to_string(ms) + " ms").c_str(),
                  static_cast<unsigned long long>(wal_->first_index()));
}

Status Runtime::request_snapshot() {
  const Status s = node_->request_snapshot();
  check_failed();
  return s;
}

std::int64_t Runtime::last_save_unix_s() const {
  if (last_snapshot_unix_ms_ >= 0) {
    return last_snapshot_unix_ms_ / 1000;
  }
  const auto up = std::chrono::steady_clock::now() - started_;
  return (unix_ms_now() - std::chrono::duration_cast<std::chrono::milliseconds>(up).count()) / 1000;
}

void Runtime::on_snapshot_received(const raft::Message& m, const std::string& path,
                                   std::shared_ptr<AtlasState> state) {
  node_->step_snapshot(m, incoming_snapshot(*snapshots_, fs_, machine_, m.snapshot, path,
                                            std::move(state), [this](AtlasState old) {
                                              // The old state is freed on the worker, not the loop,
                                              // and its memory given back (else the node holds two
                                              // states' worth for good).
                                              auto held =
                                                  std::make_shared<AtlasState>(std::move(old));
                                              asio::post(worker_io_, [held]() mutable {
                                                held.reset();
                                                env::release_free_memory();
                                              });
                                            }));
  check_failed();
}

}  // namespace helios::node
