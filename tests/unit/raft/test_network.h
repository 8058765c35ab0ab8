#pragma once
// TestNetwork: an in-memory cluster of RawNodes for scenario tests, after etcd/raft's
// raft_test.go `network` and rafttest's interaction environment.
//
// Each node owns a MemoryStorage that is what it has *written*, plus a copy that is what it
// has *synced*; crash() rebuilds the RawNode from one of the two. Messages travel through one
// FIFO queue; a message is dropped at delivery time when its link is cut or when the drop
// predicate says so. Nothing is ever reordered or duplicated unless a test does it by hand.
//
// The Ready loop follows raw_node.h's contract. process_ready() runs all of it in order:
//   send(rd.messages); write(rd); sync(); send(rd.messages_after_persist); apply; advance.
// The steps are public too, so a test can hold back the after-persist messages, skip the
// sync, or inspect a Ready before acting on it.
//
// Not thread-safe; one test owns one TestNetwork. Node ids are 1..n.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "raft/memory_storage.h"
#include "raft/raw_node.h"

namespace helios::raft::testing {

using ConfigFn = std::function<void(Config&)>;
using DropFn = std::function<bool(const Message&)>;

// The defaults of every test node: small timeouts so scenarios stay short.
Config test_config(NodeId id, std::size_t voter_count);

// Entries 1..terms.size() with the given terms (data "e<index>"), for preloaded logs.
std::vector<Entry> entries_with_terms(const std::vector<Term>& terms);

// One RawNode on its own MemoryStorage, for unit tests that hand-craft every message.
class LoneNode {
 public:
  explicit LoneNode(const Config& config) : raw_(config, storage_) {}

  RawNode& raw() { return raw_; }
  const Raft& raft() const { return raw_.raft(); }
  MemoryStorage& storage() { return storage_; }
  // ready(), persist to storage_, advance(); returns the Ready (empty if none was pending).
  Ready cycle();

 private:
  MemoryStorage storage_;
  RawNode raw_;
};

class TestNetwork {
 public:
  // Voters 1..voter_count; `configure` adjusts each node's Config (id and voters already set).
  explicit TestNetwork(std::size_t voter_count, const ConfigFn& configure = {});

  // Adds node `id` with an empty log and no configuration: it learns one from the leader
  // (a node joining the cluster).
  void add_node(NodeId id, const ConfigFn& configure = {});
  // Node `id` loses its disk: it restarts with empty storage and no configuration (a new
  // machine under the same id).
  void wipe(NodeId id);

  // Replaces node `id`'s durable state with `log` and `hard_state` and restarts it.
  void preload(NodeId id, const std::vector<Term>& log_terms, const HardState& hard_state);

  RawNode& node(NodeId id);
  const Raft& raft(NodeId id) const;
  MemoryStorage& storage(NodeId id);
  std::vector<NodeId> ids() const;

  // --- links ---
  void cut(NodeId a, NodeId b);  // both directions
  void cut_one_way(NodeId from, NodeId to);
  void isolate(NodeId id);
  void heal();  // restores every link and removes the drop predicate
  void set_drop(DropFn drop) { drop_ = std::move(drop); }

  // --- inputs ---
  void tick(NodeId id, int ticks = 1);
  void tick_all(int ticks = 1);
  void campaign(NodeId id) { node(id).campaign(); }
  Result<EntryId> propose(NodeId id, std::string data) { return node(id).propose(data); }
  Result<EntryId> propose_conf(NodeId id, ConfState next) {
    return node(id).propose_conf_change(std::move(next));
  }

  // --- the Ready loop, step by step ---
  Ready ready(NodeId id);
  void send(const std::vector<Message>& messages);
  void write(NodeId id, const Ready& rd);  // hard state and entries, not yet synced
  void sync(NodeId id);                    // everything written is now durable
  void apply(NodeId id, const Ready& rd);  // records committed entries and read states
  void advance(NodeId id, const Ready& rd) { node(id).advance(rd); }
  // The whole loop for one node, in contract order. Returns the Ready it processed.
  Ready process_ready(NodeId id);

  // Delivers queued messages (and those they cause, once nodes process their Readys in
  // stabilize). Returns how many were delivered, not counting drops.
  std::size_t deliver();
  // Delivers only queued messages matching `pick`; the rest stay queued in order.
  std::size_t deliver_if(const DropFn& pick);
  // Runs Ready loops and deliveries until no node has a Ready and the queue is empty.
  void stabilize();
  // campaign(id) then stabilize(); expects `id` to be leader afterwards.
  void elect(NodeId id);

  // Restarts node `id` from its storage. lose_unsynced: from the synced copy only.
  void crash(NodeId id, bool lose_unsynced);
  // Node `id` snapshots its state at `index` (applied) and compacts its log up to
  // `compact_to` (<= index), in both its written and synced storage.
  void snapshot_and_compact(NodeId id, Index index, Index compact_to);

  // --- observations ---
  NodeId leader() const;  // the leader with the highest term, or kNoNode
  const std::vector<Message>& sent() const { return sent_; }
  void clear_sent() { sent_.clear(); }
  std::size_t count_sent(const DropFn& match) const;
  const std::deque<Message>& queued() const { return queue_; }
  const std::vector<Entry>& applied(NodeId id) { return slot(id).applied; }
  const std::vector<ReadState>& read_states(NodeId id) { return slot(id).read_states; }
  // Snapshots node `id` installed from its leader, in order.
  const std::vector<SnapshotMeta>& installed(NodeId id) { return slot(id).installed; }

 private:
  struct Slot {
    Config config;
    std::unique_ptr<MemoryStorage> written;
    std::unique_ptr<MemoryStorage> synced;
    std::unique_ptr<RawNode> raw;
    std::vector<Entry> applied;
    std::vector<ReadState> read_states;
    std::vector<SnapshotMeta> installed;
  };

  Slot& slot(NodeId id);
  const Slot& slot(NodeId id) const;
  bool dropped(const Message& m) const;
  void restart(Slot& s);

  std::map<NodeId, Slot> slots_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  DropFn drop_;
  std::deque<Message> queue_;
  std::vector<Message> sent_;
};

}  // namespace helios::raft::testing
