// Membership changes driven by the harness (SimCluster): at random times of the safety phase
// the leader is asked to add a learner, promote one, remove a voter or a learner, replace a
// voter by another node, or hand its leadership to another voter. A change it refuses (one
// in flight, a leader that is being replaced) is part of the test too.
#include <algorithm>

#include "base/assert.h"
#include "node/learner_progress.h"
#include "node/members.h"
#include "raft/membership.h"
#include "sim/cluster.h"

namespace helios::sim {

namespace {

void insert_sorted(std::vector<NodeId>& ids, NodeId id) {
  ids.insert(std::upper_bound(ids.begin(), ids.end(), id), id);
}

void erase_id(std::vector<NodeId>& ids, NodeId id) {
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
}

}  // namespace

void SimCluster::change_membership() {
  if (liveness_) {
    return;
  }
  queue_.schedule(now_ + prng_.range(1, options_.membership_interval_us),
                  Event{.kind = EventKind::kMembership});
  finish_listed_joins();
  const std::optional<int> leader = leader_index();
  if (!leader.has_value() || paused(*leader) || admin_request_open()) {
    return;  // a paused leader reads no request; one request of the harness at a time
  }
  if (options_.removed_stop && tend_joins(*leader)) {
    return;
  }

  SimNode& l = *nodes_[*leader];
  const raft::ConfState& conf = l.raw().raft().conf();
  std::vector<NodeId> outsiders;
  for (int i = 0; i < slots_; ++i) {
    // Where removed nodes stop, an id that was a member is never added again (its node
    // stopped, or will once it applies its removal).
    if (!raft::is_member(conf, nodes_[i]->id()) && !(options_.removed_stop && ever_member_[i])) {
      outsiders.push_back(nodes_[i]->id());
    }
  }
  const auto pick = [this](const std::vector<NodeId>& ids) {
    return ids[prng_.uniform(ids.size())];
  };
  if (prng_.chance(1, 2)) {
    request_member_change(*leader, outsiders);
    return;
  }
  // Learners the harness makes voters: where new machines join (removed_stop), those caught
  // up, as the admin API requires (node::learner_caught_up; one that has not finished
  // joining hears nothing, and would never vote); elsewhere any, as the core allows.
  std::vector<NodeId> ready_learners;
  for (NodeId id : conf.learners) {
    if (!options_.removed_stop ||
        node::learner_caught_up(l.raw().raft(), id, options_.max_entries_per_append)) {
      ready_learners.push_back(id);
    }
  }
  raft::ConfState next = conf;
  next.voters_outgoing.clear();
  std::string what;
  switch (prng_.uniform(6)) {
    case 0:  // add a learner
      if (outsiders.empty()) {
        return;
      }
      insert_sorted(next.learners, pick(outsiders));
      what = "add learner";
      break;
    case 1: {  // promote a learner: joint
      if (ready_learners.empty()) {
        return;
      }
      const NodeId id = pick(ready_learners);
      erase_id(next.learners, id);
      insert_sorted(next.voters, id);
      next.voters_outgoing = conf.voters;
      what = "promote " + std::to_string(id);
      break;
    }
    case 2: {  // remove a voter (never the last): joint
      if (conf.voters.size() <= 1) {
        return;
      }
      const NodeId id = pick(conf.voters);
      erase_id(next.voters, id);
      next.voters_outgoing = conf.voters;
      what = "remove voter " + std::to_string(id);
      break;
    }
    case 3:  // remove a learner
      if (conf.learners.empty()) {
        return;
      }
      erase_id(next.learners, pick(conf.learners));
      what = "remove learner";
      break;
    case 4: {  // replace a voter by a learner or an outsider: joint, both at once
      std::vector<NodeId> newcomers = ready_learners;
      newcomers.insert(newcomers.end(), outsiders.begin(), outsiders.end());
      if (newcomers.empty()) {
        return;
      }
      const NodeId gone = pick(conf.voters);
      const NodeId added = pick(newcomers);
      erase_id(next.voters, gone);
      erase_id(next.learners, added);
      insert_sorted(next.voters, added);
      next.voters_outgoing = conf.voters;
      what = "replace " + std::to_string(gone) + " by " + std::to_string(added);
      break;
    }
    default: {  // leadership transfer: to the core, or as the admin API asks (half each)
      const NodeId target = pick(conf.voters);
      // A TimeoutNow that a spike delays past the core's give-up still makes its target
      // campaign: near the end of the safety phase that would move leadership after the
      // heal (seed 163), which the liveness phase does not expect. None that late.
      const Micros election_us = options_.tick_us * static_cast<Micros>(options_.election_ticks);
      if (now_ + options_.spike_us + 2 * election_us >= options_.safety_us) {
        return;
      }
      if (prng_.chance(1, 2)) {
        request_transfer(*leader, prng_.chance(1, 3) ? kNoNode : target);
        return;
      }
      const Status s = l.transfer_leadership(target);
      trace_line("n" + std::to_string(l.id()) + " transfers leadership to n" +
                 std::to_string(target) + ": " + s.to_string());
      return;
    }
  }
  next.context = members_context(l, next);
  if (!options_.removed_stop) {
    own_changes_.push_back(next);  // may promote any learner (check_promotion skips them)
  }
  trace_line("n" + std::to_string(l.id()) + " proposes " + what + ": " + raft::describe(next));
  l.propose_conf_change(next);
}

void SimCluster::finish_listed_joins() {
  // apps/join.cc: GET /members at the leader (a follower that missed the removal of the
  // id's earlier machine would list that one still); listed there, the node is done.
  if (std::none_of(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->joining(); })) {
    return;  // the common case: nothing to look up (called every event of the liveness phase)
  }
  const std::optional<int> leader = leader_index();
  if (!leader.has_value() || paused(*leader)) {
    return;
  }
  const node::MembersView v = nodes_[*leader]->members_view();
  for (auto& n : nodes_) {
    if (n->joining() && raft::is_member(v.conf, n->id())) {
      trace_line("n" + std::to_string(n->id()) + " finds itself listed: joined");
      n->finish_join(raft::EntryId{v.conf_term, v.conf_index}, v.term);
    }
  }
}

