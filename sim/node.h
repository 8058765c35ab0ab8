#pragma once
// SimNode: one simulated Raft node: the production node logic (node::Node) on the real
// write-ahead log (storage::Wal) and snapshot files (storage::SnapshotStore) over a
// SimFileSystem, with the real ATLAS state machine (node::AtlasMachine), and the real client
// layer (api::Server: its sessions' RESP parsing, pipelining, MULTI/EXEC, WATCH and read
// times; api::Executor: batching, forwarding to the leader, leader waits, -TRYAGAIN,
// -UNCERTAIN, ACL changes, TTL stamping by the leader's skewed clock) with the leader's own
// chores (node::LeaderChores: active expiry, key versions, clock entries). Clients send it
// Redis commands over simulated connections (SimConnection: client_put, client_get).
//
// What differs from production: the node's loop is a SimLoop on simulated time (its turns are
// events of the harness); messages go to the simulated network, and forwards to the links'
// simulated ordered streams (SimHost::send_frame); the WAL sync completes after a simulated
// fsync latency; a snapshot is captured at once and written after a simulated delay
// (production forks); InstallSnapshot runs production's SnapshotSender, whose chunk frames
// travel on the links' ordered streams (paced by what the stream still holds, as the TCP
// transport's queue paces it), and production's SnapshotReceiver, whose worker thread is a
// SimWorker on the node's loop (its syncs take a simulated disk's time).
//
// A node lives through incarnations: crash() discards everything in memory and lets the
// file system lose or tear what was not synced; start() recovers from the newest snapshot
// and the WAL (node/recovery.h) and builds a new Node. A failed fsync makes the node
// failed(): the harness stops it (as a real node must) and restarts it later. Events of an
// earlier incarnation are ignored.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/server.h"
#include "base/prng.h"
#include "env/sim/sim_file_system.h"
#include "node/atlas_machine.h"
#include "node/client_host.h"
#include "node/config.h"
#include "node/leader_chores.h"
#include "node/member_keeper.h"
#include "node/node.h"
#include "node/removal_watch.h"
#include "node/snapshot_receiver.h"
#include "node/snapshot_sender.h"
#include "node/stamp_clock.h"
#include "node/tick_duties.h"
#include "node/transfer_waiter.h"
#include "sim/client_conn.h"
#include "sim/disk.h"
#include "sim/host.h"
#include "sim/kv_model.h"
#include "sim/options.h"
#include "sim/sim_loop.h"
#include "sim/sim_worker.h"
#include "sim/wire_link.h"
#include "storage/snapshot_store.h"
#include "storage/wal.h"
#include "transport/frame_link.h"

