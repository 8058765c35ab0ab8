// Nodes' lives in SimCluster: crashes, restarts, and stops (a failed fsync; a removal, in
// the seeds where removed nodes stop as in production).
#include "base/assert.h"
#include "sim/cluster.h"

namespace helios::sim {

void SimCluster::crash(int node) {
  trace_line("crash n" + std::to_string(node + 1));
  paused_until_[node] = 0;  // a paused process can be killed too; it starts afresh
  ticks_missed_[node] = 0;
  snapshot_seen_[node] = kUnseen;  // the next process counts its ticks from its start
  nodes_[node]->crash(prng_);
  checker_.on_restart(*nodes_[node]);
  for (int peer = 0; peer < slots_; ++peer) {
    // The process's memory: what its transport still held.
    for (const QueuedFrame& f : stream_queue_[node][peer]) {
      stream_bytes_[node][peer] -= f.frame.size();
    }
    stream_queue_[node][peer].clear();
    heard_at_[node][peer] = kNotHeard;
    ++link_losses_[peer][node];
  }
  const bool stays_down = liveness_ && left_down_[node];
  if (!stays_down) {
    queue_.schedule(now_ + prng_.range(1, options_.down_max_us),
                    Event{.kind = EventKind::kRestart, .node = node});
  }
}

void SimCluster::stop_failed_nodes() {
  for (int i = 0; i < slots_; ++i) {
    if (nodes_[i]->up() && nodes_[i]->failed()) {
      trace_line("n" + std::to_string(i + 1) + " stops: " + nodes_[i]->failure());
      ++stats_.storage_failures;
      if (nodes_[i]->removed() && options_.removed_stop) {
        // Removed in the same turn as its storage failed: it stops for the failure, but a
        // REMOVED it recorded first keeps it down all the same (as a real process restarted
        // after exit 70 refuses to start).
        retired_[i] = true;
        retired_recorded_[i] = nodes_[i]->removal_recorded();
      }
      crash(i);
    } else if (nodes_[i]->up() && nodes_[i]->removed() && options_.removed_stop) {
      trace_line("n" + std::to_string(i + 1) + " stops: removed from the cluster");
      ++stats_.removed_stops;
      retired_[i] = true;
      retired_recorded_[i] = nodes_[i]->removal_recorded();
      crash(i);  // its restart must be refused (REMOVED)
    }
  }
}

void SimCluster::restart(int node) {
  trace_line("start n" + std::to_string(node + 1));
  SimNode& n = *nodes_[node];
  n.set_sync_failure_chance(liveness_ ? 0.0 : options_.sync_failure_chance);
  const Status s = n.start(prng_.next());
  if (s.code() == Code::kInvalidArgument) {
    if (!retired_[node]) {
      throw SimFailure("n" + std::to_string(node + 1) + " refused to start: " + s.to_string());
    }
    trace_line("n" + std::to_string(node + 1) + " stays down: " + s.to_string());
    return;
  }
  if (!s.is_ok()) {
    // An fsync failed during recovery: stay down and try again later.
    trace_line("n" + std::to_string(node + 1) + " failed to start: " + s.to_string());
    ++stats_.storage_failures;
    n.crash(prng_);
    queue_.schedule(now_ + prng_.range(1, options_.down_max_us),
                    Event{.kind = EventKind::kRestart, .node = node});
    return;
  }
  if (retired_[node]) {
    if (retired_recorded_[node]) {
      throw SimFailure("n" + std::to_string(node + 1) +
                       " started again after it was removed (its REMOVED was recorded)");
    }
    trace_line("n" + std::to_string(node + 1) + " starts again: recording its removal failed");
    retired_[node] = false;
  }
  checker_.on_restart(n);
  flush_streams();
  const Micros phase = prng_.uniform(options_.tick_us) + 1;
  queue_.schedule(now_ + phase,
                  Event{.kind = EventKind::kTick, .node = node, .incarnation = n.incarnation()});
}

void SimCluster::on_removed(int node, Index index, const std::string& reason) {
  trace_line("n" + std::to_string(node + 1) + " was removed: " + reason);
  ++stats_.removals;
  if (index > 0) {
    checker_.on_removed(*nodes_[node], index);
  }
}

}  // namespace helios::sim
