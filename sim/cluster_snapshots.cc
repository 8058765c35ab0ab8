// SimCluster: the leader's side of InstallSnapshot on the simulated network, and the
// simulated fork that writes a node's snapshot (see cluster.h).
#include "sim/cluster.h"

#include "base/assert.h"
#include "sim/wire_link.h"

namespace helios::sim {

namespace {
// The slice of a snapshot file in each chunk frame of a transfer (production: 1 MiB by
// default; the simulator's files are a few KiB, and most take several chunks).
constexpr std::size_t kSnapshotChunkBytes = 1024;
}  // namespace

void SimCluster::send_snapshot(const raft::Message& m, std::shared_ptr<const std::string> file) {
  const int from = static_cast<int>(m.from) - 1;
  const int to = static_cast<int>(m.to) - 1;
  HELIOS_ASSERT(from >= 0 && from < slots_);
  HELIOS_ASSERT(to >= 0 && to < slots_);
  const std::uint64_t incarnation = nodes_[from]->incarnation();
  // A stream over TCP: lost as a whole (the sender learns it after a timeout), or
  // delivered, possibly late; a torn stream is refused by the receiver's checksum.
  if (file == nullptr || blocked_[from][to] > 0 || prng_.chance(options_.drop_rate)) {
    const Micros timeout = options_.tick_us * static_cast<Micros>(options_.election_ticks);
    queue_.schedule(now_ + timeout, Event{.kind = EventKind::kSnapshotReport,
                                          .node = from,
                                          .incarnation = incarnation,
                                          .peer = m.to,
                                          .ok = false});
    return;
  }
  const bool torn = prng_.chance(options_.drop_rate);
  if (torn) {
    // Damaged in flight: the receiver must refuse it.
    std::string damaged = *file;
    damaged[prng_.uniform(damaged.size())] ^= 0x20;
    file = std::make_shared<const std::string>(std::move(damaged));
  }
  const Micros at = arrival_time(from, to);
  queue_.schedule(
      at, Event{.kind = EventKind::kDeliverSnapshot,
                .node = to,
                .peer_incarnation = machine_[from],
                .message = m,
                .ok = !torn,
                .data = snapshot_frames(m, *file, next_transfer_id_++, kSnapshotChunkBytes)});
  queue_.schedule(at + prng_.range(options_.delay_min_us, options_.delay_max_us),
                  Event{.kind = EventKind::kSnapshotReport,
                        .node = from,
                        .incarnation = incarnation,
                        .peer = m.to,
                        .ok = true});
}

void SimCluster::schedule_snapshot_write(int node, std::uint64_t incarnation,
                                         const raft::SnapshotMeta& meta,
                                         std::shared_ptr<const std::string> data) {
  raft::Message carrier;
  carrier.snapshot = meta;
  queue_.schedule(now_ + prng_.range(0, options_.snapshot_write_max_us),
                  Event{.kind = EventKind::kSnapshotWritten,
                        .node = node,
                        .incarnation = incarnation,
                        .message = std::move(carrier),
                        .data = std::move(data)});
}

}  // namespace helios::sim
