#pragma once
// Runs many seeds (in parallel threads, one independent SimCluster per seed) and reports
// the failures in seed order, so the output of a run does not depend on scheduling.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cluster.h"

namespace helios::sim {

struct SeedSpec {
  std::uint64_t seed = 0;
  int nodes = 3;
  raft::PlantedBugs bugs;
};

struct SeedOutcome {
  SeedSpec spec;
  SimOptions options;
  SimResult result;
};

// Makes assertion failures and PANICs inside the core throw SimFailure instead of aborting,
// so a planted bug fails one seed rather than the process. Call once at startup.
void install_failure_handler();

std::vector<SeedOutcome> run_seeds(const std::vector<SeedSpec>& specs, int jobs);

}  // namespace helios::sim
