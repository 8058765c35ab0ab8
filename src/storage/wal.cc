#include "storage/wal.h"

#include "base/assert.h"

namespace helios::storage {

Wal::Wal(env::FileSystem& fs, std::string dir, const WalOptions& options)
    : fs_(fs), dir_(std::move(dir)), options_(options) {
  HELIOS_ASSERT(options.segment_bytes >= 4096);
}

Wal::~Wal() = default;

raft::InitialState Wal::initial_state() const {
  return {hard_state_, conf_state_};
}

raft::SnapshotMeta Wal::snapshot_meta() const {
  if (snapshot_.index >= mark_.index && snapshot_.index > 0) {
    return snapshot_;
  }
  return raft::SnapshotMeta{mark_.index, mark_.term, conf_state_};
}

std::vector<Index> Wal::conf_entry_indexes() const {
  std::vector<Index> out;
  for (std::size_t i = 0; i < locations_.size(); ++i) {
    if (locations_[i].conf) {
      out.push_back(mark_.index + 1 + i);
    }
  }
  return out;
}

void Wal::set_snapshot(const raft::SnapshotMeta& snapshot) {
  HELIOS_ASSERT(snapshot.index >= mark_.index);
  HELIOS_ASSERT(snapshot.index <= last_index());
  HELIOS_ASSERT(term(snapshot.index).value() == snapshot.term);
  snapshot_ = snapshot;
}

Status Wal::reset_to_snapshot(const raft::SnapshotMeta& snapshot) {
  if (!poisoned_.is_ok()) {
    return poisoned_;
  }
  HELIOS_ASSERT(snapshot.index > mark_.index);
  if (!locations_.empty()) {
    add_record(TruncateRecord{mark_.index + 1});
    locations_.clear();
  }
  mark_ = SnapshotMark{snapshot.index, snapshot.term};
  add_record(mark_);
  snapshot_ = snapshot;
  return flush();
}

Index Wal::first_index_within_bytes(Index hi, std::uint64_t max_bytes) const {
  HELIOS_ASSERT(hi <= last_index());
  Index lo = hi + 1;
  std::uint64_t bytes = 0;
  while (lo > first_index()) {
    bytes += locations_[lo - 1 - mark_.index - 1].size;
    if (bytes > max_bytes) {
      break;
    }
    --lo;
  }
  return lo;
}

Result<Term> Wal::term(Index index) const {
  if (index < mark_.index) {
    return Status(Code::kCompacted, "index " + std::to_string(index));
  }
  if (index == mark_.index) {
    return mark_.term;
  }
  if (index > last_index()) {
    return Status(Code::kUnavailable, "index " + std::to_string(index));
  }
  return locations_[index - mark_.index - 1].term;
}

const Wal::Segment& Wal::segment(std::uint64_t seq) const {
  HELIOS_ASSERT(!segments_.empty());
  HELIOS_ASSERT(seq >= segments_.front().seq);
  const Segment& s = segments_[seq - segments_.front().seq];
  HELIOS_ASSERT(s.seq == seq);
  return s;
}

Result<std::vector<raft::Entry>> Wal::entries(Index lo, Index hi, std::uint64_t max_bytes) const {
  HELIOS_ASSERT(lo <= hi);
  if (lo <= mark_.index) {
    return Status(Code::kCompacted, "index " + std::to_string(lo));
  }
  if (hi > last_index() + 1) {
    return Status(Code::kUnavailable, "index " + std::to_string(hi));
  }
  std::vector<raft::Entry> out;
  std::uint64_t bytes = 0;
  std::string buf;
  for (Index i = lo; i < hi; ++i) {
    const Location& loc = locations_[i - mark_.index - 1];
    const Segment& seg = segment(loc.seq);
    buf.resize(loc.size);
    Result<std::size_t> n = seg.file->read_at(loc.offset, buf.data(), loc.size);
    if (!n.is_ok()) {
      return n.status();
    }
    Result<DecodedRecord> rec = decode_record(std::string_view(buf.data(), n.value()), loc.seq);
    if (!rec.is_ok() || !std::holds_alternative<raft::Entry>(rec.value().record)) {
      return Status(Code::kCorruption, seg.file->path() + " at offset " +
                                           std::to_string(loc.offset) + ": " +
                                           rec.status().message());
    }
    raft::Entry& e = std::get<raft::Entry>(rec.value().record);
    HELIOS_ASSERT(e.index == i);
    HELIOS_ASSERT(e.term == loc.term);
    bytes += e.byte_size();
    if (!out.empty() && bytes > max_bytes) {
      break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

void Wal::add_record(const Record& record) {
  HELIOS_ASSERT(!std::holds_alternative<raft::Entry>(record));  // add_entry() records those
  encode_record(record, segments_.back().seq, pending_.bytes());
}

void Wal::add_entry(const raft::Entry& entry) {
  HELIOS_ASSERT(entry.index == last_index() + 1);
  const std::uint64_t before = pending_.size();
  if (entry.data.size() >= kWalGatherBytes) {
    encode_entry_record_head(entry, segments_.back().seq, pending_.bytes());
    pending_.append(entry.data);  // spliced
  } else {
    encode_entry_record(entry, segments_.back().seq, pending_.bytes());
  }
  locations_.push_back(Location{entry.term, segments_.back().seq, buffer_offset_ + before,
                                static_cast<std::uint32_t>(pending_.size() - before),
                                entry.type == raft::EntryType::kConfChange});
}

Status Wal::fail(Status status) {
  HELIOS_ASSERT(!status.is_ok());
  poisoned_ = status;
  return status;
}

Status Wal::flush() {
  const std::uint64_t bytes = pending_.size();
  if (bytes == 0) {
    return Status::ok();
  }
  Status s;
  env::File& file = *segments_.back().file;
  if (!pending_.has_splices()) {
    s = file.write_at(buffer_offset_, pending_.bytes().data(), pending_.bytes().size());
  } else {
    pieces_.clear();
    pending_.for_each_piece([this](std::string_view piece) { pieces_.push_back(piece); });
    s = file.write_gather_at(buffer_offset_, pieces_);
    pieces_.clear();
  }
  if (!s.is_ok()) {
    return fail(s);
  }
  stats_.bytes_written += bytes;
  buffer_offset_ += bytes;
  pending_.clear();
  return Status::ok();
}

Status Wal::create_segment(std::uint64_t seq, std::uint64_t fill) {
  HELIOS_ASSERT(pending_.empty());
  const std::string path = env::join_path(dir_, segment_name(seq));
  // The header and every segment's first records: the hard state and the snapshot mark, so
  // removing the older segments never loses them.
  std::string head = encode_segment_header(seq, last_index() + 1);
  encode_record(hard_state_, seq, head);
  encode_record(mark_, seq, head);
  Status s;
  if (options_.preallocate) {
    // The header is durable before the name exists: a "<seq>.wal" never holds a spare's
    // leftovers under a header that did not make it.
    if (spare_ == nullptr) {
      s = open_spare(env::OpenMode::kCreateExclusive);
    }
    if (s.is_ok()) {
      s = fill_spare(fill, UINT64_MAX);
    }
    if (s.is_ok()) {
      s = spare_->write_at(0, head.data(), head.size());
    }
    if (s.is_ok()) {
      s = spare_->sync();
    }
    if (s.is_ok()) {
      spare_.reset();
      spare_ready_ = 0;
      s = fs_.rename(spare_path(), path);
    }
  }
  Result<std::unique_ptr<env::File>> file =
      !s.is_ok() ? Result<std::unique_ptr<env::File>>(s)
                 : fs_.open(path, options_.preallocate ? env::OpenMode::kReadWrite
                                                       : env::OpenMode::kCreateExclusive);
  if (!file.is_ok()) {
    return fail(file.status());
  }
  segments_.push_back(Segment{seq, std::move(file).value()});
  ++stats_.segments;
  dir_dirty_ = true;
  if (options_.preallocate) {
    // Already written (and synced) in the spare.
    buffer_offset_ = head.size();
    stats_.bytes_written += head.size();
    return Status::ok();
  }
  buffer_offset_ = 0;
  pending_ = base::GatherBuffer(std::move(head));
  return flush();
}

Status Wal::roll_segment() {
  // The old segment ends at its last record (its preallocated rest is cut off: only the last
  // segment may have free space) and is made durable before the next one exists: only the
  // last segment can ever end in a torn record.
  Status s = flush();
  env::File& old = *segments_.back().file;
  if (s.is_ok() && old.size() != buffer_offset_) {
    s = old.truncate(buffer_offset_);
  }
  if (s.is_ok()) {
    s = old.sync();
    ++stats_.syncs;
  }
  if (!s.is_ok()) {
    return fail(s);
  }
  // Whatever the spare holds is used as it is: rolling over never waits for zeros.
  return create_segment(segments_.back().seq + 1, 0);
}

Status Wal::append(const std::optional<raft::HardState>& hard_state,
                   const std::vector<raft::Entry>& entries) {
  if (!poisoned_.is_ok()) {
    return poisoned_;
  }
  if (!entries.empty()) {
    const Index first = entries.front().index;
    HELIOS_ASSERT(first > mark_.index);
    HELIOS_ASSERT(first <= last_index() + 1);
    if (first <= last_index()) {
      add_record(TruncateRecord{first});
      locations_.resize(first - mark_.index - 1);
    }
  }
  for (const raft::Entry& e : entries) {
    if (buffer_offset_ + pending_.size() >= options_.segment_bytes) {
      Status s = roll_segment();
      if (!s.is_ok()) {
        return s;
      }
    }
    add_entry(e);
  }
  if (hard_state.has_value()) {
    hard_state_ = *hard_state;
    add_record(*hard_state);
  }
  return flush();
}

Status Wal::sync() {
  if (!poisoned_.is_ok()) {
    return poisoned_;
  }
  Status s = flush();
  if (!s.is_ok()) {
    return s;
  }
  s = segments_.back().file->sync();
  ++stats_.syncs;
  if (s.is_ok() && dir_dirty_) {
    s = fs_.sync_dir(dir_);
    dir_dirty_ = false;
  }
  const std::uint64_t synced_bytes = stats_.bytes_written - synced_written_;
  synced_written_ = stats_.bytes_written;
  if (s.is_ok() && options_.preallocate) {
    s = prepare_ahead(synced_bytes);
  }
  return s.is_ok() ? s : fail(s);
}

Status Wal::compact(const SnapshotMark& mark) {
  if (!poisoned_.is_ok()) {
    return poisoned_;
  }
  HELIOS_ASSERT(mark.index >= mark_.index);
  if (mark.index <= last_index()) {
    HELIOS_ASSERT(term(mark.index).value() == mark.term);
    locations_.erase(locations_.begin(),
                     locations_.begin() + static_cast<long>(mark.index - mark_.index));
  } else {
    locations_.clear();
  }
  mark_ = mark;
  add_record(mark);
  // The mark must be durable before the segments it replaces go away.
  Status s = sync();
  if (!s.is_ok()) {
    return s;
  }
  const std::uint64_t keep_from =
      locations_.empty() ? segments_.back().seq : locations_.front().seq;
  bool removed = false;
  while (segments_.front().seq < keep_from) {
    s = release_front_segment();
    if (!s.is_ok()) {
      return fail(s);
    }
    removed = true;
  }
  if (removed) {
    s = fs_.sync_dir(dir_);
  }
  return s.is_ok() ? s : fail(s);
}

std::vector<std::string> Wal::segment_paths() const {
  std::vector<std::string> out;
  for (const Segment& s : segments_) {
    out.push_back(s.file->path());
  }
  return out;
}

}  // namespace helios::storage
