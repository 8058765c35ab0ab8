#include "node/runtime.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "base/assert.h"
#include "base/log.h"
#include "raft/membership.h"
#include "wire/version.h"

namespace helios::node {

std::int64_t Runtime::wall_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Runtime::Runtime(NodeConfig config) : config_(std::move(config)) {}

Runtime::~Runtime() {
  stop();
  // Pending proposals' callbacks may own timers of io_ (the API's write batches): the node
  // must go before io_, which is declared after it. So must the transport's sockets, and
  // what holds the transport first.
  node_.reset();
  sender_.reset();
  receiver_.reset();
  transport_.reset();
}

Status Runtime::start() {
  storage::DataDirOptions dir_options;
  dir_options.new_cluster = config_.force_new_cluster;
  dir_options.accept_new_place = config_.accept_moved_data_dir;
  Result<std::unique_ptr<storage::DataDir>> dir = storage::DataDir::open(
      fs_, config_.data_dir, std::to_string(config_.node_id), config_.cluster_id, dir_options);
  if (!dir.is_ok()) {
    return dir.status();
  }
  dir_ = std::move(dir).value();
  log_data_dir_changes();
  removal_ = std::make_unique<RemovalWatch>(fs_, dir_->path(), config_.node_id, config_.name());
  if (Status s = removal_->open(); !s.is_ok()) {
    return s;
  }
  storage::WalOptions wal_options;
  wal_options.dispose = [this](std::unique_ptr<env::File> file) {
    close_on_worker(std::move(file));
  };
  Result<std::unique_ptr<storage::Wal>> wal = storage::Wal::open(fs_, dir_->wal_dir(), wal_options);
  if (!wal.is_ok()) {
    return wal.status();
  }
  wal_ = std::move(wal).value();
  raft::Config raft = to_raft_config(config_);
  raft.seed = static_cast<std::uint64_t>(wall_ms()) ^ (config_.node_id * 0x9e3779b97f4a7c15ULL);
  // The bootstrap voters (the configuration file's peers; none for a node that joins):
  // used only while storage holds no configuration (a new cluster).
  std::sort(raft.voters.begin(), raft.voters.end());
  raft::ConfState conf;
  conf.voters = raft.voters;
  wal_->set_conf_state(conf);
  if (Status s = open_storage(raft); !s.is_ok()) {
    return s;
  }
  if (config_.force_new_cluster) {
    if (Status s = force_new_cluster(); !s.is_ok()) {
      return s;
    }
  }
  stamps_ = StampClock(log_tail_stamp(*wal_));
  SnapshotPolicy policy;
  policy.threshold = config_.snapshot_threshold;
  policy.threshold_bytes = config_.snapshot_threshold_bytes;
  policy.trailing_entries = config_.snapshot_trailing_entries;
  policy.trailing_bytes = config_.snapshot_trailing_bytes;
  // In ticks of the node's loop (missed ones lapse and count: Runtime::catch_up_ticks).
  policy.interval_ticks = config_.snapshot_interval_ticks();
  node_ = std::make_unique<Node>(raft, *wal_, machine_, static_cast<NodeIo&>(*this), policy);
  if (node_->last_snapshot().index > 0) {
    note_snapshot_file_bytes(node_->last_snapshot());
  }
  transfers_ = std::make_unique<TransferWaiter>(
      config_.node_id, asio_loop_, *node_, [this]() { return peer_link_states(); },
      std::chrono::milliseconds(config_.election_timeout_ms), [this]() { check_failed(); });
  members_ = std::make_unique<MemberKeeper>(MemberKeeperOptions::of(config_), asio_loop_, *node_,
                                            static_cast<PeerDirectory&>(*this),
                                            [this]() { check_failed(); });
  TickDuties::Host duties;
  duties.wall_ms = [this]() { return static_cast<std::uint64_t>(wall_ms()); };
  duties.versions_allowed = [this]() {
    // Wire minor 1 brought WATCH and the ops that a release before it cannot decode.
    constexpr std::uint16_t kKeyVersionsWireMinor = 1;
    return wire::wire_minor() >= kKeyVersionsWireMinor &&
           member_below_wire_minor(kKeyVersionsWireMinor) == kNoNode;
  };
  duties.removed = [this]() { return removed_.load(); };
  duties_ = std::make_unique<TickDuties>(std::uint64_t{config_.tick_ms()} * 1000, *node_, machine_,
                                         chores_, *members_, std::move(duties));
  removal_->begin(node_->raw().raft().conf_at(node_->applied()), node_->raw().raft().conf(),
                  config_.join.port != 0);
  removal_->guard(*node_);

  if (Status s = open_tls(); !s.is_ok()) {
    return s;
  }
  transport::TcpTransportOptions t;
  t.tls = config_.tls.peer_tls ? tls_ : nullptr;
  t.cluster_id = config_.cluster_id;
  t.self = config_.node_id;
  t.listen_host = config_.listen.host;
  t.listen_port = config_.listen.port;
  for (const PeerConfig& p : config_.peers) {
    if (p.id == config_.node_id) {
      t.listen_host = config_.listen.port != 0 ? config_.listen.host : p.address.host;
      t.listen_port = p.address.port;
    } else {
      t.peers.push_back(transport::Peer{p.id, p.address.host, p.address.port});
    }
  }
  // On the loop's io_context: a peer's message reaches the node on the thread that reads it.
  transport_ = std::make_unique<transport::TcpTransport>(t, io_);
  sender_ =
      std::make_unique<SnapshotSender>(asio_loop_, fs_, *snapshots_, *transport_,
                                       config_.snapshot_chunk_bytes, [this](NodeId to, bool ok) {
                                         node_->report_snapshot(to, ok);
                                         check_failed();
                                       });
  receiver_ = std::make_unique<SnapshotReceiver>(
      asio_loop_, worker_loop_, fs_, *snapshots_, config_.node_id,
      [this](const raft::Message& m, const std::string& path, std::shared_ptr<AtlasState> state) {
        on_snapshot_received(m, path, std::move(state));
      });
  // Both handlers run on the loop thread (the transport shares io_): called directly.
  transport_->set_app_handler([this](NodeId from, wire::FrameType type, std::string body) {
    if (type == wire::FrameType::kSnapshotChunk) {
      receiver_->on_chunk(from, body);
    } else if (forward_handler_ &&
               (type == wire::FrameType::kForward || type == wire::FrameType::kForwardReply)) {
      forward_handler_(from, type == wire::FrameType::kForwardReply, std::move(body));
    }
  });
  transport_->set_handler([this](raft::Message m) {
    if (m.from == node_->raw().raft().leader()) {
      last_leader_contact_ = std::chrono::steady_clock::now();
    }
    if (m.type == raft::MessageType::kReadIndex) {
      catch_up_ticks();  // a follower's read may be answered under the lease at once
    }
    node_->step(m);
    check_failed();
  });
  Status s = transport_->start();
  if (!s.is_ok()) {
    return s;
  }
  started_ = std::chrono::steady_clock::now();
  running_ = true;
  asio::post(io_, [this]() {
    node_->start();
    check_failed();
  });
  schedule_tick();
  storage_work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      storage_io_.get_executor());
  storage_ = std::thread([this]() { storage_io_.run(); });
  worker_work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      worker_io_.get_executor());
  worker_ = std::thread([this]() { worker_io_.run(); });
  loop_ = std::thread([this]() { io_.run(); });
  return Status::ok();
}