namespace helios::sim {

class SimNode final : private node::NodeIo,
                      private node::ClientHost,
                      private node::PeerDirectory,
                      private transport::FrameLink {
 public:
  SimNode(int index, const SimOptions& options, SimHost& host);
  ~SimNode() override;

  int index() const { return index_; }
  NodeId id() const { return static_cast<NodeId>(index_ + 1); }
  bool up() const { return node_ != nullptr; }
  std::uint64_t incarnation() const { return incarnation_; }
  const raft::RawNode& raw() const { return node_->raw(); }
  const raft::Storage& storage() const { return *wal_; }
  const DurabilityShadow& shadow() const { return shadow_; }
  Index applied() const { return node_->applied(); }
  bool snapshotting() const { return node_->snapshotting(); }
  const raft::SnapshotMeta& last_snapshot() const { return node_->last_snapshot(); }
  // The state's digest: the store's (Store::digest_hex) and a checksum of its ACL table.
  std::string digest() const;
  // The stamp the state machine applied its latest command at (never decreases).
  std::uint64_t applied_stamp_ms() const { return machine_.applied_stamp_ms(); }
  bool failed() const { return node_ != nullptr && node_->failed(); }
  std::string failure() const { return node_ != nullptr ? node_->failure() : ""; }
  std::uint64_t dropped_messages() const { return node_ ? node_->dropped_messages() : 0; }
  std::uint64_t snapshots_taken() const { return snapshots_taken_; }
  std::uint64_t snapshots_installed() const { return snapshots_installed_; }
  // Reads answered under a leader's lease, over every incarnation.
  std::uint64_t lease_reads() const {
    return lease_reads_before_ + (node_ != nullptr ? node_->raw().raft().lease_reads() : 0);
  }

  // The client layer's counters, over every incarnation.
  api::ExecutorStats api_stats() const;
  // Connections its client layers closed past `timeout` or handshake_timeout (all
  // incarnations).
  std::uint64_t idle_closed() const;

  // Recovers the WAL and starts a new incarnation. kIoError when an fsync failed during
  // recovery (try again later); kInvalidArgument when the node was removed (REMOVED: it never
  // starts again); a WAL that cannot be recovered fails the seed.
  Status start(std::uint64_t seed);
  // The node applied its own removal, or was told of it (node::RemovalWatch): a node that
  // stops when removed (SimOptions::removed_stop) recorded REMOVED (removal_recorded: the
  // write succeeded) and waits for the harness to stop it; the others go on running.
  bool removed() const { return removal_ != nullptr && removal_->removed(); }
  bool removal_recorded() const { return removal_recorded_; }
  // A new machine under this id (SimOptions::removed_stop: after its node was removed): an
  // empty disk and no bootstrap configuration, started from now on as a node that joins
  // (--join): it waits to be added, replays its id's old history without stopping, and
  // grants no vote until its log holds the entry that added it (RemovalWatch::vote_floor).
  // The node must be down.
  void wipe_for_join();
  // Up and not yet added (as --join sees it: not a member of its own configuration).
  bool joining() const { return up() && removal_ != nullptr && removal_->joining(); }
  // What apps/join.cc does once the cluster added this node by the configuration entry
  // `conf`, as a member of term `term` said (node::Runtime::finish_join).
  void finish_join(raft::EntryId conf, Term term);
  void crash(base::Prng& prng);
  void set_sync_failure_chance(double chance);

  // A tick of the core, then the leader's chores (as the runtime's tick).
  void tick();
  void lapse(std::uint64_t ticks) { node_->lapse(ticks); }
  void deliver(const raft::Message& m) { node_->step(m); }
  void fsync_done();
  // A snapshot chunk frame's body from peer `from` arrived on the link's stream (the harness
  // checked the incarnations): to the node's SnapshotReceiver, as production's transport
  // hands it.
  void receive_chunk(NodeId from, std::string_view body) { receiver_->on_chunk(from, body); }
  // The network damages a byte of transfer `transfer_id` from `from` to this node: the
  // receiver must refuse it (the refusal check).
  void note_torn_transfer(NodeId from, std::uint64_t transfer_id) {
    torn_transfers_.insert({from, transfer_id});
  }
  // A chunk of transfer `transfer_id` from `from` was lost with its connection: the receiver
  // must drop the transfer at the gap; verifying it (refused or installed) fails the seed.
  void note_cut_transfer(NodeId from, std::uint64_t transfer_id) {
    if (cut_transfers_.insert({from, transfer_id}).second) {
      ++transfers_cut_;
    }
  }
  std::uint64_t transfers_cut() const { return transfers_cut_; }
  void snapshot_written(const raft::SnapshotMeta& meta, const std::string& data);

  // A turn of the node's loop: every callback due now (SimHost::schedule_loop).
  void run_loop() { loop_.run_due(); }
  std::optional<Micros> loop_next_due() const { return loop_.next_due(); }
  // A forward or a reply to one from peer `from` (on the link's stream: SimHost::send_frame).
  void deliver_forward(NodeId from, bool reply, const std::string& body);

  // Client operations, as a Redis client's commands on the client's connection to this node
  // (a new one when the last is closed or still waits for a reply: a client that timed out
  // reconnects): a put is a SET (with PX for a TTL), alone or in a MULTI/EXEC with
  // collection commands, and some puts send a WATCHed transaction (WATCH, MULTI, EXEC) and
  // an ACL SETUSER on a second connection (their outcomes are checked by the replicas'
  // digests, not the history). A get is a GET. False when the node is down; otherwise the outcome
  // reaches the host (put_done / put_uncertain / read_done / read_failed), unless the node
  // crashes first.
  bool client_put(int client, std::uint64_t op, const KvCommand& command);
  bool client_get(int client, std::uint64_t op, const std::string& key);
  // The list at `key` in this node's state now (LRANGE key 0 -1; empty if absent). Up only.
  std::vector<std::string> list(const std::string& key) const;
  // The liveness marker: a SET proposed directly at the leader; false if not leader.
  bool propose_marker(const std::string& value);
  // The configurations its log held, now if up, else when it went down (a superset of what
  // it will hold after a restart: a crash only loses entries).
  std::vector<raft::ConfigAt> configs() const;
  // The highest index of a configuration with this node that this machine ever wrote to its
  // log or installed with a snapshot (0: none; kept across restarts, reset by
  // wipe_for_join): SimCluster::check_promotion's evidence.
  Index self_conf_index() const { return self_conf_index_; }
  // (last term, last index) of the log, or of the log it held when it crashed (its durable
  // log may be shorter).
  std::pair<Term, Index> log_position() const;
  // Membership, at the leader (the harness's changes); errors are traced, not fatal.
  void propose_conf_change(const raft::ConfState& next);
  // Membership through the admin API's code (node::MemberKeeper, node_members.cc): `done`
  // gets the answer on this node's loop, unless the node crashes first.
  void change_members(const node::MemberRequest& request, std::chrono::milliseconds wait,
                      node::MemberChangeCallback done);
  // A leadership transfer as the admin API asks it (node::TransferWaiter; kNoNode: the
  // waiter picks the target): `done` gets the answer on this node's loop, unless the node
  // crashes first.
  void request_transfer(NodeId target, std::chrono::milliseconds wait, node::TransferCallback done);
  // The configuration's addresses as this node knows them (empty while down).
  node::MemberList member_book() const;
  // GET /members of this node (node::MemberKeeper::view); the node must be up.
  node::MembersView members_view() const;
  // The addresses node `id` has in the simulator (peer, client and admin ports).
  static node::Member sim_member(NodeId id);
  Status transfer_leadership(NodeId target) { return node_->transfer_leadership(target); }

 private:
  // node::NodeIo
  void send(const raft::Message& m) override { host_.send(m); }
  void start_sync() override { host_.schedule_fsync(index_, incarnation_); }
  void on_role_change(const raft::SoftState& soft, Term term) override;
  void on_written(const std::optional<raft::HardState>& hard_state,
                  const std::vector<raft::Entry>& entries) override;
  void on_conf_change(const raft::ConfState& conf) override;
  void on_wal_reset(const raft::SnapshotMeta& meta) override { shadow_.reset_to_snapshot(meta); }
  void on_synced() override { shadow_.sync(); }
  void on_applied(const raft::Entry& entry) override;
  void on_removal_notice(const raft::Raft::RemovalNotice& notice) override;
  // The removal watch found this node removed (index: the applied configuration that did;
  // 0: a notice).
  void note_removed(const std::string& reason, Index index);
  void start_snapshot(const raft::SnapshotMeta& meta) override;
  void send_snapshot(const raft::Message& m) override;
  void on_snapshot_event(const raft::SnapshotMeta& meta, bool received,
                         const Status& status) override;
  std::uint64_t leader_clock_ms() override;

  // node::ClientHost (node_clients.cc), as the runtime's.
  env::Loop& loop() override { return loop_; }
  node::Node& node() override { return *node_; }
  void propose_now(atlas::Command& command, node::CommandCallback done) override;
  // The stamp a command proposed now gets.
  std::uint64_t stamp_now() override;
  void catch_up_ticks() override { host_.catch_up_ticks(index_); }
  node::HostPort member_client(NodeId) const override { return {}; }  // redirect is forward
  NodeId member_below_wire_minor(std::uint16_t) const override { return kNoNode; }
  bool send_forward(NodeId to, bool reply, std::string_view body) override {
    return host_.send_frame(index_, to, forward_frame(reply, body));
  }
  std::vector<std::string> withdraw_forwards(NodeId to) override {
    return host_.withdraw_forwards(index_, to);
  }
  std::vector<node::PeerLinkState> peer_link_states() const override {
    return host_.peer_links(index_);
  }
  void add_role_listener(RoleListener fn) override { role_listeners_.push_back(std::move(fn)); }
  void set_forward_handler(ForwardHandler fn) override { forward_handler_ = std::move(fn); }
  // Per incarnation (a restart): deterministic, and distinct from every earlier one's.
  std::uint64_t first_forward_id() override { return (incarnation_ << 40) | 1; }
  void observe_read_index(double) override {}
  const node::AtlasMachine& machine() const override { return machine_; }
  void set_keys_listener(node::AtlasMachine::KeysListener listener) override {
    machine_.set_keys_listener(std::move(listener));
  }
  metrics::Metrics& metrics() override { return metrics_; }
  // LASTSAVE: when this node last took or installed a snapshot, by its clock (0: never).
  std::int64_t last_save_unix_s() const override {
    return static_cast<std::int64_t>(last_save_ms_ / 1000);
  }
  // This node's skewed clock.
  std::int64_t wall_ms() const override {
    return static_cast<std::int64_t>(host_.clock_ms(index_));
  }
  // INFO's persistence fields the Node knows (role, term, indexes, snapshot); the sizes of
  // files and the peers' views are left 0 (the simulated clients never send INFO).
  node::NodeStatus status_now() const override;
  Status request_snapshot() override;
  // The client's connection to this node (side: its second one), open and idle.
  SimConnection& connection(int client, bool side);
  // A SET of a key of the operation's own, a GET of it and a DEL, pipelined on `conn`: the
  // GET must see the SET once it answered OK (read your writes; planted bug
  // `read-skips-write`).
  void read_own_write(SimConnection& conn, int client, std::uint64_t op);
  // The client's blocking pop (BLPOP, BRPOP or BLMOVE of the work queue, QueueChecker) on a
  // third connection, unless its last one still waits: then, every kUnblockEvery-th
  // operation, a CLIENT UNBLOCK of it from the side connection.
  void blocking_pop(int client, std::uint64_t op);
  // A client's third connection: the blocking pops. `id` is its CLIENT ID (0 until that
  // answered); `error_asked` is set once a CLIENT UNBLOCK ... ERROR was sent for the pop
  // that waits (only then may it answer -UNBLOCKED).
  struct BlockingLine {
    std::unique_ptr<SimConnection> conn;
    std::shared_ptr<std::int64_t> id;
    std::shared_ptr<bool> error_asked;
  };
  void unblock_pop(int client, std::uint64_t op, const BlockingLine& line);
  // Fails the seed if the node closes `conn` while it waits for a reply, unless the node is
  // stopping. `client` >= 0: the client's main connection, whose operation
  // (main_ops_[client]) is not held to liveness if a close crossed its request unread.
  void watch_closes(SimConnection& conn, int client = -1);

  // The executor's settings, from the seed's timing (constructor).
  void configure_client_layer();
  // The client layer of a new incarnation (start: also starts the Node), and its end (crash:
  // then the Node, the executor and the chores are freed, in that order).
  void start_client_layer();
  void stop_client_layer();
  // node_members.cc: the MemberKeeper of a new incarnation (start_client_layer), and the
  // PeerDirectory it keeps (a record: the simulated network reaches every node).
  void start_members();
  void add_peer(NodeId id, const node::HostPort& /*peer*/) override { peers_.insert(id); }
  void remove_peer(NodeId id) override;
  std::vector<NodeId> peer_ids() const override { return {peers_.begin(), peers_.end()}; }
  // Makes this incarnation's SnapshotSender and SnapshotReceiver (start()).
  void start_transfers();
  // transport::FrameLink: the links' ordered streams, for the SnapshotSender.
  std::uint64_t queued_bytes(NodeId to) const override { return host_.stream_bytes(index_, to); }
  bool send_frame(NodeId to, std::string frame) override {
    return host_.send_frame(index_, to, std::move(frame));
  }
  // Every client put (SET of a client's value) in an applied entry: reported to the host for
  // the timed witness.
  void report_puts(const raft::Entry& entry);

  int index_;
  const SimOptions& options_;
  SimHost& host_;
  std::unique_ptr<env::SimFileSystem> fs_;  // replaced by wipe_for_join
  base::Prng fs_prng_;                      // drives this node's injected fsync failures
  raft::ConfState conf_;
  std::unique_ptr<storage::Wal> wal_;
  // Files the WAL and the snapshot store removed, closed at the next sync or crash.
  std::vector<std::unique_ptr<env::File>> closing_;
  std::unique_ptr<storage::SnapshotStore> snapshots_;
  DurabilityShadow shadow_;
  node::AtlasMachine machine_;
  std::unique_ptr<node::Node> node_;
  std::uint64_t incarnation_ = 0;
  node::StampClock stamps_;  // this incarnation's stamps (as the runtime's: one per process)
  bool leading_ = false;
  std::uint64_t snapshots_taken_ = 0;
  std::uint64_t last_save_ms_ = 0;  // this node's clock at its newest snapshot (LASTSAVE)
  std::uint64_t snapshots_installed_ = 0;
  std::uint64_t lease_reads_before_ = 0;
  // The sender and the receiver of this incarnation (production's: node/snapshot_sender.h,
  // node/snapshot_receiver.h), the receiver's work posted to `worker_`, and the transfers
  // (sender, id) whose bytes the network damaged on the way.
  std::unique_ptr<node::SnapshotSender> sender_;
  std::unique_ptr<node::SnapshotReceiver> receiver_;
  std::set<std::pair<NodeId, std::uint64_t>> torn_transfers_;
  // The transfers (sender, id) that lost a chunk on a broken connection (note_cut_transfer).
  std::set<std::pair<NodeId, std::uint64_t>> cut_transfers_;
  std::uint64_t transfers_cut_ = 0;
  // The client layer (node_clients.cc): the loop, the client layer of this incarnation (its
  // Server: sessions and executor), the clients' connections, the hooks it installed, and
  // the leader's chores.
  node::NodeConfig client_config_;
  SimLoop loop_;
  SimWorker worker_;  // the runtime's worker thread, on loop_ (the receiver's syncs)
  metrics::Metrics metrics_;
  std::unique_ptr<api::Server> server_;
  std::map<int, std::unique_ptr<SimConnection>> connections_;       // by client
  std::map<int, std::unique_ptr<SimConnection>> side_connections_;  // by client
  std::map<int, BlockingLine> blocking_connections_;                // by client
  std::map<int, std::uint64_t> main_ops_;  // by client: the op last sent on its connection
  std::vector<RoleListener> role_listeners_;
  ForwardHandler forward_handler_;
  std::unique_ptr<node::LeaderChores> chores_;
  std::unique_ptr<node::MemberKeeper> members_;
  std::unique_ptr<node::TickDuties> duties_;  // of this incarnation (node/tick_duties.h)
  std::unique_ptr<node::TransferWaiter> transfers_;
  std::unique_ptr<node::RemovalWatch> removal_;  // of this incarnation
  bool removal_recorded_ = false;
  bool join_configured_ = false;   // a new machine under an old id (wipe_for_join): --join
  std::set<NodeId> peers_;         // the keeper's peer directory
  api::ExecutorStats api_before_;  // of the incarnations before this one
  std::uint64_t idle_closed_before_ = 0;
  std::vector<raft::ConfigAt> configs_at_crash_;
  Index self_conf_index_ = 0;
  std::pair<Term, Index> position_at_crash_{0, 0};
};

}  // namespace helios::sim
