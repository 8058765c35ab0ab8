#include "storage/wal_format.h"

#include <cstring>

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/hex.h"

namespace helios::storage {

namespace {

Status corrupt(const std::string& why) {
  return Status(Code::kCorruption, why);
}

std::string encode_payload(const Record& record, RecordType* type) {
  std::string p;
  if (const auto* e = std::get_if<raft::Entry>(&record)) {
    *type = RecordType::kEntry;
    p.reserve(17 + e->data.size());
    base::put_u64(p, e->term);
    base::put_u64(p, e->index);
    base::put_u8(p, static_cast<std::uint8_t>(e->type));
    p.append(e->data);
  } else if (const auto* hs = std::get_if<raft::HardState>(&record)) {
    *type = RecordType::kHardState;
    base::put_u64(p, hs->term);
    base::put_u64(p, hs->vote);
    base::put_u64(p, hs->commit);
  } else if (const auto* t = std::get_if<TruncateRecord>(&record)) {
    *type = RecordType::kTruncate;
    base::put_u64(p, t->index);
  } else {
    const auto& m = std::get<SnapshotMark>(record);
    *type = RecordType::kSnapshotMark;
    base::put_u64(p, m.index);
    base::put_u64(p, m.term);
  }
  return p;
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
  RecordType type{};
  const std::string payload = encode_payload(record, &type);
  HELIOS_ASSERT(payload.size() <= kMaxRecordPayload);
  const std::size_t start = out.size();
  base::put_u32(out, static_cast<std::uint32_t>(payload.size()));
  base::put_u8(out, static_cast<std::uint8_t>(type));
  out.append(3, '\0');
  out.append(8, '\0');  // checksum, filled below
  out.append(payload);
  const std::string_view head(out.data() + start, 8);
  base::store_u64(out.data() + start + 8, base::checksum64(head, payload, seq));
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
