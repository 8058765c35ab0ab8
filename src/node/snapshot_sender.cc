#include "node/snapshot_sender.h"

#include <chrono>

#include "base/assert.h"
#include "base/log.h"
#include "wire/snapshot_chunk.h"

namespace helios::node {

SnapshotSender::SnapshotSender(env::Loop& loop, env::FileSystem& fs, storage::SnapshotStore& store,
                               transport::FrameLink& link, std::uint64_t chunk_bytes,
                               std::function<void(NodeId to, bool ok)> done)
    : loop_(loop),
      fs_(fs),
      store_(store),
      link_(link),
      chunk_bytes_(chunk_bytes),
      window_bytes_(4 * chunk_bytes),
      done_(std::move(done)),
      next_id_(static_cast<std::uint64_t>(loop.now().time_since_epoch().count())) {
  HELIOS_ASSERT(chunk_bytes_ > 0);
}

SnapshotSender::~SnapshotSender() {
  stop();
}

void SnapshotSender::stop() {
  transfers_.clear();  // their timers are cancelled as they go
}

void SnapshotSender::send(const raft::Message& m) {
  const NodeId to = m.to;
  transfers_.erase(to);  // an unfinished one to the same follower (its timer goes with it)
  Transfer t;
  t.message = m;
  t.id = ++next_id_;
  const std::string path = store_.path_of(m.snapshot);
  Result<std::unique_ptr<env::File>> file = fs_.open(path, env::OpenMode::kRead);
  if (!file.is_ok()) {
    HELIOS_LOG_WARN("snapshot", "cannot send snapshot %s to node %llu: %s", path.c_str(),
                    static_cast<unsigned long long>(to), file.status().to_string().c_str());
    report(to, false);
    return;
  }
  t.file = std::move(file).value();
  t.total = t.file->size();
  HELIOS_LOG_INFO("snapshot", "sending snapshot %llu/%llu (%llu bytes) to node %llu",
                  static_cast<unsigned long long>(m.snapshot.index),
                  static_cast<unsigned long long>(m.snapshot.term),
                  static_cast<unsigned long long>(t.total), static_cast<unsigned long long>(to));
  transfers_.emplace(to, std::move(t));
  pump(to);
}

void SnapshotSender::pump(NodeId to) {
  auto it = transfers_.find(to);
  if (it == transfers_.end()) {
    return;
  }
  Transfer& t = it->second;
  while (t.offset < t.total || t.total == 0) {
    if (link_.queued_bytes(to) >= window_bytes_) {
      // The link is full: look again shortly (heartbeats still get through between chunks).
      // The timer belongs to this transfer: replacing or finishing it cancels the look.
      if (bug_stalls_when_full_) {  // PLANTED BUG: no look again
        return;
      }
      t.timer = loop_.schedule_after(std::chrono::milliseconds(1), [this, to]() { pump(to); });
      return;
    }
    wire::SnapshotChunk chunk;
    chunk.transfer_id = t.id;
    chunk.offset = t.offset;
    chunk.total = t.total;
    chunk.message = t.message;
    const std::uint64_t n = std::min(chunk_bytes_, t.total - t.offset);
    // Read straight into the frame: the slice is copied once, from the page cache.
    std::uint64_t at = t.offset;
    if (bug_reads_behind_ && at >= chunk_bytes_) {  // PLANTED BUG: one chunk too early
      at -= chunk_bytes_;
    }
    std::string frame = wire::encode_snapshot_chunk_frame(chunk, n, [&](char* data) {
      Result<std::size_t> read = t.file->read_at(at, data, n);
      return read.is_ok() && read.value() == n;
    });
    if (frame.empty()) {
      finish(to, false);
      return;
    }
    if (!link_.send_frame(to, std::move(frame))) {
      finish(to, false);
      return;
    }
    t.offset += n;
    if (t.total == 0) {
      break;
    }
  }
  finish(to, true);
}

void SnapshotSender::finish(NodeId to, bool ok) {
  auto it = transfers_.find(to);
  HELIOS_ASSERT(it != transfers_.end());
  if (!ok) {
    HELIOS_LOG_WARN("snapshot", "snapshot transfer to node %llu failed at byte %llu of %llu",
                    static_cast<unsigned long long>(to),
                    static_cast<unsigned long long>(it->second.offset),
                    static_cast<unsigned long long>(it->second.total));
  }
  transfers_.erase(it);
  report(to, ok);
}

void SnapshotSender::report(NodeId to, bool ok) {
  // Never from inside send(): the node is in the middle of its Ready loop then.
  loop_.post([this, to, ok]() { done_(to, ok); });
}

}  // namespace helios::node