void Runtime::stop() {
  if (!running_.exchange(false)) {
    return;
  }
  io_.stop();
  if (loop_.joinable()) {
    loop_.join();
  }
  transport_->stop();  // on the stopped loop (it shares io_)
  sender_->stop();
  stop_snapshot_child();
  worker_work_.reset();
  worker_io_.stop();
  if (worker_.joinable()) {
    worker_.join();
  }
  storage_work_.reset();
  storage_io_.stop();
  if (storage_.joinable()) {
    storage_.join();
  }
}

void Runtime::schedule_tick() {
  if (next_tick_due_ == std::chrono::steady_clock::time_point{}) {
    next_tick_due_ =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.tick_ms());
  }
  tick_timer_.expires_at(next_tick_due_);
  tick_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !running_) {
      return;
    }
    catch_up_ticks();
    schedule_tick();
  });
}

void Runtime::catch_up_ticks() {
  // The core's time is its tick count: keep it in step with the steady clock even when the
  // loop was late (a long apply, a stalled machine), so that a leader never counts a lease
  // from fewer ticks than really passed. The ticks missed beyond one only count for leases
  // (Node::lapse): fired one by one they would time out elections and check-quorum before
  // the loop had read a single message that queued up during the stall, turning every stall
  // of the machine into a new leader.
  const auto now = std::chrono::steady_clock::now();
  if (!running_ || next_tick_due_ > now) {
    return;
  }
  const auto period = std::chrono::milliseconds(config_.tick_ms());
  const auto late = static_cast<std::uint64_t>((now - next_tick_due_) / period);
  const auto stall_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - next_tick_due_).count());
  next_tick_due_ += period * (late + 1);
  if (late > 0) {
    node_->lapse(late);
    metrics_.ticks_lapsed.Increment(static_cast<double>(late));
    report_stall(stall_ms, now);
  }
  tick_once();
}

