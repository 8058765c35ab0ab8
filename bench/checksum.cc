// The checksum's speed (base/checksum.h, XXH3-64 with the CPU's widest vector unit) against
// libxxhash's plain entry point, on the sizes Helios checksums: WAL records, frames, 1 MiB
// snapshot chunks. Google Benchmark; reports bytes per second.
//
//   cmake --build build/release --target helios-checksum-bench
//   build/bin/helios-checksum-bench
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <string>

#include "base/checksum.h"

namespace {

std::string input(std::size_t n) {
  std::string buf(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    buf[i] = static_cast<char>(i * 31);
  }
  return buf;
}

void BM_Helios(benchmark::State& state) {
  const std::string buf = input(static_cast<std::size_t>(state.range(0)));
  std::uint64_t seed = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seed = helios::base::checksum64(buf, seed));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_PlainLibxxhash(benchmark::State& state) {
  const std::string buf = input(static_cast<std::size_t>(state.range(0)));
  std::uint64_t seed = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seed = XXH3_64bits_withSeed(buf.data(), buf.size(), seed));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

BENCHMARK(BM_Helios)->Arg(64)->Arg(512)->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_PlainLibxxhash)->Arg(64)->Arg(512)->Arg(4096)->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();
