// Prometheus metrics of the appliance, built on each scrape from the dataplane's stats
// segment (mapped read-only, reopened every time so a restarted dataplane is picked
// up) and from bulwark-control's own state. Names: bulwark_ prefix, base units
// (bytes, seconds, ratios), counters end in _total. Label sets are bounded: ports (2),
// queues and workers (<= 32), methods (8), verdicts (5), anomalies (~20), and rules
// only for the top N by hits (plus an all-rules total).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bulwark::control {

// bulwark-control's own numbers, supplied at scrape time.
struct ControlMetrics {
  std::string control_version;
  uint64_t active_version = 0;
  std::string bundle_sha256;
  bool confirm_pending = false;
  bool dataplane_connected = false;
  uint64_t commits = 0, rollbacks = 0, auto_rollbacks = 0, pushes = 0, push_failures = 0;
  uint64_t events_written = 0, event_rotations = 0;
  double last_push_seconds = 0;
  // The features' own families (ControlFeature::metrics), after the ones above.
  std::vector<prometheus::MetricFamily> features;
};

class MetricsCollector : public prometheus::Collectable {
 public:
  using Source =
      std::function<void(ControlMetrics& out, std::string& stats_shm, uint32_t& top_rules)>;
  explicit MetricsCollector(Source source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;
  // Samples the workers' busy/idle cycles (bulwark-control calls it every 200 ms) so
  // that the busy ratio covers the last kWindow samples whoever collects and however
  // often.
  // `stats_shm`: the segment to sample (only that: the full Source reads the version
  // store from disk, which a 200 ms loop has no need for).
  void sample(const std::string& stats_shm);
  static constexpr size_t kWindow = 50;  // 10 s

 private:
  Source source_;
  mutable std::mutex mu_;  // guards the samples
  uint64_t sample_pid_ = 0;
  // Per worker: (busy, idle) cycles of the last kWindow samples, oldest first.
  std::map<unsigned, std::deque<std::pair<uint64_t, uint64_t>>> samples_;
};

// The families as JSON (bulwarkctl stats --json): [{name, help, type, metrics: [{labels,
// value}]}].
nlohmann::json families_to_json(const std::vector<prometheus::MetricFamily>& families);

}  // namespace bulwark::control
