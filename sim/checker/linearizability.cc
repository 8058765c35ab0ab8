// The entry point: partitions the history by key and checks each key in turn against one
// step budget (linearizability_search.cc); and the text form of an operation.

#include "sim/checker/linearizability.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "sim/checker/linearizability_internal.h"

namespace helios::sim {
namespace detail {

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

}  // namespace detail

LinearizabilityResult check_kv_linearizable(const std::vector<KvOperation>& history,
                                            std::uint64_t max_steps) {
  std::map<std::string_view, std::vector<const KvOperation*>> by_key;
  for (const KvOperation& op : history) {
    HELIOS_ASSERT_MSG(detail::is_pending(op) || op.call_time < op.return_time,
                      "a completed operation must return after its call");
    if (op.kind == KvOpKind::kGet && detail::is_pending(op)) {
      continue;  // it observed nothing and changed nothing
    }
    by_key[op.key].push_back(&op);
  }
  std::uint64_t budget = max_steps;
  for (const auto& [key, ops] : by_key) {
    HELIOS_ASSERT(ops.size() < UINT32_MAX / 4);
    detail::KeyVerdict verdict = detail::check_key(key, ops, budget);
    budget -= std::min(budget, verdict.steps);
    switch (verdict.outcome) {
      case detail::KeyOutcome::kOk:
        break;
      case detail::KeyOutcome::kNotLinearizable:
        return {.ok = false, .timed_out = false, .explanation = std::move(verdict.explanation)};
      case detail::KeyOutcome::kTimedOut:
        return {.ok = true, .timed_out = true, .explanation = ""};
    }
  }
  return {};
}

std::string to_string(const KvOperation& op) {
  using detail::quoted;
  const bool pending = detail::is_pending(op);
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
