#include "admin/backup_api.h"

#include <httplib.h>

#include <algorithm>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/log.h"
#include "env/posix/posix_file_system.h"
#include "storage/backup_file.h"
#include "storage/data_dir.h"
#include "storage/snapshot_store.h"

namespace helios::admin {

namespace {

constexpr std::chrono::seconds kLoopWait{2};         // for one probe of the loop thread
constexpr std::chrono::seconds kBarrierWait{10};     // for the read barrier
constexpr std::chrono::milliseconds kPollEvery{20};  // while a snapshot is being taken
constexpr int kSnapshotAttempts = 3;
constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

void reply_error(httplib::Response& res, int status, const std::string& error) {
  res.status = status;
  res.set_content(nlohmann::json({{"error", error}}).dump(), "application/json");
}

std::uint64_t unix_ms_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Runs `fn` on the loop thread and waits for its answer: nothing if the loop does not
// answer within `wait` (the answer, if it comes later, is dropped).
template <typename T>
std::optional<T> on_loop(node::Runtime& runtime, std::chrono::milliseconds wait,
                         std::function<void(std::function<void(T)>)> fn) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  runtime.post([fn = std::move(fn), promise]() {
    fn([promise](T value) { promise->set_value(std::move(value)); });
  });
  if (future.wait_for(wait) != std::future_status::ready) {
    return std::nullopt;
  }
  return future.get();
}

// Step 1: the read barrier. The applied index once it completed, or why not.
Result<Index> read_barrier(node::Runtime& runtime) {
  std::optional<Result<Index>> r = on_loop<Result<Index>>(
      runtime, kBarrierWait, [&runtime](std::function<void(Result<Index>)> done) {
        runtime.node().read([&runtime, done](Status s, std::uint64_t) {
          done(s.is_ok() ? Result<Index>(runtime.node().applied()) : Result<Index>(s));
        });
      });
  if (!r.has_value()) {
    return Status(Code::kUnavailable, "the read barrier did not complete in time (no leader?)");
  }
  return std::move(*r);
}

// One probe of step 2, on the loop thread.
struct Probe {
  Status error;                     // the backup cannot be made
  std::shared_ptr<env::File> file;  // set: the snapshot to stream, open
  raft::SnapshotMeta meta;
};

Probe probe(node::Runtime& runtime, Index target, int& attempts) {
  Probe p;
  const node::Node& node = runtime.node();
  const raft::SnapshotMeta& last = node.last_snapshot();
  if (last.index >= target) {
    const std::string dir = env::join_path(runtime.config().data_dir, storage::kSnapshotDirName);
    const std::string path =
        env::join_path(dir, storage::snapshot_file_name(last.term, last.index));
    env::PosixFileSystem fs;
    Result<std::unique_ptr<env::File>> opened = fs.open(path, env::OpenMode::kRead);
    if (!opened.is_ok()) {
      p.error = opened.status();
      return p;
    }
    p.file = std::move(opened).value();
    p.meta = last;
    return p;
  }
  if (node.failed()) {
    p.error = Status(Code::kUnavailable, "node has stopped: " + node.failure());
  } else if (!node.snapshotting()) {
    if (attempts >= kSnapshotAttempts) {
      const std::string why = runtime.status_now().snapshot_error;
      p.error = Status(Code::kUnavailable, "no snapshot covering index " + std::to_string(target) +
                                               " could be taken" + (why.empty() ? "" : ": " + why));
    } else {
      ++attempts;
      p.error = runtime.request_snapshot();
    }
  }
  return p;
}

// Step 2: a snapshot covering `target`, open; or why not (kAborted: waited kBackupWait).
Result<Probe> snapshot_covering(node::Runtime& runtime, Index target) {
  const auto give_up = std::chrono::steady_clock::now() + kBackupWait;
  auto attempts = std::make_shared<int>(0);  // touched on the loop thread only
  while (true) {
    std::optional<Probe> p = on_loop<Probe>(
        runtime, kLoopWait, [&runtime, target, attempts](std::function<void(Probe)> done) {
          done(probe(runtime, target, *attempts));
        });
    if (!p.has_value()) {
      return Status(Code::kUnavailable, "the node's loop did not answer in time");
    }
    if (!p->error.is_ok()) {
      return p->error;
    }
    if (p->file != nullptr) {
      return std::move(*p);
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      return Status(Code::kAborted, "no snapshot covered index " + std::to_string(target) +
                                        " after waiting " + std::to_string(kBackupWait.count()) +
                                        " minutes");
    }
    std::this_thread::sleep_for(kPollEvery);
  }
}

// Step 3: the bytes of the backup, produced in order by next() on the server's thread.
class BackupStream {
 public:
  BackupStream(std::shared_ptr<env::File> file, storage::SnapshotLayout layout, std::string header)
      : file_(std::move(file)), layout_(std::move(layout)), header_(std::move(header)) {}

