#include "sim/safety_checker.h"

#include <algorithm>

#include "raft/membership.h"

namespace helios::sim {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw SimFailure(what);
}

// A configuration with only `voters`, to print one side of another.
raft::ConfState ConfStateSide(const std::vector<NodeId>& voters) {
  raft::ConfState c;
  c.voters = voters;
  return c;
}

std::string at(Index index, Term term) {
  return "index " + std::to_string(index) + " term " + std::to_string(term);
}

}  // namespace

std::uint64_t fingerprint(const raft::Entry& e) {
  // FNV-1a over type and data.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ULL;
  };
  mix(static_cast<unsigned char>(e.type));
  for (char c : e.data) {
    mix(static_cast<unsigned char>(c));
  }
  return h;
}

void SafetyChecker::check(const std::vector<SimNode*>& nodes) {
  for (const SimNode* n : nodes) {
    if (n->up()) {
      check_node(*n, nodes);
      const Index notice = n->raw().raft().removal_notice().index;
      if (notice != 0 && noticed_.emplace(n->id(), notice).second) {
        notices_.emplace(n->id(), notice);
      }
    }
  }
  check_removal_notices();
}

void SafetyChecker::check_leases(const std::vector<SimNode*>& nodes,
                                 const std::vector<bool>& clock_current) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const SimNode& holder = *nodes[i];
    if (!holder.up() || !clock_current[i] || !holder.raw().raft().lease_valid()) {
      continue;
    }
    const Term term = holder.raw().raft().term();
    for (const SimNode* n : nodes) {
      if (!n->up()) {
        continue;
      }
      const raft::Raft& r = n->raw().raft();
      if (r.role() == raft::Role::kLeader && r.term() > term &&
          r.log().term_or_zero(r.log().committed()) == r.term()) {
        fail("lease safety: node " + std::to_string(holder.id()) + " holds a read lease in term " +
             std::to_string(term) + " while node " + std::to_string(n->id()) + " leads term " +
             std::to_string(r.term()) + " and has committed in it");
      }
    }
  }
}

void SafetyChecker::check_removal_notices() {
  for (auto it = notices_.begin(); it != notices_.end();) {
    const auto [id, index] = *it;
    if (index > applied_.size()) {
      ++it;
      continue;  // no node applied that far yet
    }
    auto conf = applied_confs_.upper_bound(index);
    const bool member = conf == applied_confs_.begin()
                            ? id <= voters_
                            : raft::is_member(std::prev(conf)->second, id);
    if (member) {
      fail("node " + std::to_string(id) + " was told it was removed at index " +
           std::to_string(index) + ", where it is a member of the configuration in force");
    }
    it = notices_.erase(it);
  }
}

void SafetyChecker::on_removed(const SimNode& node, Index index) const {
  const auto conf = applied_confs_.find(index);
  if (conf == applied_confs_.end()) {
    fail("node " + std::to_string(node.id()) + " found itself removed at index " +
         std::to_string(index) + ", which holds no applied configuration");
  }
  if (conf->second.joint() || raft::is_member(conf->second, node.id())) {
    fail("node " + std::to_string(node.id()) + " found itself removed at index " +
         std::to_string(index) + ", but the configuration in force there (" +
         raft::describe(conf->second) + ") still has it");
  }
}

void SafetyChecker::check_node(const SimNode& node, const std::vector<SimNode*>& nodes) {
  const raft::Raft& r = node.raw().raft();
  NodeTrack& t = tracks_[node.index()];
  if (t.incarnation != node.incarnation()) {
    t = NodeTrack{node.incarnation(), r.term(), r.log().committed(), 0, 0};
  }
  if (r.term() < t.term) {
    fail("node " + std::to_string(node.id()) + " term went backwards");
  }
  if (r.log().committed() < t.commit) {
    fail("node " + std::to_string(node.id()) + " commit index went backwards");
  }
  if (r.role() == raft::Role::kLeader && r.log().committed() > t.commit) {
    check_commit_rule(node, nodes);
  }
  t.term = r.term();
  t.commit = r.log().committed();
  if (r.role() == raft::Role::kLeader) {
    auto [it, inserted] = leaders_.emplace(r.term(), node.id());
    if (!inserted && it->second != node.id()) {
      fail("two leaders in term " + std::to_string(r.term()) + ": nodes " +
           std::to_string(it->second) + " and " + std::to_string(node.id()));
    }
    if (inserted) {
      on_became_leader(node);
    }
  }
  if (t.commit > t.checked_commit) {
    record_commits(node, t);
  }
}

void SafetyChecker::check_commit_rule(const SimNode& leader, const std::vector<SimNode*>& nodes) {
  const raft::Raft& r = leader.raw().raft();
  const Index c = r.log().committed();
  if (r.log().term_or_zero(c) != r.term()) {
    fail("commitment rule: leader " + std::to_string(leader.id()) + " of term " +
         std::to_string(r.term()) + " committed " + at(c, r.log().term_or_zero(c)) +
         ", an entry of an earlier term");
  }
  // Durable on a majority of the voters of the leader's configuration, of both sides when it
  // is joint (learners' disks never count). A voter whose durable snapshot reaches c holds it
  // too: a snapshot holds committed entries only, and two different entries committed at c
  // would fail state machine safety.
  const raft::ConfState& conf = r.conf();
  for (const std::vector<NodeId>* side : {&conf.voters, &conf.voters_outgoing}) {
    std::size_t durable = 0;
    for (NodeId id : *side) {
      HELIOS_ASSERT(id >= 1 && id <= nodes.size());
      const raft::MemoryStorage& disk = nodes[id - 1]->shadow().durable();
      const Result<Term> t = disk.term(c);
      if ((t.is_ok() && t.value() == r.term()) || disk.snapshot_meta().index >= c) {
        ++durable;
      }
    }
    if (!side->empty() && durable < side->size() / 2 + 1) {
      fail("commitment rule: leader " + std::to_string(leader.id()) + " committed " +
           at(c, r.term()) + " but only " + std::to_string(durable) + " of the voters " +
           raft::describe(ConfStateSide(*side)) + " hold it durably (configuration " +
           raft::describe(conf) + ")");
    }
  }
}

