#include "sim/cluster.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "api/plan.h"
#include "base/assert.h"
#include "base/log.h"
#include "raft/membership.h"
#include "sim/wire_link.h"

namespace helios::sim {

namespace {
constexpr Micros kNoTurn = std::numeric_limits<Micros>::max();
}  // namespace

SimCluster::SimCluster(const SimOptions& options)
    : options_(options),
      slots_(options.slots()),
      prng_(options.seed),
      reset_prng_(options.seed ^ 0x7e5e7c0ffeeULL),
      checker_(options.slots(), options.nodes) {
  HELIOS_ASSERT(options.nodes >= 1 && options.spare >= 0 && slots_ <= 9);
  // The nodes' own log lines (the membership keeper's) are not the simulator's output: the
  // trace records what happens.
  base::set_log_level(base::LogLevel::kError);
  options_.liveness_us = static_cast<Micros>(options.liveness_timeouts) *
                         static_cast<Micros>(options.election_ticks) * options.tick_us * 2;
  for (int i = 0; i < slots_; ++i) {
    nodes_.push_back(std::make_unique<SimNode>(i, options_, *this));
    node_ptrs_.push_back(nodes_.back().get());
    skew_.push_back(options.clock_skew_max *
                    (static_cast<double>(prng_.uniform(2001)) / 1000.0 - 1.0));
  }
  const auto n = static_cast<std::size_t>(slots_);
  blocked_.assign(n, std::vector<int>(n, 0));
  clogged_until_.assign(n, 0);
  paused_until_.assign(n, 0);
  ticks_missed_.assign(n, 0);
  clock_current_.assign(n, true);
  resume_offsets_.assign(n, {});
  last_delivery_.assign(n, std::vector<Micros>(n, 0));
  left_down_.assign(n, false);
  retired_.assign(n, false);
  machine_.assign(n, 0);
  retired_recorded_.assign(n, false);
  ever_member_.assign(n, false);
  std::fill_n(ever_member_.begin(), options.nodes, true);  // the bootstrap voters
  clients_.resize(static_cast<std::size_t>(options.clients));
  state_checked_.assign(n, 0);
  stream_queue_.assign(n, std::vector<std::deque<QueuedFrame>>(n));
  stream_last_.assign(n, std::vector<Micros>(n, 0));
  stream_bytes_.assign(n, std::vector<std::uint64_t>(n, 0));
  link_losses_.assign(n, std::vector<std::uint64_t>(n, 0));
  heard_at_.assign(n, std::vector<Micros>(n, kNotHeard));
  snapshot_seen_.assign(n, kUnseen);
  snapshot_ticks_.assign(n, 0);
  loop_next_.assign(n, kNoTurn);
}

SimCluster::~SimCluster() = default;

std::string SimCluster::stamp() const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "[%10.3fms] ", static_cast<double>(now_) / 1000.0);
  return buf;
}

void SimCluster::trace_line(const std::string& line) {
  if (options_.trace) {
    std::printf("%s%s\n", stamp().c_str(), line.c_str());
  }
}

// ---------------------------------------------------------------------------------------
// The run.

