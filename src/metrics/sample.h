#pragma once
// Sample: metric families read off a node's state at scrape time (its term, indexes, peers,
// keys...), as opposed to Metrics' families, which are recorded where things happen. Filled
// on the node's loop thread (Runtime::sample_metrics), serialized with the recorded ones.
//
// Families keep the order of their first value; a family's name, help and type are fixed by
// its first value (a later value with another type is a programming error: assertion).

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace helios::metrics {

using LabelList = std::vector<std::pair<std::string, std::string>>;

class Sample {
 public:
  void gauge(const std::string& name, const std::string& help, double value,
             const LabelList& labels = {});
  void counter(const std::string& name, const std::string& help, double value,
               const LabelList& labels = {});
  // Declares a family with no value yet (a labelled family whose labels are unknown now: a
  // follower's replication lag), so that it still appears with its HELP and TYPE.
  void declare(const std::string& name, const std::string& help, prometheus::MetricType type);

  std::vector<prometheus::MetricFamily> take();

 private:
  prometheus::MetricFamily& family(const std::string& name, const std::string& help,
                                   prometheus::MetricType type);

  std::vector<prometheus::MetricFamily> families_;
  std::map<std::string, std::size_t> index_;
};

}  // namespace helios::metrics
