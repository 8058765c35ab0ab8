#pragma once
// Runtime: a node in production. It owns the data directory (locked), the WAL, the ATLAS
// state machine, the Node, the TCP transport and one loop thread (an asio io_context) on
// which every call into the Node happens: ticks from a steady timer, peers' messages (the
// transport runs its sockets on this same loop, so they arrive without a hand-off),
// proposals and status requests posted by other threads.
//
// Active expiry: every 100 ms the leader proposes DELETE_IF_EXPIRED for up to 256 keys whose
// deadline has passed by its clock (one proposal in flight at a time; node/tick_duties.h,
// which the simulator's nodes run too).
//
// Leadership transfer (runtime_transfer.cc, transfer_waiter.h, leader_transfer.h):
// transfer_leadership() starts the core's transfer and polls every millisecond on a loop
// timer until another node leads.
//
// Membership (runtime_members.cc, node/member_keeper.h, node/members.h): the members'
// addresses travel in the configuration's context. The MemberKeeper tells the transport to
// add new members and, a grace period after they left the configuration, to forget removed
// ones; the static peers of the configuration file only bootstrap a new cluster (and stand
// in while the configuration has no context: its first leader then proposes one).
// change_members() runs the admin API's changes; the leader promotes a learner marked
// kAutoPromote once it is within max_entries_per_append entries of its log. A node that the
// RemovalWatch (removal_watch.h) finds removed writes <data_dir>/REMOVED, logs that it was
// removed and calls on_removed_hook; start() refuses a data directory with REMOVED.
//
// The WAL is synced on a storage thread (one fdatasync per Ready, so per batch), after the
// Ready's messages that may leave early have been sent: the leader's AppendEntries go out
// before its own fdatasync, and the loop thread keeps serving clients and peers while the
// disk works. Only one sync is outstanding, and the Node appends nothing while it is (so the
// WAL's writer is never concurrent with sync(); its const reads are).
//
// A failed WAL write or fsync stops the process: it logs the error (with the path) and
// exits with status 70. It never retries: the kernel may have dropped the data.
//
// Snapshots (docs/snapshots.md): the Node decides when; the Runtime fork()s, and the child
// process serializes its copy-on-write image of the state machine into the snapshot
// directory's temporary file, fsyncs it and exits; the parent keeps applying and serving,
// notices the child's exit with a 10 ms poll, and commits the file (rename, directory
// fsync, prune) on the loop thread. A failed snapshot (a full disk, say) is logged and
// changes nothing: the log still holds every entry. InstallSnapshot goes through
// SnapshotSender / SnapshotReceiver (snapshot_sender.h, snapshot_receiver.h) over the peer links.
// At startup the node recovers from the newest snapshot and the WAL after it (recovery.h).
//
// Thread rules: start() and stop() from one controlling thread; propose(), status() and
// the accessors from any thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "atlas/command.h"
#include "atlas/reply.h"
#include "env/posix/asio_loop.h"
#include "env/posix/child_process.h"
#include "env/posix/posix_file_system.h"
#include "metrics/metrics.h"
#include "metrics/sample.h"
#include "node/atlas_machine.h"
#include "node/client_host.h"
#include "node/config.h"
#include "node/leader_chores.h"
#include "node/leader_transfer.h"
#include "node/member_keeper.h"
#include "node/members.h"
#include "node/node.h"
#include "node/node_status.h"
#include "node/removal_watch.h"
#include "node/snapshot_receiver.h"
#include "node/snapshot_sender.h"
#include "node/stall_report.h"
#include "node/stamp_clock.h"
#include "node/tick_duties.h"
#include "node/transfer_waiter.h"
#include "storage/data_dir.h"
#include "storage/snapshot_store.h"
#include "storage/wal.h"
#include "tls/credentials.h"
#include "transport/tcp_transport.h"
#include "wire/frame.h"

namespace helios::node {

class Runtime final : private NodeIo, private PeerDirectory, public ClientHost {
 public:
  explicit Runtime(NodeConfig config);
  ~Runtime() override;

  Status start();
  void stop();

