#pragma once
// Private to sim/checker: what the files of the linearizability checker share (README.md
// says which file holds what). Nothing here is part of the interface of linearizability.h.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/assert.h"
#include "sim/checker/linearizability.h"

namespace helios::sim::detail {

// A model state (the value of one key) is interned: 0 is "missing", 1 stands for every value
// no GET observed (on a key without INCR, those states are all alike: only a write may
// follow), n > 1 is a string.
using StateId = std::uint32_t;
inline constexpr StateId kMissing = 0;
inline constexpr StateId kUnobserved = 1;

// Parses a whole decimal int64 ("007" and "+7" are accepted: this reads a client's answer).
std::optional<std::int64_t> parse_int(std::string_view s);

// A stored value is an integer for INCR only in its canonical form, as in Redis.
std::optional<std::int64_t> parse_canonical_int(std::string_view s);

// s in double quotes, with quotes, backslashes and bytes outside printable ASCII escaped.
std::string quoted(std::string_view s);

inline bool is_pending(const KvOperation& op) {
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

// Whether the operation writes a known state: a PUT, or an INCR whose result is a number.
inline bool is_write(const PreparedOp& p) {
  return p.op->kind == KvOpKind::kPut || (p.op->kind == KvOpKind::kIncr && p.result_ok);
}

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

// Resolves a key's operations to model terms: those that must take effect first (in return
// order), then the pending ones (in call order). On a key without INCR, a pending PUT whose
// value no GET observed is dropped, and one that alone wrote an observed value must take
// effect before the first GET that observed it returned.
std::vector<PreparedOp> prepare(const std::vector<const KvOperation*>& ops, KvModel& model);

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

// A GET that no linearization can place, found without searching. Operations are indices
// into the key's prepared operations.
struct ImpossibleRead {
  std::uint32_t get = 0;
  std::optional<std::uint32_t> writer;     // the last to return of those that write its value
  bool only_writer = false;                // and the only one
  std::optional<std::uint32_t> overwrite;  // a write that real time puts between the two
};

// Quick necessary conditions, checked before the search, which they would cost dearly: the
// first GET (in ops order) that observed a value nothing writes, or one that real time proves
// stale. nullopt if there is none.
std::optional<ImpossibleRead> find_impossible_read(const std::vector<PreparedOp>& ops,
                                                   const KvModel& model);

// Where the search got furthest before every way on failed: from here no operation could be
// linearized next. Operations are indices into the key's prepared operations.
struct DeadEnd {
  std::vector<std::uint32_t> prefix;  // the longest linearizable prefix found, in order
  StateId state = kMissing;           // the state after it
  // The operations called before `due` returned, in call order (prefix ones included).
  std::vector<std::uint32_t> called;
  std::uint32_t due = 0;  // the operation whose return the search could not move past
};

// The explanation of a key that is not linearizable, because of an impossible read or from
// the dead end of its search. model is the one the operations were prepared with.
std::string explain_impossible_read(std::string_view key, const std::vector<PreparedOp>& ops,
                                    const ImpossibleRead& read);
std::string explain_dead_end(std::string_view key, const std::vector<PreparedOp>& ops,
                             KvModel& model, const DeadEnd& end);

enum class KeyOutcome { kOk, kNotLinearizable, kTimedOut };

struct KeyVerdict {
  KeyOutcome outcome = KeyOutcome::kOk;
  std::uint64_t steps = 0;  // the search work spent (its last step may overrun the budget)
  std::string explanation;  // when kNotLinearizable
};

// Checks one key's sub-history (its operations, GETs that never returned left out), spending
// at most about budget steps.
KeyVerdict check_key(std::string_view key, const std::vector<const KvOperation*>& ops,
                     std::uint64_t budget);

}  // namespace helios::sim::detail
