#include "storage/wal_inspect.h"

namespace helios::storage {

namespace {

void count(const Record& record, SegmentReport& r) {
  ++r.records;
  if (const auto* e = std::get_if<raft::Entry>(&record)) {
    ++r.entries;
    if (r.first_entry == 0) {
      r.first_entry = e->index;
      r.first_term = e->term;
    }
    r.last_entry = e->index;
    r.last_term = e->term;
  } else if (const auto* hs = std::get_if<raft::HardState>(&record)) {
    ++r.hard_states;
    r.last_hard_state = *hs;
  } else if (std::holds_alternative<TruncateRecord>(record)) {
    ++r.truncations;
  }
}

SegmentReport inspect_segment(env::FileSystem& fs, const std::string& dir, std::uint64_t seq,
                              bool last) {
  SegmentReport r;
  r.name = segment_name(seq);
  r.seq = seq;
  Result<std::string> data = env::read_file(fs, env::join_path(dir, r.name));
  if (!data.is_ok()) {
    r.ok = false;
    r.problem = data.status().to_string();
    return r;
  }
  const std::string& bytes = data.value();
  r.size = bytes.size();
  Status header = decode_segment_header(bytes, seq);
  if (!header.is_ok()) {
    r.ok = false;
    r.problem = header.message();
    return r;
  }
  std::uint64_t offset = kSegmentHeaderSize;
  while (offset < bytes.size()) {
    const std::string_view rest = std::string_view(bytes).substr(offset);
    if (last && is_zero(rest.substr(0, kRecordHeaderSize))) {
      if (is_zero(rest)) {
        r.free_bytes = rest.size();  // preallocated space after the records
      } else {
        r.ok = false;
        r.bad_offset = offset;
        r.problem = "zero record header followed by other bytes";
      }
      break;
    }
    Result<DecodedRecord> rec = decode_record(rest, seq);
    if (!rec.is_ok()) {
      r.ok = false;
      r.bad_offset = offset;
      r.problem = rec.status().message();
      r.torn = last && is_torn_record(bytes, offset, seq);
      break;
    }
    count(rec.value().record, r);
    offset += rec.value().size;
  }
  return r;
}

}  // namespace

Result<std::vector<SegmentReport>> inspect_wal(env::FileSystem& fs, const std::string& wal_dir) {
  Result<std::vector<std::string>> names = fs.list(wal_dir);
  if (!names.is_ok()) {
    return names.status();
  }
  std::vector<std::uint64_t> seqs;
  for (const std::string& name : names.value()) {
    if (auto seq = parse_segment_name(name)) {
      seqs.push_back(*seq);
    }
  }
  std::vector<SegmentReport> out;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    out.push_back(inspect_segment(fs, wal_dir, seqs[i], i + 1 == seqs.size()));
  }
  return out;
}

}  // namespace helios::storage
