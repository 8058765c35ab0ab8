#include "test_network.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace helios::raft::testing {

Config test_config(NodeId id, std::size_t voter_count) {
  Config c;
  c.id = id;
  for (NodeId v = 1; v <= voter_count; ++v) {
    c.voters.push_back(v);
  }
  c.election_ticks = 10;
  c.heartbeat_ticks = 1;
  c.seed = 1000 + id;
  return c;
}

std::vector<Entry> entries_with_terms(const std::vector<Term>& terms) {
  std::vector<Entry> out;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const Index index = i + 1;
    std::string data = "e";  // not "e" + ...: GCC 12 at -O3 reports a false -Wrestrict
    data += std::to_string(index);
    out.push_back(Entry{.term = terms[i], .index = index, .data = std::move(data)});
  }
  return out;
}

Ready LoneNode::cycle() {
  if (!raw_.has_ready()) {
    return Ready{};
  }
  Ready rd = raw_.ready();
  if (rd.snapshot.has_value()) {
    storage_.apply_snapshot(*rd.snapshot);
  }
  if (rd.hard_state.has_value()) {
    storage_.set_hard_state(*rd.hard_state);
  }
  storage_.append(rd.entries);
  raw_.advance(rd);
  return rd;
}

TestNetwork::TestNetwork(std::size_t voter_count, const ConfigFn& configure) {
  for (NodeId id = 1; id <= voter_count; ++id) {
    Slot& s = slots_[id];
    s.config = test_config(id, voter_count);
    if (configure) {
      configure(s.config);
    }
    s.written = std::make_unique<MemoryStorage>();
    s.synced = std::make_unique<MemoryStorage>();
    restart(s);
  }
}

void TestNetwork::add_node(NodeId id, const ConfigFn& configure) {
  EXPECT_EQ(slots_.count(id), 0u) << "node " << id << " exists";
  Slot& s = slots_[id];
  s.config = test_config(id, 0);
  if (configure) {
    configure(s.config);
  }
  s.written = std::make_unique<MemoryStorage>();
  s.synced = std::make_unique<MemoryStorage>();
  restart(s);
}

void TestNetwork::wipe(NodeId id) {
  Slot& s = slot(id);
  s.config = test_config(id, 0);
  s.written = std::make_unique<MemoryStorage>();
  s.synced = std::make_unique<MemoryStorage>();
  restart(s);
}

void TestNetwork::restart(Slot& s) {
  s.raw.reset();
  s.applied.clear();
  s.read_states.clear();
  s.raw = std::make_unique<RawNode>(s.config, *s.written);
}

void TestNetwork::preload(NodeId id, const std::vector<Term>& log_terms,
                          const HardState& hard_state) {
  Slot& s = slot(id);
  *s.written = MemoryStorage();
  s.written->append(entries_with_terms(log_terms));
  s.written->set_hard_state(hard_state);
  *s.synced = *s.written;
  restart(s);
}

TestNetwork::Slot& TestNetwork::slot(NodeId id) {
  auto it = slots_.find(id);
  EXPECT_NE(it, slots_.end()) << "no node " << id;
  return it->second;
}

const TestNetwork::Slot& TestNetwork::slot(NodeId id) const {
  auto it = slots_.find(id);
  EXPECT_NE(it, slots_.end()) << "no node " << id;
  return it->second;
}

RawNode& TestNetwork::node(NodeId id) {
  return *slot(id).raw;
}
const Raft& TestNetwork::raft(NodeId id) const {
  return slot(id).raw->raft();
}
MemoryStorage& TestNetwork::storage(NodeId id) {
  return *slot(id).written;
}

