#pragma once
// ReadClock: the time at which a linearizable read is evaluated (docs/consistency.md, "Time
// and TTLs"). A read hides a key whose deadline has passed at that time, so the time must
// fit the read's place among the writes, on every node that serves it and across leaders:
//
//   - A write's time is its entry's stamp (the leader's clock, never below a stamp in its
//     log; AtlasMachine applies it never below an earlier one).
//   - A read at index i (ReadIndex, or a lease) sees every entry up to i and none after. Its
//     time T must be at least every stamp up to i and at most every stamp after i, or the
//     read would see a key expired that a later write then finds alive. The leader's node
//     answers T = min(its clock now, the first stamp after i in its log, the last stamp up
//     to i + kReadTimeAheadMs). Entries proposed later get stamps of at least its clock now.
//   - A new leader starts its clock at kReadTimeAheadMs above every stamp in its log, which
//     holds every committed entry: so it never answers a time below one an earlier leader
//     answered (the cap "last stamp up to i + kReadTimeAheadMs", i committed, is what makes
//     this hold whatever the clocks say, and with no more messages than Raft's own).
//   - The node that serves the read evaluates it at max(T, its own applied stamp): it may
//     have applied entries after i, whose stamps are at least T.
//
// The leader keeps T close to its clock by proposing a clock entry (a stamped command that
// changes nothing) when reads are served, some key has a deadline and its applied stamp lags
// its clock by half of kReadTimeAheadMs (Runtime::leader_clock_ms).
//
// This class keeps the stamps of the entries the leader proposed that a read may still need
// ("the first stamp after i"): they are recorded as each is proposed, before any read can be
// answered past it, and dropped once at or below every read index the core may still answer.
// Pure: no clock, no I/O. Used on the node's thread.

#include <cstdint>
#include <deque>
#include <utility>

#include "base/types.h"
#include "raft/types.h"

namespace helios::node {

// How far a read's time may run ahead of the last stamp up to its read index, and how far a
// new leader moves its clock above the stamps in its log.
inline constexpr std::uint64_t kReadTimeAheadMs = 50;

class ReadClock {
 public:
  // This node starts leading; `log_stamp` is the largest stamp in its log. Every entry
  // before its term is committed before it answers a read, so that is the last stamp up to
  // any read index until its own entries come.
  void start_term(std::uint64_t log_stamp);
  // This leader proposed a kNormal entry at `index` with `stamp` (0: none). Indexes
  // increase while it leads.
  void on_proposed(Index index, std::uint64_t stamp);
  // Drops what no read can need any more: every read the core may still answer has an index
  // of at least `lowest_read_index`.
  void forget_through(Index lowest_read_index);
  // The time of a read at `read_index` (committed), given the leader's clock now (never
  // below a stamp in its log). 0 when `leader_now` is 0 (a node without a clock: readers
  // use their own).
  std::uint64_t read_time(Index read_index, std::uint64_t leader_now) const;
  std::size_t tracked() const { return stamps_.size(); }

 private:
  std::deque<std::pair<Index, std::uint64_t>> stamps_;  // (index, stamp), ascending index
  std::uint64_t base_ = 0;  // the last stamp at or below every index in stamps_
};

}  // namespace helios::node
