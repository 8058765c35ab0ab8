#pragma once
// Metrics: a node's Prometheus metrics (GET /metrics on the admin port; the families are
// listed in docs/operations.md, "Monitoring"). Two kinds:
//   - recorded where things happen (this class): durations (histograms) and event counts,
//     prometheus-cpp objects updated with atomics, safe from any thread and cheap (no
//     allocation, no lookup: callers keep the references);
//   - read off the node's state when scraped (term, indexes, peers, keys...): a Sample
//     filled on the loop thread (metrics/sample.h), rendered together with these.
//
// Label values never come from outside unchecked: command names are the command table's
// (the API passes "unknown" for anything else), error codes are capped (kMaxErrorCodes,
// then "OTHER").

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

namespace helios::metrics {

// Histogram buckets (seconds).
const prometheus::Histogram::BucketBoundaries& latency_buckets();   // 50 us .. 10 s
const prometheus::Histogram::BucketBoundaries& duration_buckets();  // 10 ms .. 5 min

// One client command's series: helios_client_commands_total{cmd} and
// helios_client_command_duration_seconds{cmd}.
struct CommandSeries {
  prometheus::Counter& calls;
  prometheus::Histogram& duration;
};

class Metrics {
 public:
  static constexpr std::size_t kMaxErrorCodes = 32;

  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // first: the references below live in it

 public:
  // Raft and storage, recorded by the runtime and the API.
  prometheus::Histogram& read_index_duration;  // ReadIndex round, asked to answered
  prometheus::Histogram& commit_duration;      // proposal to commit (applied here)
  prometheus::Histogram& wal_fsync_duration;   // one WAL fdatasync
  prometheus::Histogram& snapshot_duration;    // taking one snapshot, start to durable
  prometheus::Counter& proposals_committed;
  prometheus::Counter& proposals_failed;
  prometheus::Counter& ticks_lapsed;  // ticks the loop missed (it stalled): leases only

  // The series of a client command (lower-case name from the command table, or "unknown").
  // The first call for a name adds its series (a lock); keep the reference.
  CommandSeries& command(const std::string& name);
  // helios_client_errors_total{error}: `code` is the first word of an error reply.
  void client_error(std::string_view code);

  // The text exposition format: the recorded families, then `sampled`.
  std::string render(std::vector<prometheus::MetricFamily> sampled) const;

 private:
  prometheus::Family<prometheus::Counter>& command_calls_;
  prometheus::Family<prometheus::Histogram>& command_duration_;
  prometheus::Family<prometheus::Counter>& client_errors_;
  std::vector<prometheus::MetricFamily> labelled_;  // the three above, without series
  std::mutex mutex_;                                // guards the two maps (added to rarely)
  std::map<std::string, std::unique_ptr<CommandSeries>> commands_;
  std::map<std::string, prometheus::Counter*, std::less<>> errors_;
};

}  // namespace helios::metrics
