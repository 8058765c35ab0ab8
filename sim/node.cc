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

SimNode::~SimNode() {
  node_.reset();
  wal_.reset();
}

void SimNode::set_sync_failure_chance(double chance) {
  fs_.set_sync_failure_chance(chance, &fs_prng_);
}

std::string SimNode::KvMachine::apply(const raft::Entry& entry) {
  const std::optional<KvCommand> cmd = decode_command(entry.data);
  HELIOS_ASSERT(cmd.has_value());
  kv.put(cmd->key, cmd->value);
  return "OK";
}

Status SimNode::start(std::uint64_t seed) {
  HELIOS_ASSERT(!up());
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
  machine_ = KvMachine();
  node::NodeIo& io = *this;
  node_ = std::make_unique<node::Node>(config, *wal_, machine_, io);
  node_->start();
  return Status::ok();
}

void SimNode::crash(base::Prng& prng) {
  node_.reset();
  wal_.reset();
  fs_.crash(prng);
  shadow_.crash();
}

void SimNode::fsync_done() {
  node_->on_sync_done(wal_->sync());
}

void SimNode::on_role_change(const raft::SoftState& soft, Term /*term*/) {
  host_.on_role_change(index_, soft);
}

void SimNode::on_written(const std::optional<raft::HardState>& hard_state,
                         const std::vector<raft::Entry>& entries) {
  shadow_.write(hard_state, entries);
  host_.on_entries_written(index_, entries);
}

bool SimNode::propose(int client, std::uint64_t op, const KvCommand& command, NodeId* leader_hint) {
  *leader_hint = kNoNode;
  if (!up()) {
    return false;
  }
  if (raw().raft().role() != raft::Role::kLeader) {
    *leader_hint = raw().raft().leader();
    return false;
  }
  SimHost& host = host_;
  node_->propose(encode_command(command), [&host, client, op](Result<std::string> reply) {
    host.put_done(client, op, reply.is_ok());
  });
  return true;
}

bool SimNode::read(int client, std::uint64_t op, const std::string& key) {
  if (!up() || raw().raft().leader() == kNoNode) {
    return false;
  }
  SimHost& host = host_;
  const KvStore& kv = machine_.kv;
  node_->read([&host, &kv, client, op, key](Status status) {
    if (status.is_ok()) {
      host.read_done(client, op, kv.get(key));
    } else {
      host.read_failed(client, op);
    }
  });
  return true;
}

}  // namespace helios::sim
