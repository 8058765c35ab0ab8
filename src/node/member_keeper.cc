// MemberKeeper (member_keeper.h). Everything here runs on the node's loop.
#include "node/member_keeper.h"

#include <algorithm>

#include "base/assert.h"
#include "base/log.h"
#include "node/learner_progress.h"
#include "raft/membership.h"

namespace helios::node {

namespace {

constexpr std::chrono::milliseconds kPollEvery{2};

}  // namespace

struct MemberKeeper::PendingChange {
  MemberRequest request;
  env::Loop::Clock::time_point started;
  env::Loop::Clock::time_point deadline;
  MemberChangeCallback done;
  std::unique_ptr<env::Timer> timer;
  bool applied = false;  // the proposed entry was applied
  bool finished = false;
};

MemberKeeperOptions MemberKeeperOptions::of(const NodeConfig& config) {
  return MemberKeeperOptions{.self = config.node_id,
                             .cluster_id = config.cluster_id,
                             .peers = config.peers,
                             .admin = config.admin,
                             .election_timeout_ms = config.election_timeout_ms,
                             .max_entries_per_append = config.max_entries_per_append};
}

MemberKeeper::MemberKeeper(MemberKeeperOptions options, env::Loop& loop, Node& node,
                           PeerDirectory& peers, std::function<void()> after_propose)
    : options_(std::move(options)),
      loop_(loop),
      node_(node),
      peers_(peers),
      after_propose_(std::move(after_propose)) {}

MemberKeeper::~MemberKeeper() {
  *alive_ = false;
  for (const auto& weak : changes_) {
    if (auto change = weak.lock()) {
      change->timer.reset();  // its poll never runs; the change stays unanswered
    }
  }
}

std::uint64_t MemberKeeper::ms_since(env::Loop::Clock::time_point t) const {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(loop_.now() - t).count());
}

void MemberKeeper::on_conf_change(const raft::ConfState& conf) {
  Result<MemberList> book = members_of(conf, options_.peers);
  if (!book.is_ok()) {
    // Raft committed it; a newer binary may have written it. Keep the addresses we know.
    HELIOS_LOG_WARN("membership", "the configuration's addresses do not decode: %s",
                    book.status().to_string().c_str());
    return;
  }
  book_ = prune_to(book.value(), conf);
  for (const Member& m : book_) {
    if (m.id != options_.self) {
      peers_.add_peer(m.id, m.peer);
      forget_at_.erase(m.id);
    }
  }
  const auto grace = std::max<std::chrono::milliseconds>(
      std::chrono::seconds(10), std::chrono::milliseconds(20 * options_.election_timeout_ms));
  for (NodeId id : peers_.peer_ids()) {
    if (!raft::is_member(conf, id) && forget_at_.count(id) == 0) {
      forget_at_[id] = loop_.now() + grace;
    }
  }
  HELIOS_LOG_DEBUG("membership", "configuration %s", raft::describe(conf).c_str());
}

void MemberKeeper::add_seed_peers(const MemberList& members) {
  for (const Member& m : members) {
    if (m.id != options_.self && m.peer.port != 0) {
      peers_.add_peer(m.id, m.peer);
      forget_at_.erase(m.id);
    }
  }
}

MembersView MemberKeeper::view() const {
  const raft::Raft& r = node_.raw().raft();
  MembersView v;
  v.self = options_.self;
  v.cluster_id = options_.cluster_id;
  v.leader = r.leader();
  v.term = r.term();
  v.conf = r.conf();
  v.conf_index = r.conf_index();
  v.conf_term = r.log().term_or_zero(r.conf_index());
  if (v.conf_term == 0) {  // compacted away: the snapshot's last entry is later still
    v.conf_term = r.log().term_or_zero(r.log().first_index() - 1);
  }
  v.change_in_progress = r.conf().joint() || r.conf_index() > r.log().committed();
  v.book = book_;
  return v;
}

bool MemberKeeper::caught_up(NodeId id) const {
  const raft::Raft& r = node_.raw().raft();
  if (options_.bug_promote_unanswered) {
    auto pr = r.progress().find(id);
    return pr != r.progress().end() &&
           pr->second.match() + options_.max_entries_per_append >= r.log().last_index();
  }
  return learner_caught_up(r, id, options_.max_entries_per_append);
}