  // Proposes a command (stamped here with the wall clock, never below the last stamp); an
  // invalid one (atlas::validate_command) answers kInvalidArgument, nothing proposed.
  void propose(atlas::Command command, CommandCallback done);
  // Loop thread: the same for a command the caller validated (api::Executor checks each
  // client command as it joins a batch, and keeps a batch within atlas's limits), without
  // the hop through the loop's queue and without checking it again.
  void propose_now(atlas::Command& command, CommandCallback done) override;
  // Loop thread: runs the ticks whose time has come (the tick timer does it too; a read
  // under a lease calls it first, so the lease is judged by the time that really passed).
  void catch_up_ticks() override;
  // Loop thread: the stamp a command proposed now would get (unix ms, never decreasing).
  std::uint64_t stamp_now() override;
  // Loop thread: clock entries proposed so far (node/read_clock.h).
  std::uint64_t clock_entries() const { return chores_.clock_entries(); }
  // Loop thread: BGSAVE / POST /snapshot. kUnavailable when one is already being taken.
  Status request_snapshot() override;
  // Loop thread: unix seconds of the last durable snapshot (LASTSAVE; the start time when
  // none was taken since the start).
  std::int64_t last_save_unix_s() const override;
  // The system clock, unix ms.
  std::int64_t wall_ms() const override;
  // Loop thread: hands leadership to `target` (kNoNode: the most up-to-date active follower,
  // choose_transfer_target) and calls `done` on the loop thread once another node leads, or
  // once it is clear that it will not: the core gave up or `wait` passed (leader_transfer.h
  // lists the outcomes). Polls on a loop timer; never blocks the loop. Logs the outcome.
  void transfer_leadership(NodeId target, std::chrono::milliseconds wait, TransferCallback done);
  // Loop thread: the followers a transfer could go to (empty off the leader).
  // Loop thread: a member of the configuration (voter, learner or outgoing voter; not this
  // node) that answered a hello since this node started with a wire minor below `minor`
  // (wire/version.h), or kNoNode if none. A member not heard from since is not counted: it
  // is assumed to run this release (docs/operations.md "Upgrades").
  NodeId member_below_wire_minor(std::uint16_t minor) const override;
  // --- membership (runtime_members.cc) ---
  // Loop thread: the members, their addresses, the leader, whether a change is in progress.
  MembersView members_view() const;
  // Loop thread: proposes the change (leader only) and calls `done` on the loop thread once
  // it is applied (a joint configuration: once it was left), refused, or `wait` passed.
  void change_members(const MemberRequest& request, std::chrono::milliseconds wait,
                      MemberChangeCallback done);
  // Loop thread: a member's client address, from the configuration's addresses, else the
  // configuration file's peers (port 0: unknown). A joined node's -MOVED and INFO use it.
  HostPort member_client(NodeId id) const override;
  // Any thread: connect to these members (a joining node learns them from the cluster).
  void add_seed_peers(const MemberList& members);
  // Any thread (apps/join.cc): the cluster added this node (configured with --join) by the
  // configuration entry `conf` in force on the member that said so, whose term was `term`.
  // Until then, and for configuration entries below that index afterwards, a configuration
  // without this id is the history of an earlier member under the same id (a machine
  // replaced under its id), which this node replays while it catches up: it does not stop
  // this node. Recorded in <data_dir>/JOINED (index 0: keep what is recorded; only ends the
  // joining). Until then the node hears no peer at all; it then takes `term` and, while its
  // log ends below `conf`, votes only for a candidate that holds it (raft.h, set_joining).
  void finish_join(raft::EntryId conf, Term term);
  static constexpr const char* kJoinedMarker = RemovalWatch::kJoinedMarker;
  // Any thread: this node applied a configuration that removed it (it writes REMOVED).
  bool removed() const { return removed_.load(); }
  // Called on the loop thread once this node was removed (set before start()).
  std::function<void()> on_removed_hook;
  // The name of the marker file in a removed node's data directory.
  static constexpr const char* kRemovedMarker = RemovalWatch::kRemovedMarker;

