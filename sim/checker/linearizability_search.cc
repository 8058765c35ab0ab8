// The search over one key's sub-history: Wing & Gong's depth-first search over the calls and
// returns, in Porcupine's iterative form, with Lowe's memo of dead configurations.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/assert.h"
#include "base/prng.h"
#include "sim/checker/linearizability.h"
#include "sim/checker/linearizability_internal.h"

namespace helios::sim::detail {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

using Bits = std::vector<std::uint64_t>;

// The events of a key's operations on one time line (rank), kept in two doubly linked lists
// that operations are lifted out of and put back into in LIFO order: the calls and returns of
// the operations that must take effect, and the calls of the pending ones (which never end).
class EventList {
 public:
  struct Node {
    std::uint32_t op = 0;
    bool is_call = false;
    std::uint32_t match = 0;  // a call's return, a return's call; a pending call: itself
    std::uint32_t prev = 0;
    std::uint32_t next = 0;
    std::uint32_t rank = UINT32_MAX;  // position on the time line; sentinels last
  };

  explicit EventList(const std::vector<PreparedOp>& ops);

  bool empty() const { return nodes_[kHead].next == kTail; }
  std::uint32_t first() const { return nodes_[kHead].next; }
  std::uint32_t first_pending() const { return nodes_[kPendingHead].next; }
  std::uint32_t end() const { return static_cast<std::uint32_t>(nodes_.size()); }
  std::uint32_t begin_events() const { return kFirstEvent; }  // nodes are numbered by rank
  const Node& node(std::uint32_t i) const { return nodes_[i]; }

  void lift(std::uint32_t call) {
    unlink(call);
    if (nodes_[call].match != call) {
      unlink(nodes_[call].match);
    }
  }

  void unlift(std::uint32_t call) {
    if (nodes_[call].match != call) {
      relink(nodes_[call].match);
    }
    relink(call);
  }

 private:
  static constexpr std::uint32_t kHead = 0;
  static constexpr std::uint32_t kTail = 1;
  static constexpr std::uint32_t kPendingHead = 2;
  static constexpr std::uint32_t kPendingTail = 3;
  static constexpr std::uint32_t kFirstEvent = 4;

  void append(std::uint32_t tail, Node n) {
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    n.prev = nodes_[tail].prev;
    n.next = tail;
    nodes_[n.prev].next = id;
    nodes_[tail].prev = id;
    nodes_.push_back(n);
  }

  void unlink(std::uint32_t i) {
    nodes_[nodes_[i].prev].next = nodes_[i].next;
    nodes_[nodes_[i].next].prev = nodes_[i].prev;
  }

  void relink(std::uint32_t i) {
    nodes_[nodes_[i].prev].next = i;
    nodes_[nodes_[i].next].prev = i;
  }

  std::vector<Node> nodes_;
};

EventList::EventList(const std::vector<PreparedOp>& ops) : nodes_(kFirstEvent) {
  struct Event {
    std::uint64_t time;
    bool is_return;  // calls sort before returns at equal times: such events are concurrent
    std::uint32_t op;
  };
  std::vector<Event> events;
  events.reserve(ops.size() * 2);
  for (std::uint32_t i = 0; i < ops.size(); ++i) {
    events.push_back({ops[i].op->call_time, false, i});
    if (!ops[i].pending) {
      events.push_back({ops[i].return_time, true, i});
    }
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.time, a.is_return, a.op) < std::tie(b.time, b.is_return, b.op);
  });
  nodes_[kHead].next = kTail;
  nodes_[kTail].prev = kHead;
  nodes_[kPendingHead].next = kPendingTail;
  nodes_[kPendingTail].prev = kPendingHead;
  std::vector<std::uint32_t> call_node(ops.size());
  for (std::uint32_t rank = 0; rank < events.size(); ++rank) {
    const Event& e = events[rank];
    const std::uint32_t id = end();
    Node n{.op = e.op, .is_call = !e.is_return, .match = id, .prev = 0, .next = 0, .rank = rank};
    if (e.is_return) {
      n.match = call_node[e.op];
      nodes_[n.match].match = id;
    } else {
      call_node[e.op] = id;
    }
    append(ops[e.op].pending ? kPendingTail : kTail, n);
  }
}

// The completed operations linearized so far: a bitset that keeps its Zobrist hash and its
// span (the words before lo() are full, those from hi() on are empty). Operations are
// numbered in return order, so the set is mostly a prefix and its span is short.
class DoneSet {
 public:
  explicit DoneSet(std::uint32_t size) : bits_((size + 63) / 64, 0), zobrist_(size) {
    base::Prng prng(0x6c696e6561726c79ULL);
    for (std::uint64_t& z : zobrist_) {
      z = prng.next();
    }
  }

