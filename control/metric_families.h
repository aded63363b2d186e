// Prometheus metric families under construction for one scrape: samples are added by
// family name; the first sample (or family() call) fixes the family's order in the
// output, the first non-empty help its help.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <vector>

namespace bulwark::control {

using Labels = std::vector<prometheus::ClientMetric::Label>;

struct Families {
  std::vector<prometheus::MetricFamily> out;
  std::map<std::string, size_t> index;  // family name -> position in `out`

  prometheus::MetricFamily& family(const std::string& name, const std::string& help,
                                   prometheus::MetricType type);
  void counter(const std::string& name, const std::string& help, double v, Labels l = {});
  void gauge(const std::string& name, const std::string& help, double v, Labels l = {});
};

}  // namespace bulwark::control
