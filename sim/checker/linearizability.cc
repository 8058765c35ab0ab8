#include "linearizability.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/assert.h"
#include "base/prng.h"

namespace helios::sim {
namespace {

// A model state (the value of one key) is interned: 0 is "missing", n > 0 is a string.
using StateId = std::uint32_t;
constexpr StateId kMissing = 0;

constexpr std::size_t kMaxShownPrefix = 8;
constexpr std::size_t kMaxShownCandidates = 16;

// Parses a whole decimal int64 ("007" and "+7" are accepted: this reads a client's answer).
std::optional<std::int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

// A stored value is an integer for INCR only in its canonical form, as in Redis.
std::optional<std::int64_t> parse_canonical_int(std::string_view s) {
  const std::optional<std::int64_t> value = parse_int(s);
  if (!value || std::to_string(*value) != s) {
    return std::nullopt;
  }
  return value;
}

std::string quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool is_pending(const KvOperation& op) { return op.return_time == kNeverReturned; }

// One operation of a key's sub-history, with its recorded result resolved to model terms.
struct PreparedOp {
  const KvOperation* op = nullptr;
  bool pending = false;
  // kGet: the state it observed. kPut: the state it writes. kIncr (returned): the state its
  // result names, valid only if result_ok.
  StateId state_arg = kMissing;
  bool result_ok = false;
  std::int64_t result = 0;
};

// The sequential specification of one key, over interned states.
class KvModel {
 public:
  StateId intern(const std::string& value) {
    const auto [it, inserted] = ids_.try_emplace(value, static_cast<StateId>(values_.size() + 1));
    if (inserted) {
      HELIOS_ASSERT(values_.size() < UINT32_MAX - 1);
      values_.push_back(value);
      ints_.push_back(parse_canonical_int(value));
    }
    return it->second;
  }

  std::string describe(StateId s) const {
    return s == kMissing ? std::string("missing") : quoted(values_[s - 1]);
  }

  // The state after op takes effect in state s with its recorded result, or nullopt if op
  // cannot take effect there.
  std::optional<StateId> step(StateId s, const PreparedOp& p) {
    switch (p.op->kind) {
      case KvOpKind::kGet:
        return s == p.state_arg ? std::optional<StateId>(s) : std::nullopt;
      case KvOpKind::kPut:
        return p.state_arg;
      case KvOpKind::kIncr:
        return incr(s, p);
    }
    return std::nullopt;
  }

 private:
  std::optional<StateId> incr(StateId s, const PreparedOp& p) {
    const std::optional<std::int64_t> base =
        s == kMissing ? std::optional<std::int64_t>(0) : ints_[s - 1];
    std::int64_t sum = 0;
    if (!base || __builtin_add_overflow(*base, p.op->delta, &sum)) {
      // The server answers an error and changes nothing: fine only if nobody saw an answer.
      return p.pending ? std::optional<StateId>(s) : std::nullopt;
    }
    if (p.pending) {
      return intern(std::to_string(sum));
    }
    if (!p.result_ok || p.result != sum) {
      return std::nullopt;
    }
    return p.state_arg;
  }

  std::vector<std::string> values_;                // index: StateId - 1
  std::vector<std::optional<std::int64_t>> ints_;  // index: StateId - 1
  std::unordered_map<std::string, StateId> ids_;
};

// The call and return events of a key's operations, sorted by time, as a doubly linked list
// that operations are lifted out of (both events) and put back into in LIFO order.
class EventList {
 public:
  struct Node {
    std::uint32_t op = 0;
    bool is_call = false;
    std::uint32_t match = 0;  // the other event of the same operation
    std::uint32_t prev = 0;
    std::uint32_t next = 0;
  };

  explicit EventList(const std::vector<PreparedOp>& ops);

  std::uint32_t first() const { return nodes_[kHead].next; }
  std::uint32_t tail() const { return static_cast<std::uint32_t>(nodes_.size() - 1); }
  const Node& node(std::uint32_t i) const { return nodes_[i]; }
  std::uint32_t call_of(std::uint32_t op) const { return call_of_[op]; }
  std::uint32_t return_of(std::uint32_t op) const { return nodes_[call_of_[op]].match; }

  void lift(std::uint32_t call) {
    unlink(call);
    unlink(nodes_[call].match);
  }

  void unlift(std::uint32_t call) {
    relink(nodes_[call].match);
    relink(call);
  }

