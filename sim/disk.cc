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
    } else {
      durable_.append(std::get<std::vector<raft::Entry>>(w));
    }
  }
  unsynced_.clear();
}

void DurabilityShadow::reset_to(const raft::Storage& recovered) {
  durable_ = raft::MemoryStorage();
  unsynced_.clear();
  HELIOS_ASSERT(recovered.first_index() == 1);  // no compaction in the simulator yet
  const Index last = recovered.last_index();
  if (last > 0) {
    Result<std::vector<raft::Entry>> all = recovered.entries(1, last + 1, UINT64_MAX);
    HELIOS_ASSERT(all.is_ok());
    durable_.append(all.value());
  }
  durable_.set_hard_state(recovered.initial_state().hard_state);
}

}  // namespace helios::sim
