// The explanation of a key that is not linearizable: the impossible read found before the
// search, or the longest linearizable prefix the search found, the state after it, and why
// each operation that may come next cannot.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sim/checker/linearizability.h"
#include "sim/checker/linearizability_internal.h"

namespace helios::sim::detail {
namespace {

constexpr std::size_t kMaxShownPrefix = 8;
constexpr std::size_t kMaxShownCandidates = 16;

std::string headline(std::string_view key, const std::vector<PreparedOp>& ops) {
  return "key " + quoted(key) + " is not linearizable (" + std::to_string(ops.size()) +
         " operations on it).\n";
}

// A completed operation not in done that needs the state of the longest prefix.
std::string awaiting_op(const std::vector<PreparedOp>& ops, const DeadEnd& end,
                        const std::unordered_set<std::uint32_t>& done) {
  for (std::uint32_t op = 0; op < ops.size() && !ops[op].pending; ++op) {
    if (ops[op].needs == end.state && !done.contains(op)) {
      return to_string(*ops[op].op);
    }
  }
  return "another operation";
}

// The operations that could come after the longest prefix, and why none can.
std::string explain_candidates(const std::vector<PreparedOp>& ops, KvModel& model,
                               const DeadEnd& end) {
  const std::unordered_set<std::uint32_t> done(end.prefix.begin(), end.prefix.end());
  Awaited remaining(ops, model.size());
  for (const std::uint32_t op : end.prefix) {
    remaining.count(ops[op], -1);
  }
  std::string out = "None of the operations that may come next can:\n";
  std::size_t shown = 0;
  for (const std::uint32_t op : end.called) {
    if (done.contains(op)) {
      continue;
    }
    if (++shown > kMaxShownCandidates) {
      out += "  ...\n";
      break;
    }
    out += "  " + to_string(*ops[op].op);
    const std::optional<StateId> next = model.step(end.state, ops[op]);
    remaining.count(ops[op], -1);
    if (!next) {
      out += "\n    does not fit that state\n";
    } else if (*next != end.state && remaining.strands_if_left(end.state, model)) {
      out += "\n    would overwrite that state for good, but " + awaiting_op(ops, end, done) +
             " still needs it\n";
    } else {
      out += "\n    fits, but every way on from there fails\n";
    }
    remaining.count(ops[op], 1);
  }
  return out + "and " + to_string(*ops[end.due].op) + " must take effect before it returns.";
}

}  // namespace

std::string explain_impossible_read(std::string_view key, const std::vector<PreparedOp>& ops,
                                    const ImpossibleRead& read) {
  std::string out = headline(key, ops) + to_string(*ops[read.get].op);
  if (!read.overwrite) {
    return out + " observed a value that no operation on the key writes.";
  }
  if (!read.writer) {
    return out + " observed the key missing, but " + to_string(*ops[*read.overwrite].op) +
           " wrote it and returned before that GET began.";
  }
  out += read.only_writer ? " observed a value that only " : " observed a value last written by ";
  out += to_string(*ops[*read.writer].op);
  out += read.only_writer ? " writes" : " (every write of it returned by then)";
  return out + ", but " + to_string(*ops[*read.overwrite].op) +
         " began after that returned, and returned before the GET began.";
}

std::string explain_dead_end(std::string_view key, const std::vector<PreparedOp>& ops,
                             KvModel& model, const DeadEnd& end) {
  std::string out = headline(key, ops);
  out += "Longest linearizable prefix found: " + std::to_string(end.prefix.size()) + " operations";
  const std::size_t shown_from = end.prefix.size() - std::min(end.prefix.size(), kMaxShownPrefix);
  if (end.prefix.empty()) {
    out += ".\n";
  } else if (shown_from > 0) {
    out += ", the last " + std::to_string(kMaxShownPrefix) + ":\n";
  } else {
    out += ":\n";
  }
  for (std::size_t i = shown_from; i < end.prefix.size(); ++i) {
    out += "  " + std::to_string(i + 1) + ". " + to_string(*ops[end.prefix[i]].op) + "\n";
  }
  out += "State after it: " + model.describe(end.state) + ".\n";
  return out + explain_candidates(ops, model, end);
}

}  // namespace helios::sim::detail