void SafetyChecker::record_commits(const SimNode& node, NodeTrack& t) {
  const raft::RaftLog& log = node.raw().raft().log();
  const Term observer_term = node.raw().raft().term();
  // Entries a snapshot replaced are no longer in this node's log.
  Index i = std::max(t.checked_commit + 1, log.first_index());
  while (i <= t.commit) {
    const std::vector<raft::Entry> batch = log.entries_from(i, t.commit - i + 1, 1 << 30);
    for (const raft::Entry& e : batch) {
      const std::uint64_t h = fingerprint(e);
      if (e.index <= committed_.size()) {
        Committed& c = committed_[e.index - 1];
        if (c.term != e.term || c.hash != h) {
          fail("node " + std::to_string(node.id()) + " committed " + at(e.index, e.term) + " but " +
               at(e.index, c.term) + " was committed before");
        }
        c.seen_in_term = std::min(c.seen_in_term, observer_term);
      } else {
        HELIOS_ASSERT(e.index == committed_.size() + 1);
        committed_.push_back(Committed{e.term, h, observer_term});
      }
    }
    HELIOS_ASSERT(!batch.empty());
    i = batch.back().index + 1;
  }
  t.checked_commit = t.commit;
}

void SafetyChecker::on_entries_written(const SimNode& node,
                                       const std::vector<raft::Entry>& entries) {
  const raft::Storage& storage = node.storage();
  for (const raft::Entry& e : entries) {
    const Result<Term> prev = storage.term(e.index - 1);
    HELIOS_ASSERT(prev.is_ok());
    const Fingerprint f{e.term, fingerprint(e), prev.value()};
    auto [it, inserted] = log_entries_.emplace(std::make_pair(e.index, e.term), f);
    if (!inserted && (it->second.hash != f.hash || it->second.prev_term != f.prev_term)) {
      fail("log matching violated at " + at(e.index, e.term) + " on node " +
           std::to_string(node.id()));
    }
  }
}

void SafetyChecker::on_became_leader(const SimNode& node) {
  const raft::Raft& r = node.raw().raft();
  // Below first_index() - 1 the leader's log was compacted behind a snapshot of committed
  // entries (replica agreement checks the snapshot's contents).
  for (Index i = std::max<Index>(1, r.log().first_index() - 1); i <= committed_.size(); ++i) {
    const Committed& c = committed_[i - 1];
    if (c.seen_in_term >= r.term()) {
      continue;  // not known committed in an earlier term
    }
    if (r.log().term_or_zero(i) != c.term) {
      fail("leader completeness: node " + std::to_string(node.id()) + " leads term " +
           std::to_string(r.term()) + " without committed " + at(i, c.term));
    }
  }
}

void SafetyChecker::on_apply(const SimNode& node, const raft::Entry& e) {
  const std::uint64_t h = fingerprint(e);
  if (e.index <= applied_.size()) {
    const auto& [term, hash] = applied_[e.index - 1];
    if (term != e.term || hash != h) {
      fail("node " + std::to_string(node.id()) + " applied " + at(e.index, e.term) +
           " where another node applied " + at(e.index, term));
    }
    return;
  }
  HELIOS_ASSERT(e.index == applied_.size() + 1);
  applied_.emplace_back(e.term, h);
  if (e.type == raft::EntryType::kConfChange) {
    Result<raft::ConfState> conf = raft::decode_conf_state(e.data);
    HELIOS_ASSERT(conf.is_ok());
    applied_confs_.emplace(e.index, std::move(conf).value());
  }
}

void SafetyChecker::on_state(const SimNode& node, Index applied, const std::string& digest) {
  NodeTrack& t = tracks_[node.index()];
  const std::uint64_t stamp = node.applied_stamp_ms();
  if (stamp < t.applied_stamp_ms) {
    fail("time went backwards: node " + std::to_string(node.id()) + " applied entry " +
         std::to_string(applied) + " at stamp " + std::to_string(stamp) +
         " after an entry applied at " + std::to_string(t.applied_stamp_ms));
  }
  t.applied_stamp_ms = stamp;
  auto it = digests_.find(applied);
  if (it == digests_.end()) {
    digests_.emplace(applied, std::make_pair(digest, node.id()));
    return;
  }
  if (it->second.first != digest) {
    fail("replicas diverge: node " + std::to_string(node.id()) + " at applied index " +
         std::to_string(applied) + " has state digest " + digest + " but node " +
         std::to_string(it->second.second) + " had " + it->second.first);
  }
}

void SafetyChecker::on_restart(const SimNode& node) {
  tracks_.erase(node.index());
}

}  // namespace helios::sim
