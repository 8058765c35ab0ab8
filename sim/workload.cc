// The simulated clients of SimCluster: each runs one operation at a time, a put (SET) or a
// linearizable read (GET), at any node through its client layer (SimNode::client_put,
// client_get: the real api::Executor, which forwards writes from a follower to the leader),
// and records it in the history checked for linearizability at the end.
#include "base/assert.h"
#include "raft/membership.h"
#include "sim/cluster.h"

namespace helios::sim {

int SimCluster::pick_node(bool is_read, int c) {
  if (is_read && options_.sticky_reads) {
    return c % options_.nodes;
  }
  // Half of the writes go to the leader, as clients that found it; the rest, and reads, to
  // any node (a follower forwards the write, or asks the leader for a read index).
  if (const std::optional<int> leader = leader_index(); !is_read && leader && prng_.chance(1, 2)) {
    return *leader;
  }
  return static_cast<int>(prng_.uniform(static_cast<std::uint64_t>(slots_)));
}

void SimCluster::client_step(int c) {
  Client& client = clients_[c];
  if (client.busy) {
    return;
  }
  const bool is_read = prng_.uniform(100) < static_cast<std::uint64_t>(options_.read_percent);
  // A third of the operations go to keys written with a TTL ("t..."): a put there expires
  // within two election timeouts, so reads meet keys just before and after their deadlines.
  const bool ttl = prng_.uniform(3) == 0;
  const std::string key =
      (ttl ? "t" : "k") + std::to_string(prng_.uniform(static_cast<std::uint64_t>(options_.keys)));
  const std::uint64_t op = history_.size() + 1;
  KvOperation record;
  record.client_id = static_cast<std::uint64_t>(c);
  record.key = key;
  record.call_time = 2 * now_;  // a return at the same microsecond is 2 * now_ + 1
  // Record the operation before handing it to the node: a node may answer at once.
  history_.push_back(record);
  excluded_.push_back(false);
  finished_.push_back(false);
  client.busy = true;
  client.op = op;
  const int target = pick_node(is_read, c);
  // Liveness binds a read at the leader and any write (note_unanswered: at a member).
  const std::optional<int> leader = leader_index();
  liveness_bound_.push_back(!is_read || leader == target);
  op_node_.push_back(target);
  if (is_read) {
    history_.back().kind = KvOpKind::kGet;
  } else {
    history_.back().kind = KvOpKind::kPut;
    // Three values in four are long enough to be lent (api/plan.h, kLendMinBytes): the
    // executor then moves it into the log entry instead of copying it, and gives it back to
    // argv when a batch is refused, which the checker would see as a lost or altered value.
    const std::uint64_t n = client.next_value++;
    history_.back().value =
        "c" + std::to_string(c) + "-" + std::to_string(n) + (n % 4 != 0 ? "-a-value-to-lend" : "");
    put_by_value_[history_.back().value] = op;
    if (ttl) {
      const Micros election_us = options_.tick_us * static_cast<Micros>(options_.election_ticks);
      history_.back().ttl_ms = prng_.range(1, 2 * static_cast<std::uint64_t>(election_us) / 1000);
    }
  }
  if (paused(target)) {
    // The request waits in the paused node's socket and is read when its loop runs again.
    trace_line("client " + std::to_string(c) + " op " + std::to_string(op) + " waits for n" +
               std::to_string(target + 1) + ": " + to_string(history_[op - 1]));
    queue_.schedule(
        resume_time(target, slots_ + c),
        Event{.kind = EventKind::kClientRequest, .node = target, .client = c, .op = op});
    // Some clients give up on a silent node sooner than others and go elsewhere: writes
    // reach the next leader while other clients' reads still wait at the paused one.
    const Micros timeout_us = options_.tick_us * static_cast<Micros>(options_.election_ticks);
    queue_.schedule(now_ + prng_.range(timeout_us / 2, 3 * timeout_us),
                    Event{.kind = EventKind::kClientTimeout, .client = c, .op = op});
    return;
  }
  const bool issued = issue_client_op(c, op, target);
  if (!issued) {
    // Certainly not applied: nothing to record. Try again shortly.
    history_.pop_back();
    excluded_.pop_back();
    finished_.pop_back();
    liveness_bound_.pop_back();
    op_node_.pop_back();
    client.busy = false;
    queue_.schedule(now_ + prng_.range(1, options_.tick_us),
                    Event{.kind = EventKind::kClientStep, .client = c});
    return;
  }
  if (options_.trace) {
    trace_line("client " + std::to_string(c) + " op " + std::to_string(op) + " at n" +
               std::to_string(target + 1) + ": " + to_string(history_[op - 1]));
  }
  if (history_[op - 1].return_time == kNeverReturned) {
    queue_.schedule(now_ + options_.client_timeout_us,
                    Event{.kind = EventKind::kClientTimeout, .client = c, .op = op});
  }
}

bool SimCluster::issue_client_op(int c, std::uint64_t op, int target) {
  const KvOperation& record = history_[op - 1];
  if (record.kind == KvOpKind::kGet) {
    return nodes_[target]->client_get(c, op, record.key);
  }
  const KvCommand cmd{static_cast<std::uint64_t>(c) + 1, op, record.key, record.value,
                      record.ttl_ms};
  return nodes_[target]->client_put(c, op, cmd);
}

void SimCluster::client_request(int c, std::uint64_t op, int target) {
  const Client& client = clients_[c];
  if (!client.busy || client.op != op) {
    return;  // the client gave up before the node read it: it never happened
  }
  if (options_.trace) {
    trace_line("client " + std::to_string(c) + " op " + std::to_string(op) + " read by n" +
               std::to_string(target + 1));
  }
  if (!issue_client_op(c, op, target)) {
    excluded_[op - 1] = true;  // refused: certainly not applied
    finish_client_op(c, prng_.range(1, options_.tick_us));
  }
}

void SimCluster::finish_client_op(int c, Micros think_us) {
  Client& client = clients_[c];
  client.busy = false;
  finished_[client.op - 1] = true;
  queue_.schedule(now_ + think_us, Event{.kind = EventKind::kClientStep, .client = c});
}

void SimCluster::put_done(int c, std::uint64_t op, bool ok) {
  Client& client = clients_[c];
  if (!client.busy || client.op != op) {
    return;  // the client gave up on it already; its outcome stays unknown in the history
  }
  KvOperation& record = history_[op - 1];
  if (ok) {
    record.return_time = 2 * now_ + 1;
  } else {
    excluded_[op - 1] = true;  // -TRYAGAIN: certainly not applied
    note_unanswered(op);
  }
  if (options_.trace) {
    trace_line("client " + std::to_string(c) + " op " + std::to_string(op) +
               (ok ? " ok" : " failed"));
  }
  finish_client_op(c, prng_.range(0, options_.client_think_max_us));
}

void SimCluster::put_uncertain(int c, std::uint64_t op) {
  Client& client = clients_[c];
  if (!client.busy || client.op != op) {
    return;
  }
  // It stays in the history as never returned: applied or not, either may be true.
  note_unanswered(op);
  trace_line("client " + std::to_string(c) + " op " + std::to_string(op) + " uncertain");
  finish_client_op(c, prng_.range(0, options_.client_think_max_us));
}

void SimCluster::read_done(int c, std::uint64_t op, std::optional<std::string> value,
                           std::uint64_t time_ms, Index applied) {
  Client& client = clients_[c];
  if (!client.busy || client.op != op) {
    return;
  }
  KvOperation& record = history_[op - 1];
  record.return_time = 2 * now_ + 1;
  record.time_ms = time_ms;
  record.log_index = applied;
  record.found = value.has_value();
  record.value = value.value_or("");
  if (options_.trace) {
    trace_line("client " + std::to_string(c) + " op " + std::to_string(op) + " read " +
               (value.has_value() ? *value : "(nil)"));
  }
  finish_client_op(c, prng_.range(0, options_.client_think_max_us));
}

void SimCluster::on_put_applied(const std::string& value, Index index, std::uint32_t position,
                                std::uint64_t stamp_ms, std::uint64_t deadline_ms) {
  if (index < puts_recorded_through_) {
    return;  // reported by the node that applied it first (an entry's puts come together)
  }
  puts_recorded_through_ = index;
  auto it = put_by_value_.find(value);
  if (it == put_by_value_.end()) {
    return;  // not a client's put (the liveness marker)
  }
  KvOperation& record = history_[it->second - 1];
  // The TTL rule: a put with PX ms expires that long after the stamp it was planned at,
  // which is no later than its entry's; one without a TTL never expires. (The checkers below
  // judge reads by the deadline applied, so a TTL translated wrong on the way in, by a
  // protocol's parser, would pass them.)
  if ((deadline_ms == 0) != (record.ttl_ms == 0) ||
      (record.ttl_ms != 0 && deadline_ms > stamp_ms + record.ttl_ms)) {
    throw SimFailure("the TTL rule: " + to_string(record) + " asked for a TTL of " +
                     std::to_string(record.ttl_ms) + " ms and was applied at " +
                     std::to_string(stamp_ms) + " with deadline " + std::to_string(deadline_ms));
  }
  record.log_index = index;
  record.op_in_entry = position;
  record.time_ms = stamp_ms;
  record.deadline_ms = deadline_ms;
}

void SimCluster::read_failed(int c, std::uint64_t op) {
  Client& client = clients_[c];
  if (!client.busy || client.op != op) {
    return;
  }
  excluded_[op - 1] = true;  // a read that observed nothing has no place in the history
  note_unanswered(op);
  trace_line("client " + std::to_string(c) + " op " + std::to_string(op) + " read refused");
  finish_client_op(c, prng_.range(1, options_.tick_us));
}

void SimCluster::connection_lost(int c, std::uint64_t op) {
  const Client& client = clients_[c];
  if (!client.busy || client.op != op) {
    return;
  }
  // Its outcome stays unknown (the client's timeout ends it), but liveness does not count it.
  liveness_bound_[op - 1] = false;
  trace_line("client " + std::to_string(c) + " op " + std::to_string(op) +
             ": its connection was closed as idle before its request was read");
}

void SimCluster::note_unanswered(std::uint64_t op) {
  // Only at a member of the leader's configuration: a node outside it (a spare, or one a
  // change removed meanwhile, even the leader that took the operation) learns of no leader.
  const std::optional<int> leader = leader_index();
  const bool member =
      leader.has_value() && raft::is_member(nodes_[*leader]->raw().raft().conf(),
                                            static_cast<NodeId>(op_node_[op - 1] + 1));
  if (marker_done_time_.has_value() && history_[op - 1].call_time >= 2 * *marker_done_time_ &&
      liveness_bound_[op - 1] && member) {
    ++timeouts_after_marker_;
    trace_line("op " + std::to_string(op) + " got no success after the cluster had healed");
  }
}

void SimCluster::client_timeout(int c, std::uint64_t op) {
  Client& client = clients_[c];
  if (!client.busy || client.op != op) {
    return;
  }
  note_unanswered(op);
  trace_line("client " + std::to_string(c) + " op " + std::to_string(op) + " timed out");
  finish_client_op(c, 0);
}

}  // namespace helios::sim