SimResult SimCluster::run() {
  api::reset_plan_seeds();  // this thread may have run other seeds before
  for (int i = 0; i < slots_; ++i) {
    restart(i);
  }
  if (options_.membership_interval_us > 0) {
    queue_.schedule(options_.membership_interval_us, Event{.kind = EventKind::kMembership});
  }
  for (int c = 0; c < options_.clients; ++c) {
    queue_.schedule(prng_.uniform(options_.tick_us * 10),
                    Event{.kind = EventKind::kClientStep, .client = c});
  }
  queue_.schedule(options_.fault_interval_us, Event{.kind = EventKind::kFault});
  const Micros end = options_.safety_us + options_.liveness_us;
  while (!queue_.empty() && queue_.next_time() <= end) {
    auto [time, event] = queue_.pop();
    HELIOS_ASSERT(time >= now_);
    now_ = time;
    if (!liveness_ && now_ >= options_.safety_us) {
      begin_liveness();
    }
    handle(event);
    for (const auto& n : nodes_) {
      if (n->dropped_messages() != 0) {
        throw SimFailure("n" + std::to_string(n->id()) + " refused a message from a peer");
      }
    }
    stop_failed_nodes();
    ++stats_.events;
    checker_.check(node_ptrs_);
    for (int i = 0; i < slots_; ++i) {
      clock_current_[i] = !paused(i) && ticks_missed_[i] == 0;
    }
    checker_.check_leases(node_ptrs_, clock_current_);
    for (const auto& n : nodes_) {
      // A state machine changes only with its applied index (an apply, a restore).
      if (n->up() && n->applied() != state_checked_[n->index()]) {
        state_checked_[n->index()] = n->applied();
        checker_.on_state(*n, n->applied(), n->digest());
      }
    }
    if (liveness_) {
      drive_marker();
    }
  }
  now_ = end;
  SimResult result = stats_;
  result.simulated_us = end;
  result.stream_frames_lost = frames_lost_;
  for (const auto& n : nodes_) {
    result.snapshots_taken += n->snapshots_taken();
    result.snapshots_installed += n->snapshots_installed();
    result.transfers_cut += n->transfers_cut();
    result.lease_reads += n->lease_reads();
    result.api += n->api_stats();
    result.idle_closed += n->idle_closed();
  }
  result.committed = checker_.committed_count();
  check_admin_requests();
  check_liveness(result);
  check_history(result);
  check_queue(result);
  return result;
}

void SimCluster::handle(const Event& e) {
  if (put_off_while_paused(e)) {
    return;
  }
  switch (e.kind) {
    case EventKind::kTick:
      if (nodes_[e.node]->up() && nodes_[e.node]->incarnation() == e.incarnation) {
        tick_node(e.node);
      }
      return;
    case EventKind::kDeliver: {
      SimNode& n = *nodes_[e.node];
      if (n.up() && from_this_machine(e)) {
        if (options_.trace) {
          trace_line("deliver " + raft::describe(e.message));
        }
        heard_at_[e.node][e.message.from - 1] = now_;
        raft::Message m = received_message(*e.data, e.message);
        if (m.type == raft::MessageType::kReadIndex) {
          catch_up_ticks(e.node);  // as the runtime does before a lease may answer it
        }
        n.deliver(std::move(m));
      }
      return;
    }
    case EventKind::kFsyncDone:
      if (nodes_[e.node]->up() && nodes_[e.node]->incarnation() == e.incarnation) {
        nodes_[e.node]->fsync_done();
      }
      return;
    case EventKind::kClientStep:
      client_step(e.client);
      return;
    case EventKind::kClientTimeout:
      client_timeout(e.client, e.op);
      return;
    case EventKind::kFault:
      inject_fault();
      return;
    case EventKind::kRestart: {
      const bool stays_down = liveness_ && left_down_[e.node];
      if (!nodes_[e.node]->up() && !stays_down) {
        restart(e.node);
      }
      return;
    }
    case EventKind::kHeal:
      heal(e.fault_id);
      return;
    case EventKind::kSnapshotWritten:
      if (nodes_[e.node]->up() && nodes_[e.node]->incarnation() == e.incarnation) {
        nodes_[e.node]->snapshot_written(e.message.snapshot, *e.data);
      }
      return;
    case EventKind::kMembership:
      change_membership();
      return;
    case EventKind::kClientRequest:
      client_request(e.client, e.op, e.node);
      return;
    case EventKind::kLoop: {
      if (now_ != loop_next_[e.node]) {
        return;  // superseded by an earlier turn, which scheduled the next
      }
      loop_next_[e.node] = kNoTurn;
      SimNode& n = *nodes_[e.node];
      if (paused(e.node)) {  // the loop runs again when the pause ends
        schedule_loop(e.node, resume_time(e.node, slots_ + static_cast<int>(clients_.size())));
        return;
      }
      if (n.up()) {
        n.run_loop();
        if (const std::optional<Micros> due = n.loop_next_due(); due.has_value()) {
          schedule_loop(e.node, *due);
        }
      }
      return;
    }
    case EventKind::kStream:
      deliver_stream(e);
      return;
  }
}

