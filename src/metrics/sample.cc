#include "metrics/sample.h"

#include "base/assert.h"

namespace helios::metrics {
namespace {

prometheus::ClientMetric metric_with(const LabelList& labels) {
  prometheus::ClientMetric m;
  for (const auto& [name, value] : labels) {
    m.label.push_back({name, value});
  }
  return m;
}

}  // namespace

prometheus::MetricFamily& Sample::family(const std::string& name, const std::string& help,
                                         prometheus::MetricType type) {
  auto [it, inserted] = index_.emplace(name, families_.size());
  if (inserted) {
    families_.push_back(prometheus::MetricFamily{name, help, type, {}});
  }
  prometheus::MetricFamily& f = families_[it->second];
  HELIOS_ASSERT_MSG(f.type == type, "a metric family sampled with two types");
  return f;
}

void Sample::gauge(const std::string& name, const std::string& help, double value,
                   const LabelList& labels) {
  prometheus::ClientMetric m = metric_with(labels);
  m.gauge.value = value;
  family(name, help, prometheus::MetricType::Gauge).metric.push_back(std::move(m));
}

void Sample::counter(const std::string& name, const std::string& help, double value,
                     const LabelList& labels) {
  prometheus::ClientMetric m = metric_with(labels);
  m.counter.value = value;
  family(name, help, prometheus::MetricType::Counter).metric.push_back(std::move(m));
}

void Sample::declare(const std::string& name, const std::string& help,
                     prometheus::MetricType type) {
  family(name, help, type);
}

std::vector<prometheus::MetricFamily> Sample::take() {
  index_.clear();
  return std::exchange(families_, {});
}

}  // namespace helios::metrics