bool SimCluster::tend_joins(int leader) {
  for (int i = 0; i < slots_; ++i) {
    if (nodes_[i]->joining()) {  // not listed (finish_listed_joins): it asks to be added
      request_join(leader, i);
      return true;
    }
  }
  // Now and then a new machine takes the id of a node that was removed and stopped, with
  // an empty data directory and --join (docs/operations.md's procedure).
  for (int i = 0; i < slots_; ++i) {
    if (retired_[i] && !nodes_[i]->up() && prng_.chance(1, 2)) {
      trace_line("a new machine takes n" + std::to_string(i + 1) + "'s id and joins");
      nodes_[i]->wipe_for_join();
      ++machine_[i];
      retired_[i] = false;
      retired_recorded_[i] = false;
      ++stats_.rejoins;
      restart(i);
      return true;
    }
  }
  return false;
}

void SimCluster::check_promotion(int node, Index index, const raft::ConfState& next) {
  // A leader that makes a learner a voter (its own entry: a follower's copy is the same
  // change; not the harness's own changes outside removed_stop seeds, which promote any
  // learner, as the core allows) does so only once the learner has written the configuration
  // that added it (or a later one with it): a voter whose disk has no trace of being a
  // member hears nothing after a restart (a new machine waits to be added again) while the
  // cluster may need its vote.
  // node::MemberKeeper::caught_up (planted bug promote-unanswered).
  const raft::Raft& r = nodes_[node]->raw().raft();
  if (r.role() != raft::Role::kLeader || index <= 1 ||
      std::find(own_changes_.begin(), own_changes_.end(), next) != own_changes_.end()) {
    return;
  }
  const raft::ConfState& before = r.configs().at(index - 1).conf;
  for (NodeId id : next.voters) {
    if (!raft::is_learner(before, id) || id < 1 || id > static_cast<NodeId>(slots_)) {
      continue;
    }
    // Where the leader's configurations have it since (the entry that added it; the base of
    // its history, whose own index may lie past the add, counts as "some time").
    Index added_at = 1;
    const std::vector<raft::ConfigAt>& records = r.configs().records();
    for (std::size_t k = records.size(); k-- > 1;) {
      if (records[k].index < index && !raft::is_member(records[k - 1].conf, id) &&
          raft::is_member(records[k].conf, id)) {
        added_at = records[k].index;
        break;
      }
    }
    // Ever, not in its log now: its log may have moved on since it answered (a newer
    // leader's configuration that removed it, while this one is a stale leader).
    if (nodes_[id - 1]->self_conf_index() < added_at) {
      throw SimFailure("n" + std::to_string(r.id()) + " made learner n" + std::to_string(id) +
                       " a voter at index " + std::to_string(index) + ", but n" +
                       std::to_string(id) + " never held the configuration that added it (index " +
                       std::to_string(added_at) + ") or a later one with it");
    }
  }
}

