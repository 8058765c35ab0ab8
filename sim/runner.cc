#include "sim/runner.h"

#include <atomic>
#include <thread>

#include "base/assert.h"

namespace helios::sim {

namespace {
void throw_failure(const char* description) {
  throw SimFailure(description);
}
}  // namespace

void install_failure_handler() {
  base::set_failure_handler(&throw_failure);
}

std::vector<SeedOutcome> run_seeds(const std::vector<SeedSpec>& specs, int jobs) {
  std::vector<SeedOutcome> outcomes(specs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&]() {
    for (std::size_t i = next++; i < specs.size(); i = next++) {
      SeedOutcome& out = outcomes[i];
      out.spec = specs[i];
      out.options = SimOptions::draw(specs[i].seed, specs[i].nodes);
      out.options.bugs = specs[i].bugs;
      out.result = run_seed(out.options);
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) {
    threads.emplace_back(worker);
  }
  worker();
  for (std::thread& t : threads) {
    t.join();
  }
  return outcomes;
}

}  // namespace helios::sim
