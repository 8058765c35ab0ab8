#pragma once
// Prng: a small, fast, seeded pseudo-random generator (xoshiro256**, seeded through
// splitmix64). The only source of randomness in the Raft core and the simulator: the same
// seed gives the same sequence on every machine and build.
//
// Not thread-safe; each owner keeps its own instance.

#include <cstdint>

#include "base/assert.h"

namespace helios::base {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : state_) {
      word = splitmix64(x);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound). bound must be positive.
  std::uint64_t uniform(std::uint64_t bound) {
    HELIOS_ASSERT(bound > 0);
    // Lemire's multiply-shift; the tiny bias is irrelevant for simulation.
    __extension__ using U128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<U128>(next()) * bound) >> 64);
  }

  // Uniform in [lo, hi] inclusive.
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) {
    HELIOS_ASSERT(lo <= hi);
    return lo + uniform(hi - lo + 1);
  }

  // True with probability numerator / denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator) {
    HELIOS_ASSERT(denominator > 0);
    return uniform(denominator) < numerator;
  }

  // True with probability p in [0, 1], at a resolution of one in a million.
  bool chance(double p) { return uniform(1'000'000) < static_cast<std::uint64_t>(p * 1e6); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4] = {};
};

}  // namespace helios::base
