#pragma once
// Backup files: a consistent copy of one node's state machine at an index, taken online
// (GET /backup, `helios-cli backup`) and used to start a new cluster (`--restore`).
// docs/formats.md ("Backup files") describes the format; this header is the authority.
//
// Contents (integers little-endian):
//
//     0  magic "HELIOSBK"                              8 bytes
//     8  version (1)                                   u32
//    12  reserved, zero                                u32
//    16  index (last index the state covers)           u64   > 0
//    24  term (term of that entry)                     u64   > 0
//    32  created, unix ms (when the node served it)    u64
//    40  cluster id length c (1..kMaxIdBytes)          u8
//    41  cluster id of the source cluster              c bytes  [A-Za-z0-9._-]
//        node id length n (1..kMaxIdBytes)             u8
//        node id of the node it came from              n bytes  [A-Za-z0-9._-]
//        data length L                                 u64
//        data: the state machine (a snapshot file's data, node/atlas_machine.h)  L bytes
//        XXH3-64 (seed 0) of every byte before it      u64
//
// The file is exactly 58 + c + n + L bytes; anything else is corruption. The magic and the
// version keep their place in every future version, so any build tells a newer backup from
// a damaged one. The configuration is not kept: a backup starts a new cluster, whose
// configuration is its first node alone.
//
// Decoding is strict and never trusts a length before checking it against what is there:
//   kCorruption      too short for its header, bad magic, a malformed field (reserved not
//                    zero, index or term 0, a malformed id), a size that disagrees with the
//                    data length, a checksum that does not match;
//   kInvalidArgument a version newer than kBackupVersion (the rest is then not read: a newer
//                    version may lay it out differently).
//
// Pure functions: no I/O, any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/types.h"
#include "storage/data_dir.h"

namespace helios::storage {

inline constexpr char kBackupMagic[8] = {'H', 'E', 'L', 'I', 'O', 'S', 'B', 'K'};
inline constexpr std::uint32_t kBackupVersion = 1;
// Every byte but the ids and the data: magic, version, reserved, index, term, time, the two
// id lengths, the data length and the checksum.
inline constexpr std::size_t kBackupFramingSize = 8 + 4 + 4 + 8 + 8 + 8 + 1 + 1 + 8 + 8;
static_assert(kBackupFramingSize == 58);
inline constexpr std::size_t kBackupChecksumSize = 8;
// The longest header (both ids of the longest allowed length).
inline constexpr std::size_t kMaxBackupHeaderSize =
    kBackupFramingSize - kBackupChecksumSize + 2 * kMaxIdBytes;

struct BackupHeader {
  Index index = 0;
  Term term = 0;
  std::uint64_t created_unix_ms = 0;
  std::string cluster_id;
  std::string node_id;
  std::uint64_t data_size = 0;
  bool operator==(const BackupHeader&) const = default;
};

// The bytes before the data. The header must hold valid ids and index, term > 0.
std::string encode_backup_header(const BackupHeader& header);

// A decoded header and its size in bytes (where the data starts).
struct DecodedBackupHeader {
  BackupHeader header;
  std::size_t size = 0;
};

// Decodes the header at the start of `bytes`, which may hold more (the data) or, for a
// truncated file, less (kCorruption "too short"). Does not look at the data or the checksum.
Result<DecodedBackupHeader> decode_backup_header(std::string_view bytes);

// The total size of a backup file with this header.
std::uint64_t backup_file_size(const DecodedBackupHeader& decoded);

// A whole backup file, verified: its header and where its data lies in `bytes`.
struct VerifiedBackup {
  BackupHeader header;
  std::size_t data_offset = 0;
};
// Decodes the header and checks the size and the checksum of the whole file `bytes`.
Result<VerifiedBackup> verify_backup(std::string_view bytes);

}  // namespace helios::storage