HostPort MemberKeeper::member_client(NodeId id) const {
  if (const Member* m = find_member(book_, id); m != nullptr && m->client.port != 0) {
    return m->client;
  }
  for (const PeerConfig& p : options_.peers) {
    if (p.id == id && p.client.port != 0) {
      return p.client;
    }
  }
  return {};
}

MemberChangeResult MemberKeeper::result_now() const {
  const raft::Raft& r = node_.raw().raft();
  MemberChangeResult result;
  result.leader = r.leader();
  result.term = r.term();
  result.conf = r.conf();
  return result;
}

void MemberKeeper::change_members(const MemberRequest& request, std::chrono::milliseconds wait,
                                  MemberChangeCallback done) {
  const raft::Raft& r = node_.raw().raft();
  MemberChangeResult result = result_now();
  if (const Member* m = find_member(book_, r.leader()); m != nullptr && m->admin.port != 0) {
    result.leader_admin = m->admin.to_string();
  }
  if (r.role() != raft::Role::kLeader) {
    result.status =
        Status(Code::kNotLeader, r.leader() == kNoNode ? std::string("no leader is known")
                                                       : node_name(r.leader()) + " is the leader");
    done(result);
    return;
  }
  if (r.conf_index() > r.log().committed()) {
    result.status =
        Status(Code::kUnavailable, "a configuration change is in progress (entry " +
                                       std::to_string(r.conf_index()) + " is not committed yet)");
    done(result);
    return;
  }
  Result<raft::ConfState> next = Status(Code::kInternal, "unknown request");
  switch (request.kind) {
    case MemberRequest::Kind::kAdd:
      next = plan_add(r.conf(), book_, request.member, request.learner);
      break;
    case MemberRequest::Kind::kRemove:
      next = plan_remove(r.conf(), book_, request.member.id);
      break;
    case MemberRequest::Kind::kPromote:
      next = plan_promote(r.conf(), book_, request.member.id);
      if (next.is_ok() && !caught_up(request.member.id)) {
        // As etcd: a voter that cannot vote yet (a new machine hears nothing until it has
        // joined, and then votes only once its log holds the entry that added it) could
        // leave the cluster without a majority.
        next = Status(Code::kUnavailable,
                      node_name(request.member.id) +
                          " has not caught up with the leader's log yet: a learner is promoted "
                          "once its log holds the configuration in force and is within "
                          "max_entries_per_append entries of the leader's");
      }
      break;
  }
  if (!next.is_ok()) {
    result.status = next.status();
    done(result);
    return;
  }
  HELIOS_LOG_INFO("membership", "Proposing the configuration %s",
                  raft::describe(next.value()).c_str());
  auto change = std::make_shared<PendingChange>();
  change->request = request;
  change->started = loop_.now();
  change->deadline = change->started + wait;
  change->done = std::move(done);
  changes_.push_back(change);
  std::weak_ptr<bool> alive = alive_;
  node_.propose_conf_change(std::move(next).value(),
                            [this, alive, change](Result<ApplyReply> reply) {
                              if (alive.expired() || change->finished) {
                                return;
                              }
                              if (!reply.is_ok()) {
                                MemberChangeResult failed = result_now();
                                failed.status = reply.status();
                                finish(change, failed);
                                return;
                              }
                              change->applied = true;
                              poll(change);
                            });
  after_propose_();
  if (!change->finished) {
    poll(change);
  }
}

void MemberKeeper::finish(const std::shared_ptr<PendingChange>& change, MemberChangeResult result) {
  if (change->finished) {
    return;
  }
  change->finished = true;
  change->timer.reset();
  result.elapsed_ms = ms_since(change->started);
  if (result.status.is_ok()) {
    HELIOS_LOG_INFO("membership", "Configuration %s in force after %llu ms",
                    raft::describe(result.conf).c_str(),
                    static_cast<unsigned long long>(result.elapsed_ms));
  }
  changes_.erase(std::remove_if(changes_.begin(), changes_.end(),
                                [](const std::weak_ptr<PendingChange>& w) {
                                  auto c = w.lock();
                                  return c == nullptr || c->finished;
                                }),
                 changes_.end());
  MemberChangeCallback done = std::move(change->done);
  done(result);
}

