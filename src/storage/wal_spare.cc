// The spare segment file: where the next segment is prepared (zero-filled a chunk per sync(),
// or recycled from a segment compaction freed) so that rolling over writes in place into
// blocks that are already written and synced. See "Preallocation" in wal.h.
#include <algorithm>

#include "base/assert.h"
#include "storage/wal.h"

namespace helios::storage {

namespace {

// Zeros are written (and the spare synced) in chunks of this size at most.
constexpr std::uint64_t kFillChunk = 1u << 20;
// A sync that made at most this many bytes durable leaves the disk time for zeros.
constexpr std::uint64_t kSmallSync = 16u << 10;

const std::string& zero_chunk() {
  static const std::string zeros(kFillChunk, '\0');
  return zeros;
}

}  // namespace

std::string Wal::spare_path() const {
  return env::join_path(dir_, kSpareSegmentName);
}

Status Wal::remove_stale_spare() {
  if (!fs_.exists(spare_path())) {
    return Status::ok();
  }
  Status s = fs_.remove(spare_path());
  return s.is_ok() ? fs_.sync_dir(dir_) : s;
}

Status Wal::open_spare(env::OpenMode mode) {
  HELIOS_ASSERT(spare_ == nullptr);
  Result<std::unique_ptr<env::File>> file = fs_.open(spare_path(), mode);
  if (!file.is_ok()) {
    return file.status();
  }
  spare_ = std::move(file).value();
  spare_ready_ = 0;
  return Status::ok();
}

Status Wal::fill_spare(std::uint64_t target, std::uint64_t max_bytes) {
  HELIOS_ASSERT(spare_ != nullptr);
  std::uint64_t wrote = 0;
  while (spare_ready_ < target && wrote < max_bytes) {
    const std::uint64_t n = std::min({kFillChunk, target - spare_ready_, max_bytes - wrote});
    Status s = spare_->write_at(spare_ready_, zero_chunk().data(), n);
    if (!s.is_ok()) {
      return s;
    }
    spare_ready_ += n;
    wrote += n;
    stats_.zero_bytes_written += n;
  }
  return wrote > 0 ? spare_->sync() : Status::ok();
}

Status Wal::prepare_ahead(std::uint64_t synced_bytes) {
  const std::uint64_t seg = options_.segment_bytes;
  // Zeros cost disk bandwidth: they are written only while syncs are small (a latency-bound
  // log, whose disk has time to spare), never when a log streams large batches (a new
  // segment then grows by appends, as without preallocation; recycled ones still arrive).
  if (synced_bytes > kSmallSync) {
    return Status::ok();
  }
  // Until the open segment is a quarter full, leave the place to a segment that compaction
  // may free; then fill so that the spare is complete when the segment is three quarters
  // full, one chunk per sync() at most.
  if (buffer_offset_ < seg / 4) {
    return Status::ok();
  }
  // Whole chunks only: each costs a write and an fdatasync of the spare.
  const std::uint64_t target = std::min(seg, 2 * (buffer_offset_ - seg / 4));
  if (spare_ready_ >= seg || target < spare_ready_ + std::min(kFillChunk, seg - spare_ready_)) {
    return Status::ok();
  }
  if (spare_ == nullptr) {
    Status s = open_spare(env::OpenMode::kCreateExclusive);
    if (!s.is_ok()) {
      return s;
    }
  }
  return fill_spare(target, kFillChunk);
}

Status Wal::release_front_segment() {
  HELIOS_ASSERT(segments_.size() > 1);
  Segment& front = segments_.front();
  const std::string path = front.file->path();
  const std::uint64_t size = front.file->size();
  Status s;
  if (options_.preallocate && size > spare_ready_) {
    // Every byte of a finished segment was written and synced: as the spare it saves
    // zero-filling that much. A smaller spare in the making is dropped.
    if (spare_ != nullptr) {
      s = fs_.remove(spare_path());
      dispose(std::move(spare_));
    }
    front.file.reset();  // renamed below, not freed: a cheap close
    if (s.is_ok()) {
      s = fs_.rename(path, spare_path());
    }
    if (s.is_ok()) {
      s = open_spare(env::OpenMode::kReadWrite);
    }
    if (s.is_ok()) {
      spare_ready_ = size;
      ++stats_.segments_recycled;
    }
  } else {
    s = fs_.remove(path);
    dispose(std::move(front.file));
  }
  segments_.pop_front();
  return s;
}

void Wal::dispose(std::unique_ptr<env::File> file) {
  if (file != nullptr && options_.dispose) {
    options_.dispose(std::move(file));
  }
}

}  // namespace helios::storage
