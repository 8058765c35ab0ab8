#include "sim/node.h"

#include "api/acl_state.h"
#include "api/json_lines.h"
#include "atlas/command.h"
#include "atlas/objects.h"
#include "base/assert.h"
#include "base/checksum.h"
#include "node/recovery.h"
#include "raft/membership.h"
#include "wire/raft_codec.h"

namespace helios::sim {

namespace {
constexpr char kWalDir[] = "/wal";
constexpr char kSnapDir[] = "/snap";
// The receiver syncs what arrived every this many bytes (production: 32 MiB): small, so that
// the simulated transfers (KiB, in chunks of 1 KiB) sync while they arrive too.
constexpr std::uint64_t kReceiverSyncSliceBytes = 2048;
// The slice of a snapshot file in each chunk frame the sender writes (production: 1 MiB by
// default): the simulator's files are a few KiB, and most take several chunks, so the
// sender's window (4 chunks) fills and it waits for the stream to drain.
constexpr std::uint64_t kSenderChunkBytes = 1024;
}  // namespace

std::string SimNode::digest() const {
  const atlas::Store& store = machine_.store();
  return store.digest_hex() + "/acl:" + std::to_string(base::checksum64(store.acl_table(), 0));
}

SimNode::SimNode(int index, const SimOptions& options, SimHost& host)
    : index_(index),
      options_(options),
      host_(host),
      fs_(std::make_unique<env::SimFileSystem>()),
      fs_prng_(options.seed * 31 + index),
      loop_(host.now_us(), [&host, index](Micros due) { host.schedule_loop(index, due); }),
      worker_(loop_, host.now_us(), options.seed * 37 + static_cast<std::uint64_t>(index),
              options.fsync_min_us, options.fsync_max_us) {
  api::install_acl_applier();  // the API's: ACL SETUSER changes go through the log
  configure_client_layer();
  // The first `nodes` nodes bootstrap the cluster; the spares know no configuration until
  // a leader adds them.
  if (index < options.nodes) {
    for (int i = 0; i < options.nodes; ++i) {
      conf_.voters.push_back(static_cast<NodeId>(i + 1));
    }
  }
}

SimNode::~SimNode() {
  stop_client_layer();
  loop_.mute(true);  // the harness is being destroyed: nothing it would be told matters
  sender_.reset();   // its work on the loop was dropped above
  receiver_.reset();
  node_.reset();
  server_.reset();
  duties_.reset();
  chores_.reset();
  members_.reset();  // after the Node: its proposals' callbacks may name the keeper
  transfers_.reset();
  wal_.reset();
  closing_.clear();  // before the file system they belong to
}

void SimNode::set_sync_failure_chance(double chance) {
  fs_->set_sync_failure_chance(chance, &fs_prng_);
}

Status SimNode::start(std::uint64_t seed) {
  HELIOS_ASSERT(!up());
  removal_ = std::make_unique<node::RemovalWatch>(*fs_, "", id(), node::node_name(id()));
  if (options_.bugs.removal_on_joint) {
    removal_->plant_removal_on_joint();
  }
  if (options_.bugs.removed_restarts) {
    removal_->plant_removed_restarts();
  }
  if (Status s = removal_->open(); !s.is_ok()) {
    return s;
  }
  removal_recorded_ = false;
  storage::WalOptions wal_options{options_.segment_bytes};
  // As the runtime: removed files are closed later (there on its worker; here at the next
  // sync or at a crash), so the unlinked-while-open path runs under the simulator.
  wal_options.dispose = [this](std::unique_ptr<env::File> f) { closing_.push_back(std::move(f)); };
  Result<std::unique_ptr<storage::Wal>> wal = storage::Wal::open(*fs_, kWalDir, wal_options);
  if (!wal.is_ok()) {
    if (wal.status().code() == Code::kIoError) {
      return wal.status();
    }
    throw SimFailure("n" + std::to_string(id()) +
                     " cannot recover its WAL: " + wal.status().to_string());
  }
  wal_ = std::move(wal).value();
  wal_->set_conf_state(conf_);
  if (Status s = fs_->create_dirs(kSnapDir); !s.is_ok()) {
    return s;
  }
  sender_.reset();  // of a start that failed: they name the store replaced here
  receiver_.reset();
  snapshots_ = std::make_unique<storage::SnapshotStore>(*fs_, kSnapDir, 2);
  snapshots_->set_dispose(
      [this](std::unique_ptr<env::File> f) { closing_.push_back(std::move(f)); });
  machine_ = node::AtlasMachine();
  if (options_.bugs.stamp_below_log) {
    machine_.plant_unclamped_stamps();
  }
  atlas::plant_unordered_picks(options_.bugs.unordered_picks);
  api::plant_json_ttl_seconds(options_.bugs.json_ttl_seconds);
  wire::plant_vote_refusal_lost(options_.bugs.vote_refusal_lost);
  atlas::SortedSet::plant_lex_by_rank(options_.bugs.lex_by_rank);
  atlas::Store::plant_snapshot_drops_versions(options_.bugs.snapshot_drops_versions);
  atlas::Store::plant_versions_unestablished(options_.bugs.versions_unestablished);
  if (Status s = snapshots_->remove_received_temporaries(); !s.is_ok()) {
    return s;
  }
  start_transfers();
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
  policy.interval_ticks = options_.snapshot_interval();
  stamps_ = node::StampClock(node::log_tail_stamp(*wal_));
  if (options_.bugs.stamp_below_log) {
    stamps_.plant_forget_log();
  }
  if (options_.bugs.leader_clock_unraised) {
    stamps_.plant_unraised_leader();
  }
  leading_ = false;
  node::NodeIo& io = *this;
  node_ = std::make_unique<node::Node>(config, *wal_, machine_, io, policy);
  removal_->begin(node_->raw().raft().conf_at(node_->applied()), node_->raw().raft().conf(),
                  join_configured_);
  removal_->guard(*node_);
  // What recovery found on this machine's disk it wrote or installed itself: a snapshot
  // received just before a crash is installed only now, by recovery.
  for (const raft::ConfigAt& c : node_->raw().raft().configs().records()) {
    if (raft::is_member(c.conf, id())) {
      self_conf_index_ = std::max(self_conf_index_, c.index);
    }
  }
  host_.on_state(index_, node_->applied(), digest());
  start_client_layer();
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
  stop_client_layer();  // drops the receiver's work queued on the loop and the worker
  worker_.clear();
  sender_.reset();
  receiver_.reset();
  node_.reset();
  server_.reset();
  duties_.reset();
  chores_.reset();
  members_.reset();  // after the Node: its proposals' callbacks may name the keeper
  wal_.reset();
  snapshots_.reset();
  closing_.clear();  // a crash closes every file
  fs_->crash(prng);
  shadow_.crash();
}

void SimNode::wipe_for_join() {
  HELIOS_ASSERT(!up());
  closing_.clear();
  wal_.reset();
  snapshots_.reset();
  removal_.reset();
  fs_ = std::make_unique<env::SimFileSystem>();
  shadow_ = DurabilityShadow();
  conf_ = raft::ConfState{};  // no bootstrap voters: it learns its configuration
  join_configured_ = true;
  configs_at_crash_.clear();
  self_conf_index_ = 0;
  position_at_crash_ = {0, 0};
}

void SimNode::finish_join(raft::EntryId conf, Term term) {
  HELIOS_ASSERT(up());
  removal_->finish_join(conf);
  removal_->guard(*node_);
  node_->finish_join(term);
}

void SimNode::fsync_done() {
  closing_.clear();
  node_->on_sync_done(wal_->sync());
}

void SimNode::on_role_change(const raft::SoftState& soft, Term term) {
  const bool leads = soft.role == raft::Role::kLeader;
  if (leads && !leading_) {
    // As the runtime: a new leader's clock starts above every stamp in its log by the most
    // an earlier leader's read time could have run ahead of them (node/stamp_clock.h; the
    // planted bugs `leader-clock-unraised` and `stamp-below-log` skip it).
    stamps_.on_leading(machine_.last_stamp_ms());
    // As the runtime: key versions before any client command proposed after this turn.
    loop_.post([this]() {
      if (duties_ != nullptr) {
        duties_->on_leading();
      }
    });
  }
  leading_ = leads;
  host_.on_role_change(index_, soft);
  for (const RoleListener& listener : role_listeners_) {
    listener(soft, term);
  }
}

void SimNode::on_written(const std::optional<raft::HardState>& hard_state,
                         const std::vector<raft::Entry>& entries) {
  shadow_.write(hard_state, entries);
  stamps_.on_written(entries);
  for (const raft::Entry& e : entries) {
    if (e.type == raft::EntryType::kConfChange) {
      const Result<raft::ConfState> conf = raft::decode_conf_state(e.data);
      if (conf.is_ok() && raft::is_member(conf.value(), id())) {
        self_conf_index_ = std::max(self_conf_index_, e.index);
      }
    }
  }
  host_.on_entries_written(index_, entries);
}

void SimNode::on_applied(const raft::Entry& entry) {
  // Called just before the entry is applied: the state is that of entry.index - 1.
  host_.on_state(index_, entry.index - 1, digest());
  host_.on_apply(index_, entry);
  report_puts(entry);
  if (std::optional<std::string> reason = removal_->on_applied(entry, node_->raw().raft().conf())) {
    note_removed(*reason, entry.index);
  }
}

void SimNode::on_removal_notice(const raft::Raft::RemovalNotice& notice) {
  if (std::optional<std::string> reason = removal_->on_removal_notice(notice)) {
    note_removed(*reason, 0);
  }
}

void SimNode::note_removed(const std::string& reason, Index index) {
  host_.on_removed(index_, index, reason);
  if (options_.removed_stop) {
    // As the runtime: recorded, the changes waiting here answered, then the process stops
    // (the harness stops it once this event is handled).
    removal_recorded_ = removal_->record(reason).is_ok();
    if (members_ != nullptr) {
      members_->answer_pending();
    }
  }
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
  sender_->send(m);
}

void SimNode::start_transfers() {
  sender_ = std::make_unique<node::SnapshotSender>(
      loop_, *fs_, *snapshots_, static_cast<transport::FrameLink&>(*this), kSenderChunkBytes,
      [this](NodeId to, bool ok) { node_->report_snapshot(to, ok); });
  if (options_.bugs.sender_reads_behind) {
    sender_->plant_reads_behind();
  }
  if (options_.bugs.sender_stalls_when_full) {
    sender_->plant_stalls_when_full();
  }
  receiver_ = std::make_unique<node::SnapshotReceiver>(
      loop_, worker_, *fs_, *snapshots_, id(),
      [this](const raft::Message& m, const std::string& path,
             std::shared_ptr<node::AtlasState> state) {
        if (options_.bugs.snapshot_drops_acl) {  // PLANTED BUG: the received state loses its users
          state->store.set_acl_table("");
        }
        node_->step_snapshot(m, node::incoming_snapshot(*snapshots_, *fs_, machine_, m.snapshot,
                                                        path, std::move(state), nullptr));
      },
      kReceiverSyncSliceBytes);
  if (options_.bugs.receiver_skips_sync) {
    receiver_->plant_skips_sync();
  }
  if (options_.bugs.receiver_forgets_conf) {
    receiver_->plant_forgets_conf();
  }
  if (options_.bugs.receiver_fills_gaps) {
    receiver_->plant_fills_gaps();
  }
  receiver_->set_verdict_observer(
      [this](const raft::Message& m, std::uint64_t transfer_id, const Status& why) {
        const std::pair<NodeId, std::uint64_t> transfer{m.from, transfer_id};
        const bool torn = torn_transfers_.erase(transfer) > 0;
        const bool cut = cut_transfers_.erase(transfer) > 0;
        if (host_.tracing() && !why.is_ok()) {
          host_.trace_line("n" + std::to_string(id()) + " refused snapshot " +
                           std::to_string(m.snapshot.index) + " of transfer " +
                           std::to_string(transfer_id) + (torn ? " (torn)" : "") + ": " +
                           why.to_string());
        }
        // A chunk lost with its connection leaves a gap: the receiver must drop the transfer
        // at the next chunk, whatever the checksums would say of the bytes.
        if (cut) {
          throw SimFailure("n" + std::to_string(id()) + " verified snapshot transfer " +
                           std::to_string(transfer_id) + " of " + raft::describe(m) +
                           " although a chunk of it was lost (" +
                           (why.is_ok() ? std::string("accepted") : why.to_string()) + ")");
        }
        if (why.is_ok() && torn) {
          throw SimFailure("n" + std::to_string(id()) + " verified snapshot transfer " +
                           std::to_string(transfer_id) + " of " + raft::describe(m) +
                           " although the network damaged a byte of it");
        }
        // An injected sync failure may refuse any transfer; nothing else may refuse bytes
        // that arrived as the leader sent them.
        if (!why.is_ok() && !torn && why.code() != Code::kIoError) {
          throw SimFailure("n" + std::to_string(id()) + " refused an intact snapshot transfer " +
                           std::to_string(transfer_id) + " of " + raft::describe(m) + ": " +
                           why.to_string());
        }
      });
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
    last_save_ms_ = host_.clock_ms(index_);
    if (raft::is_member(meta.conf_state, id())) {
      self_conf_index_ = std::max(self_conf_index_, meta.index);
    }
    host_.on_state(index_, meta.index, digest());
  } else {
    ++snapshots_taken_;
    last_save_ms_ = host_.clock_ms(index_);
  }
  if (host_.tracing()) {
    host_.trace_line("n" + std::to_string(id()) + (received ? " installed" : " took") +
                     " snapshot " + std::to_string(meta.index) + "/" + std::to_string(meta.term));
  }
}

}  // namespace helios::sim