void SimCluster::schedule_loop(int node, Micros due) {
  if (due >= loop_next_[node]) {
    return;  // a turn at or before it is scheduled already
  }
  loop_next_[node] = due;
  queue_.schedule(due, Event{.kind = EventKind::kLoop, .node = node});
}

void SimCluster::tick_node(int node) {
  ++stats_.ticks;
  SimNode& n = *nodes_[node];
  ++ticks_missed_[node];  // due now; a paused loop sees it late
  if (!paused(node)) {
    catch_up_ticks(node);
  }
  const double interval = static_cast<double>(options_.tick_us) * (1.0 + skew_[node]);
  queue_.schedule(now_ + static_cast<Micros>(interval),
                  Event{.kind = EventKind::kTick, .node = node, .incarnation = n.incarnation()});
}

// ---------------------------------------------------------------------------------------
// SimHost.

Micros SimCluster::arrival_time(int from, int to) {
  Micros delay = prng_.range(options_.delay_min_us, options_.delay_max_us);
  if (prng_.chance(options_.spike_rate)) {
    delay += prng_.range(0, options_.spike_us);
  }
  Micros at = now_ + delay;
  at = std::max({at, clogged_until_[from], clogged_until_[to]});
  if (liveness_) {
    // Healed links behave like TCP: in order.
    at = std::max(at, last_delivery_[from][to]);
    last_delivery_[from][to] = at;
  }
  return at;
}

void SimCluster::send(const raft::Message& m) {
  const int from = static_cast<int>(m.from) - 1;
  const int to = static_cast<int>(m.to) - 1;
  HELIOS_ASSERT(from >= 0 && from < slots_);
  HELIOS_ASSERT(to >= 0 && to < slots_);
  if (blocked_[from][to] > 0 || prng_.chance(options_.drop_rate)) {
    return;
  }
  // The frame travels; the message stays beside it to check what the receiver decodes.
  const std::shared_ptr<const std::string> frame = wire_frame(m);
  const int copies = prng_.chance(options_.dup_rate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    queue_.schedule(arrival_time(from, to), Event{.kind = EventKind::kDeliver,
                                                  .node = to,
                                                  .peer_incarnation = machine_[from],
                                                  .message = m,
                                                  .data = frame});
  }
}

std::vector<node::PeerLinkState> SimCluster::peer_links(int node) const {
  std::vector<node::PeerLinkState> out;
  for (int j = 0; j < slots_; ++j) {
    if (j != node) {
      const Micros heard = heard_at_[node][j];
      out.push_back(
          node::PeerLinkState{static_cast<NodeId>(j + 1), link_up(node, j), link_losses_[node][j],
                              heard == kNotHeard ? -1 : static_cast<std::int64_t>(heard / 1000)});
    }
  }
  return out;
}

std::uint64_t SimCluster::clock_ms(int node) const {
  // Unix time starts at a fixed date; each node's clock runs at its own skewed rate.
  constexpr std::uint64_t kEpochMs = 1'767'225'600'000;  // 2026-01-01
  const double local_us = static_cast<double>(now_) * (1.0 + skew_[node]);
  return kEpochMs + static_cast<std::uint64_t>(local_us / 1000.0);
}

void SimCluster::on_state(int node, Index applied, const std::string& digest) {
  checker_.on_state(*nodes_[node], applied, digest);
}

void SimCluster::schedule_fsync(int node, std::uint64_t incarnation) {
  const Micros at = now_ + prng_.range(options_.fsync_min_us, options_.fsync_max_us);
  queue_.schedule(at,
                  Event{.kind = EventKind::kFsyncDone, .node = node, .incarnation = incarnation});
}

void SimCluster::on_role_change(int node, const raft::SoftState& soft) {
  if (options_.trace) {
    trace_line("n" + std::to_string(node + 1) + " is " + raft::role_name(soft.role) + " term " +
               std::to_string(nodes_[node]->raw().raft().term()) + " leader " +
               std::to_string(soft.leader));
  }
}

