#include "sim/checker/linearizability.h"

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

// A model state (the value of one key) is interned: 0 is "missing", 1 stands for every value
// no GET observed (on a key without INCR, those states are all alike: only a write may
// follow), n > 1 is a string.
using StateId = std::uint32_t;
constexpr StateId kMissing = 0;
constexpr StateId kUnobserved = 1;

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

bool is_pending(const KvOperation& op) {
  return op.return_time == kNeverReturned;
}

// One operation of a key's sub-history, with its recorded result resolved to model terms.
struct PreparedOp {
  const KvOperation* op = nullptr;
  bool pending = false;  // it may take effect at any time after its call, or never
  std::uint64_t return_time = kNeverReturned;  // it takes effect before then, if not pending
  // kGet: the state it observed. kPut: the state it writes. kIncr (returned): the state its
  // result names, valid only if result_ok.
  StateId state_arg = kMissing;
  bool result_ok = false;
  std::int64_t result = 0;
  // The state it must find when it takes effect: a GET's state_arg; for an INCR that returned,
  // its result minus delta (unless that is 0, which missing satisfies too).
  std::optional<StateId> needs;
};

// The sequential specification of one key, over interned states.
class KvModel {
 public:
  StateId intern(const std::string& value) {
    const auto [it, inserted] = ids_.try_emplace(value, static_cast<StateId>(values_.size()));
    if (inserted) {
      HELIOS_ASSERT(values_.size() < UINT32_MAX - 1);
      values_.push_back(value);
      ints_.push_back(parse_canonical_int(value));
    }
    return it->second;
  }

  std::size_t size() const { return values_.size(); }
  bool is_integer(StateId s) const { return s < ints_.size() && ints_[s].has_value(); }

  std::string describe(StateId s) const {
    if (s == kMissing || s == kUnobserved) {
      return s == kMissing ? "missing" : "the value of the last PUT above, which no GET observed";
    }
    return quoted(values_[s]);
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
        s == kMissing ? std::optional<std::int64_t>(0) : ints_[s];
    std::int64_t sum = 0;
    if (!base || __builtin_add_overflow(*base, p.op->delta, &sum)) {
      // The server answers an error and changes nothing. That does not fit an INCR that
      // returned a number; for a pending one, taking effect here as a no-op is the same as
      // not taking effect at all, which the search tries anyway, so it is not a move.
      return std::nullopt;
    }
    if (p.pending) {
      return intern(std::to_string(sum));
    }
    if (!p.result_ok || p.result != sum) {
      return std::nullopt;
    }
    return p.state_arg;
  }

  std::vector<std::string> values_ = {"", ""};  // index: StateId (0 and 1 unused)
  std::vector<std::optional<std::int64_t>> ints_ = {std::nullopt, std::nullopt};
  std::unordered_map<std::string, StateId> ids_;
};

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

// What the GETs of a key without INCR (where every state is some PUT's value, or missing)
// tell about its PUTs.
class PutFacts {
 public:
  explicit PutFacts(const std::vector<const KvOperation*>& ops) {
    for (const KvOperation* op : ops) {
      has_incr_ = has_incr_ || op->kind == KvOpKind::kIncr;
      if (op->kind == KvOpKind::kPut) {
        ++values_[op->value].puts;
      } else if (op->kind == KvOpKind::kGet && op->found && !is_pending(*op)) {
        Facts& facts = values_[op->value];
        facts.first_seen_return = std::min(facts.first_seen_return, op->return_time);
        facts.seen = true;
      }
    }
  }

  // Whether no GET observed the value of this PUT, so that the state it makes is just
  // kUnobserved. False on a key with INCR.
  bool unobserved(const KvOperation& put) const {
    return !has_incr_ && !values_.at(put.value).seen;
  }

