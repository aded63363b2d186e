// The API inventory's metric families (bulwark-control's own numbers, next to the
// dataplane's): endpoints and hosts known, shadow endpoints (against the configured
// spec), calls the bounds turned away, endpoints serving each sensitive class and the
// sensitive records served by class (kept across restarts). Classes are bounded (16 per
// rule set).
#include "control/features/discovery/discovery_feature.h"

namespace bulwark::control::discovery {
namespace {

using nlohmann::json;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// A new family at the end of `out` (the reference lasts until the next one is added).
MetricFamily& family(std::vector<MetricFamily>& out, const char* name, const char* help,
                     MetricType type) {
  out.push_back(MetricFamily{name, help, type, {}});
  return out.back();
}

// One sample of `f`, labelled with its class if it has one.
void sample(MetricFamily& f, double value, const std::string& cls = "") {
  ClientMetric m;
  if (!cls.empty()) m.label = {{"class", cls}};
  (f.type == MetricType::Counter ? m.counter.value : m.gauge.value) = value;
  f.metric.push_back(std::move(m));
}

// One sample per class of the object t[key] (its numeric members).
void by_class(MetricFamily& f, const json& t, const char* key) {
  const auto it = t.find(key);
  if (it == t.end() || !it->is_object()) return;
  for (const auto& [cls, v] : it->items())
    if (v.is_number()) sample(f, v.get<double>(), cls);
}

}  // namespace

void DiscoveryFeature::metrics(std::vector<MetricFamily>& out) const {
  json t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    t = inventory_.totals();
  }
  const auto num = [&](const char* k) {
    return t.contains(k) && t[k].is_number() ? t[k].get<double>() : 0.0;
  };
  sample(family(out, "bulwark_api_endpoints",
                "Endpoints (host, method, path template) in the API inventory", MetricType::Gauge),
         num("endpoints"));
  sample(family(out, "bulwark_api_hosts", "Hosts in the API inventory", MetricType::Gauge),
         num("hosts"));
  sample(family(out, "bulwark_api_shadow_endpoints",
                "Inventory endpoints missing from the configured OpenAPI spec (0 without a spec)",
                MetricType::Gauge),
         num("shadow_endpoints"));
  sample(family(out, "bulwark_api_overflow_requests_total",
                "Observed calls the inventory could not place (endpoint or host bounds reached)",
                MetricType::Counter),
         num("overflow_requests"));
  by_class(family(out, "bulwark_api_sensitive_endpoints",
                  "Inventory endpoints whose responses carried each sensitive-data class",
                  MetricType::Gauge),
           t, "endpoints_by_sensitive_class");
  by_class(family(out, "bulwark_sensitive_records_total",
                  "Sensitive-data records served in responses, by class (validated matches)",
                  MetricType::Counter),
           t, "sensitive_records");
}

}  // namespace bulwark::control::discovery
