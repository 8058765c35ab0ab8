#pragma once
// SimCluster: one deterministic simulation run. A whole cluster in one thread, driven by
// one seed through one EventQueue: simulated network (delay, loss, duplication, reordering,
// symmetric and asymmetric partitions, clogging, connection resets), simulated disks
// (unsynced writes lost at a crash), crashes and restarts, clock skew, and clients whose puts
// and linearizable reads go through each node's real client layer (api::Executor), at any
// node: followers forward writes to the leader over the links' ordered streams (queued while
// a link is down, lost with a broken connection: a crashed process, a partition, a reset; as
// TCP's are).
//
// Phases (after TigerBeetle's VOPR and FoundationDB's Clogged / Unclogged workloads):
//   safety    faults at the drawn rates; the SafetyChecker runs after every event.
//   liveness  every fault healed and all but `leave_down` nodes (a minority) up. Within
//             `liveness_timeouts` election timeouts a leader must commit a marker entry that
//             every up node applies, and no client operation started after that may time out.
// At the end, the recorded client history must be linearizable.

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/prng.h"
#include "sim/checker/linearizability.h"
#include "sim/event_queue.h"
#include "sim/host.h"
#include "sim/node.h"
#include "sim/options.h"
#include "sim/safety_checker.h"
#include "wire/frame.h"

namespace helios::sim {

struct SimResult {
  bool ok = true;
  std::string failure;  // what was violated, when !ok
  std::uint64_t events = 0;
  std::uint64_t ticks = 0;  // node ticks, summed over nodes
  Micros simulated_us = 0;
  std::uint64_t committed = 0;         // entries committed
  std::uint64_t ops_ok = 0;            // client operations that completed
  std::uint64_t ops_unknown = 0;       // puts whose outcome stayed unknown
  std::uint64_t queue_delivered = 0;   // work queue elements delivered by blocking pops
  Micros liveness_us = 0;              // from heal to the marker applied everywhere
  std::uint64_t storage_failures = 0;  // injected fsync failures that stopped a node
  std::uint64_t snapshots_taken = 0;
  std::uint64_t snapshots_installed = 0;  // received from a leader
  std::uint64_t stream_frames_lost = 0;   // on a connection that broke (a partition)
  std::uint64_t transfers_cut = 0;        // snapshot transfers that lost a chunk so (cut)
  std::uint64_t lease_reads = 0;          // answered under a leader's lease
  api::ExecutorStats api;                 // the client layers', summed over nodes
  std::uint64_t idle_closed = 0;          // connections the client layers closed as idle
  bool linearizability_timed_out = false;
  // Membership requests through the nodes' keepers (node::MemberKeeper), and those answered
  // OK; leadership transfers through their waiters (node::TransferWaiter), and those OK.
  std::uint64_t member_requests = 0;
  std::uint64_t member_changes = 0;
  std::uint64_t transfer_requests = 0;
  std::uint64_t transfers = 0;
  // Nodes that found themselves removed (node::RemovalWatch), and those stopped for it
  // (SimOptions::removed_stop).
  std::uint64_t removals = 0;
  std::uint64_t removed_stops = 0;
  std::uint64_t rejoins = 0;  // new machines under removed ids (wiped, --join)
};

class SimCluster final : public SimHost {
 public:
  explicit SimCluster(const SimOptions& options);
  ~SimCluster() override;

  SimResult run();

