// Wal::open: finds the segments, verifies every record, finds the end of the last segment's
// records (a zero header before preallocated space, or a torn record), cuts off whatever
// else follows it, and rebuilds the in-memory state. Corruption anywhere but at the tail of
// the last segment is reported, never repaired.
#include "base/assert.h"
#include "base/bytes.h"
#include "env/posix/memory.h"
#include "storage/wal.h"

namespace helios::storage {

class WalRecovery {
 public:
  WalRecovery(Wal& wal, env::FileSystem& fs) : wal_(wal), fs_(fs) {}

  Status run();

 private:
  Result<std::vector<std::uint64_t>> find_segments();
  Status replay_segment(std::uint64_t seq, bool last);
  Status apply(const Record& record, std::uint64_t seq, std::uint64_t offset, std::uint32_t size,
               const std::string& path);
  Status cut_tail(env::File& file, std::uint64_t offset);

  Wal& wal_;
  env::FileSystem& fs_;
  // After compaction removed old segments, the first remaining segment starts somewhere in
  // the middle of the log; the snapshot mark that says where is written later, at the time
  // of the compaction. Until that mark is seen, the start is provisional (its term unknown).
  bool seen_entry_ = false;
  bool floating_start_ = false;
};

namespace {

// The hard state and snapshot mark records every segment starts with.
constexpr std::uint64_t kLeadingRecordsSize = (kRecordHeaderSize + 24) + (kRecordHeaderSize + 16);

Status corruption_at(const std::string& path, std::uint64_t offset, const std::string& why) {
  return Status(Code::kCorruption,
                "wal: " + path + " at offset " + std::to_string(offset) + ": " + why);
}

}  // namespace

Result<std::vector<std::uint64_t>> WalRecovery::find_segments() {
  Result<std::vector<std::string>> names = fs_.list(wal_.dir_);
  if (!names.is_ok()) {
    return names.status();
  }
  std::vector<std::uint64_t> seqs;
  for (const std::string& name : names.value()) {
    if (auto seq = parse_segment_name(name)) {
      seqs.push_back(*seq);
    }
  }
  // list() is sorted and the names are fixed-width hex, so seqs are ascending.
  for (std::size_t i = 1; i < seqs.size(); ++i) {
    if (seqs[i] != seqs[i - 1] + 1) {
      return Status(Code::kCorruption, "wal: " + wal_.dir_ + ": segment " +
                                           segment_name(seqs[i - 1] + 1) + " is missing");
    }
  }
  return seqs;
}

Status WalRecovery::run() {
  Status s = fs_.create_dirs(wal_.dir_);
  if (!s.is_ok()) {
    return s;
  }
  Result<std::vector<std::uint64_t>> seqs = find_segments();
  if (!seqs.is_ok()) {
    return seqs.status();
  }
  // A spare left by a crash may hold records of the next seq, written before its rename was
  // durable: it must never become a segment.
  s = wal_.remove_stale_spare();
  if (!s.is_ok()) {
    return s;
  }
  for (std::size_t i = 0; i < seqs.value().size(); ++i) {
    s = replay_segment(seqs.value()[i], i + 1 == seqs.value().size());
    if (!s.is_ok()) {
      return s;
    }
  }
  if (wal_.segments_.empty()) {
    const std::uint64_t seq = seqs.value().empty() ? 1 : seqs.value().back();
    s = wal_.create_segment(seq, wal_.options_.segment_bytes);
    if (s.is_ok()) {
      s = wal_.sync();
    }
  } else if (wal_.buffer_offset_ < kSegmentHeaderSize + kLeadingRecordsSize) {
    // The last segment's hard state and mark records were torn off (a segment created just
    // before a crash, by a writer without preallocation): write them again, or removing the
    // older segments would lose them.
    wal_.add_record(wal_.hard_state_);
    wal_.add_record(wal_.mark_);
    s = wal_.sync();
  }
  // A start moved back to entry 1 (a truncation of the whole log after the segments before
  // it were compacted away) needs no mark: nothing comes before entry 1.
  if (s.is_ok() && floating_start_ && wal_.mark_.term == 0 && wal_.mark_.index > 0) {
    return Status(Code::kCorruption, "wal: " + wal_.dir_ + ": the log starts at entry " +
                                         std::to_string(wal_.mark_.index + 1) +
                                         " but no snapshot mark covers what comes before it");
  }
  // A commit index beyond the log can only come from a log cut short below it, which the
  // write order (entries before the hard state that commits them) rules out; be safe.
  if (wal_.hard_state_.commit > wal_.last_index()) {
    wal_.hard_state_.commit = wal_.last_index();
  }
  return s;
}

Status WalRecovery::replay_segment(std::uint64_t seq, bool last) {
  const std::string path = env::join_path(wal_.dir_, segment_name(seq));
  Result<std::unique_ptr<env::File>> opened = fs_.open(path, env::OpenMode::kReadWrite);
  if (!opened.is_ok()) {
    return opened.status();
  }
  std::unique_ptr<env::File> file = std::move(opened).value();
  std::string data = env::zeroed_buffer(file->size());
  Result<std::size_t> n = file->read_at(0, data.data(), data.size());
  if (!n.is_ok()) {
    return n.status();
  }
  data.resize(n.value());
  Status header = decode_segment_header(data, seq);
  if (!header.is_ok()) {
    if (header.code() == Code::kCorruption && last && data.size() <= kSegmentHeaderSize) {
      // Created just before a crash, its header never made it: it holds nothing.
      wal_.stats_.torn_bytes_cut += data.size();
      file.reset();
      Status s = fs_.remove(path);
      return s.is_ok() ? fs_.sync_dir(wal_.dir_) : s;
    }
    return corruption_at(path, 0, header.message());
  }
  std::uint64_t offset = kSegmentHeaderSize;
  while (offset < data.size()) {
    const std::string_view rest = std::string_view(data).substr(offset);
    if (last && is_zero(rest.substr(0, kRecordHeaderSize))) {
      break;  // a zero header: the end of the records, preallocated space follows
    }
    Result<DecodedRecord> rec = decode_record(rest, seq);
    if (!rec.is_ok()) {
      if (!last) {
        return corruption_at(path, offset, rec.status().message());
      }
      if (!is_torn_record(data, offset, seq)) {
        return corruption_at(path, offset,
                             rec.status().message() + ", and the record after it verifies");
      }
      break;
    }
    const auto size = static_cast<std::uint32_t>(rec.value().size);
    Status s = apply(rec.value().record, seq, offset, size, path);
    if (!s.is_ok()) {
      return s;
    }
    offset += size;
  }
  if (offset < data.size()) {
    HELIOS_ASSERT(last);
    // Anything but zeros after the end (a torn record, a spare's stale records) is cut off,
    // so that it can never be taken for records that later writes line up with. Zeros are
    // preallocated space and stay.
    const std::size_t junk_end = data.find_last_not_of('\0');
    if (junk_end != std::string::npos && junk_end >= offset) {
      wal_.stats_.torn_bytes_cut += junk_end + 1 - offset;
      Status s = cut_tail(*file, offset);
      if (!s.is_ok()) {
        return s;
      }
    }
  }
  wal_.segments_.push_back(Wal::Segment{seq, std::move(file)});
  wal_.buffer_offset_ = offset;
  ++wal_.stats_.segments;
  return Status::ok();
}

Status WalRecovery::cut_tail(env::File& file, std::uint64_t offset) {
  Status s = file.truncate(offset);
  return s.is_ok() ? file.sync() : s;
}

Status WalRecovery::apply(const Record& record, std::uint64_t seq, std::uint64_t offset,
                          std::uint32_t size, const std::string& path) {
  if (const auto* e = std::get_if<raft::Entry>(&record)) {
    if (!seen_entry_ && e->index > wal_.last_index() + 1) {
      wal_.mark_ = SnapshotMark{e->index - 1, 0};
      floating_start_ = true;
    }
    seen_entry_ = true;
    if (e->index != wal_.last_index() + 1) {
      return corruption_at(path, offset,
                           "entry " + std::to_string(e->index) + " follows entry " +
                               std::to_string(wal_.last_index()));
    }
    const Term prev = wal_.locations_.empty() ? wal_.mark_.term : wal_.locations_.back().term;
    if (e->term < prev) {
      return corruption_at(path, offset, "entry term goes backwards");
    }
    wal_.locations_.push_back(
        Wal::Location{e->term, seq, offset, size, e->type == raft::EntryType::kConfChange});
  } else if (const auto* hs = std::get_if<raft::HardState>(&record)) {
    wal_.hard_state_ = *hs;
  } else if (const auto* t = std::get_if<TruncateRecord>(&record)) {
    if (!seen_entry_ && wal_.segments_.empty() && t->index > wal_.last_index() + 1) {
      // The first remaining segment truncates entries that were in a segment compaction
      // removed (a conflicting suffix replaced just after a roll): the log continues at the
      // truncation, its start provisional until the snapshot mark that removed them.
      wal_.mark_ = SnapshotMark{t->index - 1, 0};
      floating_start_ = true;
      return Status::ok();
    }
    if (floating_start_ && wal_.mark_.term == 0 && t->index <= wal_.mark_.index) {
      wal_.locations_.clear();  // still before the snapshot mark: move the start back
      wal_.mark_ = SnapshotMark{t->index - 1, 0};
      return Status::ok();
    }
    if (t->index <= wal_.mark_.index || t->index > wal_.last_index() + 1) {
      return corruption_at(path, offset,
                           "truncation to " + std::to_string(t->index) + " is outside the log");
    }
    wal_.locations_.resize(t->index - wal_.mark_.index - 1);
  } else {
    const auto& mark = std::get<SnapshotMark>(record);
    if (mark.index < wal_.mark_.index || (mark.index == wal_.mark_.index && mark.term == 0)) {
      return Status::ok();  // an older mark repeated at the start of a segment
    }
    if (mark.index <= wal_.last_index()) {
      wal_.locations_.erase(
          wal_.locations_.begin(),
          wal_.locations_.begin() + static_cast<long>(mark.index - wal_.mark_.index));
    } else {
      wal_.locations_.clear();
    }
    wal_.mark_ = mark;
  }
  return Status::ok();
}

Result<std::unique_ptr<Wal>> Wal::open(env::FileSystem& fs, const std::string& dir,
                                       const WalOptions& options) {
  std::unique_ptr<Wal> wal(new Wal(fs, dir, options));
  WalRecovery recovery(*wal, fs);
  Status s = recovery.run();
  if (!s.is_ok()) {
    return s;
  }
  return wal;
}

}  // namespace helios::storage