 private:
  static constexpr std::uint32_t kHead = 0;

  void unlink(std::uint32_t i) {
    nodes_[nodes_[i].prev].next = nodes_[i].next;
    nodes_[nodes_[i].next].prev = nodes_[i].prev;
  }

  void relink(std::uint32_t i) {
    nodes_[nodes_[i].prev].next = i;
    nodes_[nodes_[i].next].prev = i;
  }

  std::vector<Node> nodes_;  // [0] head sentinel, events in time order, [size-1] tail sentinel
  std::vector<std::uint32_t> call_of_;
};

EventList::EventList(const std::vector<PreparedOp>& ops) : call_of_(ops.size()) {
  struct Event {
    std::uint64_t time;
    bool is_return;  // calls sort before returns at equal times: such events are concurrent
    std::uint32_t op;
  };
  std::vector<Event> events;
  events.reserve(ops.size() * 2);
  for (std::uint32_t i = 0; i < ops.size(); ++i) {
    events.push_back({ops[i].op->call_time, false, i});
    events.push_back({ops[i].op->return_time, true, i});  // kNeverReturned sorts last
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.time, a.is_return, a.op) < std::tie(b.time, b.is_return, b.op);
  });
  nodes_.resize(events.size() + 2);
  std::vector<std::uint32_t> return_of(ops.size());
  for (std::uint32_t i = 0; i < events.size(); ++i) {
    (events[i].is_return ? return_of : call_of_)[events[i].op] = i + 1;
  }
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    nodes_[i].prev = i == 0 ? 0 : i - 1;
    nodes_[i].next = i + 1 == nodes_.size() ? i : i + 1;
    if (i == 0 || i + 1 == nodes_.size()) {
      continue;
    }
    const Event& e = events[i - 1];
    nodes_[i].op = e.op;
    nodes_[i].is_call = !e.is_return;
    nodes_[i].match = e.is_return ? call_of_[e.op] : return_of[e.op];
  }
}

// Lowe's memo: the set of (linearized operations, state) configurations already explored,
// in an open-addressing table over a flat arena (words_ bitset words, then the state).
class ConfigCache {
 public:
  explicit ConfigCache(std::size_t words) : words_(words), slots_(1024, 0) {}

  // Adds the configuration; false if it was already there.
  bool insert(const std::vector<std::uint64_t>& bits, StateId state, std::uint64_t hash) {
    if ((hashes_.size() + 1) * 2 > slots_.size()) {
      grow();
    }
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const std::uint32_t slot = slots_[i];
      if (slot == 0) {
        HELIOS_ASSERT(hashes_.size() < UINT32_MAX - 1);
        hashes_.push_back(hash);
        arena_.insert(arena_.end(), bits.begin(), bits.end());
        arena_.push_back(state);
        slots_[i] = static_cast<std::uint32_t>(hashes_.size());
        return true;
      }
      if (hashes_[slot - 1] == hash && same(slot - 1, bits, state)) {
        return false;
      }
    }
  }

 private:
  bool same(std::size_t entry, const std::vector<std::uint64_t>& bits, StateId state) const {
    const std::uint64_t* stored = arena_.data() + entry * (words_ + 1);
    return stored[words_] == state && std::equal(bits.begin(), bits.end(), stored);
  }

  void grow() {
    slots_.assign(slots_.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t e = 0; e < hashes_.size(); ++e) {
      std::size_t i = hashes_[e] & mask;
      while (slots_[i] != 0) {
        i = (i + 1) & mask;
      }
      slots_[i] = static_cast<std::uint32_t>(e + 1);
    }
  }

  std::size_t words_;
  std::vector<std::uint64_t> arena_;
  std::vector<std::uint64_t> hashes_;  // per entry
  std::vector<std::uint32_t> slots_;   // 0: empty; else entry index + 1
};

// The search over one key's sub-history: an iterative DFS over the event list.
class KeySearch {
 public:
  enum class Outcome { kOk, kNotLinearizable, kTimedOut };

  explicit KeySearch(const std::vector<const KvOperation*>& ops);
  Outcome run(std::uint64_t& budget);
  std::string explain(std::string_view key) const;

 private:
  struct Frame {
    std::uint32_t call;  // the call node of the operation linearized at this depth
    StateId before;      // the state before it
  };

