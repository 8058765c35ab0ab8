#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

namespace helios::metrics {
namespace {

prometheus::Histogram& histogram(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help,
                                 const prometheus::Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, buckets);
}

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

const char* type_name(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Histogram:
      return "histogram";
    case prometheus::MetricType::Summary:
      return "summary";
    default:
      return "untyped";
  }
}

constexpr const char* kCommandsHelp = "Commands received on the client port, by command";
constexpr const char* kCommandDurationHelp = "From a command's arrival to its reply, by command";
constexpr const char* kClientErrorsHelp = "Error replies sent to clients, by error code";

bool plain_code(std::string_view code) {
  return !code.empty() && code.size() <= 24 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return b;
}

const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                         2.5,  5,     10,   30,  60,   300};
  return b;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      read_index_duration(histogram(*registry_, "helios_raft_read_index_duration_seconds",
                                    "Linearizable reads: from asking for a read index to "
                                    "having it (a heartbeat round on the leader)",
                                    latency_buckets())),
      commit_duration(histogram(*registry_, "helios_commit_duration_seconds",
                                "Client writes: from the proposal to its commit and apply "
                                "on this node (the leader)",
                                latency_buckets())),
      wal_fsync_duration(histogram(*registry_, "helios_wal_fsync_duration_seconds",
                                   "One fdatasync of the write-ahead log", latency_buckets())),
      snapshot_duration(histogram(*registry_, "helios_snapshot_duration_seconds",
                                  "Taking a snapshot, from its start to the durable file",
                                  duration_buckets())),
      proposals_committed(counter(*registry_, "helios_raft_proposals_committed_total",
                                  "Client write batches proposed here that committed")),
      proposals_failed(counter(*registry_, "helios_raft_proposals_failed_total",
                               "Client write batches proposed here that failed (not the "
                               "leader, leadership lost, uncertain outcome, timeout)")),
      ticks_lapsed(counter(*registry_, "helios_raft_ticks_lapsed_total",
                           "Ticks the event loop missed because it stalled: they count "
                           "for leases, but fire no election or check-quorum timeout")),
      command_calls_(prometheus::BuildCounter()
                         .Name("helios_client_commands_total")
                         .Help(kCommandsHelp)
                         .Register(*registry_)),
      command_duration_(prometheus::BuildHistogram()
                            .Name("helios_client_command_duration_seconds")
                            .Help(kCommandDurationHelp)
                            .Register(*registry_)),
      client_errors_(prometheus::BuildCounter()
                         .Name("helios_client_errors_total")
                         .Help(kClientErrorsHelp)
                         .Register(*registry_)) {
  labelled_ = {
      {command_calls_.GetName(), kCommandsHelp, prometheus::MetricType::Counter, {}},
      {command_duration_.GetName(), kCommandDurationHelp, prometheus::MetricType::Histogram, {}},
      {client_errors_.GetName(), kClientErrorsHelp, prometheus::MetricType::Counter, {}}};
}

CommandSeries& Metrics::command(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = commands_.find(name);
  if (it == commands_.end()) {
    auto series = std::make_unique<CommandSeries>(
        CommandSeries{command_calls_.Add({{"cmd", name}}),
                      command_duration_.Add({{"cmd", name}}, latency_buckets())});
    it = commands_.emplace(name, std::move(series)).first;
  }
  return *it->second;
}

void Metrics::client_error(std::string_view code) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = errors_.find(code);
  if (it == errors_.end()) {
    const bool room = errors_.size() < kMaxErrorCodes - 1;
    const std::string label = plain_code(code) && room ? std::string(code) : "OTHER";
    it = errors_.find(label);
    if (it == errors_.end()) {
      it = errors_.emplace(label, &client_errors_.Add({{"error", label}})).first;
    }
  }
  it->second->Increment();
}

std::string Metrics::render(std::vector<prometheus::MetricFamily> sampled) const {
  std::vector<prometheus::MetricFamily> all = registry_->Collect();
  // The registry leaves out a labelled family with no series yet: declare it anyway.
  for (const prometheus::MetricFamily& declared : labelled_) {
    if (std::none_of(all.begin(), all.end(),
                     [&](const prometheus::MetricFamily& f) { return f.name == declared.name; })) {
      all.push_back(declared);
    }
  }
  for (prometheus::MetricFamily& f : sampled) {
    all.push_back(std::move(f));
  }
  std::ostringstream out;
  const prometheus::TextSerializer serializer;
  for (prometheus::MetricFamily& f : all) {
    if (f.metric.empty()) {
      // The serializer skips a family without series; a scraper should still see it (a
      // follower's replication lag, commands before the first one).
      out << "# HELP " << f.name << ' ' << f.help << "\n# TYPE " << f.name << ' '
          << type_name(f.type) << '\n';
    } else {
      serializer.Serialize(out, std::vector<prometheus::MetricFamily>{std::move(f)});
    }
  }
  return out.str();
}

}  // namespace helios::metrics
