#include "sim/disk.h"

#include "base/assert.h"

namespace helios::sim {

void DurabilityShadow::write(const std::optional<raft::HardState>& hard_state,
                             const std::vector<raft::Entry>& entries) {
  if (!entries.empty()) {
    unsynced_.emplace_back(entries);
  }
  if (hard_state.has_value()) {
    unsynced_.emplace_back(*hard_state);
  }
}

void DurabilityShadow::sync() {
  for (const Write& w : unsynced_) {
    if (const auto* hs = std::get_if<raft::HardState>(&w)) {
      durable_.set_hard_state(*hs);
    } else if (const auto* snap = std::get_if<raft::SnapshotMeta>(&w)) {
      durable_.apply_snapshot(*snap);
    } else {
      durable_.append(std::get<std::vector<raft::Entry>>(w));
    }
  }
  unsynced_.clear();
}

void DurabilityShadow::reset_to(const raft::Storage& recovered) {
  durable_ = raft::MemoryStorage();
  unsynced_.clear();
  const Index first = recovered.first_index();
  if (first > 1) {
    // Compacted: the durable log starts after the compaction point, whose term is known.
    const Result<Term> term = recovered.term(first - 1);
    HELIOS_ASSERT(term.is_ok());
    durable_.apply_snapshot(raft::SnapshotMeta{first - 1, term.value(), {}});
  }
  const Index last = recovered.last_index();
  if (last >= first) {
    Result<std::vector<raft::Entry>> all = recovered.entries(first, last + 1, UINT64_MAX);
    HELIOS_ASSERT(all.is_ok());
    durable_.append(all.value());
  }
  durable_.set_hard_state(recovered.initial_state().hard_state);
}

}  // namespace helios::sim
