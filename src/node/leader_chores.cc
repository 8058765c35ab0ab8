#include "node/leader_chores.h"

#include "base/assert.h"
#include "node/read_clock.h"

namespace helios::node {

void LeaderChores::expire_keys(const atlas::Store& store, std::uint64_t now_ms) {
  if (expiry_in_flight_) {
    return;
  }
  const std::vector<atlas::ExpiredKey> expired = store.expired_keys(now_ms, 256);
  if (expired.empty()) {
    return;
  }
  atlas::Command command;
  for (const atlas::ExpiredKey& k : expired) {
    command.ops.emplace_back(atlas::DeleteIfExpiredOp{k.key, k.deadline_ms});
  }
  HELIOS_ASSERT(atlas::validate_command(command).is_ok());
  expiry_in_flight_ = true;
  propose_(std::move(command),
           [this](Result<std::vector<atlas::Reply>>) { expiry_in_flight_ = false; });
}

void LeaderChores::start_key_versions(const atlas::Store& store, bool allowed) {
  if (versions_in_flight_ || store.versions_since() != 0 || !allowed) {
    return;
  }
  atlas::Command command;
  command.ops.emplace_back(atlas::StartVersionsOp{});
  HELIOS_ASSERT(atlas::validate_command(command).is_ok());
  versions_in_flight_ = true;
  propose_(std::move(command),
           [this](Result<std::vector<atlas::Reply>>) { versions_in_flight_ = false; });
}

bool LeaderChores::wants_clock_entry(const atlas::Store& store, std::uint64_t last_stamp_ms,
                                     std::uint64_t now_ms) const {
  return !clock_entry_in_flight_ && store.deadline_count() != 0 &&
         now_ms >= last_stamp_ms + kReadTimeAheadMs / 2;
}

void LeaderChores::propose_clock_entry() {
  if (clock_entry_in_flight_) {
    return;
  }
  atlas::Command command;
  command.ops.emplace_back(atlas::ReadOp{.what = atlas::ReadKind::kExists, .key = ""});
  clock_entry_in_flight_ = true;
  ++clock_entries_;
  propose_(std::move(command),
           [this](Result<std::vector<atlas::Reply>>) { clock_entry_in_flight_ = false; });
}

}  // namespace helios::node
