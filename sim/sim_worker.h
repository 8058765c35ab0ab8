#pragma once
// SimWorker: a node's worker thread (the runtime's worker io_context: the snapshot
// receiver's syncs and verification) as an env::Loop in the simulator. Its work runs on the
// node's SimLoop, one piece after the other as one thread would run it, each taking a
// simulated disk's time: a post() is due [min_us, max_us] after the later of now and the
// end of the work before it (a seeded draw, so a seed replays exactly). Timers and the clock
// are the SimLoop's; SimLoop::clear() (a crash) drops what is queued here as well.
//
// Contract: as env::Loop; `loop` must outlive the worker.

#include <cstdint>
#include <functional>
#include <memory>

#include "base/prng.h"
#include "env/loop.h"
#include "sim/options.h"
#include "sim/sim_loop.h"

namespace helios::sim {

class SimWorker final : public env::Loop {
 public:
  SimWorker(SimLoop& loop, const Micros& now_us, std::uint64_t seed, Micros min_us, Micros max_us);

  void post(std::function<void()> fn) override;
  Clock::time_point now() const override { return loop_.now(); }
  std::unique_ptr<env::Timer> schedule_at(Clock::time_point at, std::function<void()> fn) override {
    return loop_.schedule_at(at, std::move(fn));
  }
  // Forgets the queue's end (with SimLoop::clear(): the process is gone).
  void clear() { free_at_ = 0; }

 private:
  SimLoop& loop_;
  const Micros& now_us_;
  base::Prng prng_;
  Micros min_us_;
  Micros max_us_;
  Micros free_at_ = 0;  // when the last piece of work queued here ends
};

}  // namespace helios::sim