void SimCluster::request_join(int leader, int joiner) {
  SimNode& n = *nodes_[joiner];
  node::MemberRequest request;
  request.kind = node::MemberRequest::Kind::kAdd;
  request.learner = true;
  request.member = SimNode::sim_member(n.id());
  request.member.auto_promote = true;
  const std::shared_ptr<AdminRequest> record =
      record_request(leader, "add joining n" + std::to_string(n.id()));
  ++stats_.member_requests;
  const std::uint64_t incarnation = n.incarnation();
  nodes_[leader]->change_members(
      request, request_wait(),
      [this, record, request, leader, joiner, incarnation](const node::MemberChangeResult& result) {
        on_member_answer(*record, request, result);
        SimNode& j = *nodes_[joiner];
        if (result.status.is_ok() && j.joining() && j.incarnation() == incarnation) {
          const node::MembersView v = nodes_[leader]->members_view();  // POST's answer
          j.finish_join(raft::EntryId{v.conf_term, v.conf_index}, v.term);
        }
      });
}

std::string SimCluster::members_context(const SimNode& leader, const raft::ConfState& next) const {
  const node::MemberList book = leader.member_book();
  node::MemberList out;
  for (NodeId id : raft::members(next)) {
    const node::Member* known = node::find_member(book, id);
    node::Member m = known != nullptr ? *known : SimNode::sim_member(id);
    m.auto_promote = m.auto_promote && raft::is_learner(next, id);
    node::upsert_member(out, m);
  }
  return node::encode_members(out);
}

void SimCluster::request_member_change(int leader, const std::vector<NodeId>& outsiders) {
  SimNode& l = *nodes_[leader];
  const raft::ConfState& conf = l.raw().raft().conf();
  const std::vector<NodeId> members = raft::members(conf);
  node::MemberRequest request;
  std::string what;
  // Any member or outsider may be named: what the keeper refuses is part of the test.
  std::vector<NodeId> anyone = members;
  anyone.insert(anyone.end(), outsiders.begin(), outsiders.end());
  const NodeId id = anyone[prng_.uniform(anyone.size())];
  switch (prng_.uniform(4)) {
    case 0:  // add as a learner, half of them to be promoted by the leader once caught up
      request.kind = node::MemberRequest::Kind::kAdd;
      request.learner = true;
      request.member = SimNode::sim_member(id);
      request.member.auto_promote = prng_.chance(1, 2);
      what = std::string("add learner ") + (request.member.auto_promote ? "(auto) " : "");
      break;
    case 1:  // add as a voter: C(old,new)
      request.kind = node::MemberRequest::Kind::kAdd;
      request.member = SimNode::sim_member(id);
      what = "add voter ";
      break;
    case 2:
      request.kind = node::MemberRequest::Kind::kRemove;
      request.member.id = id;
      what = "remove ";
      break;
    default:
      request.kind = node::MemberRequest::Kind::kPromote;
      request.member.id = id;
      what = "promote ";
      break;
  }
  const std::shared_ptr<AdminRequest> record =
      record_request(leader, what + "n" + std::to_string(id));
  ++stats_.member_requests;
  l.change_members(request, request_wait(),
                   [this, record, request](const node::MemberChangeResult& result) {
                     on_member_answer(*record, request, result);
                   });
}

