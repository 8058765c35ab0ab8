#include "sim/node.h"

#include <map>

#include "atlas/command.h"
#include "atlas/objects.h"
#include "base/assert.h"
#include "base/checksum.h"
#include "node/recovery.h"
#include "raft/membership.h"

namespace helios::sim {

namespace {
constexpr char kWalDir[] = "/wal";
constexpr char kSnapDir[] = "/snap";

// The ACL changes of the workload (every kAclEvery-th put also changes a user), applied by
// a stand-in for the server's applier (src/api/acl_state.h needs the API's command table):
// the table is "name=value\n" lines sorted by name; SETUSER name value sets one. What the
// simulator checks is that the table replicates: the same at the same applied index on
// every node, through the log, restarts and snapshots (SimNode::digest).
constexpr std::uint64_t kAclEvery = 5;

// The collections of the workload: with every put, one change of a hash, a list, a set or a
// sorted set (four keys shared by all clients, kept small), through the real object
// commands (atlas/objects.h), SPOP drawing from a seed as the proposer stamps it. What the
// simulator checks is that they replicate: the digest covers them (SimNode::digest), and a
// pick that depended on a hash table's order would diverge on a replica restored from a
// snapshot (planted bug `unordered-picks`), and so would a lex range over differing scores
// that followed the skip list's levels (planted bug `lex-by-rank`).
atlas::ObjOp object_op(std::string_view name, std::uint64_t seed, std::vector<std::string> args) {
  return atlas::ObjOp{atlas::find_object_command(name)->code, seed, std::move(args)};
}

void add_collection_ops(atlas::Command& cmd, std::uint64_t op, const KvCommand& command) {
  const std::string member = command.key + ":" + std::to_string(op % 16);
  const std::uint64_t seed = (op + 1) * 0x9e3779b97f4a7c15ULL ^ command.client;
  switch (op % 4) {
    case 0:
      cmd.ops.emplace_back(object_op("HSET", 0, {"~h", member, command.value}));
      break;
    case 1:
      // Now and then an element past a quicklist node (8 KiB), so the list spans nodes.
      cmd.ops.emplace_back(
          object_op("LPUSH", 0,
                    {"~l", op % 9 == 1 ? command.value + std::string(9000, 'l') : command.value}));
      cmd.ops.emplace_back(object_op("LTRIM", 0, {"~l", "0", "7"}));
      break;
    case 2:
      // Members from a bounded pool (keys x 16), so the set stays small.
      cmd.ops.emplace_back(object_op("SADD", 0, {"~s", member, command.key}));
      if (op % 3 == 0) {
        cmd.ops.emplace_back(object_op("SPOP", seed, {"~s", "2"}));
      }
      // An integer set (an IntSet), which now and then holds a text member for a while: a
      // replica that applied the log keeps it a listpack, one restored from a snapshot holds
      // an IntSet again; picks must not depend on which.
      cmd.ops.emplace_back(object_op("SADD", 0, {"~i", std::to_string(op % 23)}));
      if (op % 5 == 0) {
        cmd.ops.emplace_back(object_op("SADD", 0, {"~i", "x"}));
      } else if (op % 5 == 3) {
        cmd.ops.emplace_back(object_op("SREM", 0, {"~i", "x"}));
        cmd.ops.emplace_back(object_op("SPOP", seed, {"~i", "2"}));
      }
      break;
    default:
      // Now and then a member past the compact limit (64 bytes), so the sorted set becomes a
      // skip list, whose levels differ on a replica restored from a snapshot.
      cmd.ops.emplace_back(object_op(
          "ZADD", 0,
          {"~z", std::to_string(op % 50), op % 13 == 0 ? member + std::string(64, '.') : member}));
      if (op % 5 == 0) {
        cmd.ops.emplace_back(object_op("ZPOPMIN", 0, {"~z", "3"}));
      } else if (op % 7 == 0) {  // a lex range over differing scores
        cmd.ops.emplace_back(
            object_op("ZREMRANGEBYLEX", 0, {"~z", "[" + member, "(" + command.key + ":9"}));
      }
      break;
  }
}

// WATCH's guard (atlas::WatchOp): every other put's collection ops run only if "~w" (set
// by every kWatchedEvery-th put) and "~h" still have the versions the leader sees when it
// proposes; ops in flight change "~h" now and then, so both outcomes happen. Every replica
// must decide alike: the digest covers what the guarded ops did, and a replica whose
// versions differ (a snapshot that lost them: planted bug `snapshot-drops-versions`; guards
// that compare versions before they started, which replicas restored from a snapshot without
// versions do not hold: planted bug `versions-unestablished`) diverges.
constexpr std::uint64_t kWatchedEvery = 16;

void add_guarded_collection_ops(atlas::Command& cmd, std::uint64_t op, const KvCommand& command,
                                const atlas::Store& store) {
  if (op % kWatchedEvery == 0) {
    cmd.ops.emplace_back(atlas::SetOp{.key = "~w", .value = command.value});
  }
  if (op % 2 == 1) {
    add_collection_ops(cmd, op, command);
    return;
  }
  const std::size_t guard_at = cmd.ops.size();
  atlas::WatchOp guard{0, {"~w", "~h"}, {}};
  for (const std::string& key : guard.keys) {
    guard.versions.push_back(store.key_version(key, cmd.stamp_ms));
  }
  cmd.ops.emplace_back(std::move(guard));
  add_collection_ops(cmd, op, command);
  std::get<atlas::WatchOp>(cmd.ops[guard_at]).guarded =
      static_cast<std::uint32_t>(cmd.ops.size() - guard_at - 1);
}

atlas::Reply sim_acl_applier(std::string& table, const atlas::AclOp& op) {
  if (op.args.size() != 3 || op.args[0] != "SETUSER") {
    return atlas::Reply::error("ERR unknown ACL change");
  }
  std::map<std::string, std::string> users;
  std::size_t at = 0;
  while (at < table.size()) {
    const std::size_t eol = table.find('\n', at);
    const std::string line = table.substr(at, eol - at);
    users[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
    at = eol + 1;
  }
  users[op.args[1]] = op.args[2];
  table.clear();
  for (const auto& [name, value] : users) {
    table += name + "=" + value + "\n";
  }
  return atlas::Reply::ok();
}
}  // namespace

std::string SimNode::digest() const {
  const atlas::Store& store = machine_.store();
  return store.digest_hex() + "/acl:" + std::to_string(base::checksum64(store.acl_table(), 0));
}

SimNode::SimNode(int index, const SimOptions& options, SimHost& host)
    : index_(index), options_(options), host_(host), fs_prng_(options.seed * 31 + index) {
  atlas::set_acl_applier(&sim_acl_applier);
  // The first `nodes` nodes bootstrap the cluster; the spares know no configuration until
  // a leader adds them.
  if (index < options.nodes) {
    for (int i = 0; i < options.nodes; ++i) {
      conf_.voters.push_back(static_cast<NodeId>(i + 1));
    }
  }
}

SimNode::~SimNode() {
  node_.reset();
  wal_.reset();
  closing_.clear();  // before the file system they belong to
}

void SimNode::set_sync_failure_chance(double chance) {
  fs_.set_sync_failure_chance(chance, &fs_prng_);
}

Status SimNode::start(std::uint64_t seed) {
  HELIOS_ASSERT(!up());
  storage::WalOptions wal_options{options_.segment_bytes};
  // As the runtime: removed files are closed later (there on its worker; here at the next
  // sync or at a crash), so the unlinked-while-open path runs under the simulator.
  wal_options.dispose = [this](std::unique_ptr<env::File> f) { closing_.push_back(std::move(f)); };
  Result<std::unique_ptr<storage::Wal>> wal = storage::Wal::open(fs_, kWalDir, wal_options);
  if (!wal.is_ok()) {
    if (wal.status().code() == Code::kIoError) {
      return wal.status();
    }
    throw SimFailure("n" + std::to_string(id()) +
                     " cannot recover its WAL: " + wal.status().to_string());
  }
  wal_ = std::move(wal).value();
  wal_->set_conf_state(conf_);
  if (Status s = fs_.create_dirs(kSnapDir); !s.is_ok()) {
    return s;
  }
  snapshots_ = std::make_unique<storage::SnapshotStore>(fs_, kSnapDir, 2);
  snapshots_->set_dispose(
      [this](std::unique_ptr<env::File> f) { closing_.push_back(std::move(f)); });
  machine_ = node::AtlasMachine();
  if (options_.bugs.stamp_below_log) {
    machine_.plant_unclamped_stamps();
  }
  atlas::plant_unordered_picks(options_.bugs.unordered_picks);
  atlas::SortedSet::plant_lex_by_rank(options_.bugs.lex_by_rank);
  atlas::Store::plant_snapshot_drops_versions(options_.bugs.snapshot_drops_versions);
  atlas::Store::plant_versions_unestablished(options_.bugs.versions_unestablished);
  if (Status s = snapshots_->remove_received_temporaries(); !s.is_ok()) {
    return s;
  }
  const Result<Index> restored = node::recover_from_snapshot(*snapshots_, *wal_, machine_);
  if (!restored.is_ok()) {
    if (restored.status().code() == Code::kIoError) {
      return restored.status();
    }
    throw SimFailure("n" + std::to_string(id()) +
                     " cannot recover from its snapshot: " + restored.status().to_string());
  }
  // What was synced must have survived: the term and vote never go back.
  const raft::HardState& before = shadow_.durable().hard_state();
  const raft::HardState& after = wal_->hard_state();
  if (after.term < before.term ||
      (after.term == before.term && before.vote != kNoNode && after.vote != before.vote)) {
    throw SimFailure("n" + std::to_string(id()) + " lost a synced hard state (term " +
                     std::to_string(before.term) + " vote " + std::to_string(before.vote) +
                     ", recovered term " + std::to_string(after.term) + " vote " +
                     std::to_string(after.vote) + ")");
  }
  shadow_.reset_to(*wal_);
  ++incarnation_;
  raft::Config config;
  config.id = id();
  config.election_ticks = options_.election_ticks;
  config.heartbeat_ticks = options_.heartbeat_ticks;
  config.max_entries_per_append = options_.max_entries_per_append;
  config.max_inflight_appends = options_.max_inflight_appends;
  config.pre_vote = options_.pre_vote;
  config.check_quorum = options_.check_quorum;
  config.lease_reads = options_.lease_reads || options_.bugs.lease_too_long;
  config.lease_drift_ticks = options_.lease_drift_ticks;
  config.seed = seed;
  config.bugs = options_.bugs;
  config.snapshot_ack_ticks = options_.snapshot_ack_ticks;
  // The state machine is in memory: it starts from the newest snapshot and re-applies the
  // log after it.
  config.applied = restored.value();
  node::SnapshotPolicy policy;
  policy.threshold = options_.snapshot_threshold;
  policy.threshold_bytes = options_.snapshot_threshold_bytes;
  policy.trailing_entries = options_.snapshot_trailing;
  policy.trailing_bytes = options_.snapshot_trailing_bytes;
  log_stamp_ms_ = node::log_tail_stamp(*wal_);
  leading_ = false;
  node::NodeIo& io = *this;
  node_ = std::make_unique<node::Node>(config, *wal_, machine_, io, policy);
  host_.on_state(index_, node_->applied(), digest());
  node_->start();
  return Status::ok();
}

void SimNode::propose_conf_change(const raft::ConfState& next) {
  const std::string what = raft::describe(next);
  node_->propose_conf_change(next, [this, what](Result<node::ApplyReply> r) {
    if (host_.tracing()) {
      host_.trace_line("n" + std::to_string(id()) + " configuration " + what + ": " +
                       (r.is_ok() ? "applied" : r.status().to_string()));
    }
  });
}

std::vector<raft::ConfigAt> SimNode::configs() const {
  return up() ? node_->raw().raft().configs().records() : configs_at_crash_;
}

std::pair<Term, Index> SimNode::log_position() const {
  if (!up()) {
    return position_at_crash_;
  }
  const auto& log = node_->raw().raft().log();
  return {log.term_or_zero(log.last_index()), log.last_index()};
}

void SimNode::crash(base::Prng& prng) {
  if (node_ != nullptr) {
    position_at_crash_ = log_position();
    configs_at_crash_ = node_->raw().raft().configs().records();
    lease_reads_before_ += node_->raw().raft().lease_reads();
  }
  node_.reset();
  wal_.reset();
  snapshots_.reset();
  closing_.clear();  // a crash closes every file
  fs_.crash(prng);
  shadow_.crash();
}

void SimNode::fsync_done() {
  closing_.clear();
  node_->on_sync_done(wal_->sync());
}

void SimNode::on_role_change(const raft::SoftState& soft, Term /*term*/) {
  const bool leads = soft.role == raft::Role::kLeader;
  // Both planted bugs forget the log's stamps here: `stamp-below-log` forgets them
  // everywhere, as the runtime once did.
  if (leads && !leading_ && !options_.bugs.leader_clock_unraised &&
      !options_.bugs.stamp_below_log) {
    // As the runtime: a new leader's clock starts above every stamp in its log by the most
    // an earlier leader's read time could have run ahead of them (node/read_clock.h).
    last_stamp_ms_ = std::max(
        last_stamp_ms_, std::max(log_stamp_ms_, machine_.last_stamp_ms()) + node::kReadTimeAheadMs);
  }
  leading_ = leads;
  host_.on_role_change(index_, soft);
}

std::uint64_t SimNode::stamp_now() {
  // Stamped as the runtime does: the leader's clock, never below a stamp in its log or one
  // it applied (the planted bug `stamp-below-log` forgets the log, as the runtime once did).
  const std::uint64_t log_floor = options_.bugs.stamp_below_log ? 0 : log_stamp_ms_;
  last_stamp_ms_ =
      std::max({host_.clock_ms(index_), last_stamp_ms_, log_floor, machine_.last_stamp_ms()});
  return last_stamp_ms_;
}

void SimNode::report_put(const raft::Entry& entry) {
  if (entry.type != raft::EntryType::kNormal || entry.index <= host_.puts_reported_through()) {
    return;
  }
  Result<atlas::Command> cmd = atlas::decode_command(entry.data);
  if (!cmd.is_ok()) {
    return;  // the apply itself stops the node
  }
  // Applied at its stamp, raised to the stamps applied before it (AtlasMachine).
  const std::uint64_t stamp = options_.bugs.stamp_below_log
                                  ? cmd.value().stamp_ms
                                  : std::max(cmd.value().stamp_ms, machine_.last_stamp_ms());
  for (const atlas::Op& op : cmd.value().ops) {
    if (const auto* set = std::get_if<atlas::SetOp>(&op)) {
      host_.on_put_applied(set->value, entry.index, stamp, set->deadline_ms);
      return;
    }
  }
}

void SimNode::on_written(const std::optional<raft::HardState>& hard_state,
                         const std::vector<raft::Entry>& entries) {
  shadow_.write(hard_state, entries);
  log_stamp_ms_ = std::max(log_stamp_ms_, node::max_stamp(entries));
  host_.on_entries_written(index_, entries);
}

void SimNode::on_applied(const raft::Entry& entry) {
  // Called just before the entry is applied: the state is that of entry.index - 1.
  host_.on_state(index_, entry.index - 1, digest());
  host_.on_apply(index_, entry);
  report_put(entry);
}

// ---------------------------------------------------------------------------------------
// Snapshots.

void SimNode::start_snapshot(const raft::SnapshotMeta& meta) {
  // Captured now, at the applied index, like a fork; written later while the node goes on.
  host_.schedule_snapshot_write(index_, incarnation_, meta,
                                std::make_shared<const std::string>(machine_.snapshot_data()));
}

void SimNode::snapshot_written(const raft::SnapshotMeta& meta, const std::string& data) {
  Status s = snapshots_->write_temporary(meta, data);
  if (s.is_ok()) {
    s = snapshots_->commit(meta);
  }
  if (s.is_ok()) {
    node_->set_snapshot_file_bytes(data.size());
  }
  node_->on_snapshot_done(meta, s);
  if (snapshots_->poisoned()) {
    node_->stop_on_storage_failure(s);  // the harness restarts it, as after a failed sync
  }
}

void SimNode::send_snapshot(const raft::Message& m) {
  Result<std::string> file = env::read_file(fs_, snapshots_->path_of(m.snapshot));
  if (!file.is_ok()) {
    // Pruned since the core chose it: the transfer fails and is tried again later.
    host_.send_snapshot(m, nullptr);
    return;
  }
  host_.send_snapshot(m, std::make_shared<const std::string>(std::move(file).value()));
}

void SimNode::receive_snapshot(const raft::Message& m, const std::string& file) {
  // As production: written to a temporary file, synced, verified whole, decoded; only then
  // handed to the node, which decides whether to install it.
  const std::string path = snapshots_->received_path(m.snapshot, ++transfers_received_);
  Status s = fs_.exists(path) ? fs_.remove(path) : Status::ok();
  std::unique_ptr<env::File> out;
  if (s.is_ok()) {
    Result<std::unique_ptr<env::File>> opened = fs_.open(path, env::OpenMode::kCreateExclusive);
    s = opened.status();
    if (s.is_ok()) {
      out = std::move(opened).value();
      s = out->append(file.data(), file.size());
    }
    if (s.is_ok()) {
      s = out->sync();
    }
  }
  Result<storage::Snapshot> verified =
      s.is_ok() ? snapshots_->read_verified_file(path) : Result<storage::Snapshot>(s);
  if (!verified.is_ok() || !(verified.value().meta == m.snapshot)) {
    (void)fs_.remove(path);
    return;  // the leader hears of it through the transfer's report and retries
  }
  auto state = std::make_shared<Result<node::AtlasState>>(
      node::AtlasMachine::decode_snapshot_data(verified.value().data));
  if (!state->is_ok()) {
    throw SimFailure("n" + std::to_string(id()) + " received a snapshot that verifies but does " +
                     "not decode: " + state->status().to_string());
  }
  if (options_.bugs.snapshot_drops_acl) {  // PLANTED BUG: the received state loses its users
    state->value().store.set_acl_table("");
  }
  storage::SnapshotStore* store = snapshots_.get();
  node::AtlasMachine* machine = &machine_;
  env::SimFileSystem* fs = &fs_;
  const raft::SnapshotMeta meta = m.snapshot;
  node_->step_snapshot(
      m, node::IncomingSnapshot{
             .persist = [store, meta, path]() { return store->install_received(meta, path); },
             .restore = [machine, state]() { machine->restore(std::move(*state).value()); },
             .discard = [fs, path]() { (void)fs->remove(path); }});
}

void SimNode::on_snapshot_event(const raft::SnapshotMeta& meta, bool received,
                                const Status& status) {
  if (!status.is_ok()) {
    host_.trace_line("n" + std::to_string(id()) + " snapshot " + std::to_string(meta.index) +
                     " failed: " + status.to_string());
    return;
  }
  if (received) {
    ++snapshots_installed_;
    host_.on_state(index_, meta.index, digest());
  } else {
    ++snapshots_taken_;
  }
  if (host_.tracing()) {
    host_.trace_line("n" + std::to_string(id()) + (received ? " installed" : " took") +
                     " snapshot " + std::to_string(meta.index) + "/" + std::to_string(meta.term));
  }
}

// ---------------------------------------------------------------------------------------
// Clients.

bool SimNode::propose(int client, std::uint64_t op, const KvCommand& command, NodeId* leader_hint) {
  *leader_hint = kNoNode;
  if (!up()) {
    return false;
  }
  if (raw().raft().role() != raft::Role::kLeader) {
    *leader_hint = raw().raft().leader();
    return false;
  }
  atlas::Command cmd;
  cmd.stamp_ms = stamp_now();
  // As the runtime's leader does once every member runs a release with WATCH, here once
  // the leader applied options_.versions_start entries (and again until one applied).
  const atlas::Store& store = machine_.store();
  if (store.versions_since() == 0 && store.applied_index() >= options_.versions_start) {
    cmd.ops.emplace_back(atlas::StartVersionsOp{});
  }
  cmd.ops.emplace_back(
      atlas::SetOp{.key = command.key,
                   .value = command.value,
                   .deadline_ms = command.ttl_ms != 0 ? cmd.stamp_ms + command.ttl_ms : 0});
  add_guarded_collection_ops(cmd, op, command, machine_.store());
  if (op % kAclEvery == 0) {
    cmd.ops.emplace_back(atlas::AclOp{.base = "", .args = {"SETUSER", command.key, command.value}});
  }
  SimHost& host = host_;
  node_->propose(atlas::encode_command(cmd), [&host, client, op](Result<node::ApplyReply> reply) {
    if (reply.status().code() == Code::kUncertain) {
      host.put_uncertain(client, op);
    } else {
      host.put_done(client, op, reply.is_ok());
    }
  });
  return true;
}

bool SimNode::read(int client, std::uint64_t op, const std::string& key) {
  if (!up() || raw().raft().leader() == kNoNode) {
    return false;
  }
  SimHost& host = host_;
  const node::AtlasMachine& machine = machine_;
  const int index = index_;
  const bool local_clock = options_.bugs.ttl_local_clock;
  const node::Node* node = node_.get();
  node_->read([&host, &machine, node, index, client, op, key, local_clock](Status status,
                                                                           std::uint64_t read_ms) {
    if (status.is_ok()) {
      // As the API's sessions: at the leader's read time, raised to this node's applied
      // stamp (the planted bug `ttl-local-clock`: at this node's clock, as before).
      const std::uint64_t at = local_clock || read_ms == 0
                                   ? host.clock_ms(index)
                                   : std::max(read_ms, machine.last_stamp_ms());
      const std::optional<std::string_view> v = machine.store().get(key, at);
      host.read_done(client, op,
                     v.has_value() ? std::optional<std::string>(std::string(*v)) : std::nullopt, at,
                     node->applied());
    } else {
      host.read_failed(client, op);
    }
  });
  return true;
}

}  // namespace helios::sim