  void flip(std::uint32_t i) {
    const std::size_t w = i / 64;
    bits_[w] ^= std::uint64_t{1} << (i % 64);
    hash_ ^= zobrist_[i];
    if ((bits_[w] >> (i % 64) & 1) != 0) {
      hi_ = std::max(hi_, w + 1);
      while (lo_ < bits_.size() && bits_[lo_] == ~std::uint64_t{0}) {
        ++lo_;
      }
    } else {
      lo_ = std::min(lo_, w);
      while (hi_ > 0 && bits_[hi_ - 1] == 0) {
        --hi_;
      }
    }
  }

  const Bits& words() const { return bits_; }
  std::size_t lo() const { return lo_; }
  std::size_t hi() const { return hi_; }
  std::uint64_t hash() const { return hash_; }

 private:
  Bits bits_;
  std::vector<std::uint64_t> zobrist_;  // a random word per operation
  std::uint64_t hash_ = 0;              // xor of zobrist_ over the set
  std::size_t lo_ = 0;
  std::size_t hi_ = 0;
};

// Lowe's memo, with subsumption: the configurations (completed operations linearized, pending
// operations linearized, state) proven to lead nowhere. With fewer pending operations
// linearized a configuration has every option it had with more (a pending operation is never
// required), so a dead one also rules out those that differ by more pending operations.
// Grouped by (completed operations, state); each group lists its pending sets.
class DeadSet {
 public:
  explicit DeadSet(std::size_t pending_words) : pending_words_(pending_words), slots_(1024, 0) {}

  // True if a recorded configuration with this completed set and state had a subset of these
  // pending operations linearized. Adds the number of pending sets compared to work.
  bool covers(const DoneSet& done, const Bits& pending, StateId state, std::uint64_t& work) const {
    const std::uint32_t slot = slots_[find_slot(done, state)];
    for (std::uint32_t e = slot == 0 ? kNone : group_first_[slot - 1]; e != kNone;
         e = entry_next_[e]) {
      ++work;
      const std::uint64_t* dead = entry_bits_.data() + e * pending_words_;
      bool subset = true;
      for (std::size_t w = 0; w < pending_words_ && subset; ++w) {
        subset = (dead[w] & ~pending[w]) == 0;
      }
      if (subset) {
        return true;
      }
    }
    return false;
  }

  void add(const DoneSet& done, const Bits& pending, StateId state) {
    if ((group_hash_.size() + 1) * 2 > slots_.size()) {
      grow();
    }
    const std::size_t i = find_slot(done, state);
    if (slots_[i] == 0) {
      HELIOS_ASSERT(group_hash_.size() < kNone - 1);
      group_key_.push_back(keys_.size());
      group_hash_.push_back(hash(done, state));
      group_first_.push_back(kNone);
      keys_.push_back(done.lo() << 32 | done.hi());
      keys_.push_back(state);
      keys_.insert(keys_.end(), done.words().begin() + static_cast<std::ptrdiff_t>(done.lo()),
                   done.words().begin() + static_cast<std::ptrdiff_t>(done.hi()));
      slots_[i] = static_cast<std::uint32_t>(group_hash_.size());
    }
    HELIOS_ASSERT(entry_next_.size() < kNone - 1);
    std::uint32_t& first = group_first_[slots_[i] - 1];
    entry_bits_.insert(entry_bits_.end(), pending.begin(), pending.end());
    entry_next_.push_back(first);
    first = static_cast<std::uint32_t>(entry_next_.size() - 1);
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  static std::uint64_t hash(const DoneSet& done, StateId state) { return done.hash() ^ mix(state); }

  // The slot of the group, or the empty slot where it would go.
  std::size_t find_slot(const DoneSet& done, StateId state) const {
    const std::uint64_t h = hash(done, state);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const std::uint32_t slot = slots_[i];
      if (slot == 0) {
        return i;
      }
      const std::uint64_t* key = keys_.data() + group_key_[slot - 1];
      if (group_hash_[slot - 1] == h && key[0] == (done.lo() << 32 | done.hi()) &&
          key[1] == state &&
          std::equal(done.words().begin() + static_cast<std::ptrdiff_t>(done.lo()),
                     done.words().begin() + static_cast<std::ptrdiff_t>(done.hi()), key + 2)) {
        return i;
      }
    }
  }

  void grow() {
    slots_.assign(slots_.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t g = 0; g < group_hash_.size(); ++g) {
      std::size_t i = group_hash_[g] & mask;
      while (slots_[i] != 0) {
        i = (i + 1) & mask;
      }
      slots_[i] = static_cast<std::uint32_t>(g + 1);
    }
  }

