#include "sim/node.h"

#include "base/assert.h"

namespace helios::sim {

namespace {
constexpr char kWalDir[] = "/wal";
}  // namespace

SimNode::SimNode(int index, const SimOptions& options, SimHost& host)
    : index_(index), options_(options), host_(host), fs_prng_(options.seed * 31 + index) {
  for (int i = 0; i < options.nodes; ++i) {
    conf_.voters.push_back(static_cast<NodeId>(i + 1));
  }
}

void SimNode::set_sync_failure_chance(double chance) {
  fs_.set_sync_failure_chance(chance, &fs_prng_);
}

void SimNode::fail(const Status& status) {
  if (failure_.empty()) {
    failure_ = status.to_string();
  }
}

Status SimNode::start(std::uint64_t seed) {
  HELIOS_ASSERT(!up());
  failure_.clear();
  Result<std::unique_ptr<storage::Wal>> wal =
      storage::Wal::open(fs_, kWalDir, storage::WalOptions{options_.segment_bytes});
  if (!wal.is_ok()) {
    if (wal.status().code() == Code::kIoError) {
      return wal.status();
    }
    throw SimFailure("n" + std::to_string(id()) +
                     " cannot recover its WAL: " + wal.status().to_string());
  }
  wal_ = std::move(wal).value();
  wal_->set_conf_state(conf_);
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
  config.seed = seed;
  config.bugs = options_.bugs;
  // The KV store is in memory only: a restarted node re-applies the log from the start.
  config.applied = 0;
  kv_ = KvStore();
  applied_ = 0;
  raw_ = std::make_unique<raft::RawNode>(config, *wal_);
  pending_.reset();
  put_waiters_.clear();
  read_waiters_.clear();
  pump();
  return Status::ok();
}

void SimNode::crash(base::Prng& prng) {
  raw_.reset();
  wal_.reset();
  pending_.reset();
  put_waiters_.clear();
  read_waiters_.clear();
  fs_.crash(prng);
  shadow_.crash();
}

void SimNode::tick() {
  raw_->tick();
  pump();
}

void SimNode::deliver(const raft::Message& m) {
  const Status s = raw_->step(m);
  HELIOS_ASSERT_MSG(s.is_ok(), s.to_string().c_str());
  pump();
}

void SimNode::fsync_done() {
  HELIOS_ASSERT(pending_.has_value());
  const Status s = wal_->sync();
  if (!s.is_ok()) {
    fail(s);  // the harness stops the node: never retry a failed fsync
    return;
  }
  shadow_.sync();
  raft::Ready rd = std::move(*pending_);
  pending_.reset();
  complete(rd);
  pump();
}

void SimNode::pump() {
  while (up() && !failed() && !pending_.has_value() && raw_->has_ready()) {
    raft::Ready rd = raw_->ready();
    if (rd.soft_state.has_value()) {
      host_.on_role_change(index_, *rd.soft_state);
    }
    for (const raft::Message& m : rd.messages) {
      host_.send(m);
    }
    const Status s = wal_->append(rd.hard_state, rd.entries);
    if (!s.is_ok()) {
      fail(s);
      return;
    }
    shadow_.write(rd.hard_state, rd.entries);
    host_.on_entries_written(index_, rd.entries);
    if (rd.must_sync) {
      pending_ = std::move(rd);
      host_.schedule_fsync(index_, incarnation_);
      return;
    }
    complete(rd);
  }
}

void SimNode::complete(raft::Ready& rd) {
  for (const raft::Message& m : rd.messages_after_persist) {
    host_.send(m);
  }
  for (const raft::Entry& e : rd.committed_entries) {
    apply(e);
  }
  for (const raft::ReadState& rs : rd.read_states) {
    auto it = read_waiters_.find(rs.context);
    if (it != read_waiters_.end()) {
      it->second.read_index = rs.index;
    }
  }
  raw_->advance(rd);
  serve_reads();
}

void SimNode::apply(const raft::Entry& e) {
  HELIOS_ASSERT(e.index == applied_ + 1);
  applied_ = e.index;
  host_.on_apply(index_, e);
  if (e.type == raft::EntryType::kNormal) {
    const std::optional<KvCommand> cmd = decode_command(e.data);
    HELIOS_ASSERT(cmd.has_value());
    kv_.put(cmd->key, cmd->value);
  }
  auto it = put_waiters_.find(e.index);
  if (it != put_waiters_.end()) {
    // The entry at our index is committed: ours if the term matches, certainly lost if not.
    host_.put_done(it->second.client, it->second.op, it->second.term == e.term);
    put_waiters_.erase(it);
  }
}

void SimNode::serve_reads() {
  for (auto it = read_waiters_.begin(); it != read_waiters_.end();) {
    const ReadWaiter& w = it->second;
    if (w.read_index.has_value() && *w.read_index <= applied_) {
      host_.read_done(w.client, w.op, kv_.get(w.key));
      it = read_waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

bool SimNode::propose(int client, std::uint64_t op, const KvCommand& command, NodeId* leader_hint) {
  *leader_hint = kNoNode;
  if (!up()) {
    return false;
  }
  Result<raft::EntryId> r = raw_->propose(encode_command(command));
  if (!r.is_ok()) {
    *leader_hint = raw_->raft().leader();
    return false;
  }
  put_waiters_[r.value().index] = PutWaiter{r.value().term, client, op};
  pump();
  return true;
}

bool SimNode::read(int client, std::uint64_t op, const std::string& key) {
  if (!up()) {
    return false;
  }
  const std::uint64_t context = next_read_context_++;
  if (!raw_->read_index(context).is_ok()) {
    return false;
  }
  read_waiters_[context] = ReadWaiter{client, op, key, std::nullopt};
  pump();
  return true;
}

}  // namespace helios::sim
