// helios-wal: offline tools for a node's write-ahead log.
//
//   helios-wal inspect DIR    DIR is a node's data directory (its wal/ is read) or a WAL
//                             directory. Lists each segment with its entry range, terms,
//                             records, free (preallocated) bytes and checksum status;
//                             changes nothing. Damage in the last segment is a TORN TAIL
//                             (a node cuts it at start) unless a verified record follows
//                             it: then CORRUPT, and a node refuses to start.
//
// Exit status: 0 when every record verifies, 1 when something does not (a torn tail at the
// end of the last segment included: a node would cut it at start), 2 on usage errors.
#include <cstdio>
#include <string>

#include "env/posix/posix_file_system.h"
#include "storage/wal_inspect.h"

namespace {

using helios::storage::SegmentReport;

int usage() {
  std::fprintf(stderr, "usage: helios-wal inspect DIR\n");
  return 2;
}

void print(const SegmentReport& r, bool last) {
  std::printf("%s  %10llu bytes  %6llu records", r.name.c_str(),
              static_cast<unsigned long long>(r.size), static_cast<unsigned long long>(r.records));
  if (r.entries > 0) {
    std::printf("  entries %llu..%llu  terms %llu..%llu",
                static_cast<unsigned long long>(r.first_entry),
                static_cast<unsigned long long>(r.last_entry),
                static_cast<unsigned long long>(r.first_term),
                static_cast<unsigned long long>(r.last_term));
  } else {
    std::printf("  no entries");
  }
  if (r.truncations > 0) {
    std::printf("  truncations %llu", static_cast<unsigned long long>(r.truncations));
  }
  if (r.free_bytes > 0) {  // preallocated space after the records: not damage
    std::printf("  free %llu bytes", static_cast<unsigned long long>(r.free_bytes));
  }
  if (r.ok) {
    std::printf("  checksums ok\n");
  } else if (last && r.torn) {
    std::printf("  TORN TAIL at offset %llu (%s): cut at next start\n",
                static_cast<unsigned long long>(r.bad_offset), r.problem.c_str());
  } else {
    std::printf("  CORRUPT at offset %llu: %s\n", static_cast<unsigned long long>(r.bad_offset),
                r.problem.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "inspect") {
    return usage();
  }
  helios::env::PosixFileSystem fs;
  std::string dir = argv[2];
  if (fs.exists(helios::env::join_path(dir, "wal"))) {
    dir = helios::env::join_path(dir, "wal");
  }
  if (!fs.exists(dir)) {
    std::fprintf(stderr, "helios-wal: %s does not exist\n", dir.c_str());
    return 2;
  }
  helios::Result<std::vector<SegmentReport>> reports = helios::storage::inspect_wal(fs, dir);
  if (!reports.is_ok()) {
    std::fprintf(stderr, "helios-wal: %s\n", reports.status().to_string().c_str());
    return 1;
  }
  bool all_ok = true;
  std::printf("WAL %s: %zu segment(s)\n", dir.c_str(), reports.value().size());
  for (std::size_t i = 0; i < reports.value().size(); ++i) {
    const SegmentReport& r = reports.value()[i];
    print(r, i + 1 == reports.value().size());
    all_ok = all_ok && r.ok;
  }
  if (!reports.value().empty()) {
    const auto& hs = reports.value().back().last_hard_state;
    std::printf("hard state: term %llu, vote %llu, commit %llu\n",
                static_cast<unsigned long long>(hs.term), static_cast<unsigned long long>(hs.vote),
                static_cast<unsigned long long>(hs.commit));
  }
  return all_ok ? 0 : 1;
}