  std::size_t pending_words_;
  Bits keys_;  // per group: lo << 32 | hi, the state, then the completed set's words [lo, hi)
  std::vector<std::uint64_t> group_key_;    // per group: where its key starts in keys_
  std::vector<std::uint64_t> group_hash_;   // per group
  std::vector<std::uint32_t> group_first_;  // per group: its newest entry, or kNone
  Bits entry_bits_;                         // per entry: pending_words_ words
  std::vector<std::uint32_t> entry_next_;   // per entry: the group's next entry, or kNone
  std::vector<std::uint32_t> slots_;        // 0: empty; else group index + 1
};

// The search over one key's sub-history: an iterative DFS over the event lists.
class KeySearch {
 public:
  using Outcome = KeyOutcome;

  explicit KeySearch(const std::vector<const KvOperation*>& ops);

  // Spends at most budget steps (its last step may overrun it a little: see steps()).
  Outcome run(std::uint64_t budget) { return search(budget); }

  // The steps spent so far.
  std::uint64_t steps() const { return work_; }

  // Why the key is not linearizable, after run() said so.
  std::string explain(std::string_view key);

 private:
  // The scan of a configuration's candidates: the calls before the earliest remaining return
  // (the limit, once phase 0 has found it). See search() for the phases.
  struct Cursor {
    std::uint32_t node;
    int phase;
    std::uint32_t limit;
  };
  struct Frame {
    Cursor at;       // the scan when the operation at this depth was taken
    StateId before;  // the state before it
  };
  enum class Try { kTaken, kRejected, kDead };

  Outcome search(std::uint64_t budget);
  bool eligible(const Cursor& at) const;
  Cursor next_candidate(const Cursor& at) const;
  Try try_linearize(const Cursor& at);
  bool backtrack(Cursor& at);
  void record_stuck(std::uint32_t return_node);
  void flip(std::uint32_t op);
  DeadEnd dead_end() const;

  KvModel model_;
  std::vector<PreparedOp> ops_;  // those that must take effect, then completed_.. pending
  std::uint32_t completed_ = 0;
  EventList list_;
  DeadSet dead_;
  DoneSet done_;  // completed operations linearized
  Bits pending_;  // pending operations linearized (index - completed_)
  Awaited awaited_;
  StateId state_ = kMissing;
  std::vector<Frame> stack_;
  std::uint64_t work_ = 0;
  // The deepest configuration from which no operation could be linearized next, for the
  // explanation. best_ is the linearized prefix; it shares best_shared_ frames with stack_.
  bool has_best_ = false;
  std::vector<std::uint32_t> best_;
  std::size_t best_shared_ = 0;
  StateId best_state_ = kMissing;
  std::uint32_t best_blocker_ = 0;            // the return node the search could not move past
  std::optional<ImpossibleRead> impossible_;  // found before searching
};

std::uint32_t count_completed(const std::vector<PreparedOp>& ops) {
  return static_cast<std::uint32_t>(
      std::count_if(ops.begin(), ops.end(), [](const PreparedOp& p) { return !p.pending; }));
}

KeySearch::KeySearch(const std::vector<const KvOperation*>& ops)
    : ops_(prepare(ops, model_)),
      completed_(count_completed(ops_)),
      list_(ops_),
      dead_((ops_.size() - completed_ + 63) / 64),
      done_(completed_),
      pending_((ops_.size() - completed_ + 63) / 64, 0),
      awaited_(ops_, model_.size()) {}

void KeySearch::flip(std::uint32_t op) {
  if (op < completed_) {
    done_.flip(op);
  } else {
    const std::uint32_t i = op - completed_;
    pending_[i / 64] ^= std::uint64_t{1} << (i % 64);
  }
}

// Candidates are tried in four phases: 0, the GETs; 1, the operation of the limit, which is
// due now; 2, the other completed writes; 3, the pending writes called before the limit.
// A GET that fits now can be placed now without loss of generality: it changes nothing, and
// everything that must precede it already has. So once a GET is taken, or found to lead to a
// dead end, the other candidates need no trying. The due operation next, and pending ones
// last, because most linearizations need few operations placed before they are due.
KeySearch::Outcome KeySearch::search(std::uint64_t budget) {
  impossible_ = find_impossible_read(ops_, model_);
  if (impossible_) {
    return Outcome::kNotLinearizable;
  }
  Cursor at{list_.first(), 0, 0};
  while (!list_.empty()) {  // until every operation that must take effect has
    if (work_ >= budget) {
      return Outcome::kTimedOut;
    }
    ++work_;
    const EventList::Node& n = list_.node(at.node);
    if (!n.is_call && (at.phase == 0 || at.phase == 2)) {  // the earliest remaining return
      at = at.phase == 0 ? Cursor{n.match, 1, at.node} : Cursor{list_.first_pending(), 3, at.limit};
      continue;
    }
    Try tried = Try::kRejected;
    if (at.phase == 3 && n.rank > list_.node(at.limit).rank) {  // the pending tail ranks last
      record_stuck(at.limit);
      tried = Try::kDead;
    } else if (eligible(at)) {
      tried = try_linearize(at);
    }
    if (tried == Try::kTaken) {
      at = Cursor{list_.first(), 0, 0};
    } else if (tried == Try::kRejected) {
      at = next_candidate(at);
    } else if (!backtrack(at)) {
      return Outcome::kNotLinearizable;
    }
  }
  return Outcome::kOk;
}