  // What becomes of a PUT that never returned. If no GET observed its value, it is dropped:
  // had it taken effect, the next write overwrote it unseen. If it is the only PUT of a value
  // some GET observed, it must take effect before the first such GET returned. The answer is
  // its new return time: 0 to drop it, kNeverReturned to leave it pending.
  std::uint64_t pending_return_time(const KvOperation& put) const {
    if (has_incr_) {
      return kNeverReturned;
    }
    const Facts& facts = values_.at(put.value);
    if (!facts.seen) {
      return 0;
    }
    const bool bounded = facts.puts == 1 && facts.first_seen_return > put.call_time;
    return bounded ? facts.first_seen_return : kNeverReturned;
  }

 private:
  struct Facts {
    int puts = 0;
    bool seen = false;
    std::uint64_t first_seen_return = kNeverReturned;
  };
  bool has_incr_ = false;
  std::unordered_map<std::string_view, Facts> values_;
};

// Resolves a key's operations to model terms: those that must take effect first, then the
// pending ones.
std::vector<PreparedOp> prepare(const std::vector<const KvOperation*>& ops, KvModel& model) {
  const PutFacts facts(ops);
  std::vector<PreparedOp> out;
  out.reserve(ops.size());
  for (const KvOperation* op : ops) {
    PreparedOp p;
    p.op = op;
    p.return_time = op->return_time;
    if (op->kind == KvOpKind::kPut && is_pending(*op)) {
      p.return_time = facts.pending_return_time(*op);
      if (p.return_time == 0) {
        continue;
      }
    }
    p.pending = p.return_time == kNeverReturned;
    if (op->kind == KvOpKind::kGet) {
      p.state_arg = op->found ? model.intern(op->value) : kMissing;
    } else if (op->kind == KvOpKind::kPut) {
      p.state_arg = facts.unobserved(*op) ? kUnobserved : model.intern(op->value);
    } else if (!p.pending) {
      const std::optional<std::int64_t> result = parse_int(op->value);
      p.result_ok = result.has_value();
      p.result = result.value_or(0);
      p.state_arg = p.result_ok ? model.intern(std::to_string(p.result)) : kMissing;
      std::int64_t before = 0;
      if (p.result_ok && !__builtin_sub_overflow(p.result, op->delta, &before) && before != 0) {
        p.needs = model.intern(std::to_string(before));
      }
    }
    if (op->kind == KvOpKind::kGet) {
      p.needs = p.state_arg;
    }
    out.push_back(p);
  }
  // Completed operations in return order (see DoneSet), then the pending ones in call order.
  std::stable_sort(out.begin(), out.end(), [](const PreparedOp& a, const PreparedOp& b) {
    return std::tuple(a.pending, a.pending ? a.op->call_time : a.return_time) <
           std::tuple(b.pending, b.pending ? b.op->call_time : b.return_time);
  });
  return out;
}

bool is_write(const PreparedOp& p) {
  return p.op->kind == KvOpKind::kPut || (p.op->kind == KvOpKind::kIncr && p.result_ok);
}

// Which states the remaining operations still need, and which they can still make. A GET can
// only be placed in the state it observed, an INCR that returned only in its result minus its
// delta. Once the state leaves a value that a remaining operation needs and no remaining
// operation can write again, that one is stranded (there is no DELETE, so "missing" never
// comes back). The search does not take such a step: it would only find out much later, at
// that operation's return, after trying everything in between.
class Awaited {
 public:
  Awaited(const std::vector<PreparedOp>& ops, std::size_t states)
      : needs_(states, 0), writers_(states, 0) {
    for (const PreparedOp& p : ops) {
      count(p, 1);
    }
  }

  // Adds (sign 1) or removes (sign -1) an operation from the remaining ones.
  void count(const PreparedOp& p, int sign) {
    if (p.needs) {
      needs_[*p.needs] += sign;
    }
    if (p.op->kind == KvOpKind::kIncr && p.pending) {
      wildcards_ += sign;  // may write any integer
    } else if (is_write(p)) {
      writers_[p.state_arg] += sign;
    }
  }

