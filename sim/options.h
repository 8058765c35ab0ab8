#pragma once
// SimOptions: everything one simulation run draws from its seed ("swarm testing", after
// TigerBeetle's VOPR): cluster size, timing, network and disk behaviour, fault rates and the
// workload. Printed for every failing seed so that a run can be understood and replayed.

#include <cstdint>
#include <string>

#include "raft/config.h"

namespace helios::sim {

// Simulated time is in microseconds.
using Micros = std::uint64_t;

struct SimOptions {
  std::uint64_t seed = 1;
  int nodes = 3;

  // Time: each node ticks every tick_us * (1 + its own skew).
  Micros tick_us = 20'000;
  int election_ticks = 5;
  int heartbeat_ticks = 1;
  double clock_skew_max = 0.02;

  // Network: each message takes [delay_min_us, delay_max_us]; some take a spike longer.
  Micros delay_min_us = 100;
  Micros delay_max_us = 2'000;
  double drop_rate = 0.0;
  double dup_rate = 0.0;
  double spike_rate = 0.0;
  Micros spike_us = 50'000;

  // Disk: an fsync completes after [fsync_min_us, fsync_max_us].
  Micros fsync_min_us = 100;
  Micros fsync_max_us = 2'000;
  double sync_failure_chance = 0.0;         // per fsync, safety phase only: the node stops
  std::uint64_t segment_bytes = 64u << 20;  // WAL segment size (small ones roll often)

  // Faults, drawn every fault_interval_us during the safety phase.
  Micros fault_interval_us = 100'000;
  double crash_chance = 0.0;  // per interval: crash a random up node
  Micros down_max_us = 2'000'000;
  double partition_chance = 0.0;  // per interval: start a partition
  Micros partition_max_us = 3'000'000;
  double clog_chance = 0.0;  // per interval: clog a node's links
  Micros clog_max_us = 1'000'000;
  // Per interval: a node's connection to a peer breaks (a reset, as a middlebox or a peer's
  // kernel sends one) and the transport connects again at once: what was on it is lost, what
  // is sent after goes on the new one. Half of the seeds; drawn from a PRNG of their own
  // (SimCluster::reset_prng_), so that the other faults of a seed stay as they were.
  double reset_chance = 0.0;
  // Per interval: pause a node's event loop (a stalled process: SIGSTOP, a VM migration, a
  // starved CPU). It neither ticks nor reads messages, answers or client requests until the
  // pause ends; then the ticks it missed lapse (node::Node::lapse) and what queued up
  // trickles in. Half of the seeds.
  double pause_chance = 0.0;
  Micros pause_max_us = 0;
  // Each client reads at one node (client c at node c % nodes), as a Redis client connected
  // to one node does, and writes through the leader. Half of the seeds.
  bool sticky_reads = false;
  bool churn = false;  // crashes target the leader more often than not

  // Workload.
  int clients = 4;
  int keys = 3;
  int read_percent = 50;
  Micros client_think_max_us = 20'000;
  Micros client_timeout_us = 1'000'000;

  // Phases: faults, then a healed majority that must make progress.
  Micros safety_us = 20'000'000;
  Micros liveness_us = 0;  // derived: liveness_timeouts election timeouts
  int liveness_timeouts = 60;
  int leave_down = 0;  // nodes left crashed during the liveness phase (a minority)

  // Raft.
  std::uint64_t max_entries_per_append = 100;
  std::uint64_t max_inflight_appends = 64;
  bool pre_vote = true;
  bool check_quorum = true;
  // Lease reads in half of the seeds, with the drift bound that the seed's clock skew needs
  // (raft::Config::lease_reads, lease_drift_ticks).
  bool lease_reads = false;
  int lease_drift_ticks = 0;
  // Key versions (WATCH's guard) start when the leader has applied this many entries (0:
  // with the first proposal): until then guards skip their ops and snapshots carry no
  // versions, as in a cluster upgraded from a release before WATCH (atlas::StartVersionsOp).
  std::uint64_t versions_start = 0;
  // Snapshots, in every seed and often: one every snapshot_threshold applied entries,
  // written in the background for up to snapshot_write_max_us, the log compacted up to
  // snapshot_trailing entries behind it.
  std::uint64_t snapshot_threshold = 20;
  std::uint64_t snapshot_trailing = 5;
  Micros snapshot_write_max_us = 10'000;
  int snapshot_ack_ticks = 20;  // raft::Config::snapshot_ack_ticks
  // Half of the seeds also bound snapshots in bytes (node::SnapshotPolicy::threshold_bytes
  // and trailing_bytes; 0: off), small enough that they decide often.
  std::uint64_t snapshot_threshold_bytes = 0;
  std::uint64_t snapshot_trailing_bytes = 0;
  // Half of the seeds also snapshot by interval (node::SnapshotPolicy::interval_ticks; 0:
  // off): the harness checks that no node goes longer without one while it has applied an
  // entry since (SimCluster::check_snapshot_interval).
  std::uint64_t snapshot_interval_ticks = 0;
  // The interval in force: snapshot_interval_ticks, or two election timeouts for the planted
  // bug interval-leader-only when the seed drew none.
  std::uint64_t snapshot_interval() const;
  // Membership, in every seed: `spare` more nodes (ids nodes+1 .. nodes+spare) start
  // outside the cluster with empty logs; every membership_interval_us of the safety phase
  // the harness asks the leader to add a learner, promote one, remove a voter or a learner,
  // replace a voter, or transfer leadership (0: never).
  int spare = 1;
  Micros membership_interval_us = 0;
  // A node removed from the cluster stops, as in production (node::RemovalWatch), in a third
  // of the seeds: it never starts again with its old log (REMOVED); its id comes back only
  // as a new machine (an empty disk, --join: SimNode::wipe_for_join), and the harness never
  // adds an id that was ever a member otherwise. In the rest a removed node keeps running
  // and may be added back with the log it has (safe in Raft).
  bool removed_stop = false;
  int slots() const { return nodes + spare; }

  raft::PlantedBugs bugs;
  // The client layer's max_batches_in_flight: 1 (hold the next batch) in a third of the seeds.
  std::uint64_t max_batches_in_flight = 0;
  // The client port's `timeout` (idle_timeout_ms): in a third of the seeds two to ten
  // election timeouts, so the server closes a client's idle connections (Server::sweep) and
  // the client connects again; 0 (never) in the rest.
  Micros idle_timeout_us = 0;

  bool trace = false;

  // Draws every option from the seed. `nodes` is fixed by the caller (3 or 5).
  static SimOptions draw(std::uint64_t seed, int nodes);
  // One line, "nodes=3 tick=20ms election=5 ...".
  std::string describe() const;
};

// Parses a planted bug name (one of those `helios-sim --help` lists and docs/simulation.md's
// table describes: "vote-twice", "commit-old-term", ..., "sender-stalls-when-full") into
// `bugs`. Returns false for an unknown name.
bool set_planted_bug(const std::string& name, raft::PlantedBugs& bugs);

}  // namespace helios::sim
