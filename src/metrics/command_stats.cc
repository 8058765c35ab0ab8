#include "metrics/command_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace helios::metrics {

std::size_t LatencySketch::bucket_of(std::uint64_t ns) {
  ns = std::min(ns, kMaxNs);
  if (ns < 2 * kSubBuckets) {
    return static_cast<std::size_t>(ns);  // exact below 64 ns
  }
  const int exponent = std::bit_width(ns) - 1;  // >= kSubBits + 1
  const int shift = exponent - kSubBits;
  return (static_cast<std::size_t>(shift) << kSubBits) + static_cast<std::size_t>(ns >> shift);
}

std::uint64_t LatencySketch::bucket_low(std::size_t bucket) {
  if (bucket < 2 * kSubBuckets) {
    return bucket;
  }
  const int shift = static_cast<int>(bucket >> kSubBits) - 1;
  return ((bucket & (kSubBuckets - 1)) + kSubBuckets) << shift;
}

std::uint64_t LatencySketch::bucket_width(std::size_t bucket) {
  return bucket < 2 * kSubBuckets ? 1 : std::uint64_t{1} << ((bucket >> kSubBits) - 1);
}

void LatencySketch::record(std::uint64_t ns) {
  if (counts_ == nullptr) {
    counts_ = std::make_unique<std::uint64_t[]>(kBuckets);  // zeroed
  }
  ++counts_[bucket_of(ns)];
  ++count_;
}

double LatencySketch::value_at(double percentile) const {
  if (count_ == 0) {
    return 0;
  }
  const double p = std::clamp(percentile, 0.0, 100.0);
  const auto wanted = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(count_) + 0.5));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= wanted) {
      return static_cast<double>(bucket_low(b)) + static_cast<double>(bucket_width(b) - 1) / 2.0;
    }
  }
  return static_cast<double>(kMaxNs);
}

void LatencySketch::reset() {
  if (counts_ != nullptr) {
    std::fill(counts_.get(), counts_.get() + kBuckets, 0);
  }
  count_ = 0;
}

void CommandStats::reset() {
  calls = 0;
  duration_ns = 0;
  failed_calls = 0;
  rejected_calls = 0;
  latency.reset();
}

}  // namespace helios::metrics
