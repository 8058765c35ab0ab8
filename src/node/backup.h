#pragma once
// Backup files on disk (the format: storage/backup_file.h): reading one whole and checking
// everything a restore depends on, for `helios-cli backup verify`, for `helios-cli backup`
// before it reports success, and for `--restore` before it changes anything.
//
// Thread rules: pure functions over a FileSystem; any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "env/file_system.h"
#include "storage/backup_file.h"

namespace helios::node {

// A backup file read whole and verified: its header, its bytes, and what its state machine
// holds (decoded).
struct CheckedBackup {
  storage::BackupHeader header;
  std::string bytes;            // the whole file
  std::size_t data_offset = 0;  // where the state machine data starts in `bytes`
  std::uint64_t keys = 0;       // items in the store (expired ones included)
  std::string digest_hex;       // DEBUG DIGEST of the store (40 hex digits)
  std::uint64_t commands_applied = 0;

  std::string_view data() const {
    return std::string_view(bytes).substr(data_offset, header.data_size);
  }
};

// Reads the file at `path` and checks its header, version, size and checksum, and that the
// data decodes as the state machine (AtlasMachine::decode_snapshot_data). Errors name the
// file: kNotFound / kIoError reading it, kCorruption for damage, kInvalidArgument for a
// newer format.
Result<CheckedBackup> read_backup_file(env::FileSystem& fs, const std::string& path);

}  // namespace helios::node
