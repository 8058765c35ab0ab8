// What recording one client command's metrics costs on the loop thread, in nanoseconds
// (Google Benchmark): the two clock reads, the call counter and the latency histogram that
// api::Session::record does per reply, and the pieces alone. Compare with a command's whole
// cost on the same machine (bench/metrics_overhead.py: ~110 us of loop time per SET at
// 9,000/s on one loop thread), which is what the 2% goal is about.
//
//     build/bin/helios-metrics-record-bench
#include <benchmark/benchmark.h>

#include <chrono>

#include "metrics/metrics.h"

namespace {

void BM_CounterIncrement(benchmark::State& state) {
  helios::metrics::Metrics m;
  prometheus::Counter& c = m.command("set").calls;
  for (auto _ : state) {
    c.Increment();
  }
}
BENCHMARK(BM_CounterIncrement);

void BM_HistogramObserve(benchmark::State& state) {
  helios::metrics::Metrics m;
  prometheus::Histogram& h = m.command("set").duration;
  double v = 0.00001;
  for (auto _ : state) {
    h.Observe(v);
    v = v < 1 ? v * 1.7 : 0.00001;  // spread over the buckets
  }
}
BENCHMARK(BM_HistogramObserve);

void BM_SteadyClockNow(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::chrono::steady_clock::now());
  }
}
BENCHMARK(BM_SteadyClockNow);

// Everything one command's reply records (Session::record plus the arrival's clock read).
void BM_OneCommand(benchmark::State& state) {
  helios::metrics::Metrics m;
  helios::metrics::CommandSeries& series = m.command("set");
  for (auto _ : state) {
    const auto arrived = std::chrono::steady_clock::now();
    series.calls.Increment();
    series.duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
  }
}
BENCHMARK(BM_OneCommand);

}  // namespace

BENCHMARK_MAIN();