  bool try_linearize(std::uint32_t call);
  std::uint32_t backtrack();
  void record_stuck(std::uint32_t return_node);
  void flip(std::uint32_t op) {
    bits_[op / 64] ^= std::uint64_t{1} << (op % 64);
    bits_hash_ ^= zobrist_[op];
  }

  KvModel model_;
  std::vector<PreparedOp> ops_;
  EventList list_;
  ConfigCache cache_;
  std::vector<std::uint64_t> zobrist_;  // a random word per operation: the bitset's hash
  std::vector<std::uint64_t> bits_;     // linearized operations
  std::uint64_t bits_hash_ = 0;
  StateId state_ = kMissing;
  std::vector<Frame> stack_;
  // The deepest configuration from which no operation could be linearized next, for the
  // explanation. best_ is the linearized prefix; it shares best_shared_ frames with stack_.
  bool has_best_ = false;
  std::vector<std::uint32_t> best_;
  std::size_t best_shared_ = 0;
  StateId best_state_ = kMissing;
  std::uint32_t best_blocker_ = 0;  // the return node the search could not move past
};

std::vector<PreparedOp> prepare(const std::vector<const KvOperation*>& ops, KvModel& model) {
  std::vector<PreparedOp> out;
  out.reserve(ops.size());
  for (const KvOperation* op : ops) {
    PreparedOp p;
    p.op = op;
    p.pending = is_pending(*op);
    if (op->kind == KvOpKind::kGet) {
      p.state_arg = op->found ? model.intern(op->value) : kMissing;
    } else if (op->kind == KvOpKind::kPut) {
      p.state_arg = model.intern(op->value);
    } else if (!p.pending) {
      const std::optional<std::int64_t> result = parse_int(op->value);
      p.result_ok = result.has_value();
      p.result = result.value_or(0);
      p.state_arg = p.result_ok ? model.intern(std::to_string(p.result)) : kMissing;
    }
    out.push_back(p);
  }
  return out;
}

KeySearch::KeySearch(const std::vector<const KvOperation*>& ops)
    : ops_(prepare(ops, model_)),
      list_(ops_),
      cache_((ops.size() + 63) / 64),
      zobrist_(ops.size()),
      bits_((ops.size() + 63) / 64, 0) {
  base::Prng prng(0x6c696e6561726c79ULL);
  for (std::uint64_t& z : zobrist_) {
    z = prng.next();
  }
}

KeySearch::Outcome KeySearch::run(std::uint64_t& budget) {
  std::uint32_t node = list_.first();
  while (node != list_.tail()) {
    if (budget == 0) {
      return Outcome::kTimedOut;
    }
    --budget;
    const EventList::Node& n = list_.node(node);
    if (n.is_call) {
      node = try_linearize(node) ? list_.first() : n.next;
      continue;
    }
    // The earliest remaining return: its operation must be linearized before we move on.
    if (ops_[n.op].pending) {
      return Outcome::kOk;  // only operations that may never take effect remain
    }
    record_stuck(node);
    if (stack_.empty()) {
      return Outcome::kNotLinearizable;
    }
    node = backtrack();
  }
  return Outcome::kOk;
}

bool KeySearch::try_linearize(std::uint32_t call) {
  const std::uint32_t op = list_.node(call).op;
  const std::optional<StateId> next = model_.step(state_, ops_[op]);
  if (!next) {
    return false;
  }
  flip(op);
  if (!cache_.insert(bits_, *next, bits_hash_ ^ mix(*next))) {
    flip(op);
    return false;
  }
  stack_.push_back({call, state_});
  state_ = *next;
  list_.lift(call);
  return true;
}

std::uint32_t KeySearch::backtrack() {
  const Frame top = stack_.back();
  stack_.pop_back();
  best_shared_ = std::min(best_shared_, stack_.size());
  flip(list_.node(top.call).op);
  state_ = top.before;
  list_.unlift(top.call);
  return list_.node(top.call).next;
}

void KeySearch::record_stuck(std::uint32_t return_node) {
  if (has_best_ && stack_.size() <= best_.size()) {
    return;
  }
  // Frames below best_shared_ have not moved since the last copy: copy only the rest, so
  // the copying costs no more than the pushes and pops in between.
  best_.resize(std::min(best_.size(), best_shared_));
  for (std::size_t i = best_.size(); i < stack_.size(); ++i) {
    best_.push_back(list_.node(stack_[i].call).op);
  }
  best_shared_ = stack_.size();
  best_state_ = state_;
  best_blocker_ = return_node;
  has_best_ = true;
}

