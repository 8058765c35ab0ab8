#pragma once
// Linearizability checker for a key-value history (GET / PUT / INCR), in the style of
// Porcupine: Wing & Gong's search with Lowe's memoization, one key at a time. See README.md.
//
// Contract:
//   - Input: every client operation the simulator recorded, in any order. A completed
//     operation has call_time < return_time (checked with HELIOS_ASSERT: a malformed history
//     is a bug in the simulator, not an expected failure). return_time == kNeverReturned
//     means the client never learned the outcome.
//   - Real-time order is strict: a happens before b iff a.return_time < b.call_time. Equal
//     timestamps (a.return_time == b.call_time) make a and b concurrent.
//   - A GET that never returned is dropped. A PUT or INCR that never returned may take
//     effect at any time after its call, or never; an INCR that never returned may have
//     produced any result.
//   - Keys are independent (P-compositionality): each key's sub-history is checked alone, in
//     key order, and the first key found not linearizable is the one explained. The model
//     per key is an optional string that starts missing (there is no DELETE). INCR treats a
//     missing key as 0 and needs a canonical decimal int64 value ("7", not "07"); an INCR on
//     anything else, or one that would overflow, is an error that changes nothing: it cannot
//     be linearized if it returned a number. A returned INCR's value may be any decimal.
//   - ok == false is definite (there is no linearization); the explanation names the key and
//     the operations involved.
//   - max_steps bounds the whole search: its time, and its memory (at most one memo entry
//     per step, usually a few dozen bytes). When it runs out the answer is unknown: ok = true
//     and timed_out = true. A key already proven non-linearizable before that still wins.
//   - Deterministic: the same history and budget give the same result and explanation.
//     No global state: concurrent calls are fine.

#include <cstdint>
#include <string>
#include <vector>

namespace helios::sim {

inline constexpr std::uint64_t kNeverReturned = UINT64_MAX;

enum class KvOpKind : std::uint8_t { kGet, kPut, kIncr };

struct KvOperation {
  std::uint64_t client_id = 0;
  KvOpKind kind = KvOpKind::kGet;
  std::string key;
  // kPut: value written. kGet: value observed (if found). kIncr: resulting value as decimal
  // (if returned).
  std::string value;
  bool found = false;                          // kGet: whether the key existed when read
  std::int64_t delta = 0;                      // kIncr: amount added (a missing key counts as 0)
  std::uint64_t call_time = 0;                 // when the client invoked it
  std::uint64_t return_time = kNeverReturned;  // when the client got its answer
  // The system's own account, for check_timed_witness (timed.h); ignored here. kPut: the
  // entry it was applied at, the stamp it was applied at and the deadline it set (0: none),
  // once any node applied it. kGet: the applied index and the time it was evaluated at.
  std::uint64_t log_index = 0;
  std::uint32_t op_in_entry = 0;  // kPut: its SET's place among the entry's operations
  std::uint64_t time_ms = 0;      // 0: unknown (never applied; not returned)
  std::uint64_t deadline_ms = 0;
  std::uint64_t ttl_ms = 0;  // kPut: the TTL it asked for (the deadline is its stamp + this)
};

struct LinearizabilityResult {
  bool ok = true;           // a linearization exists (or the search gave up: see timed_out)
  bool timed_out = false;   // the step budget ran out before an answer; ok is then meaningless
  std::string explanation;  // when !ok: the key and the operations that could not be linearized
};

// Checks the history; partitions by key, each key searched separately (in key order).
// max_steps bounds the total search work; on exhaustion returns ok=true, timed_out=true.
LinearizabilityResult check_kv_linearizable(const std::vector<KvOperation>& history,
                                            std::uint64_t max_steps = 50'000'000);

// One readable line, e.g. `client 3 put "k" = "v" [10, 20]`.
std::string to_string(const KvOperation& op);

}  // namespace helios::sim