  std::uint64_t size() const {
    return header_.size() + layout_.data_size + storage::kBackupChecksumSize;
  }

  // Writes the next piece to `sink` if `offset` is where the stream is; false to cut the
  // connection (a read error, the snapshot file's checksum failing, the client gone).
  bool next(std::size_t offset, httplib::DataSink& sink) {
    if (offset != sent_) {
      return false;  // only sequential reads (no ranges)
    }
    std::string piece;
    if (sent_ == 0) {
      // The snapshot file's checksum covers its header too.
      piece.resize(layout_.data_offset);
      if (!read(0, piece)) {
        return false;
      }
      snapshot_sum_.update(piece);
      piece = header_;
    } else if (sent_ < header_.size() + layout_.data_size) {
      const std::uint64_t done = sent_ - header_.size();
      piece.resize(std::min<std::uint64_t>(kChunkBytes, layout_.data_size - done));
      if (!read(layout_.data_offset + done, piece)) {
        return false;
      }
      snapshot_sum_.update(piece);
    } else {
      std::string stored(8, '\0');
      if (!read(layout_.data_offset + layout_.data_size, stored)) {
        return false;
      }
      if (base::load_u64(stored.data()) != snapshot_sum_.digest()) {
        HELIOS_LOG_ERROR("backup", "snapshot %s fails its checksum: backup cut short",
                         file_->path().c_str());
        return false;
      }
      piece.clear();
      base::put_u64(piece, backup_sum_.digest());
      return send(sink, piece);
    }
    backup_sum_.update(piece);
    return send(sink, piece);
  }

 private:
  bool read(std::uint64_t offset, std::string& into) {
    std::size_t done = 0;
    while (done < into.size()) {
      Result<std::size_t> n = file_->read_at(offset + done, into.data() + done, into.size() - done);
      if (!n.is_ok() || n.value() == 0) {
        HELIOS_LOG_ERROR("backup", "reading %s: %s", file_->path().c_str(),
                         n.is_ok() ? "the file ends early" : n.status().to_string().c_str());
        return false;
      }
      done += n.value();
    }
    return true;
  }

  bool send(httplib::DataSink& sink, const std::string& piece) {
    sent_ += piece.size();
    return sink.write(piece.data(), piece.size());
  }

  std::shared_ptr<env::File> file_;
  storage::SnapshotLayout layout_;
  std::string header_;
  std::uint64_t sent_ = 0;
  base::Checksum64Stream backup_sum_{0};
  base::Checksum64Stream snapshot_sum_{0};
};

void get_backup(node::Runtime& runtime, httplib::Response& res) {
  Result<Index> target = read_barrier(runtime);
  if (!target.is_ok()) {
    reply_error(res, 503, "no linearizable read point: " + target.status().message());
    return;
  }
  Result<Probe> snap = snapshot_covering(runtime, target.value());
  if (!snap.is_ok()) {
    reply_error(res, snap.status().code() == Code::kAborted ? 504 : 503, snap.status().message());
    return;
  }
  Result<storage::SnapshotLayout> layout = storage::read_snapshot_layout(*snap.value().file);
  if (!layout.is_ok() || layout.value().meta.index != snap.value().meta.index) {
    reply_error(
        res, 503,
        layout.is_ok() ? "the snapshot file does not match its name" : layout.status().message());
    return;
  }
  const node::NodeConfig& config = runtime.config();
  storage::BackupHeader header;
  header.index = layout.value().meta.index;
  header.term = layout.value().meta.term;
  header.created_unix_ms = unix_ms_now();
  header.cluster_id = config.cluster_id;
  header.node_id = std::to_string(config.node_id);
  header.data_size = layout.value().data_size;
  HELIOS_LOG_INFO("backup", "serving a backup at index %llu (read index %llu), %llu bytes",
                  static_cast<unsigned long long>(header.index),
                  static_cast<unsigned long long>(target.value()),
                  static_cast<unsigned long long>(header.data_size));
  auto stream =
      std::make_shared<BackupStream>(std::move(snap.value().file), std::move(layout).value(),
                                     storage::encode_backup_header(header));
  res.set_header("X-Helios-Backup-Index", std::to_string(header.index));
  res.set_content_provider(
      stream->size(), "application/octet-stream",
      [stream](std::size_t offset, std::size_t /*length*/, httplib::DataSink& sink) {
        return stream->next(offset, sink);
      });
}

}  // namespace

void add_backup_route(httplib::Server& server, node::Runtime& runtime, RequestGuard guard) {
  server.Get("/backup", [&runtime, guard = std::move(guard)](const httplib::Request& req,
                                                             httplib::Response& res) {
    if (guard(req, res)) {
      get_backup(runtime, res);
    }
  });
}

}  // namespace helios::admin
