#pragma once
// The timed witness check: linearizability with TTLs, on the order the system itself claims.
//
// With expiry, a key's state depends on time, so a linearization must also put the
// operations in the order of the times they were evaluated at (a single Redis never sees
// time go backwards). Helios records that order: a put takes effect at its log entry and
// its applied stamp; a linearizable get is evaluated at a read time over the state applied
// up to some index (node/read_clock.h). The witness orders every operation by (time, then
// log position: a put at index i before a get that saw i, after one that did not) and checks
//   1. real time: an operation that returned before another was called comes before it;
//   2. the model: replayed in that order, with a key absent once its deadline is at or
//      before the operation's time (atlas::Store::expired_at), each get saw what it got.
// If both hold, the history is linearizable with expiry (the witness is a linearization);
// if one fails, the system broke its own rule (time, or the log, went backwards), which is
// what the explanation names.
//
// Input: operations with time_ms != 0 are checked (puts that some node applied, gets that
// returned); the rest took no effect or observed nothing. Deterministic.

#include <string>
#include <vector>

#include "sim/checker/linearizability.h"

namespace helios::sim {

struct TimedResult {
  bool ok = true;
  std::string explanation;  // when !ok: the operations involved
  std::size_t checked = 0;  // operations with a time
};

TimedResult check_timed_witness(const std::vector<KvOperation>& history);

}  // namespace helios::sim
