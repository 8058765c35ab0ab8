#pragma once
// Read-only inspection of a WAL directory for operators (`helios-wal inspect`): what each
// segment holds and whether its records verify. In the last segment, a zero record header
// followed by zeros only is preallocated space (free_bytes), as Wal::open reads it. Changes
// nothing on disk (unlike Wal::open, which cuts a torn tail).

#include <cstdint>
#include <string>
#include <vector>

#include "env/file_system.h"
#include "storage/wal_format.h"

namespace helios::storage {

struct SegmentReport {
  std::string name;
  std::uint64_t seq = 0;
  std::uint64_t size = 0;
  std::uint64_t records = 0;
  std::uint64_t entries = 0;  // entry records (including ones a truncation dropped)
  Index first_entry = 0;      // index of the first entry record, 0 if none
  Index last_entry = 0;
  Term first_term = 0;
  Term last_term = 0;
  std::uint64_t truncations = 0;
  std::uint64_t hard_states = 0;
  raft::HardState last_hard_state;
  std::uint64_t free_bytes = 0;  // zeros after the records (a preallocated last segment)
  bool ok = true;                // every record verified
  std::uint64_t bad_offset = 0;  // where verification stopped, when !ok
  bool torn = false;  // last segment, !ok: a torn write that a node cuts at start (else it
                      // refuses: a verified record follows the damage)
  std::string problem;
};

// Reports every segment of `wal_dir`, in order.
Result<std::vector<SegmentReport>> inspect_wal(env::FileSystem& fs, const std::string& wal_dir);

}  // namespace helios::storage