void MemberKeeper::poll(const std::shared_ptr<PendingChange>& change) {
  if (change->finished) {
    return;
  }
  const raft::Raft& r = node_.raw().raft();
  // Done once the entry is applied and the configuration in force is no longer joint and
  // applied here (the automatic C(new) of a joint change: the core appends it when it
  // applies the joint entry, before the proposal's callback runs).
  const bool in_force = !r.conf().joint() && node_.applied() >= r.conf_index();
  if (change->applied && (in_force || options_.bug_answer_early)) {
    finish(change, result_now());
    return;
  }
  if (loop_.now() >= change->deadline) {
    MemberChangeResult result = result_now();
    result.timed_out = true;
    result.status =
        Status(Code::kUnavailable, "the change was proposed but not applied within " +
                                       std::to_string(ms_since(change->started)) + " ms (" +
                                       raft::describe(r.conf()) + "); check GET /members");
    finish(change, result);
    return;
  }
  // The timer's callback holds the change: it is answered even if the Node drops the
  // proposal's callback.
  change->timer = loop_.schedule_after(kPollEvery, [this, change]() {
    const std::shared_ptr<PendingChange> keep = change;
    poll(keep);
  });
}

void MemberKeeper::answer_pending() {
  const std::vector<std::weak_ptr<PendingChange>> changes = changes_;
  for (const auto& weak : changes) {
    if (auto change = weak.lock()) {
      poll(change);
    }
  }
}

void MemberKeeper::propose_own_change(const raft::ConfState& next, const std::string& what) {
  HELIOS_LOG_INFO("membership", "%s: proposing %s", what.c_str(), raft::describe(next).c_str());
  own_change_in_flight_ = true;
  std::weak_ptr<bool> alive = alive_;
  node_.propose_conf_change(next, [this, alive, what](Result<ApplyReply> reply) {
    if (alive.expired()) {
      return;
    }
    own_change_in_flight_ = false;
    if (!reply.is_ok()) {
      HELIOS_LOG_INFO("membership", "%s: %s", what.c_str(), reply.status().to_string().c_str());
    }
  });
  after_propose_();
}

void MemberKeeper::tend(bool removed) {
  const auto now = loop_.now();
  const raft::Raft& r = node_.raw().raft();
  const bool has_conf = !r.conf().voters.empty();
  for (auto it = forget_at_.begin(); it != forget_at_.end();) {
    if (raft::is_member(r.conf(), it->first)) {
      it = forget_at_.erase(it);
    } else if (has_conf && now >= it->second && it->first != r.leader()) {
      peers_.remove_peer(it->first);
      it = forget_at_.erase(it);
    } else {
      ++it;
    }
  }
  if (r.role() != raft::Role::kLeader || own_change_in_flight_ || r.conf().joint() ||
      r.conf_index() > r.log().committed() || r.lead_transferee() != kNoNode || removed) {
    return;
  }
  // A cluster whose configuration has no addresses yet (a new cluster, or one that started
  // before addresses travelled with the configuration): the file's peers go into it.
  if (r.conf().context.empty()) {
    Result<MemberList> book = members_of(r.conf(), options_.peers);
    bool complete = book.is_ok();
    for (NodeId id : raft::members(r.conf())) {
      complete = complete && find_member(book.value(), id) != nullptr;
    }
    if (complete) {
      raft::ConfState next = r.conf();
      MemberList pruned = prune_to(book.value(), next);
      for (Member& m : pruned) {
        if (m.id == options_.self && m.admin.port == 0) {
          m.admin = options_.admin;
        }
      }
      next.context = encode_members(pruned);
      propose_own_change(next, "Recording the members' addresses in the configuration");
    }
    return;
  }
  // Promote a learner that asked for it once it is within one AppendEntries of the log.
  for (const Member& m : book_) {
    auto pr = r.progress().find(m.id);
    if (!m.auto_promote || !raft::is_learner(r.conf(), m.id) || !caught_up(m.id)) {
      continue;
    }
    Result<raft::ConfState> next = plan_promote(r.conf(), book_, m.id);
    if (next.is_ok()) {
      propose_own_change(next.value(), "Promoting " + node_name(m.id) + " (caught up: match " +
                                           std::to_string(pr->second.match()) + ", last index " +
                                           std::to_string(r.log().last_index()) + ")");
    }
    return;
  }
}

}  // namespace helios::node