void SimCluster::on_member_answer(AdminRequest& record, const node::MemberRequest& request,
                                  const node::MemberChangeResult& result) {
  const std::string who = "n" + std::to_string(record.node + 1);
  if (record.answered) {
    throw SimFailure(who + " answered the request to " + record.what + " twice");
  }
  record.answered = true;
  trace_line(who + " answers " + record.what + ": " + result.status.to_string() + " " +
             raft::describe(result.conf));
  if (!result.status.is_ok()) {
    return;  // refused, not the leader, another change in progress, or timed out
  }
  ++stats_.member_changes;
  // The answer comes once the configuration in force is applied at the answering node and
  // not joint (the contract of node::MemberKeeper::change_members).
  const SimNode& n = *nodes_[record.node];
  if (result.conf.joint() || n.applied() < n.raw().raft().conf_index()) {
    throw SimFailure(who + " answered OK to " + record.what + " before the configuration " +
                     raft::describe(result.conf) + " (entry " +
                     std::to_string(n.raw().raft().conf_index()) + ") was in force: applied " +
                     std::to_string(n.applied()));
  }
  const NodeId id = request.member.id;
  bool holds = false;
  switch (request.kind) {
    case node::MemberRequest::Kind::kAdd:
      holds = request.learner ? raft::is_member(result.conf, id) : raft::is_voter(result.conf, id);
      break;
    case node::MemberRequest::Kind::kRemove:
      holds = !raft::is_member(result.conf, id);
      break;
    case node::MemberRequest::Kind::kPromote:
      holds = raft::is_voter(result.conf, id);
      break;
  }
  if (!holds) {
    throw SimFailure(who + " answered OK to " + record.what +
                     " but the configuration in force is " + raft::describe(result.conf));
  }
}

std::shared_ptr<SimCluster::AdminRequest> SimCluster::record_request(int node, std::string what) {
  auto record = std::make_shared<AdminRequest>();
  record->node = node;
  record->incarnation = nodes_[node]->incarnation();
  record->what = std::move(what);
  admin_requests_.push_back(record);
  trace_line("n" + std::to_string(node + 1) + " is asked to " + record->what);
  return record;
}

std::chrono::milliseconds SimCluster::request_wait() const {
  // Within the run's liveness phase, so that every request of a node that stays up is
  // answered before the end (check_admin_requests).
  return std::chrono::milliseconds(10 * options_.tick_us *
                                   static_cast<Micros>(options_.election_ticks) / 1000);
}

void SimCluster::request_transfer(int leader, NodeId target) {
  const std::shared_ptr<AdminRequest> record = record_request(
      leader, "transfer leadership to " +
                  (target == kNoNode ? std::string("a follower") : "n" + std::to_string(target)));
  ++stats_.transfer_requests;
  const raft::Raft& r = nodes_[leader]->raw().raft();
  if (target == kNoNode && r.role() == raft::Role::kLeader) {
    record->pick_target = true;
    // In whole milliseconds, as a host's links report it (PeerLinkState::last_received_ms):
    // in microseconds a delivery 67.8 ms ago is within a 68 ms timeout, but 68 ms ago in
    // the links' terms.
    const Micros election_ms =
        options_.tick_us * static_cast<Micros>(options_.election_ticks) / 1000;
    for (NodeId id : r.conf().voters) {
      const Micros heard = heard_at_[leader][id - 1];
      if (id != r.id() && r.progress().contains(id) && heard != kNotHeard &&
          now_ / 1000 - heard / 1000 < election_ms) {
        record->heard.push_back(id);
      }
    }
  }
  nodes_[leader]->request_transfer(
      target, request_wait(),
      [this, record](const node::TransferResult& result) { on_transfer_answer(*record, result); });
}

