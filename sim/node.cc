#include "sim/node.h"

#include "base/assert.h"

namespace helios::sim {

SimNode::SimNode(int index, const SimOptions& options, SimHost& host)
    : index_(index), options_(options), host_(host) {
  raft::ConfState conf;
  for (int i = 0; i < options.nodes; ++i) {
    conf.voters.push_back(static_cast<NodeId>(i + 1));
  }
  disk_.bootstrap(conf);
}

void SimNode::start(std::uint64_t seed) {
  HELIOS_ASSERT(!up());
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
  raw_ = std::make_unique<raft::RawNode>(config, disk_.visible());
  pending_.reset();
  put_waiters_.clear();
  read_waiters_.clear();
  pump();
}

void SimNode::crash(base::Prng& prng) {
  HELIOS_ASSERT(up());
  raw_.reset();
  pending_.reset();
  put_waiters_.clear();
  read_waiters_.clear();
  disk_.crash(prng);
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
  disk_.sync();
  raft::Ready rd = std::move(*pending_);
  pending_.reset();
  complete(rd);
  pump();
}

void SimNode::pump() {
  while (up() && !pending_.has_value() && raw_->has_ready()) {
    raft::Ready rd = raw_->ready();
    if (rd.soft_state.has_value()) {
      host_.on_role_change(index_, *rd.soft_state);
    }
    for (const raft::Message& m : rd.messages) {
      host_.send(m);
    }
    disk_.write(rd.hard_state, rd.entries);
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
