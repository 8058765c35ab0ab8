// SimCluster: what the simulated network does to a snapshot transfer's chunks, and the
// simulated fork that writes a node's snapshot (see cluster.h).
#include "sim/cluster.h"

#include "base/assert.h"
#include "sim/wire_link.h"

namespace helios::sim {

std::string SimCluster::tear_chunk(int from, int to, std::string frame) {
  const wire::SnapshotChunk chunk = sent_snapshot_chunk(frame);  // a view into `frame`
  const std::pair<int, int> link{from, to};
  if (chunk.offset == 0) {
    // A new transfer on the link: the network damages some (their frames stay valid, as
    // when the sender's disk or memory flipped a bit); the receiver must refuse them.
    tears_.erase(link);
    if (chunk.total > 0 && prng_.chance(options_.drop_rate)) {
      tears_[link] = Tear{chunk.transfer_id, prng_.uniform(chunk.total)};
      nodes_[to]->note_torn_transfer(static_cast<NodeId>(from + 1), chunk.transfer_id);
    }
  }
  auto it = tears_.find(link);
  if (it == tears_.end() || it->second.transfer_id != chunk.transfer_id ||
      it->second.at < chunk.offset || it->second.at >= chunk.offset + chunk.data.size()) {
    return frame;
  }
  std::string damaged = damaged_chunk_frame(chunk, it->second.at - chunk.offset);
  if (options_.trace) {
    trace_line("the network damages byte " + std::to_string(it->second.at) + " of transfer " +
               std::to_string(chunk.transfer_id) + " from n" + std::to_string(from + 1) + " to n" +
               std::to_string(to + 1));
  }
  tears_.erase(it);
  return damaged;
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