void Runtime::report_stall(std::uint64_t stall_ms, std::chrono::steady_clock::time_point now) {
  StallFacts facts;
  facts.stall_ms = stall_ms;
  facts.now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count());
  facts.leader = node_->raw().raft().role() == raft::Role::kLeader;
  facts.snapshotting = node_->snapshotting();
  if (const std::optional<std::string> warning = stall_report_.note(facts)) {
    HELIOS_LOG_WARN("raft", "%s", warning->c_str());
  }
}

void Runtime::tick_once() {
  duties_->tick();  // the core's tick, then every 100 ms the chores (node/tick_duties.h)
  check_failed();
  if (duties_->ticks() % std::max<std::uint64_t>(1, 2000 / config_.tick_ms()) == 0) {
    check_tls_files();
  }
}

void Runtime::start_sync() {
  // The Node appends nothing until on_sync_done, which runs on the loop thread (never inside
  // pump()).
  asio::post(storage_io_, [this]() {
    const auto began = std::chrono::steady_clock::now();
    const Status synced = wal_->sync();
    metrics_.wal_fsync_duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    asio::post(io_, [this, synced]() {
      node_->on_sync_done(synced);
      check_failed();
    });
  });
}

std::uint64_t Runtime::first_forward_id() {
  std::random_device rd;
  const std::uint64_t high = rd();
  const std::uint64_t low = rd();
  // Below 2^63, and never 0: room for as many forwards as a run can send.
  return (((high << 32) | low) >> 1) | 1;
}

std::vector<PeerLinkState> Runtime::peer_link_states() const {
  std::vector<PeerLinkState> out;
  for (const transport::PeerStatus& p : transport_->peer_status()) {
    out.push_back(PeerLinkState{p.id, p.connected, p.disconnects, p.last_received_ms});
  }
  return out;
}

void Runtime::check_failed() {
  if (!node_->failed()) {
    return;
  }
  HELIOS_LOG_ERROR("storage", "%s: the node stops (a failed write or fsync is never retried)",
                   node_->failure().c_str());
  std::_Exit(70);
}

void Runtime::on_role_change(const raft::SoftState& soft, Term term) {
  log_role_change(soft, term);
  if (soft.leader != kNoNode) {
    last_leader_contact_ = std::chrono::steady_clock::now();
    if (soft.leader != last_known_leader_) {
      ++leader_changes_;  // the first leader seen counts too, as etcd's leader_changes_seen
      last_known_leader_ = soft.leader;
    }
  }
  if (soft.role == raft::Role::kLeader && last_role_ != raft::Role::kLeader) {
    // A new leader's clock starts above every stamp in its log by the most an earlier
    // leader's read time could have run ahead of them (node/stamp_clock.h).
    stamps_.on_leading(machine_.last_stamp_ms());
    // Before any client command proposed after this turn of the loop (they are posted).
    asio::post(io_, [this]() { duties_->on_leading(); });
  }
  last_role_ = soft.role;
  if (on_role_change_hook) {
    on_role_change_hook(soft, term);
  }
  for (const auto& listener : role_listeners_) {
    listener(soft, term);
  }
}

std::uint64_t Runtime::leader_clock_ms() {
  const std::uint64_t now = stamp_now();
  // Reads are being timed: keep the stamps in the log, which cap their time, close to the
  // clock with a clock entry. Posted: this runs inside the Node's Ready loop.
  if (chores_.wants_clock_entry(machine_.store(), machine_.last_stamp_ms(), now)) {
    asio::post(io_, [this]() { chores_.propose_clock_entry(); });
  }
  return now;
}

