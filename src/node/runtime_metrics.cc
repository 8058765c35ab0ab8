// Runtime: GET /metrics, the families read off the node's state at scrape time (the
// recorded ones live in metrics::Metrics; docs/operations.md, "Monitoring").
#include <future>

#include "env/posix/memory.h"
#include "node/runtime.h"

namespace helios::node {

Result<std::string> Runtime::metrics_text(std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<std::vector<prometheus::MetricFamily>>>();
  auto future = promise->get_future();
  asio::post(io_, [this, promise]() {
    metrics::Sample sample;
    sample_metrics(sample);
    for (const auto& sampler : metrics_samplers_) {
      sampler(sample);
    }
    promise->set_value(sample.take());
  });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(Code::kUnavailable, "the node's loop did not answer in time");
  }
  return metrics_.render(future.get());
}

void Runtime::sample_metrics(metrics::Sample& out) const {
  const NodeStatus s = make_status();
  const raft::Raft& r = node_->raw().raft();
  const auto num = [](auto v) { return static_cast<double>(v); };

  out.gauge("helios_raft_term", "The current Raft term", num(s.term));
  out.gauge("helios_raft_is_leader", "1 if this node is the leader, else 0",
            s.role == raft::Role::kLeader ? 1 : 0);
  out.gauge("helios_raft_commit_index", "The highest log index known committed", num(s.commit));
  out.gauge("helios_raft_applied_index", "The highest log index applied to the store",
            num(s.applied));
  out.gauge("helios_raft_last_log_index", "The index of the last entry of the log",
            num(s.last_index));
  out.gauge("helios_raft_first_log_index", "The first entry the log still holds (compaction)",
            num(s.first_index));
  out.gauge("helios_raft_voters", "Voters in the configuration in force", num(s.voters.size()));
  out.gauge("helios_raft_learners", "Learners in the configuration in force",
            num(s.learners.size()));
  out.gauge("helios_raft_joint", "1 while the configuration is joint (C(old,new))",
            s.voters_outgoing.empty() ? 0 : 1);
  out.counter("helios_raft_leader_changes_total",
              "Leaders this node has seen change (the first leader it saw counts)",
              num(leader_changes_));
  out.counter("helios_raft_elections_started_total",
              "Elections this node started (a pre-vote and its vote count once)",
              num(r.elections_started()));
  out.counter("helios_raft_lease_reads_total",
              "Reads this node answered as leader under its lease, without a heartbeat round "
              "(read_mode = lease)",
              num(r.lease_reads()));
  out.counter("helios_raft_clock_entries_total",
              "Clock entries this node proposed as leader: stamped commands that change "
              "nothing, keeping the time of linearizable reads (TTLs) close to its clock",
              num(chores_.clock_entries()));

  const std::string lag_help = "Leader only: entries a follower's log is behind the leader's";
  out.declare("helios_raft_replication_lag_entries", lag_help, prometheus::MetricType::Gauge);
  if (s.role == raft::Role::kLeader) {
    for (const PeerView& p : s.peers) {
      if (r.progress().count(p.id) != 0) {
        out.gauge("helios_raft_replication_lag_entries", lag_help, num(p.lag),
                  {{"peer", std::to_string(p.id)}});
      }
    }
  }

  out.counter("helios_snapshots_total", "Snapshots this node took (threshold, interval, BGSAVE)",
              num(snapshots_taken_));
  out.counter("helios_snapshot_installs_total", "Snapshots received from the leader and installed",
              num(snapshots_installed_));
  out.gauge("helios_snapshot_bytes", "Size of the newest durable snapshot (0: none)",
            num(s.snapshot_bytes));
  out.gauge("helios_snapshot_index", "Log index of the newest durable snapshot (0: none)",
            num(s.snapshot.index));

  const std::string sent_help = "Raft messages written to a peer's connection";
  const std::string connected_help = "1 if the connection to the peer is up, else 0";
  const std::string errors_help =
      "A peer's failed RPCs by kind: refused, reset, timeout, queue_full (dropped), bad_frame";
  out.declare("helios_peer_messages_sent_total", sent_help, prometheus::MetricType::Counter);
  out.declare("helios_peer_connected", connected_help, prometheus::MetricType::Gauge);
  out.declare("helios_peer_rpc_errors_total", errors_help, prometheus::MetricType::Counter);
  for (const transport::PeerStatus& p : transport_->peer_status()) {
    const std::string peer = std::to_string(p.id);
    out.counter("helios_peer_messages_sent_total", sent_help, num(p.sent), {{"peer", peer}});
    out.gauge("helios_peer_connected", connected_help, p.connected ? 1 : 0, {{"peer", peer}});
    for (std::size_t k = 0; k < transport::kPeerErrorKinds; ++k) {
      out.counter("helios_peer_rpc_errors_total", errors_help, num(p.errors[k]),
                  {{"peer", peer},
                   {"kind", transport::peer_error_name(static_cast<transport::PeerError>(k))}});
    }
  }

  out.counter("helios_wal_append_bytes_total", "Bytes appended to the write-ahead log",
              num(wal_->stats().bytes_written));
  out.gauge("helios_wal_bytes", "Bytes of write-ahead log segments on disk", num(s.wal_bytes));
  out.gauge("helios_keys", "Keys in the store", num(s.keys));
  out.gauge("helios_memory_bytes", "Resident memory of the node process",
            num(env::resident_bytes()));
  const env::DiskSpace disk = env::disk_space(dir_->path());
  out.gauge("helios_disk_total_bytes", "Size of the file system holding the data directory",
            num(disk.total_bytes));
  out.gauge("helios_disk_free_bytes", "Space left on the data directory's file system",
            num(disk.free_bytes));
  out.gauge("helios_uptime_seconds", "Seconds since the node started", num(s.uptime_ms) / 1000.0);
}

}  // namespace helios::node
