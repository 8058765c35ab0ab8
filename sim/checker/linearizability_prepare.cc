// A key's operations in model terms (prepare), and the checks that need no search: a GET of
// a value nothing writes, and a GET that real time proves stale (find_impossible_read).

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "sim/checker/linearizability.h"
#include "sim/checker/linearizability_internal.h"

namespace helios::sim::detail {

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

namespace {

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

}  // namespace

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

}  // namespace helios::sim::detail