void SimCluster::on_transfer_answer(AdminRequest& record, const node::TransferResult& result) {
  const std::string who = "n" + std::to_string(record.node + 1);
  if (record.answered) {
    throw SimFailure(who + " answered the request to " + record.what + " twice");
  }
  record.answered = true;
  trace_line(who + " answers " + record.what + ": " + result.status.to_string() + " leader n" +
             std::to_string(result.leader) + " term " + std::to_string(result.term));
  check_transfer_target(record, result);
  if (!result.status.is_ok() || result.already_leader) {
    return;  // refused, not the leader, nobody to hand it to, or it did not move in time
  }
  ++stats_.transfers;
  // OK means another node leads, and this node knows which (the contract of
  // node::TransferWaiter).
  const SimNode& n = *nodes_[record.node];
  if (result.leader == kNoNode || result.leader == n.id() ||
      n.raw().raft().leader() != result.leader) {
    throw SimFailure(who + " answered OK to " + record.what + " naming leader n" +
                     std::to_string(result.leader) + " while it knows n" +
                     std::to_string(n.raw().raft().leader()));
  }
}

void SimCluster::check_transfer_target(const AdminRequest& record,
                                       const node::TransferResult& result) const {
  if (!record.pick_target) {
    return;
  }
  // The waiter picks a follower heard from within an election timeout, and answers that
  // there is none only when there is none (the runtime's rule: an inactive node may be down,
  // and TimeoutNow to it would be lost).
  const std::string who = "n" + std::to_string(record.node + 1);
  const bool heard =
      std::find(record.heard.begin(), record.heard.end(), result.target) != record.heard.end();
  if (result.target != kNoNode && !heard) {
    throw SimFailure(who + " handed leadership to n" + std::to_string(result.target) +
                     ", which it had not heard from within an election timeout");
  }
  if (result.target == kNoNode && result.status.code() == Code::kUnavailable &&
      !record.heard.empty()) {
    throw SimFailure(who + " found no follower to hand leadership to, but it had heard from n" +
                     std::to_string(record.heard.front()) + " within an election timeout");
  }
}

bool SimCluster::admin_request_open() const {
  return std::any_of(admin_requests_.begin(), admin_requests_.end(), [this](const auto& r) {
    const SimNode& n = *nodes_[r->node];
    return !r->answered && n.up() && n.incarnation() == r->incarnation;
  });
}

void SimCluster::check_admin_requests() const {
  for (const auto& r : admin_requests_) {
    const SimNode& n = *nodes_[r->node];
    if (!r->answered && n.up() && n.incarnation() == r->incarnation) {
      throw SimFailure("n" + std::to_string(n.id()) + " never answered the request to " + r->what +
                       " (it stayed up)");
    }
  }
}

std::vector<bool> SimCluster::choose_left_down() const {
  // Every configuration some node's log holds may come into force (or back, when an
  // uncommitted tail is replaced): leave a node down only if each of them keeps a majority
  // of both its voter sets up.
  std::vector<raft::ConfState> confs;
  for (const auto& n : nodes_) {
    for (const raft::ConfigAt& c : n->configs()) {
      confs.push_back(c.conf);
    }
  }
  // Nor is a node whose log is the most up to date left down: the voters of the other
  // configurations may need its vote, or a learner that shares its log may, and only it can
  // grant one (seed 120145 of 5 nodes: the term-5 leader left down, its entries only on a
  // learner, and the voters' logs behind it).
  std::pair<Term, Index> newest{0, 0};
  for (const auto& n : nodes_) {
    newest = std::max(newest, n->log_position());
  }
  // Removed nodes that stopped are down for good: they count, but not as left down.
  std::vector<bool> down = retired_;
  int left = 0;
  for (int i = slots_ - 1; i >= 0 && left < options_.leave_down; --i) {
    if (retired_[i] || nodes_[i]->log_position() == newest) {
      continue;
    }
    down[i] = true;
    bool fine = true;
    for (const raft::ConfState& c : confs) {
      for (const std::vector<NodeId>* side : {&c.voters, &c.voters_outgoing}) {
        const auto out =
            std::count_if(side->begin(), side->end(), [&](NodeId id) { return down[id - 1]; });
        if (!side->empty() && static_cast<std::size_t>(out) > (side->size() - 1) / 2) {
          fine = false;
        }
      }
    }
    if (fine) {
      ++left;
    } else {
      down[i] = false;
    }
  }
  return down;
}

}  // namespace helios::sim