bool KeySearch::eligible(const Cursor& at) const {
  const std::uint32_t op = list_.node(at.node).op;
  const bool is_get = ops_[op].op->kind == KvOpKind::kGet;
  switch (at.phase) {
    case 0:
      return is_get;
    case 1:
      return !is_get;
    case 2:
      return !is_get && op != list_.node(at.limit).op;
    default:
      return true;  // the pending list holds only writes
  }
}

KeySearch::Cursor KeySearch::next_candidate(const Cursor& at) const {
  if (at.phase == 1) {
    return Cursor{list_.first(), 2, at.limit};
  }
  return Cursor{list_.node(at.node).next, at.phase, at.limit};
}

KeySearch::Try KeySearch::try_linearize(const Cursor& at) {
  const std::uint32_t op = list_.node(at.node).op;
  const std::optional<StateId> next = model_.step(state_, ops_[op]);
  if (!next) {
    return Try::kRejected;
  }
  awaited_.count(ops_[op], -1);
  if (*next != state_ && awaited_.strands_if_left(state_, model_)) {
    awaited_.count(ops_[op], 1);
    return Try::kRejected;
  }
  flip(op);
  if (dead_.covers(done_, pending_, *next, work_)) {
    flip(op);
    awaited_.count(ops_[op], 1);
    // A GET that fits leads to a dead end: so does every other choice here (see search).
    return at.phase == 0 ? Try::kDead : Try::kRejected;
  }
  stack_.push_back({at, state_});
  state_ = *next;
  list_.lift(at.node);
  return Try::kTaken;
}

// Records the current configuration as dead, undoes the last choice and resumes the scan
// after it. A GET decides its configuration (see search), so that is undone too. False when
// nothing is left to undo.
bool KeySearch::backtrack(Cursor& at) {
  while (!stack_.empty()) {
    dead_.add(done_, pending_, state_);
    const Frame top = stack_.back();
    stack_.pop_back();
    best_shared_ = std::min(best_shared_, stack_.size());
    const std::uint32_t op = list_.node(top.at.node).op;
    flip(op);
    awaited_.count(ops_[op], 1);
    state_ = top.before;
    list_.unlift(top.at.node);
    if (top.at.phase != 0) {
      at = next_candidate(top.at);
      return true;
    }
  }
  return false;
}

void KeySearch::record_stuck(std::uint32_t return_node) {
  if (has_best_ && stack_.size() <= best_.size()) {
    return;
  }
  // Frames below best_shared_ have not moved since the last copy: copy only the rest, so
  // the copying costs no more than the pushes and pops in between.
  best_.resize(std::min(best_.size(), best_shared_));
  for (std::size_t i = best_.size(); i < stack_.size(); ++i) {
    best_.push_back(list_.node(stack_[i].at.node).op);
  }
  best_shared_ = stack_.size();
  best_state_ = state_;
  best_blocker_ = return_node;
  has_best_ = true;
}

std::string KeySearch::explain(std::string_view key) {
  if (impossible_) {
    return explain_impossible_read(key, ops_, *impossible_);
  }
  return explain_dead_end(key, ops_, model_, dead_end());
}

// The deepest stuck configuration: every dead end goes back to one.
DeadEnd KeySearch::dead_end() const {
  HELIOS_ASSERT(has_best_);
  const EventList::Node& due = list_.node(best_blocker_);
  DeadEnd out{.prefix = best_, .state = best_state_, .called = {}, .due = due.op};
  for (std::uint32_t i = list_.begin_events(); i < list_.end(); ++i) {  // in rank order
    const EventList::Node& n = list_.node(i);
    if (n.is_call && n.rank < due.rank) {
      out.called.push_back(n.op);
    }
  }
  return out;
}

}  // namespace

KeyVerdict check_key(std::string_view key, const std::vector<const KvOperation*>& ops,
                     std::uint64_t budget) {
  KeySearch search(ops);
  KeyVerdict verdict;
  verdict.outcome = search.run(budget);
  verdict.steps = search.steps();
  if (verdict.outcome == KeyOutcome::kNotLinearizable) {
    verdict.explanation = search.explain(key);
  }
  return verdict;
}

}  // namespace helios::sim::detail
