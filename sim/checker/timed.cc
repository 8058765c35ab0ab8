#include "sim/checker/timed.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

namespace helios::sim {
namespace {

// (time, 2 * index for a put, 2 * index + 1 for a get that saw the state through index,
// then a put's place in its entry: a batch holds several, applied in order).
using Position = std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>;

Position position(const KvOperation& op) {
  const std::uint64_t at = 2 * op.log_index + (op.kind == KvOpKind::kGet ? 1 : 0);
  return {op.time_ms, at, op.kind == KvOpKind::kPut ? op.op_in_entry : 0};
}

std::string line(const KvOperation& op) {
  return to_string(op) + " (time " + std::to_string(op.time_ms) + ", index " +
         std::to_string(op.log_index) +
         (op.deadline_ms != 0 ? ", deadline " + std::to_string(op.deadline_ms) : "") + ")";
}

bool is_pending_op(const KvOperation& op) {
  return op.return_time == kNeverReturned;
}

struct Item {
  std::string value;
  std::uint64_t deadline_ms = 0;
};

}  // namespace

TimedResult check_timed_witness(const std::vector<KvOperation>& history) {
  TimedResult out;
  std::vector<const KvOperation*> ops;
  for (const KvOperation& op : history) {
    const bool usable = op.kind == KvOpKind::kPut || op.kind == KvOpKind::kGet;
    if (usable && op.time_ms != 0 && (op.kind == KvOpKind::kPut || !is_pending_op(op))) {
      ops.push_back(&op);
    }
  }
  out.checked = ops.size();

  // 1. Real time: sweep the operations in call order; the latest position among those that
  // returned before the call must not be after the caller's.
  std::vector<const KvOperation*> by_call = ops;
  std::vector<const KvOperation*> by_return;
  for (const KvOperation* op : ops) {
    if (!is_pending_op(*op)) {
      by_return.push_back(op);
    }
  }
  std::stable_sort(by_call.begin(), by_call.end(),
                   [](auto* a, auto* b) { return a->call_time < b->call_time; });
  std::stable_sort(by_return.begin(), by_return.end(),
                   [](auto* a, auto* b) { return a->return_time < b->return_time; });
  std::size_t returned = 0;
  const KvOperation* latest = nullptr;
  for (const KvOperation* b : by_call) {
    while (returned < by_return.size() && by_return[returned]->return_time < b->call_time) {
      const KvOperation* a = by_return[returned++];
      if (latest == nullptr || position(*a) > position(*latest)) {
        latest = a;
      }
    }
    if (latest != nullptr && position(*latest) > position(*b)) {
      out.ok = false;
      out.explanation = "time went backwards across real time: " + line(*latest) +
                        " returned before " + line(*b) +
                        " was called, but was evaluated at a later time or log position";
      return out;
    }
  }

  // 2. The model, replayed in witness order.
  std::vector<const KvOperation*> order = ops;
  std::stable_sort(order.begin(), order.end(),
                   [](auto* a, auto* b) { return position(*a) < position(*b); });
  std::map<std::string, Item> state;
  for (const KvOperation* op : order) {
    if (op->kind == KvOpKind::kPut) {
      state[op->key] = Item{op->value, op->deadline_ms};
      continue;
    }
    auto it = state.find(op->key);
    const bool live = it != state.end() &&
                      !(it->second.deadline_ms != 0 && it->second.deadline_ms <= op->time_ms);
    const std::optional<std::string> expected =
        live ? std::optional<std::string>(it->second.value) : std::nullopt;
    const std::optional<std::string> got =
        op->found ? std::optional<std::string>(op->value) : std::nullopt;
    if (expected != got) {
      out.ok = false;
      out.explanation =
          "with expiry, " + line(*op) + " should have read " +
          (expected.has_value() ? "\"" + *expected + "\"" : std::string("nothing")) +
          (it != state.end() ? " (the last put before it in the witness: \"" + it->second.value +
                                   "\", deadline " + std::to_string(it->second.deadline_ms) + ")"
                             : std::string(""));
      return out;
    }
  }
  return out;
}

}  // namespace helios::sim
