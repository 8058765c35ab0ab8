#include "sim/disk.h"

namespace helios::sim {

void SimDisk::apply(raft::MemoryStorage& storage, const Write& w) {
  if (const auto* hs = std::get_if<raft::HardState>(&w)) {
    storage.set_hard_state(*hs);
  } else {
    storage.append(std::get<std::vector<raft::Entry>>(w));
  }
}

void SimDisk::bootstrap(const raft::ConfState& conf) {
  visible_.set_conf_state(conf);
  durable_.set_conf_state(conf);
}

void SimDisk::write(const std::optional<raft::HardState>& hard_state,
                    const std::vector<raft::Entry>& entries) {
  // Entries first, then the hard state whose commit index may refer to them.
  if (!entries.empty()) {
    unsynced_.emplace_back(entries);
    apply(visible_, unsynced_.back());
  }
  if (hard_state.has_value()) {
    unsynced_.emplace_back(*hard_state);
    apply(visible_, unsynced_.back());
  }
}

void SimDisk::sync() {
  for (const Write& w : unsynced_) {
    apply(durable_, w);
  }
  unsynced_.clear();
}

std::size_t SimDisk::crash(base::Prng& prng) {
  const std::size_t survive = prng.uniform(unsynced_.size() + 1);
  for (std::size_t i = 0; i < survive; ++i) {
    const Write& w = unsynced_[i];
    // A hard state whose commit index points past the surviving log would be a torn
    // multi-file write that real storage prevents (commit is clamped on recovery).
    if (const auto* hs = std::get_if<raft::HardState>(&w)) {
      raft::HardState clamped = *hs;
      clamped.commit = std::min(clamped.commit, durable_.last_index());
      durable_.set_hard_state(clamped);
    } else {
      apply(durable_, w);
    }
  }
  unsynced_.clear();
  visible_ = durable_;
  return survive;
}

}  // namespace helios::sim