  // SimHost
  void send(const raft::Message& m) override;
  void schedule_fsync(int node, std::uint64_t incarnation) override;
  const Micros& now_us() const override { return now_; }
  void schedule_loop(int node, Micros due) override;
  // Fires the ticks a paused node missed, as the runtime's loop does when it runs again and
  // before it answers a read: all but one lapse (node::Node::lapse), one ticks.
  void catch_up_ticks(int node) override;
  bool send_frame(int node, NodeId to, std::string frame) override;
  std::uint64_t stream_bytes(int node, NodeId to) const override {
    return stream_bytes_[node][to - 1];
  }
  std::vector<std::string> withdraw_forwards(int node, NodeId to) override;
  std::vector<node::PeerLinkState> peer_links(int node) const override;
  void put_done(int client, std::uint64_t op, bool ok) override;
  void put_uncertain(int client, std::uint64_t op) override;
  void read_done(int client, std::uint64_t op, std::optional<std::string> value,
                 std::uint64_t time_ms, Index applied) override;
  void on_put_applied(const std::string& value, Index index, std::uint32_t position,
                      std::uint64_t stamp_ms, std::uint64_t deadline_ms) override;
  Index puts_reported_through() const override { return puts_recorded_through_; }
  void read_failed(int client, std::uint64_t op) override;
  void connection_lost(int client, std::uint64_t op) override;
  QueueChecker& queue() override { return work_queue_; }
  void on_role_change(int node, const raft::SoftState& soft) override;
  void on_entries_written(int node, const std::vector<raft::Entry>& entries) override;
  // A leader's configuration entry that makes a learner a voter: the learner must have
  // written the configuration that added it, or a later one with it
  // (node::MemberKeeper::caught_up; SimNode::self_conf_index).
  void check_promotion(int node, Index index, const raft::ConfState& next);
  void on_apply(int node, const raft::Entry& entry) override;
  void on_removed(int node, Index index, const std::string& reason) override;
  void on_state(int node, Index applied, const std::string& digest) override;
  void schedule_snapshot_write(int node, std::uint64_t incarnation, const raft::SnapshotMeta& meta,
                               std::shared_ptr<const std::string> data) override;
  std::uint64_t clock_ms(int node) const override;
  void trace_line(const std::string& line) override;
  bool tracing() const override { return options_.trace; }

 private:
  struct Client {
    bool busy = false;
    std::uint64_t op = 0;  // current op id (index into history_ + 1)
    std::uint64_t next_value = 0;
  };
  struct QueuedFrame {
    bool forward = false;  // a forward (withdraw_forwards takes it back), not a reply or chunk
    std::string frame;
  };
  // A snapshot transfer on a link that the network damages: the byte of the file at `at`.
  struct Tear {
    std::uint64_t transfer_id = 0;
    std::uint64_t at = 0;
  };
  struct Fault {
    std::vector<std::pair<int, int>> links;  // blocked directed links
  };

