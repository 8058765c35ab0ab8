// Membership changes driven by the harness (SimCluster): at random times of the safety phase
// the leader is asked to add a learner, promote one, remove a voter or a learner, replace a
// voter by another node, or hand its leadership to another voter. A change it refuses (one
// in flight, a leader that is being replaced) is part of the test too.
#include <algorithm>

#include "base/assert.h"
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
  const std::optional<int> leader = leader_index();
  if (!leader.has_value() || paused(*leader)) {
    return;  // a paused leader reads no request
  }
  SimNode& l = *nodes_[*leader];
  const raft::ConfState& conf = l.raw().raft().conf();
  std::vector<NodeId> outsiders;
  for (int i = 0; i < slots_; ++i) {
    if (!raft::is_member(conf, nodes_[i]->id())) {
      outsiders.push_back(nodes_[i]->id());
    }
  }
  const auto pick = [this](const std::vector<NodeId>& ids) {
    return ids[prng_.uniform(ids.size())];
  };
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
      if (conf.learners.empty()) {
        return;
      }
      const NodeId id = pick(conf.learners);
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
      std::vector<NodeId> newcomers = conf.learners;
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
    default: {  // leadership transfer
      const NodeId target = pick(conf.voters);
      const Status s = l.transfer_leadership(target);
      trace_line("n" + std::to_string(l.id()) + " transfers leadership to n" +
                 std::to_string(target) + ": " + s.to_string());
      return;
    }
  }
  // The context is opaque to Raft; the nodes carry it along (production: addresses).
  next.context = "sim " + what;
  trace_line("n" + std::to_string(l.id()) + " proposes " + what + ": " + raft::describe(next));
  l.propose_conf_change(next);
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
  std::vector<bool> down(static_cast<std::size_t>(slots_), false);
  int left = 0;
  for (int i = slots_ - 1; i >= 0 && left < options_.leave_down; --i) {
    if (nodes_[i]->log_position() == newest) {
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