void SimCluster::on_entries_written(int node, const std::vector<raft::Entry>& entries) {
  checker_.on_entries_written(*nodes_[node], entries);
  for (const raft::Entry& e : entries) {
    if (e.type != raft::EntryType::kConfChange) {
      continue;
    }
    if (Result<raft::ConfState> conf = raft::decode_conf_state(e.data); conf.is_ok()) {
      for (NodeId id : raft::members(conf.value())) {
        ever_member_[id - 1] = true;
      }
      check_promotion(node, e.index, conf.value());
    }
  }
}

void SimCluster::on_apply(int node, const raft::Entry& entry) {
  checker_.on_apply(*nodes_[node], entry);
}

// ---------------------------------------------------------------------------------------
// Faults.

void SimCluster::inject_fault() {
  if (liveness_) {
    return;
  }
  if (prng_.chance(options_.crash_chance)) {
    std::vector<int> up;
    for (int i = 0; i < slots_; ++i) {
      if (nodes_[i]->up()) {
        up.push_back(i);
      }
    }
    if (!up.empty()) {
      const std::optional<int> leader = leader_index();
      const bool hit_leader = leader.has_value() && options_.churn && prng_.chance(2, 3);
      crash(hit_leader ? *leader : up[prng_.uniform(up.size())]);
    }
  }
  if (prng_.chance(options_.partition_chance)) {
    partition();
  }
  if (options_.pause_chance > 0 && prng_.chance(options_.pause_chance)) {
    pause();
  }
  if (prng_.chance(options_.clog_chance)) {
    const int node = static_cast<int>(prng_.uniform(static_cast<std::uint64_t>(slots_)));
    clogged_until_[node] =
        std::max(clogged_until_[node], now_ + prng_.range(1, options_.clog_max_us));
    trace_line("clog n" + std::to_string(node + 1));
  }
  if (options_.reset_chance > 0 && reset_prng_.chance(options_.reset_chance)) {
    reset_connection();
  }
  queue_.schedule(now_ + options_.fault_interval_us, Event{.kind = EventKind::kFault});
}

void SimCluster::pause() {
  std::vector<int> up;
  for (int i = 0; i < slots_; ++i) {
    if (nodes_[i]->up() && !paused(i)) {
      up.push_back(i);
    }
  }
  if (up.empty()) {
    return;
  }
  // The leader more often than not: a paused leader is the case leases must survive.
  const std::optional<int> leader = leader_index();
  const bool hit_leader = leader.has_value() && !paused(*leader) && prng_.chance(2, 3);
  const int node = hit_leader ? *leader : up[prng_.uniform(up.size())];
  // A paused leader mostly for longer than an election timeout: long enough to be replaced.
  const Micros timeout_us = options_.tick_us * static_cast<Micros>(options_.election_ticks);
  paused_until_[node] =
      now_ + prng_.range(hit_leader ? timeout_us : 1, std::max(timeout_us, options_.pause_max_us));
  auto& offsets = resume_offsets_[node];
  offsets.resize(static_cast<std::size_t>(slots_) + clients_.size() + 1);
  for (Micros& o : offsets) {
    o = prng_.range(0, options_.tick_us);
  }
  trace_line("pause n" + std::to_string(node + 1) + " until " +
             std::to_string(paused_until_[node]) + "us");
}

void SimCluster::catch_up_ticks(int node) {
  // As Runtime::catch_up_ticks: the ticks due beyond one count for leases only (lapse), and
  // one tick fires.
  const std::uint64_t due = ticks_missed_[node];
  if (due == 0 || !nodes_[node]->up()) {
    return;
  }
  ticks_missed_[node] = 0;
  const bool lapses = due > 1 && !options_.bugs.lapse_dropped;
  note_snapshot_ticks(node, lapses ? due : 1);  // the ticks the node is given
  if (lapses) {
    nodes_[node]->lapse(due - 1);
  }
  nodes_[node]->tick();
  check_snapshot_interval(node);
}

void SimCluster::note_snapshot_ticks(int node, std::uint64_t given) {
  const Index newest = nodes_[node]->last_snapshot().index;
  if (snapshot_seen_[node] != newest) {  // a new snapshot, or a new process
    snapshot_seen_[node] = newest;
    snapshot_ticks_[node] = 0;
  }
  snapshot_ticks_[node] += given;
}