  void handle(const Event& e);
  // When a message sent now from `from` to `to` arrives (delay, spike, clog, order).
  Micros arrival_time(int from, int to);
  void tick_node(int node);
  void client_step(int client);
  // The node a client's next operation goes to.
  int pick_node(bool is_read, int client);
  // Hands client `client`'s operation `op` (in the history) to node `target`; false when
  // the node refused it (not applied).
  bool issue_client_op(int client, std::uint64_t op, int target);
  void client_request(int client, std::uint64_t op, int target);
  void client_timeout(int client, std::uint64_t op);
  void finish_client_op(int client, Micros think_us);
  // Operation `op` got an answer that is not a success (TRYAGAIN, UNCERTAIN, a refused read)
  // or none (a timeout): counted against liveness if the cluster had healed when it began.
  void note_unanswered(std::uint64_t op);
  // Streams (cluster_streams.cc): a link's ordered stream is up while both ends are up and it
  // is not partitioned.
  bool link_up(int from, int to) const;
  void deliver_frame_later(int from, int to, std::string frame);
  // A kStream event: the frame reaches its node, unless either end crashed since or the
  // connection it was written on broke (lose_stream_frame).
  void deliver_stream(const Event& e);
  void lose_stream_frame(int from, int to, wire::FrameType type, const std::string& frame);
  // Sends what waited for the links that are up again.
  void flush_streams();
  // A snapshot chunk frame from `from` to `to` as the network carries it: some transfers are
  // damaged at one byte (the receiver is told: SimNode::note_torn_transfer).
  std::string tear_chunk(int from, int to, std::string frame);
  void inject_fault();
  // A connection reset (SimOptions::reset_chance): one node's connection to a peer breaks,
  // busy ones (frames in flight) more often than not; the next one is up at once.
  void reset_connection();
  void partition();
  void heal(std::uint64_t fault_id);
  void crash(int node);
  // Stops the nodes whose storage failed, and (SimOptions::removed_stop) those removed.
  void stop_failed_nodes();
  void restart(int node);
  // cluster_membership.cc
  void change_membership();
  // A change asked as the admin API asks it (SimNode::change_members) of the leader at
  // `leader`, or a leadership transfer (SimNode::request_transfer); its answer is checked
  // (on_member_answer, on_transfer_answer), and check_admin_requests fails a run in which a
  // node that stayed up never answered one.
  struct AdminRequest {
    int node = 0;
    std::uint64_t incarnation = 0;
    std::string what;
    bool answered = false;
    // A leadership transfer without a target, asked of a leader: the voters that leader
    // heard from within an election timeout then (the ones it may pick).
    bool pick_target = false;
    std::vector<NodeId> heard;
  };
  void request_member_change(int leader, const std::vector<NodeId>& outsiders);
  // Where removed nodes stop (SimOptions::removed_stop): a node that joins asks the leader
  // to add it, or finishes once listed (apps/join.cc), and now and then a new machine takes
  // the id of a stopped one (SimNode::wipe_for_join). True if it did something this round.
  bool tend_joins(int leader);
  // Every node that joins and that the leader lists finishes joining (apps/join.cc).
  void finish_listed_joins();
  void request_join(int leader, int joiner);
  void on_member_answer(AdminRequest& record, const node::MemberRequest& request,
                        const node::MemberChangeResult& result);
  void request_transfer(int leader, NodeId target);
  void on_transfer_answer(AdminRequest& record, const node::TransferResult& result);
  void check_transfer_target(const AdminRequest& record, const node::TransferResult& result) const;
  // Snapshots by interval (SimOptions::snapshot_interval): counts the ticks a node was given
  // (lapsed and fired) since its newest snapshot changed, and checks after its tick that one
  // is under way when the interval passed with an entry applied since.
  void note_snapshot_ticks(int node, std::uint64_t given);
  void check_snapshot_interval(int node) const;
  // The record of a request asked of the node at `node` now.
  std::shared_ptr<AdminRequest> record_request(int node, std::string what);
  std::chrono::milliseconds request_wait() const;
  // True while a request is unanswered at a node that is still in the incarnation asked.
  bool admin_request_open() const;
  void check_admin_requests() const;
  // The addresses of `next`'s members, for a change the harness proposes directly: the
  // leader's book, and the simulator's addresses for a node it does not hold.
  std::string members_context(const SimNode& leader, const raft::ConfState& next) const;
  // The nodes to leave down in the liveness phase: at most options_.leave_down, each a
  // minority of the voters of every configuration any node's log holds.
  std::vector<bool> choose_left_down() const;

  void begin_liveness();
  void drive_marker();
  void check_liveness(SimResult& result);
  void check_history(SimResult& result);
  // The work queue's end: what the node that applied the most still holds (QueueChecker).
  void check_queue(SimResult& result);
  bool paused(int node) const { return now_ < paused_until_[node]; }
  void pause();
  Micros resume_time(int node, int source) const {
    return paused_until_[node] + resume_offsets_[node][static_cast<std::size_t>(source)];
  }
  // An event for a paused node waits until the pause ends (messages and answers trickle in
  // over a tick after it); true when `e` was put off.
  bool put_off_while_paused(const Event& e);
  std::optional<int> leader_index() const;
  std::string stamp() const;

  SimOptions options_;
  int slots_;  // options_.slots(): the bootstrap nodes and the spares
  base::Prng prng_;
  base::Prng reset_prng_;  // connection resets only (SimOptions::reset_chance)
  EventQueue queue_;
  Micros now_ = 0;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<std::shared_ptr<AdminRequest>> admin_requests_;
  std::vector<SimNode*> node_ptrs_;
  // Removed nodes (SimOptions::removed_stop): stopped for good (retired_; a restart must be
  // refused while its REMOVED was recorded), and the ids that were ever in a configuration a
  // node wrote (never added again: production asks for a new data directory).
  std::vector<bool> retired_;
  std::vector<bool> retired_recorded_;
  std::vector<bool> ever_member_;
  // Per slot: which machine holds it (SimNode::wipe_for_join starts a new one). Messages of
  // a machine that was replaced are not delivered: they travelled on connections that died
  // with it (a late acknowledgement from the old disk would tell the leader the new one
  // holds entries it never had).
  std::vector<std::uint64_t> machine_;
  bool from_this_machine(const Event& e) const {
    return machine_[static_cast<std::size_t>(e.message.from - 1)] == e.peer_incarnation;
  }
  std::vector<double> skew_;
  SafetyChecker checker_;
  QueueChecker work_queue_;
  std::vector<Index> state_checked_;  // per node: the applied index whose digest was checked