std::string KeySearch::explain(std::string_view key) const {
  std::string out = "key " + quoted(key) + " is not linearizable (" +
                    std::to_string(ops_.size()) + " operations on it).\n";
  out += "Longest linearizable prefix: " + std::to_string(best_.size()) + " operations";
  const std::size_t shown_from = best_.size() - std::min(best_.size(), kMaxShownPrefix);
  if (best_.empty()) {
    out += ".\n";
  } else if (shown_from > 0) {
    out += ", the last " + std::to_string(kMaxShownPrefix) + ":\n";
  } else {
    out += ":\n";
  }
  for (std::size_t i = shown_from; i < best_.size(); ++i) {
    out += "  " + std::to_string(i + 1) + ". " + to_string(*ops_[best_[i]].op) + "\n";
  }
  out += "State after it: " + model_.describe(best_state_) + ".\n";
  out += "None of these operations can take effect next:\n";
  std::unordered_set<std::uint32_t> done(best_.begin(), best_.end());
  std::size_t shown = 0;
  for (std::uint32_t i = 1; i < best_blocker_; ++i) {
    const EventList::Node& n = list_.node(i);
    if (!n.is_call || done.contains(n.op)) {
      continue;
    }
    if (++shown > kMaxShownCandidates) {
      out += "  ...\n";
      break;
    }
    out += "  " + to_string(*ops_[n.op].op) + "\n";
  }
  out += "and " + to_string(*ops_[list_.node(best_blocker_).op].op) +
         " must take effect before it returns.";
  return out;
}

// Without INCR on the key, a PUT that never returned and whose value no GET observed can be
// left out: if it took effect, the next operation on the key overwrote it. Dropping such
// PUTs keeps the search from trying each of them at every point of the history.
void drop_unobserved_pending_puts(std::vector<const KvOperation*>& ops) {
  std::unordered_set<std::string_view> observed;
  for (const KvOperation* op : ops) {
    if (op->kind == KvOpKind::kIncr) {
      return;
    }
    if (op->kind == KvOpKind::kGet && op->found) {
      observed.insert(op->value);
    }
  }
  std::erase_if(ops, [&](const KvOperation* op) {
    return op->kind == KvOpKind::kPut && is_pending(*op) && !observed.contains(op->value);
  });
}

}  // namespace

LinearizabilityResult check_kv_linearizable(const std::vector<KvOperation>& history,
                                            std::uint64_t max_steps) {
  std::map<std::string_view, std::vector<const KvOperation*>> by_key;
  for (const KvOperation& op : history) {
    HELIOS_ASSERT_MSG(is_pending(op) || op.call_time < op.return_time,
                      "a completed operation must return after its call");
    if (op.kind == KvOpKind::kGet && is_pending(op)) {
      continue;  // it observed nothing and changed nothing
    }
    by_key[op.key].push_back(&op);
  }
  std::uint64_t budget = max_steps;
  for (auto& [key, ops] : by_key) {
    drop_unobserved_pending_puts(ops);
    HELIOS_ASSERT(ops.size() < UINT32_MAX / 2 - 2);
    KeySearch search(ops);
    switch (search.run(budget)) {
      case KeySearch::Outcome::kOk:
        break;
      case KeySearch::Outcome::kNotLinearizable:
        return {.ok = false, .timed_out = false, .explanation = search.explain(key)};
      case KeySearch::Outcome::kTimedOut:
        return {.ok = true, .timed_out = true, .explanation = ""};
    }
  }
  return {};
}

std::string to_string(const KvOperation& op) {
  const bool pending = is_pending(op);
  std::string out = "client " + std::to_string(op.client_id) + " ";
  switch (op.kind) {
    case KvOpKind::kGet:
      out += "get " + quoted(op.key) + " -> ";
      out += pending ? "?" : (op.found ? quoted(op.value) : "missing");
      break;
    case KvOpKind::kPut:
      out += "put " + quoted(op.key) + " = " + quoted(op.value);
      break;
    case KvOpKind::kIncr:
      out += "incr " + quoted(op.key) + " by " + std::to_string(op.delta) + " -> ";
      out += pending ? "?" : quoted(op.value);
      break;
  }
  out += " [" + std::to_string(op.call_time) + ", ";
  out += pending ? "never returned]" : std::to_string(op.return_time) + "]";
  return out;
}

}  // namespace helios::sim
