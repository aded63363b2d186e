// Metric families of one scrape (see metric_families.h).
#include "control/metric_families.h"

namespace bulwark::control {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily& Families::family(const std::string& name, const std::string& help, MetricType type) {
  auto it = index.find(name);
  if (it != index.end()) {
    MetricFamily& f = out[it->second];
    if (f.help.empty()) f.help = help;  // a family's help may come with a later member
    return f;
  }
  index[name] = out.size();
  out.push_back(MetricFamily{name, help, type, {}});
  return out.back();
}

void Families::counter(const std::string& name, const std::string& help, double v, Labels l) {
  ClientMetric m;
  m.label = std::move(l);
  m.counter.value = v;
  family(name, help, MetricType::Counter).metric.push_back(std::move(m));
}

void Families::gauge(const std::string& name, const std::string& help, double v, Labels l) {
  ClientMetric m;
  m.label = std::move(l);
  m.gauge.value = v;
  family(name, help, MetricType::Gauge).metric.push_back(std::move(m));
}

}  // namespace bulwark::control