std::vector<NodeId> TestNetwork::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, s] : slots_) {
    out.push_back(id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Links.

void TestNetwork::cut(NodeId a, NodeId b) {
  cut_one_way(a, b);
  cut_one_way(b, a);
}

void TestNetwork::cut_one_way(NodeId from, NodeId to) {
  cut_.insert({from, to});
}

void TestNetwork::isolate(NodeId id) {
  for (NodeId other : ids()) {
    if (other != id) {
      cut(id, other);
    }
  }
}

void TestNetwork::heal() {
  cut_.clear();
  drop_ = nullptr;
}

bool TestNetwork::dropped(const Message& m) const {
  if (cut_.count({m.from, m.to}) > 0 || slots_.count(m.to) == 0) {
    return true;
  }
  return drop_ && drop_(m);
}

// ---------------------------------------------------------------------------------------
// Inputs and the Ready loop.

void TestNetwork::tick(NodeId id, int ticks) {
  for (int i = 0; i < ticks; ++i) {
    node(id).tick();
  }
}

void TestNetwork::tick_all(int ticks) {
  for (int i = 0; i < ticks; ++i) {
    for (auto& [id, s] : slots_) {
      s.raw->tick();
    }
  }
}

Ready TestNetwork::ready(NodeId id) {
  EXPECT_TRUE(node(id).has_ready()) << "node " << id;
  return node(id).ready();
}

void TestNetwork::send(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    sent_.push_back(m);
    queue_.push_back(m);
  }
}

void TestNetwork::write(NodeId id, const Ready& rd) {
  MemoryStorage& st = storage(id);
  if (rd.snapshot.has_value()) {
    st.apply_snapshot(*rd.snapshot);
  }
  if (rd.hard_state.has_value()) {
    st.set_hard_state(*rd.hard_state);
  }
  st.append(rd.entries);
}

void TestNetwork::sync(NodeId id) {
  *slot(id).synced = *slot(id).written;
}

void TestNetwork::apply(NodeId id, const Ready& rd) {
  Slot& s = slot(id);
  if (rd.snapshot.has_value()) {
    s.installed.push_back(*rd.snapshot);
  }
  s.applied.insert(s.applied.end(), rd.committed_entries.begin(), rd.committed_entries.end());
  s.read_states.insert(s.read_states.end(), rd.read_states.begin(), rd.read_states.end());
}

Ready TestNetwork::process_ready(NodeId id) {
  Ready rd = ready(id);
  send(rd.messages);
  write(id, rd);
  sync(id);
  send(rd.messages_after_persist);
  apply(id, rd);
  advance(id, rd);
  return rd;
}

std::size_t TestNetwork::deliver() {
  return deliver_if([](const Message&) { return true; });
}

std::size_t TestNetwork::deliver_if(const DropFn& pick) {
  std::deque<Message> keep;
  std::size_t delivered = 0;
  while (!queue_.empty()) {
    Message m = std::move(queue_.front());
    queue_.pop_front();
    if (!pick(m)) {
      keep.push_back(std::move(m));
      continue;
    }
    if (dropped(m)) {
      continue;
    }
    const Status status = node(m.to).step(m);
    EXPECT_TRUE(status.is_ok()) << describe(m) << ": " << status.to_string();
    ++delivered;
  }
  queue_ = std::move(keep);
  return delivered;
}

void TestNetwork::stabilize() {
  constexpr int kRoundsMax = 10000;
  for (int round = 0; round < kRoundsMax; ++round) {
    bool busy = false;
    for (NodeId id : ids()) {
      if (node(id).has_ready()) {
        process_ready(id);
        busy = true;
      }
    }
    if (!queue_.empty()) {
      deliver();
      busy = true;
    }
    if (!busy) {
      return;
    }
  }
  ADD_FAILURE() << "network did not stabilize within " << kRoundsMax << " rounds";
}

void TestNetwork::elect(NodeId id) {
  campaign(id);
  stabilize();
  EXPECT_EQ(raft(id).role(), Role::kLeader) << "node " << id << " did not win";
}

void TestNetwork::crash(NodeId id, bool lose_unsynced) {
  Slot& s = slot(id);
  if (lose_unsynced) {
    *s.written = *s.synced;
  } else {
    *s.synced = *s.written;
  }
  restart(s);
}

void TestNetwork::snapshot_and_compact(NodeId id, Index index, Index compact_to) {
  Slot& s = slot(id);
  const ConfState conf = s.raw->raft().conf_at(index);
  for (MemoryStorage* st : {s.written.get(), s.synced.get()}) {
    st->create_snapshot(index, conf);
    st->compact(compact_to);
  }
}

// ---------------------------------------------------------------------------------------
// Observations.

NodeId TestNetwork::leader() const {
  NodeId best = kNoNode;
  Term best_term = 0;
  for (const auto& [id, s] : slots_) {
    const Raft& r = s.raw->raft();
    if (r.role() == Role::kLeader && (best == kNoNode || r.term() > best_term)) {
      best = id;
      best_term = r.term();
    }
  }
  return best;
}

std::size_t TestNetwork::count_sent(const DropFn& match) const {
  return static_cast<std::size_t>(std::count_if(sent_.begin(), sent_.end(), match));
}

}  // namespace helios::raft::testing