void SimCluster::check_snapshot_interval(int node) const {
  // node::SnapshotPolicy::interval_ticks: once that many ticks passed since the newest
  // snapshot (or the start), a node that applied an entry since is taking one after its
  // tick, unless a snapshot from the leader is about to replace its state.
  const std::uint64_t interval = options_.snapshot_interval();
  const SimNode& n = *nodes_[node];
  if (interval == 0 || !n.up() || n.failed() || n.snapshotting() ||
      snapshot_ticks_[node] < interval || n.applied() <= n.last_snapshot().index ||
      n.raw().raft().log().pending_snapshot().has_value()) {
    return;
  }
  throw SimFailure("n" + std::to_string(n.id()) + " took no snapshot " +
                   std::to_string(snapshot_ticks_[node]) + " ticks after its last (interval " +
                   std::to_string(interval) + "), with entries " +
                   std::to_string(n.last_snapshot().index + 1) + ".." +
                   std::to_string(n.applied()) + " applied since");
}

bool SimCluster::put_off_while_paused(const Event& e) {
  int source = slots_ + static_cast<int>(clients_.size());  // the node's own work
  switch (e.kind) {
    case EventKind::kDeliver:
      source = static_cast<int>(e.message.from) - 1;
      break;
    case EventKind::kClientRequest:
      source = slots_ + e.client;
      break;
    case EventKind::kStream:
      source = static_cast<int>(e.peer) - 1;
      break;
    case EventKind::kFsyncDone:
    case EventKind::kSnapshotWritten:
      break;
    default:
      return false;  // ticks count while paused (tick_node); the rest is not a node's input
  }
  if (!paused(e.node)) {
    return false;
  }
  queue_.schedule(resume_time(e.node, source), e);
  return true;
}

void SimCluster::partition() {
  const int n = slots_;
  Fault fault;
  const std::uint64_t shape = prng_.uniform(4);
  std::vector<bool> side(static_cast<std::size_t>(n), false);
  std::string what;
  if (shape == 0 || shape == 1) {
    // Isolate one node (the leader, when shape 1 and there is one), both directions.
    int victim = static_cast<int>(prng_.uniform(static_cast<std::uint64_t>(n)));
    if (shape == 1) {
      victim = leader_index().value_or(victim);
    }
    side[victim] = true;
    what = "isolate n" + std::to_string(victim + 1);
  } else {
    for (int i = 0; i < n; ++i) {
      side[i] = prng_.chance(1, 2);
    }
    what = "split";
  }
  const bool asymmetric = shape == 3;
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a != b && side[a] && !side[b]) {
        fault.links.emplace_back(a, b);
        if (!asymmetric) {
          fault.links.emplace_back(b, a);
        }
      }
    }
  }
  for (auto [a, b] : fault.links) {
    if (blocked_[a][b]++ == 0 && blocked_[b][a] == 0) {
      ++link_losses_[a][b];  // the connection breaks, both ways
      ++link_losses_[b][a];
    }
  }
  const std::uint64_t id = next_fault_id_++;
  faults_.emplace(id, std::move(fault));
  queue_.schedule(now_ + prng_.range(1, options_.partition_max_us),
                  Event{.kind = EventKind::kHeal, .fault_id = id});
  trace_line("partition " + what + (asymmetric ? " (asymmetric)" : ""));
}

void SimCluster::heal(std::uint64_t fault_id) {
  auto it = faults_.find(fault_id);
  if (it == faults_.end()) {
    return;
  }
  for (auto [a, b] : it->second.links) {
    --blocked_[a][b];
    HELIOS_ASSERT(blocked_[a][b] >= 0);
  }
  faults_.erase(it);
  trace_line("heal partition " + std::to_string(fault_id));
  flush_streams();
}

std::optional<int> SimCluster::leader_index() const {
  std::optional<int> best;
  Term best_term = 0;
  for (int i = 0; i < slots_; ++i) {
    const SimNode& n = *nodes_[i];
    if (n.up() && n.raw().raft().role() == raft::Role::kLeader &&
        n.raw().raft().term() >= best_term) {
      best = i;
      best_term = n.raw().raft().term();
    }
  }
  return best;
}

}  // namespace helios::sim
