// The liveness phase and the end-of-run checks of SimCluster.
#include <algorithm>

#include "base/assert.h"
#include "raft/membership.h"
#include "sim/checker/timed.h"
#include "sim/cluster.h"

namespace helios::sim {

namespace {
[[noreturn]] void fail(const std::string& what) {
  throw SimFailure(what);
}
}  // namespace

void SimCluster::begin_liveness() {
  liveness_ = true;
  heal_time_ = now_;
  trace_line("--- liveness phase: healing the network and a majority ---");
  while (!faults_.empty()) {
    heal(faults_.begin()->first);
  }
  std::fill(clogged_until_.begin(), clogged_until_.end(), 0);
  // The forward streams too: what a clog or a spike still holds arrives when it was due, and
  // what is sent from now on no longer waits behind it.
  for (std::vector<Micros>& last : stream_last_) {
    std::fill(last.begin(), last.end(), 0);
  }
  std::fill(paused_until_.begin(), paused_until_.end(), 0);  // what they put off still trickles in
  options_.drop_rate = 0;
  options_.dup_rate = 0;
  options_.spike_rate = 0;
  for (auto& n : nodes_) {
    n->set_sync_failure_chance(0.0);
  }
  // Up to leave_down nodes stay down, each a minority of every configuration in play.
  left_down_ = choose_left_down();
  for (int i = 0; i < slots_; ++i) {
    const bool stay_down = left_down_[i];
    if (stay_down && nodes_[i]->up()) {
      crash(i);
    } else if (!stay_down && !nodes_[i]->up()) {
      restart(i);
    }
  }
}

void SimCluster::drive_marker() {
  if (marker_done_time_.has_value()) {
    return;
  }
  // apps/join.cc keeps asking until the cluster lists it: until then a node that joins
  // hears nothing, and a member that hears nothing never applies nor votes.
  finish_listed_joins();
  if (marker_.has_value()) {
    // Every up member of the proposer's configuration (nodes outside it get no entries).
    const SimNode& proposer = *nodes_[marker_node_];
    bool everywhere = proposer.up();
    for (const auto& n : nodes_) {
      if (proposer.up() && n->up() && raft::is_member(proposer.raw().raft().conf(), n->id()) &&
          n->applied() < marker_->index) {
        everywhere = false;
      }
    }
    const std::optional<Term> t = checker_.applied_term(marker_->index);
    if (t.has_value() && *t != marker_->term) {
      marker_.reset();  // lost to a leader change: propose it again
    } else if (everywhere && t.has_value()) {
      marker_done_time_ = now_;
      trace_line("marker applied on every up node");
      return;
    }
    if (marker_.has_value() && (!proposer.up() || proposer.raw().raft().term() != marker_->term)) {
      marker_.reset();
    }
  }
  if (!marker_.has_value()) {
    const std::optional<int> leader = leader_index();
    if (!leader.has_value()) {
      return;
    }
    if (nodes_[*leader]->propose_marker(std::to_string(now_))) {
      marker_node_ = *leader;
      marker_ = raft::EntryId{nodes_[*leader]->raw().raft().term(),
                              nodes_[*leader]->raw().raft().log().last_index()};
      trace_line("marker proposed at n" + std::to_string(*leader + 1));
    }
  }
}

void SimCluster::check_liveness(SimResult& result) {
  if (!marker_done_time_.has_value()) {
    fail("liveness: no leader committed a marker entry on every up node within " +
         std::to_string(options_.liveness_timeouts) + " election timeouts of the heal");
  }
  result.liveness_us = *marker_done_time_ - heal_time_;
  if (timeouts_after_marker_ > 0) {
    fail("liveness: " + std::to_string(timeouts_after_marker_) +
         " client operations got no answer or a failure (timeout, TRYAGAIN, UNCERTAIN, a "
         "refused read) after the cluster had healed");
  }
}

void SimCluster::check_history(SimResult& result) {
  std::vector<KvOperation> history;
  for (std::size_t i = 0; i < history_.size(); ++i) {
    if (excluded_[i]) {
      continue;
    }
    const KvOperation& op = history_[i];
    if (op.return_time == kNeverReturned) {
      if (op.kind == KvOpKind::kGet) {
        continue;
      }
      ++result.ops_unknown;
    } else {
      ++result.ops_ok;
    }
    history.push_back(op);
  }
  // With expiry, the order the system claims (timed.h) over every key; without, the search
  // over the keys written without a TTL.
  const TimedResult timed = check_timed_witness(history);
  if (!timed.ok) {
    fail("history not linearizable with expiry: " + timed.explanation);
  }
  std::erase_if(history, [](const KvOperation& op) { return op.key.starts_with("t"); });
  const LinearizabilityResult lin = check_kv_linearizable(history, 20'000'000);
  result.linearizability_timed_out = lin.timed_out;
  if (!lin.ok) {
    fail("history not linearizable: " + lin.explanation);
  }
}

void SimCluster::check_queue(SimResult& result) {
  const SimNode* most = nullptr;
  for (const auto& n : nodes_) {
    if (n->up() && (most == nullptr || n->applied() > most->applied())) {
      most = n.get();
    }
  }
  if (most == nullptr) {
    return;  // no state to read (the liveness check passed, so a leader is up: not reached)
  }
  work_queue_.finish([most](const std::string& key) { return most->list(key); });
  result.queue_delivered = work_queue_.delivered();
}

SimResult run_seed(const SimOptions& options) {
  SimResult result;
  try {
    SimCluster cluster(options);
    result = cluster.run();
  } catch (const SimFailure& f) {
    result.ok = false;
    result.failure = f.what();
  }
  return result;
}

}  // namespace helios::sim