  bool strands_if_left(StateId s, const KvModel& model) const {
    if (s >= needs_.size() || needs_[s] == 0) {
      return false;  // states made only by pending INCRs are needed by nobody
    }
    if (s == kMissing) {
      return true;
    }
    return writers_[s] == 0 && (wildcards_ == 0 || !model.is_integer(s));
  }

 private:
  std::vector<std::int32_t> needs_;    // per state: remaining operations that need it
  std::vector<std::int32_t> writers_;  // per state: remaining PUTs and INCRs that write it
  std::int32_t wildcards_ = 0;         // remaining pending INCRs
};

// A GET that no linearization can place, found without searching.
struct ImpossibleRead {
  std::uint32_t get = 0;
  std::optional<std::uint32_t> writer;     // the last to return of those that write its value
  bool only_writer = false;                // and the only one
  std::optional<std::uint32_t> overwrite;  // a write that real time puts between the two
};

// Quick necessary conditions, checked before the search, which they would cost dearly. A
// value comes back only if something writes it again, and "missing" never does. So a GET is
// impossible if nothing writes what it observed; or if it observed missing and began after
// some write returned; or if every operation that writes what it observed returned (and no
// pending INCR could write it), and it began after a write returned that itself began after
// the last of those returned.
std::optional<ImpossibleRead> find_impossible_read(const std::vector<PreparedOp>& ops,
                                                   const KvModel& model) {
  std::vector<std::uint32_t> writers(model.size(), 0);
  std::vector<std::uint32_t> last_writer(model.size(), 0);  // ops are in return order
  std::vector<std::uint32_t> writes;                        // completed writes, by call time
  bool wildcards = false;                                   // a pending INCR may write any integer
  for (std::uint32_t i = 0; i < ops.size(); ++i) {
    wildcards = wildcards || (ops[i].op->kind == KvOpKind::kIncr && ops[i].pending);
    if (is_write(ops[i])) {  // a pending INCR is not: its result is unknown
      ++writers[ops[i].state_arg];
      last_writer[ops[i].state_arg] = i;  // a pending PUT comes last: no return time
      if (!ops[i].pending) {
        writes.push_back(i);
      }
    }
  }
  const auto call = [&](std::uint32_t i) { return ops[i].op->call_time; };
  std::sort(writes.begin(), writes.end(), [&](auto a, auto b) { return call(a) < call(b); });
  std::vector<std::uint32_t> first_return(writes.size());  // over writes[k..]: earliest return
  for (std::size_t k = writes.size(); k-- > 0;) {
    const bool later =
        k + 1 < writes.size() && ops[first_return[k + 1]].return_time < ops[writes[k]].return_time;
    first_return[k] = later ? first_return[k + 1] : writes[k];
  }
  // The write that began after time t (or at any time) and returned first.
  const auto overwrite_after = [&](std::optional<std::uint64_t> t) -> std::optional<std::uint32_t> {
    const auto it =
        !t ? writes.begin()
           : std::upper_bound(writes.begin(), writes.end(), *t,
                              [&](std::uint64_t v, std::uint32_t i) { return v < call(i); });
    return it == writes.end()
               ? std::nullopt
               : std::optional(first_return[static_cast<std::size_t>(it - writes.begin())]);
  };
  for (std::uint32_t g = 0; g < ops.size(); ++g) {
    const StateId s = ops[g].state_arg;
    if (ops[g].op->kind != KvOpKind::kGet) {
      continue;
    }
    const bool open = wildcards && model.is_integer(s);  // a pending INCR might write it
    ImpossibleRead found{.get = g,
                         .writer = std::nullopt,
                         .only_writer = writers[s] == 1,
                         .overwrite = std::nullopt};
    if (s == kMissing) {
      found.overwrite = overwrite_after(std::nullopt);
    } else if (writers[s] == 0 && !open) {
      return found;
    } else if (!open && !ops[last_writer[s]].pending) {
      found.writer = last_writer[s];
      found.overwrite = overwrite_after(ops[last_writer[s]].return_time);
    }
    if (found.overwrite && ops[*found.overwrite].return_time < ops[g].op->call_time) {
      return found;
    }
  }
  return std::nullopt;
}