  // Loop thread only: the status now (status() from any other thread).
  NodeStatus status_now() const override { return make_status(); }
  // Status from the loop thread; kUnavailable if the loop does not answer in time.
  Result<NodeStatus> status(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // Runs `fn` on the loop thread (with the store, which only that thread may touch).
  void post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

  const NodeConfig& config() const { return config_; }
  // Loop thread only.
  const AtlasMachine& machine() const override { return machine_; }
  const Node& node() const { return *node_; }
  Node& node() override { return *node_; }
  // The loop thread's io_context: the client server runs its connections on it.
  asio::io_context& io() { return io_; }
  // --- ClientHost (the rest of it), for api::Executor ---
  env::Loop& loop() override { return asio_loop_; }
  // Any thread: a forward or its reply as a kForward / kForwardReply frame.
  bool send_forward(NodeId to, bool reply, std::string_view body) override {
    return transport_->send_app_frame(
        to, reply ? wire::FrameType::kForwardReply : wire::FrameType::kForward, body);
  }
  // Any thread: TcpTransport::withdraw_app_frames of the kForward frames.
  std::vector<std::string> withdraw_forwards(NodeId to) override {
    return transport_->withdraw_app_frames(to, wire::FrameType::kForward);
  }
  // Any thread: the transport's view of each peer link.
  std::vector<PeerLinkState> peer_link_states() const override;
  void set_forward_handler(ForwardHandler fn) override { forward_handler_ = std::move(fn); }
  // 63 random bits: a restarted process draws afresh.
  std::uint64_t first_forward_id() override;
  void observe_read_index(double seconds) override {
    metrics_.read_index_duration.Observe(seconds);
  }

  // Called on the loop thread when the role or leader changes (set before start()).
  std::function<void(const raft::SoftState& soft, Term term)> on_role_change_hook;
  // More observers of role changes (set before start()).
  void add_role_listener(RoleListener fn) override { role_listeners_.push_back(std::move(fn)); }
  // --- metrics (runtime_metrics.cc) ---
  // Any thread: the recorded metrics (histograms, counters), for the API to record into.
  metrics::Metrics& metrics() override { return metrics_; }
  // Any thread: GET /metrics, the Prometheus text exposition of this node (recorded
  // families, then those read off its state on the loop thread); kUnavailable if the loop
  // does not answer in time.
  Result<std::string> metrics_text(std::chrono::milliseconds timeout = std::chrono::seconds(2));

  // TLS (runtime_tls.cc): the certificate, key and CA that the node's ports use (null: no
  // port uses TLS). Loaded by start(), which fails if they do not load.
  std::shared_ptr<tls::Credentials> tls() const { return tls_; }
  // Any thread: loads the files again (SIGHUP). New connections use the new certificate,
  // existing ones continue; broken files are reported and the old certificate kept. The
  // loop also reloads by itself when it notices the files changed (every 2 s).
  Status reload_tls();
  // More families read off state at scrape time, on the loop thread (set before start()).
  void add_metrics_sampler(std::function<void(metrics::Sample&)> fn) {
    metrics_samplers_.push_back(std::move(fn));
  }

  // Called on the loop thread with the keys each applied command may have added elements to,
  // and after a snapshot replaced the state (AtlasMachine::KeysListener; set before start()).
  void set_keys_listener(AtlasMachine::KeysListener listener) override {
    machine_.set_keys_listener(std::move(listener));
  }

 private:
  // NodeIo
  void send(const raft::Message& m) override {
    log_message(m);
    transport_->send(m);
  }
  // The seed's "Vote granted" line, and (at debug) replication, heartbeats and votes.
  void log_message(const raft::Message& m) const;
  void log_role_change(const raft::SoftState& soft, Term term) const;
  void on_applied_debug(const raft::Entry& e) const;
  void start_sync() override;
  void on_role_change(const raft::SoftState& soft, Term term) override;
  void start_snapshot(const raft::SnapshotMeta& meta) override;
  void send_snapshot(const raft::Message& m) override { sender_->send(m); }
  void on_snapshot_event(const raft::SnapshotMeta& meta, bool received,
                         const Status& status) override;
  void on_conf_change(const raft::ConfState& conf) override;
  void on_applied(const raft::Entry& entry) override;
  void on_written(const std::optional<raft::HardState>& /*hard_state*/,
                  const std::vector<raft::Entry>& entries) override {
    stamps_.on_written(entries);
  }
  void on_removal_notice(const raft::Raft::RemovalNotice& notice) override;
  // stamp_now(); proposes a clock entry when the applied stamp lags (node/read_clock.h).
  std::uint64_t leader_clock_ms() override;

  // Membership (runtime_members.cc).
  // runtime_disaster.cc: what DataDir::open changed in META (a copy accepted, a format
  // upgrade), and --force-new-cluster (node/force_new_cluster.h).
  void log_data_dir_changes() const;
  Status force_new_cluster();
  // PeerDirectory (the MemberKeeper's view of the transport).
  void add_peer(NodeId id, const HostPort& peer) override {
    transport_->add_peer(transport::Peer{id, peer.host, peer.port});
  }
  void remove_peer(NodeId id) override { transport_->remove_peer(id); }
  std::vector<NodeId> peer_ids() const override;
  // This node was removed (RemovalWatch recorded it): answers what waits, calls the hook.
  void on_removed(const std::string& reason);

  Status open_storage(raft::Config& raft);
  Status open_tls();
  void check_tls_files();
  void poll_snapshot_child();
  void stop_snapshot_child();
  // Closes a file the WAL or the snapshot store removed, on the worker thread: closing an
  // unlinked file frees its blocks, which can take hundreds of ms (storage::WalOptions).
  void close_on_worker(std::unique_ptr<env::File> file);
  // Tells the node the size of the snapshot file of `meta` (its byte threshold grows with it).
  void note_snapshot_file_bytes(const raft::SnapshotMeta& meta);
  void on_snapshot_received(const raft::Message& m, const std::string& path,
                            std::shared_ptr<AtlasState> state);

  void schedule_tick();
  void tick_once();
  // A tick ran stall_ms late: warns (rate-limited) when that is long enough to cost leadership.
  void report_stall(std::uint64_t stall_ms, std::chrono::steady_clock::time_point now);
  void check_failed();
  NodeStatus make_status() const;

  NodeConfig config_;
  env::PosixFileSystem fs_;
  std::unique_ptr<storage::DataDir> dir_;
  std::unique_ptr<storage::Wal> wal_;
  std::unique_ptr<storage::SnapshotStore> snapshots_;
  AtlasMachine machine_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<transport::TcpTransport> transport_;
  asio::io_context io_;
  env::AsioLoop asio_loop_{io_};    // io_ as an env::Loop (ClientHost::loop)
  ForwardHandler forward_handler_;  // kForward / kForwardReply frames (set before start())
  asio::steady_timer tick_timer_{io_};
  std::chrono::steady_clock::time_point next_tick_due_{};  // the next tick's deadline
  std::thread loop_;
  asio::io_context storage_io_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> storage_work_;
  std::thread storage_;
  std::vector<std::function<void(const raft::SoftState&, Term)>> role_listeners_;
  // Snapshots.
  asio::io_context worker_io_;             // receiver's verify and decode
  env::AsioLoop worker_loop_{worker_io_};  // worker_io_ as an env::Loop (the receiver's)
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> worker_work_;
  std::thread worker_;
  std::unique_ptr<SnapshotSender> sender_;
  std::unique_ptr<SnapshotReceiver> receiver_;
  asio::steady_timer child_timer_{io_};
  env::ChildProcess snapshot_child_;  // writing a snapshot
  raft::SnapshotMeta child_meta_;
  std::chrono::steady_clock::time_point child_started_;
  std::int64_t last_snapshot_unix_ms_ = -1;
  std::string snapshot_error_;
  std::atomic<bool> running_{false};
  StampClock stamps_;  // the stamps this node gives the commands it proposes
  StallReport stall_report_{config_.election_timeout_ms};  // warnings about a late loop
  // Expiry, key versions and clock entries (leader_clock_ms).
  LeaderChores chores_{[this](atlas::Command command, CommandCallback done) {
    propose_now(command, std::move(done));
  }};
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_leader_contact_;
  raft::Role last_role_ = raft::Role::kFollower;
  // Membership: the book, the admin API's changes and the leader's own (member_keeper.h);
  // here, whether this node was removed.
  std::unique_ptr<MemberKeeper> members_;
  // The core's tick and the 100 ms round of chores and membership (tick_duties.h).
  std::unique_ptr<TickDuties> duties_;
  std::unique_ptr<TransferWaiter> transfers_;  // leadership transfers (transfer_waiter.h)
  // Whether this node was removed, and its markers (removal_watch.h; loop thread); removed_
  // is the same fact for any thread.
  std::unique_ptr<RemovalWatch> removal_;
  std::atomic<bool> removed_{false};
  std::shared_ptr<tls::Credentials> tls_;
  // Metrics.
  void sample_metrics(metrics::Sample& out) const;
  metrics::Metrics metrics_;
  std::vector<std::function<void(metrics::Sample&)>> metrics_samplers_;
  NodeId last_known_leader_ = kNoNode;
  std::uint64_t leader_changes_ = 0;
  std::uint64_t snapshots_taken_ = 0;
  std::uint64_t snapshots_installed_ = 0;
};

}  // namespace helios::node
