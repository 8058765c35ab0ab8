#pragma once
// Helpers the WAL's test files share.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "storage/wal.h"

namespace helios::storage::testing {

// Every entry the log holds, first to last (empty for an empty log); a read error fails the
// calling test.
inline std::vector<raft::Entry> all_entries(const Wal& wal) {
  if (wal.last_index() < wal.first_index()) {
    return {};
  }
  Result<std::vector<raft::Entry>> r =
      wal.entries(wal.first_index(), wal.last_index() + 1, UINT64_MAX);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? r.value() : std::vector<raft::Entry>{};
}

}  // namespace helios::storage::testing
