// Stats segment and control state -> Prometheus metric families (see
// metrics_collector.h).
#include "control/metrics_collector.h"

#include <algorithm>
#include <chrono>
#include <tuple>

#include "control/counter_series.h"
#include "control/metric_families.h"
#include "dataplane/api/counter_def.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/api/stats_reader.h"

namespace bulwark::control {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

double now_unix_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

void MetricsCollector::sample(const std::string& shm) {
  api::StatsReader reader;
  std::string error;
  std::lock_guard<std::mutex> lock(mu_);
  if (!reader.open(shm, error)) {
    samples_.clear();
    return;
  }
  const api::Segment& seg = reader.segment();
  if (seg.header.pid != sample_pid_) samples_.clear();  // a new dataplane
  sample_pid_ = seg.header.pid;
  const unsigned n = std::min(seg.header.worker_count, api::kMaxWorkers);
  for (unsigned w = 0; w < n; ++w) {
    auto& q = samples_[w];
    q.emplace_back(seg.workers[w].busy_cycles.get(), seg.workers[w].idle_cycles.get());
    if (q.size() > kWindow) q.pop_front();
  }
}

std::vector<MetricFamily> MetricsCollector::Collect() const {
  ControlMetrics c;
  std::string shm;
  uint32_t top_rules = 20;
  source_(c, shm, top_rules);
  Families f;

  api::StatsReader reader;
  std::string error;
  const bool have = reader.open(shm, error);
  const api::Segment* seg = have ? &reader.segment() : nullptr;
  const bool running =
      seg && seg->header.state.load() == static_cast<uint32_t>(api::RunState::running) &&
      now_unix_s() - static_cast<double>(seg->header.heartbeat_unix_ns.get()) / 1e9 < 5.0;

  f.gauge("bulwark_info", "Versions of the running software and configuration (value 1)", 1,
          {{"control_version", c.control_version},
           {"config_version", std::to_string(c.active_version)},
           {"rules_version", seg ? std::to_string(seg->rules.version) : ""},
           {"bundle_sha256", c.bundle_sha256}});
  f.gauge("bulwark_dataplane_up", "1 if the dataplane runs and its heartbeat is fresh",
          running ? 1 : 0);
  f.gauge("bulwark_dataplane_connected", "1 if bulwark-control is connected to the dataplane",
          c.dataplane_connected ? 1 : 0);
  f.gauge("bulwark_config_active_version", "Active configuration version number",
          static_cast<double>(c.active_version));
  f.gauge("bulwark_config_confirm_pending", "1 while a commit awaits confirmation",
          c.confirm_pending ? 1 : 0);
  f.counter("bulwark_config_commits_total", "Configuration versions committed",
            static_cast<double>(c.commits));
  f.counter("bulwark_config_rollbacks_total", "Rollbacks, by who asked for them",
            static_cast<double>(c.rollbacks), {{"trigger", "operator"}});
  f.counter("bulwark_config_rollbacks_total", "Rollbacks, by who asked for them",
            static_cast<double>(c.auto_rollbacks), {{"trigger", "confirm_timeout"}});
  f.counter("bulwark_bundle_pushes_total", "Rule bundles pushed to the dataplane, by result",
            static_cast<double>(c.pushes), {{"result", "loaded"}});
  f.counter("bulwark_bundle_pushes_total", "Rule bundles pushed to the dataplane, by result",
            static_cast<double>(c.push_failures), {{"result", "refused"}});
  f.gauge("bulwark_bundle_last_push_seconds",
          "Duration of the last bundle push as seen by bulwark-control", c.last_push_seconds);
  f.counter("bulwark_events_total", "Event lines written to the event log",
            static_cast<double>(c.events_written));
  f.counter("bulwark_event_log_rotations_total", "Event log rotations",
            static_cast<double>(c.event_rotations));
  for (auto& family : c.features) {
    f.index[family.name] = f.out.size();
    f.out.push_back(std::move(family));
  }
  if (!seg) return f.out;

  const auto& h = *seg;
  const unsigned n = std::min(h.header.worker_count, api::kMaxWorkers);
  f.gauge("bulwark_dataplane_start_time_seconds", "Start time of the dataplane (unix seconds)",
          static_cast<double>(h.header.start_unix_ns) / 1e9);
  f.gauge("bulwark_dataplane_workers", "Worker lcores", n);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (unsigned w = 0; w < n; ++w) {
      const auto& ws = h.workers[w];
      const uint64_t busy = ws.busy_cycles.get(), idle = ws.idle_cycles.get();
      // Over the sampled window (the last 10 s); since start if not sampled yet.
      uint64_t b0 = 0, i0 = 0;
      if (const auto it = samples_.find(w);
          sample_pid_ == h.header.pid && it != samples_.end() && !it->second.empty())
        std::tie(b0, i0) = it->second.front();
      const uint64_t db = busy - std::min(busy, b0), di = idle - std::min(idle, i0);
      f.gauge("bulwark_worker_busy_ratio",
              "Share of poll time that found packets over the last 10 s",
              db + di ? static_cast<double>(db) / static_cast<double>(db + di) : 0.0,
              {{api::kWorkerLabel, std::to_string(w)}});
    }
  }
  // Every counter of the segment, by the api's counter tables.
  add_counter_series(f, h, top_rules);
  return f.out;
}

nlohmann::json families_to_json(const std::vector<MetricFamily>& families) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& fam : families) {
    nlohmann::json metrics = nlohmann::json::array();
    for (const auto& m : fam.metric) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& l : m.label) labels[l.name] = l.value;
      metrics.push_back(
          {{"labels", labels},
           {"value", fam.type == MetricType::Counter ? m.counter.value : m.gauge.value}});
    }
    out.push_back({{"name", fam.name},
                   {"help", fam.help},
                   {"type", fam.type == MetricType::Counter ? "counter" : "gauge"},
                   {"metrics", metrics}});
  }
  return out;
}

}  // namespace bulwark::control
