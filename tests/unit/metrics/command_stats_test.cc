// LatencySketch: every value lands in a bucket that holds it, percentiles are within 1.6% of
// the exact ones; CommandStats counts calls and resets.
#include "metrics/command_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace helios::metrics {
namespace {

TEST(LatencySketchTest, bucketOf_holdsTheValueAndIsNarrow) {
  std::uint64_t previous = 0;
  for (std::uint64_t v = 0; v < LatencySketch::kMaxNs; v = v < 200 ? v + 1 : v + v / 7 + 1) {
    const std::size_t b = LatencySketch::bucket_of(v);
    ASSERT_LT(b, LatencySketch::kBuckets);
    ASSERT_GE(b, previous) << v;  // monotonic
    previous = b;
    const std::uint64_t low = LatencySketch::bucket_low(b);
    const std::uint64_t width = LatencySketch::bucket_width(b);
    ASSERT_LE(low, v) << v;
    ASSERT_LT(v, low + width) << v;
    ASSERT_LE(static_cast<double>(width), std::max(1.0, static_cast<double>(low) / 32.0)) << v;
  }
  EXPECT_EQ(LatencySketch::bucket_of(LatencySketch::kMaxNs), LatencySketch::kBuckets - 1);
  EXPECT_EQ(LatencySketch::bucket_of(~std::uint64_t{0}), LatencySketch::kBuckets - 1);
}

TEST(LatencySketchTest, valueAt_isWithinTwoPercentOfTheExactPercentile) {
  LatencySketch sketch;
  EXPECT_EQ(sketch.value_at(50), 0);
  std::vector<std::uint64_t> values;
  std::uint64_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t v = 1000 + (x >> 33) % 5'000'000;  // 1 us .. 5 ms
    values.push_back(v);
    sketch.record(v);
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(sketch.count(), values.size());
  for (const double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    const auto rank = std::max<std::size_t>(
        1, static_cast<std::size_t>(p / 100 * static_cast<double>(values.size()) + 0.5));
    const double exact = static_cast<double>(values[rank - 1]);
    EXPECT_NEAR(sketch.value_at(p), exact, exact * 0.016) << p;
  }
  sketch.reset();
  EXPECT_EQ(sketch.count(), 0u);
  EXPECT_EQ(sketch.value_at(99), 0);
}

TEST(CommandStatsTest, recordCall_countsCallsFailuresAndResets) {
  CommandStats s;
  EXPECT_FALSE(s.any());
  s.record_call(1500, false);
  s.record_call(2500, true);
  ++s.rejected_calls;
  EXPECT_EQ(s.calls, 2u);
  EXPECT_EQ(s.duration_ns, 4000u);
  EXPECT_EQ(s.failed_calls, 1u);
  EXPECT_EQ(s.latency.count(), 2u);
  EXPECT_TRUE(s.any());
  s.reset();
  EXPECT_FALSE(s.any());
  EXPECT_EQ(s.latency.count(), 0u);
}

}  // namespace
}  // namespace helios::metrics
