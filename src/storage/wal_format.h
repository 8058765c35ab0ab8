#pragma once
// The write-ahead log's on-disk format (version 1). docs/formats.md describes it byte by byte;
// this header is the authority.
//
// A WAL is a directory of segment files named "<seq>.wal", seq as 16 lowercase hex digits,
// consecutive. Each segment is a header followed by records:
//
//   segment header (40 bytes)
//     0  magic "HELIOSWL"                       8 bytes
//     8  version (1)                            u32
//    12  reserved, zero                         u32
//    16  seq (matches the file name)            u64
//    24  first index this segment may hold      u64 (informational)
//    32  XXH3-64 of bytes 0..31, seed 0         u64
//
//   record (16-byte header + payload)
//     0  payload length                         u32  (at most kMaxRecordPayload)
//     4  type                                   u8   (RecordType)
//     5  reserved, zero                         3 bytes
//     8  checksum: XXH3-64 of the payload, seeded with the XXH3-64 of bytes 0..7
//        (itself seeded with the segment's seq)                                  u64
//    16  payload
//
// Payloads (integers little-endian):
//   kEntry       term u64, index u64, entry type u8, data (the rest)
//   kHardState   term u64, vote u64, commit u64
//   kTruncate    index u64: every entry at or after index is discarded
//   kSnapshotMark index u64, term u64: entries up to index are covered by a snapshot; the log
//                starts after it (written before compaction removes old segments)
//
// Every segment after the first starts with a kHardState and a kSnapshotMark record, so
// removing older segments never loses either.
//
// The last segment may be longer than its records (preallocated zeros, or a recycled
// segment's stale bytes, whose checksums carry an older seq and never verify): a record
// header of 16 zero bytes, or a record that does not verify, ends its records. Every other
// segment ends at its last record. Files written before preallocation existed are the same
// format.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/status.h"
#include "raft/types.h"

namespace helios::storage {

inline constexpr char kSegmentMagic[8] = {'H', 'E', 'L', 'I', 'O', 'S', 'W', 'L'};
inline constexpr std::uint32_t kWalVersion = 1;
inline constexpr std::size_t kSegmentHeaderSize = 40;
inline constexpr std::size_t kRecordHeaderSize = 16;
inline constexpr std::uint32_t kMaxRecordPayload = 64u << 20;

enum class RecordType : std::uint8_t {
  kEntry = 1,
  kHardState = 2,
  kTruncate = 3,
  kSnapshotMark = 4,
};

struct TruncateRecord {
  Index index = 0;
};
struct SnapshotMark {
  Index index = 0;
  Term term = 0;
  bool operator==(const SnapshotMark&) const = default;
};

using Record = std::variant<raft::Entry, raft::HardState, TruncateRecord, SnapshotMark>;

std::string segment_name(std::uint64_t seq);
// The seq of a segment file name, or nothing if the name is not a segment's.
std::optional<std::uint64_t> parse_segment_name(std::string_view name);

std::string encode_segment_header(std::uint64_t seq, Index first_index);
// Checks magic, version, checksum and that the seq matches `expected_seq`.
Status decode_segment_header(std::string_view bytes, std::uint64_t expected_seq);

// Appends one encoded record to `out`, encoding the payload in place (no temporary copy).
void encode_record(const Record& record, std::uint64_t seq, std::string& out);
// The same for an entry, without wrapping it in a Record (which would copy its data).
void encode_entry_record(const raft::Entry& entry, std::uint64_t seq, std::string& out);
// The same record without its data: the header and the entry's fixed fields, checksummed as
// if entry.data followed them. Writing entry.data right after these bytes gives exactly the
// bytes of encode_entry_record (the WAL's gather write of a large entry: its data is not
// copied into the record buffer).
void encode_entry_record_head(const raft::Entry& entry, std::uint64_t seq, std::string& out);

// Whether every byte is zero (an empty view is).
bool is_zero(std::string_view bytes);
// Whether the record of segment `seq` that failed to decode at `offset` of the last segment
// `data` is a torn write (true: recovery cuts it) or damage with a verified record after it
// (false: recovery refuses with kCorruption): torn unless a record verifies at a later
// offset before the first aligned 512-byte sector of zeros after `offset`. The record's own
// length is not trusted (it may be the damaged byte). Cost: one cheap look per byte up to
// that sector, and a checksum only where a record header is plausible. Shared by recovery
// and `helios-wal inspect`.
bool is_torn_record(std::string_view data, std::uint64_t offset, std::uint64_t seq);

// The outcome of decoding the record at the start of `bytes`.
struct DecodedRecord {
  Record record;
  std::size_t size = 0;  // bytes consumed (header + payload)
};
// kCorruption with a reason when the bytes do not hold a valid record (short, bad length,
// bad checksum, unknown type, malformed payload).
Result<DecodedRecord> decode_record(std::string_view bytes, std::uint64_t seq);

}  // namespace helios::storage