// The search over one key's sub-history: an iterative DFS over the event lists.
class KeySearch {
 public:
  enum class Outcome { kOk, kNotLinearizable, kTimedOut };

  explicit KeySearch(const std::vector<const KvOperation*>& ops);

  // Spends at most budget steps, and takes the steps spent off it.
  Outcome run(std::uint64_t& budget) {
    const Outcome outcome = search(budget);
    budget -= std::min(budget, work_);
    return outcome;
  }

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
  std::string explain_impossible_read() const;
  std::string explain_candidates();
  std::string awaiting_op(const std::unordered_set<std::uint32_t>& done) const;

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
  std::string out = "key " + quoted(key) + " is not linearizable (" + std::to_string(ops_.size()) +
                    " operations on it).\n";
  if (impossible_) {
    return out + explain_impossible_read();
  }
  HELIOS_ASSERT(has_best_);  // every dead end goes back to a stuck configuration
  out += "Longest linearizable prefix found: " + std::to_string(best_.size()) + " operations";
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
  return out + explain_candidates();
}

std::string KeySearch::explain_impossible_read() const {
  const ImpossibleRead& r = *impossible_;
  std::string out = to_string(*ops_[r.get].op);
  if (!r.overwrite) {
    return out + " observed a value that no operation on the key writes.";
  }
  if (!r.writer) {
    return out + " observed the key missing, but " + to_string(*ops_[*r.overwrite].op) +
           " wrote it and returned before that GET began.";
  }
  out += r.only_writer ? " observed a value that only " : " observed a value last written by ";
  out += to_string(*ops_[*r.writer].op);
  out += r.only_writer ? " writes" : " (every write of it returned by then)";
  return out + ", but " + to_string(*ops_[*r.overwrite].op) +
         " began after that returned, and returned before the GET began.";
}

// A completed operation not in done that needs the state of the longest prefix.
std::string KeySearch::awaiting_op(const std::unordered_set<std::uint32_t>& done) const {
  for (std::uint32_t op = 0; op < completed_; ++op) {
    if (ops_[op].needs == best_state_ && !done.contains(op)) {
      return to_string(*ops_[op].op);
    }
  }
  return "another operation";
}

// The operations that could come after the longest prefix, and why none can.
std::string KeySearch::explain_candidates() {
  const std::unordered_set<std::uint32_t> done(best_.begin(), best_.end());
  Awaited remaining(ops_, model_.size());
  for (const std::uint32_t op : best_) {
    remaining.count(ops_[op], -1);
  }
  std::string out = "None of the operations that may come next can:\n";
  std::size_t shown = 0;
  for (std::uint32_t i = list_.begin_events(); i < list_.end(); ++i) {
    const EventList::Node& n = list_.node(i);
    if (n.rank >= list_.node(best_blocker_).rank || !n.is_call || done.contains(n.op)) {
      continue;
    }
    if (++shown > kMaxShownCandidates) {
      out += "  ...\n";
      break;
    }
    out += "  " + to_string(*ops_[n.op].op);
    const std::optional<StateId> next = model_.step(best_state_, ops_[n.op]);
    remaining.count(ops_[n.op], -1);
    if (!next) {
      out += "\n    does not fit that state\n";
    } else if (*next != best_state_ && remaining.strands_if_left(best_state_, model_)) {
      out += "\n    would overwrite that state for good, but " + awaiting_op(done) +
             " still needs it\n";
    } else {
      out += "\n    fits, but every way on from there fails\n";
    }
    remaining.count(ops_[n.op], 1);
  }
  return out + "and " + to_string(*ops_[list_.node(best_blocker_).op].op) +
         " must take effect before it returns.";
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
  for (const auto& [key, ops] : by_key) {
    HELIOS_ASSERT(ops.size() < UINT32_MAX / 4);
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
