#pragma once
// SimLoop: env::Loop on simulated time, for hosting a node's client layer in the simulator.
// The harness owns the clock (`now_us`, microseconds since the run began, read through the
// reference given at construction) and runs the loop: after next_due() says when the next
// callback is due, it advances its clock there and calls run_due(). `wake` is told every
// time a callback is due earlier than before, so the harness can schedule a turn of the loop
// on its own timeline. Deterministic: callbacks run in (due time, scheduling order).
//
// Contract (env::Loop): callbacks never run inside post() or schedule_at(); a cancelled or
// destroyed timer's callback never runs. A seed runs on one thread, so every post() comes
// from the loop's own. clear() drops everything due (a node crashing):
// timers made before it stay inert.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "env/loop.h"
#include "sim/options.h"

namespace helios::sim {

class SimLoop final : public env::Loop {
 public:
  // `now_us` is the harness's clock; the loop's steady time is Clock's epoch plus it.
  SimLoop(const Micros& now_us, std::function<void(Micros due)> wake);

  void post(std::function<void()> fn) override;
  // As post(), due at `at` (not before now): work a simulated thread finishes later.
  void post_at(Micros at, std::function<void()> fn);
  Clock::time_point now() const override;
  std::unique_ptr<env::Timer> schedule_at(Clock::time_point at, std::function<void()> fn) override;

  // When the earliest callback is due, if any.
  std::optional<Micros> next_due() const;
  // Runs every callback due at or before now, in order, including those they make due now.
  // Returns how many ran.
  std::size_t run_due();
  void clear();
  // While muted, `wake` is not told (a node stopping: what it posts is cleared anyway, or
  // the harness is being destroyed).
  void mute(bool on) { muted_ = on; }
  bool muted() const { return muted_; }
  std::size_t pending() const { return due_.size(); }

 private:
  using Key = std::pair<Micros, std::uint64_t>;  // (due time, scheduling order)
  struct Entry {
    std::function<void()> fn;
    std::shared_ptr<bool> live;  // null for posts
  };
  void add(Micros at, std::function<void()> fn, std::shared_ptr<bool> live);

  const Micros& now_us_;
  std::function<void(Micros due)> wake_;
  std::map<Key, Entry> due_;
  std::uint64_t next_seq_ = 0;
  bool muted_ = false;
};

}  // namespace helios::sim