  // Network state.
  std::vector<std::vector<int>> blocked_;  // blocked_[from][to] > 0: messages dropped
  std::vector<Micros> clogged_until_;
  // Paused nodes (SimOptions::pause_chance): until when, and the ticks missed meanwhile.
  std::vector<Micros> paused_until_;
  std::vector<std::uint64_t> ticks_missed_;
  std::vector<bool> clock_current_;  // per event: not paused and no missed tick pending
  // Per paused node, per source (node slots, then clients, then the node itself): when
  // after the pause its loop gets to what that source sent meanwhile. One offset per source
  // keeps each source's events in order, as one socket's bytes are.
  std::vector<std::vector<Micros>> resume_offsets_;
  std::vector<std::vector<Micros>> last_delivery_;  // per link, liveness phase only
  std::map<std::uint64_t, Fault> faults_;
  std::uint64_t next_fault_id_ = 1;
  // Streams: per link [from][to], what waits while it is down, when its last frame arrives
  // (they stay in order), the bytes queued or in flight, the transfer it damages, and how
  // many times its connection was lost (a crash of its peer, a partition).
  std::vector<std::vector<std::deque<QueuedFrame>>> stream_queue_;
  std::vector<std::vector<Micros>> stream_last_;
  std::vector<std::vector<std::uint64_t>> stream_bytes_;
  std::map<std::pair<int, int>, Tear> tears_;
  std::vector<std::vector<std::uint64_t>> link_losses_;
  std::uint64_t frames_lost_ = 0;  // stream frames lost with a broken connection
  // Per node [to][from]: when `to`'s process last received a message from `from` (what the
  // transport's PeerStatus::last_received_ms holds), kNotHeard never.
  static constexpr Micros kNotHeard = std::numeric_limits<Micros>::max();
  std::vector<std::vector<Micros>> heard_at_;
  // The configurations the harness proposed itself outside removed_stop seeds (any learner
  // promoted, as the core allows): check_promotion judges the keeper's promotions.
  std::vector<raft::ConfState> own_changes_;
  // Per node: the index of its newest snapshot as last seen at a tick (kUnseen: not since
  // its process started), and the ticks due to it since that changed.
  static constexpr Index kUnseen = std::numeric_limits<Index>::max();
  std::vector<Index> snapshot_seen_;
  std::vector<std::uint64_t> snapshot_ticks_;
  // Per node: the time of its next scheduled loop turn (the largest Micros: none).
  std::vector<Micros> loop_next_;

  // Workload and history.
  std::vector<Client> clients_;
  std::vector<KvOperation> history_;
  std::map<std::string, std::uint64_t> put_by_value_;  // a put's value -> its op id
  Index puts_recorded_through_ = 0;                    // on_put_applied: the highest index reported
  std::vector<bool> excluded_;                         // operations certainly not applied
  std::vector<bool> finished_;
  // Whether a failure of the operation can break liveness: puts, and reads at the leader.
  // (A read at a follower waits for the follower to catch up; with one entry per message
  // a follower may trail an offered load it cannot match without anything being wrong.)
  std::vector<bool> liveness_bound_;
  std::vector<int> op_node_;  // the node each operation went to

  // Liveness phase.
  bool liveness_ = false;
  std::vector<bool> left_down_;  // nodes kept down in the liveness phase
  Micros heal_time_ = 0;
  std::optional<raft::EntryId> marker_;
  int marker_node_ = -1;
  std::optional<Micros> marker_done_time_;
  std::uint64_t timeouts_after_marker_ = 0;
  SimResult stats_;
};

// Runs one seed and catches every failure (checker violations and core assertions).
SimResult run_seed(const SimOptions& options);

}  // namespace helios::sim
