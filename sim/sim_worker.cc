#include "sim/sim_worker.h"

#include <algorithm>

#include "base/assert.h"

namespace helios::sim {

SimWorker::SimWorker(SimLoop& loop, const Micros& now_us, std::uint64_t seed, Micros min_us,
                     Micros max_us)
    : loop_(loop), now_us_(now_us), prng_(seed), min_us_(min_us), max_us_(max_us) {
  HELIOS_ASSERT(min_us_ <= max_us_);
}

void SimWorker::post(std::function<void()> fn) {
  const Micros start = std::max(now_us_, free_at_);
  free_at_ = start + prng_.range(min_us_, max_us_);
  loop_.post_at(free_at_, std::move(fn));
}

}  // namespace helios::sim