std::uint64_t Runtime::stamp_now() {
  // Never below a stamp already in the log (committed or not, applied or not): the
  // new command comes after all of it (node/stamp_clock.h).
  return stamps_.stamp(static_cast<std::uint64_t>(wall_ms()), machine_.last_stamp_ms());
}

void Runtime::propose(atlas::Command command, CommandCallback done) {
  asio::post(io_, [this, command = std::move(command), done = std::move(done)]() mutable {
    const Status valid = atlas::validate_command(command);
    if (!valid.is_ok()) {
      done(valid);
      return;
    }
    propose_now(command, std::move(done));
  });
}

void Runtime::propose_now(atlas::Command& command, CommandCallback done) {
  command.stamp_ms = stamp_now();
  const auto proposed = std::chrono::steady_clock::now();
  node_->propose(atlas::encode_command(command), [this, done, proposed](Result<ApplyReply> reply) {
    if (!reply.is_ok()) {
      metrics_.proposals_failed.Increment();
      done(reply.status());
      return;
    }
    metrics_.proposals_committed.Increment();
    metrics_.commit_duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - proposed).count());
    done(replies_of(std::move(reply).value()));
  });
  check_failed();
}

NodeStatus Runtime::make_status() const {
  const raft::Raft& r = node_->raw().raft();
  NodeStatus s;
  s.id = config_.node_id;
  s.name = config_.name();
  s.role = r.role();
  s.term = r.term();
  s.leader = r.leader();
  s.commit = r.log().committed();
  s.applied = node_->applied();
  s.last_index = r.log().last_index();
  const auto now = std::chrono::steady_clock::now();
  s.uptime_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count());
  const auto since_leader =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - last_leader_contact_);
  s.leader_recently_heard =
      r.role() == raft::Role::kLeader ||
      (r.leader() != kNoNode && since_leader.count() < 2 * config_.election_timeout_ms);
  s.keys = machine_.store().item_count();
  s.key_versions_since = machine_.store().versions_since();
  s.snapshot = node_->last_snapshot();
  s.snapshot_in_progress = node_->snapshotting();
  s.snapshot_log_bytes = node_->applied_bytes_since_snapshot();
  s.snapshot_next_at_bytes = node_->snapshot_threshold_bytes();
  s.snapshot_next_at_index = node_->next_snapshot_index();
  s.snapshot_error = snapshot_error_;
  s.snapshot_unix_ms = last_snapshot_unix_ms_;
  std::error_code ec;
  if (s.snapshot.index > 0) {
    const auto size = std::filesystem::file_size(snapshots_->path_of(s.snapshot), ec);
    s.snapshot_bytes = ec ? 0 : size;
  }
  s.first_index = r.log().first_index();
  s.voters = r.conf().voters;
  s.learners = r.conf().learners;
  s.voters_outgoing = r.conf().voters_outgoing;
  s.conf_index = r.conf_index();
  s.conf_change_in_progress = r.conf().joint() || r.conf_index() > r.log().committed();
  for (const std::string& path : wal_->segment_paths()) {
    const auto size = std::filesystem::file_size(path, ec);
    s.wal_bytes += ec ? 0 : size;
  }
  for (const transport::PeerStatus& p : transport_->peer_status()) {
    PeerView v;
    v.id = p.id;
    v.address = p.address;
    v.connected = p.connected;
    if (p.last_received_ms >= 0) {
      const auto now_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
      v.last_heard_ms = now_ms - p.last_received_ms;
    }
    auto pr = r.progress().find(p.id);
    if (r.role() == raft::Role::kLeader && pr != r.progress().end()) {
      v.match = pr->second.match();
      v.lag = s.last_index - std::min(s.last_index, v.match);
    }
    s.peers.push_back(v);
  }
  return s;
}

Result<NodeStatus> Runtime::status(std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<NodeStatus>>();
  std::future<NodeStatus> future = promise->get_future();
  asio::post(io_, [this, promise]() { promise->set_value(make_status()); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(Code::kUnavailable, "the node's loop did not answer in time");
  }
  return future.get();
}

void Runtime::close_on_worker(std::unique_ptr<env::File> file) {
  asio::post(worker_io_,
             [f = std::shared_ptr<env::File>(std::move(file))]() mutable { f.reset(); });
}

}  // namespace helios::node
