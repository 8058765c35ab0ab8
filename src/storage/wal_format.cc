#include "storage/wal_format.h"

#include <algorithm>
#include <cstring>

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/hex.h"

namespace helios::storage {

namespace {

// An entry record's payload before the data: term u64, index u64, type u8.
constexpr std::size_t kEntryFixedPayload = 8 + 8 + 1;

Status corrupt(const std::string& why) {
  return Status(Code::kCorruption, why);
}

// Appends the payload of `record` to `out` and returns its type.
RecordType append_payload(const Record& record, std::string& out) {
  if (const auto* e = std::get_if<raft::Entry>(&record)) {
    base::put_u64(out, e->term);
    base::put_u64(out, e->index);
    base::put_u8(out, static_cast<std::uint8_t>(e->type));
    out.append(e->data);
    return RecordType::kEntry;
  }
  if (const auto* hs = std::get_if<raft::HardState>(&record)) {
    base::put_u64(out, hs->term);
    base::put_u64(out, hs->vote);
    base::put_u64(out, hs->commit);
    return RecordType::kHardState;
  }
  if (const auto* t = std::get_if<TruncateRecord>(&record)) {
    base::put_u64(out, t->index);
    return RecordType::kTruncate;
  }
  const auto& m = std::get<SnapshotMark>(record);
  base::put_u64(out, m.index);
  base::put_u64(out, m.term);
  return RecordType::kSnapshotMark;
}

// Reserves a record header at the end of `out`; returns where it starts.
std::size_t begin_record(std::string& out) {
  const std::size_t start = out.size();
  out.append(kRecordHeaderSize, '\0');
  return start;
}

// Fills in the header reserved at `start` for a record of `type` whose payload is `payload`
// bytes (of which `out` may hold only a first part: `rest` follows it, written separately).
void write_record_header(std::string& out, std::size_t start, RecordType type, std::size_t payload,
                         std::string_view rest, std::uint64_t seq) {
  HELIOS_ASSERT(payload <= kMaxRecordPayload);
  HELIOS_ASSERT(out.size() - start - kRecordHeaderSize + rest.size() == payload);
  char* head = out.data() + start;
  const auto length = static_cast<std::uint32_t>(payload);
  for (int i = 0; i < 4; ++i) {
    head[i] = static_cast<char>(length >> (8 * i));
  }
  head[4] = static_cast<char>(static_cast<std::uint8_t>(type));
  const std::string_view view(out);
  const std::string_view in_out = view.substr(start + kRecordHeaderSize);
  // checksum64(header, payload, seq), the payload in one piece or two.
  const std::uint64_t seed = base::checksum64(view.substr(start, 8), seq);
  base::store_u64(head + 8, rest.empty() ? base::checksum64(in_out, seed)
                                         : base::checksum64_concat(in_out, rest, seed));
}

// Fills in the header reserved at `start` for the payload that follows it in `out`.
void finish_record(std::string& out, std::size_t start, RecordType type, std::uint64_t seq) {
  write_record_header(out, start, type, out.size() - start - kRecordHeaderSize, {}, seq);
}

Result<Record> decode_payload(RecordType type, std::string_view payload) {
  base::Reader r(payload);
  switch (type) {
    case RecordType::kEntry: {
      raft::Entry e;
      e.term = r.u64();
      e.index = r.u64();
      const std::uint8_t t = r.u8();
      e.data = std::string(r.rest());
      if (!r.ok() || t > static_cast<std::uint8_t>(raft::EntryType::kConfChange) || e.index == 0 ||
          e.term == 0) {
        return corrupt("malformed entry record");
      }
      e.type = static_cast<raft::EntryType>(t);
      return Record(std::move(e));
    }
    case RecordType::kHardState: {
      raft::HardState hs{r.u64(), r.u64(), r.u64()};
      if (!r.ok() || r.remaining() != 0) {
        return corrupt("malformed hard state record");
      }
      return Record(hs);
    }
    case RecordType::kTruncate: {
      TruncateRecord t{r.u64()};
      if (!r.ok() || r.remaining() != 0 || t.index == 0) {
        return corrupt("malformed truncate record");
      }
      return Record(t);
    }
    case RecordType::kSnapshotMark: {
      SnapshotMark m{r.u64(), r.u64()};
      if (!r.ok() || r.remaining() != 0) {
        return corrupt("malformed snapshot mark record");
      }
      return Record(m);
    }
  }
  return corrupt("unknown record type " + std::to_string(static_cast<int>(type)));
}

}  // namespace

std::string segment_name(std::uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llx.wal", static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<std::uint64_t> parse_segment_name(std::string_view name) {
  if (name.size() != 20 || name.substr(16) != ".wal") {
    return std::nullopt;
  }
  return base::parse_hex16(name.substr(0, 16));
}

std::string encode_segment_header(std::uint64_t seq, Index first_index) {
  std::string h(kSegmentMagic, sizeof(kSegmentMagic));
  base::put_u32(h, kWalVersion);
  base::put_u32(h, 0);
  base::put_u64(h, seq);
  base::put_u64(h, first_index);
  base::put_u64(h, base::checksum64(h, 0));
  HELIOS_ASSERT(h.size() == kSegmentHeaderSize);
  return h;
}

Status decode_segment_header(std::string_view bytes, std::uint64_t expected_seq) {
  if (bytes.size() < kSegmentHeaderSize) {
    return corrupt("segment header is short (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (std::memcmp(bytes.data(), kSegmentMagic, sizeof(kSegmentMagic)) != 0) {
    return corrupt("not a Helios WAL segment (bad magic)");
  }
  if (base::load_u64(bytes.data() + 32) != base::checksum64(bytes.substr(0, 32), 0)) {
    return corrupt("segment header checksum mismatch");
  }
  const std::uint32_t version = base::load_u32(bytes.data() + 8);
  if (version != kWalVersion) {
    return Status(Code::kInvalidArgument, "segment format version " + std::to_string(version) +
                                              " is not supported (this build reads version " +
                                              std::to_string(kWalVersion) + ")");
  }
  if (base::load_u64(bytes.data() + 16) != expected_seq) {
    return corrupt("segment header seq does not match the file name");
  }
  return Status::ok();
}

void encode_record(const Record& record, std::uint64_t seq, std::string& out) {
  const std::size_t start = begin_record(out);
  const RecordType type = append_payload(record, out);
  finish_record(out, start, type, seq);
}

void encode_entry_record(const raft::Entry& entry, std::uint64_t seq, std::string& out) {
  const std::size_t start = begin_record(out);
  out.reserve(out.size() + kEntryFixedPayload + entry.data.size());
  base::put_u64(out, entry.term);
  base::put_u64(out, entry.index);
  base::put_u8(out, static_cast<std::uint8_t>(entry.type));
  out.append(entry.data);
  finish_record(out, start, RecordType::kEntry, seq);
}

void encode_entry_record_head(const raft::Entry& entry, std::uint64_t seq, std::string& out) {
  const std::size_t start = begin_record(out);
  base::put_u64(out, entry.term);
  base::put_u64(out, entry.index);
  base::put_u8(out, static_cast<std::uint8_t>(entry.type));
  write_record_header(out, start, RecordType::kEntry, kEntryFixedPayload + entry.data.size(),
                      entry.data.view(), seq);
}

bool is_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\0'; });
}

bool is_torn_record(std::string_view data, std::uint64_t offset, std::uint64_t seq) {
  // The damage may be in the record's own length, so the length is not trusted (a flipped
  // high byte would otherwise make a record in the middle of the log look cut short by the
  // end of the file, and everything after it would be cut). A torn write leaves, after the
  // record it tore, only bytes that never reached the disk: zeros (a sector of them marks
  // where the write stopped reaching it; the disk may persist one write's pages in any
  // order) or what the file held before. So the record is torn unless a record of this
  // segment verifies at some later offset before the first aligned zero sector after it.
  std::uint64_t limit = data.size();
  for (std::uint64_t sector = (offset + 511) / 512 * 512; sector + 512 <= data.size();
       sector += 512) {
    if (is_zero(data.substr(sector, 512))) {
      limit = sector;
      break;
    }
  }
  for (std::uint64_t at = offset + 1; at + kRecordHeaderSize <= limit; ++at) {
    const std::uint32_t length = base::load_u32(data.data() + at);
    const auto type = static_cast<std::uint8_t>(data[at + 4]);
    if (length > kMaxRecordPayload || at + kRecordHeaderSize + length > data.size() ||
        type < static_cast<std::uint8_t>(RecordType::kEntry) ||
        type > static_cast<std::uint8_t>(RecordType::kSnapshotMark)) {
      continue;  // no record can start here: no checksum to compute
    }
    if (decode_record(data.substr(at), seq).is_ok()) {
      return false;
    }
  }
  return true;
}

Result<DecodedRecord> decode_record(std::string_view bytes, std::uint64_t seq) {
  if (bytes.size() < kRecordHeaderSize) {
    return corrupt("record header is short");
  }
  const std::uint32_t length = base::load_u32(bytes.data());
  if (length > kMaxRecordPayload) {
    return corrupt("record length " + std::to_string(length) + " is over the limit");
  }
  if (bytes.size() < kRecordHeaderSize + length) {
    return corrupt("record payload is short");
  }
  const std::uint64_t sum =
      base::checksum64(bytes.substr(0, 8), bytes.substr(kRecordHeaderSize, length), seq);
  if (base::load_u64(bytes.data() + 8) != sum) {
    return corrupt("record checksum mismatch");
  }
  const auto type = static_cast<RecordType>(static_cast<std::uint8_t>(bytes[4]));
  Result<Record> record = decode_payload(type, bytes.substr(kRecordHeaderSize, length));
  if (!record.is_ok()) {
    return record.status();
  }
  return DecodedRecord{std::move(record).value(), kRecordHeaderSize + length};
}

}  // namespace helios::storage
