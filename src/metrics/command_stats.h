#pragma once
// Redis's per-command statistics (INFO commandstats and latencystats), kept beside the
// Prometheus series of the same commands by the client API (api/observability.h).
//
// LatencySketch: a log-linear histogram of durations in nanoseconds, good for percentiles
// (Redis uses an HDR histogram): values below 64 ns are exact; above, each power of two is
// split into kSubBuckets equal buckets, so a bucket is at most 1/32 of its values wide and
// its middle, the value reported, is within 1.6% of any value in it. Values above kMaxNs
// count as kMaxNs. 1056 counters (8.4 KiB), allocated at the first record.
//
// Threads: neither is thread-safe; one owner thread records and reads (the client API's
// loop thread). Recording allocates nothing after the first value and looks nothing up.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace helios::metrics {

class LatencySketch {
 public:
  static constexpr int kSubBits = 5;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBits;  // per power of two
  static constexpr int kMaxExponent = 36;                       // 2^37 ns ~ 137 s
  static constexpr std::uint64_t kMaxNs = (std::uint64_t{1} << (kMaxExponent + 1)) - 1;
  static constexpr std::size_t kBuckets = (kMaxExponent - kSubBits + 2) * kSubBuckets;

  void record(std::uint64_t ns);
  std::uint64_t count() const { return count_; }
  // The value at `percentile` (0 < p <= 100), by HDR's rule: the first bucket at which the
  // values counted so far reach p% of all (rounded, at least one); its middle, in ns. 0 if
  // nothing was recorded.
  double value_at(double percentile) const;
  void reset();

  // The bucket of a value, and a bucket's lowest value and width (for tests).
  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t bucket_low(std::size_t bucket);
  static std::uint64_t bucket_width(std::size_t bucket);

 private:
  std::unique_ptr<std::uint64_t[]> counts_;  // kBuckets, once anything was recorded
  std::uint64_t count_ = 0;
};

// One command's (or subcommand's) numbers since the last reset (CONFIG RESETSTAT), with
// Redis's meanings: `calls` ran (answered, with an error or not); `failed_calls` of them
// answered an error; `rejected_calls` were refused before running (wrong arity, -MOVED...),
// and are not in `calls`.
struct CommandStats {
  std::uint64_t calls = 0;
  std::uint64_t duration_ns = 0;  // of the calls (Redis's usec: duration_ns / 1000)
  std::uint64_t failed_calls = 0;
  std::uint64_t rejected_calls = 0;
  LatencySketch latency;  // of the calls

  void record_call(std::uint64_t ns, bool failed) {
    ++calls;
    duration_ns += ns;
    failed_calls += failed ? 1 : 0;
    latency.record(ns);
  }
  // True once there is something to show (Redis lists such commands only).
  bool any() const { return calls != 0 || failed_calls != 0 || rejected_calls != 0; }
  void reset();
};

}  // namespace helios::metrics
