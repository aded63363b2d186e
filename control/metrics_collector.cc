// Stats segment and control state -> Prometheus metric families (see
// metrics_collector.h).
#include "control/metrics_collector.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <tuple>

#include "dataplane/api/stats_layout.h"
#include "dataplane/api/stats_reader.h"
#include "dataplane/features/challenge/clearance.h"
#include "dataplane/proto/http_message.h"
#include "rules/lang/rule_model.h"

namespace bulwark::control {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

struct Families {
  std::vector<MetricFamily> out;
  std::map<std::string, size_t> index;

  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    auto it = index.find(name);
    if (it != index.end()) return out[it->second];
    index[name] = out.size();
    out.push_back(MetricFamily{name, help, type, {}});
    return out.back();
  }
  void counter(const std::string& name, const std::string& help, double v, Labels l = {}) {
    ClientMetric m;
    m.label = std::move(l);
    m.counter.value = v;
    family(name, help, MetricType::Counter).metric.push_back(std::move(m));
  }
  void gauge(const std::string& name, const std::string& help, double v, Labels l = {}) {
    ClientMetric m;
    m.label = std::move(l);
    m.gauge.value = v;
    family(name, help, MetricType::Gauge).metric.push_back(std::move(m));
  }
};

std::string text(const char* s, size_t cap) { return std::string(s, strnlen(s, cap)); }

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
  const double hz = h.header.tsc_hz ? static_cast<double>(h.header.tsc_hz) : 1.0;
  f.gauge("bulwark_dataplane_start_time_seconds", "Start time of the dataplane (unix seconds)",
          static_cast<double>(h.header.start_unix_ns) / 1e9);
  f.gauge("bulwark_dataplane_workers", "Worker lcores", n);

  for (unsigned p = 0; p < api::kPortCount; ++p) {
    const auto& ps = h.ports[p];
    const Labels l = {{"port", text(ps.role, sizeof ps.role)}};
    f.counter("bulwark_port_rx_packets_total", "Packets received by the port",
              static_cast<double>(ps.hw_rx_packets.get()), l);
    f.counter("bulwark_port_rx_bytes_total", "Bytes received by the port",
              static_cast<double>(ps.hw_rx_bytes.get()), l);
    f.counter("bulwark_port_tx_packets_total", "Packets sent by the port",
              static_cast<double>(ps.hw_tx_packets.get()), l);
    f.counter("bulwark_port_tx_bytes_total", "Bytes sent by the port",
              static_cast<double>(ps.hw_tx_bytes.get()), l);
    f.counter("bulwark_port_rx_missed_total",
              "Packets the NIC dropped for want of a free descriptor",
              static_cast<double>(ps.rx_missed.get()), l);
    f.counter("bulwark_port_rx_errors_total", "Erroneous packets received",
              static_cast<double>(ps.rx_errors.get()), l);
    f.counter("bulwark_port_tx_errors_total", "Failed transmissions",
              static_cast<double>(ps.tx_errors.get()), l);
    f.counter("bulwark_port_rx_nombuf_total", "Receive failures for want of an mbuf",
              static_cast<double>(ps.rx_nombuf.get()), l);
    f.gauge("bulwark_port_link_up", "1 if the link is up", static_cast<double>(ps.link_up.get()),
            l);
    f.gauge("bulwark_port_link_speed_bits_per_second", "Link speed",
            static_cast<double>(ps.link_speed_mbps.get()) * 1e6, l);
  }

  std::lock_guard<std::mutex> lock(mu_);
  std::vector<double> method(api::kMethodSlots), verdict(7), anomaly(api::kHttpAnomalySlots);
  for (unsigned w = 0; w < n; ++w) {
    const auto& ws = h.workers[w];
    const std::string wid = std::to_string(w);
    for (unsigned p = 0; p < api::kPortCount; ++p) {
      const Labels l = {{"port", text(h.ports[p].role, sizeof h.ports[p].role)}, {"queue", wid}};
      const auto& q = ws.port[p];
      f.counter("bulwark_queue_rx_packets_total", "Packets polled from the worker's RX queue",
                static_cast<double>(q.rx_packets.get()), l);
      f.counter("bulwark_queue_rx_bytes_total", "Bytes polled from the worker's RX queue",
                static_cast<double>(q.rx_bytes.get()), l);
      f.counter("bulwark_queue_tx_packets_total", "Packets sent on the worker's TX queue",
                static_cast<double>(q.tx_packets.get()), l);
      f.counter("bulwark_queue_tx_bytes_total", "Bytes sent on the worker's TX queue",
                static_cast<double>(q.tx_bytes.get()), l);
      f.counter("bulwark_queue_tx_drops_total", "Packets dropped because the TX queue was full",
                static_cast<double>(q.tx_drops.get()), l);
    }
    const Labels wl = {{"worker", wid}};
    const uint64_t busy = ws.busy_cycles.get(), idle = ws.idle_cycles.get();
    // Over the sampled window (the last 10 s); since start if not sampled yet.
    uint64_t b0 = 0, i0 = 0;
    if (const auto it = samples_.find(w);
        sample_pid_ == h.header.pid && it != samples_.end() && !it->second.empty())
      std::tie(b0, i0) = it->second.front();
    const uint64_t db = busy - std::min(busy, b0), di = idle - std::min(idle, i0);
    f.gauge("bulwark_worker_busy_ratio", "Share of poll time that found packets over the last 10 s",
            db + di ? static_cast<double>(db) / static_cast<double>(db + di) : 0.0, wl);
    f.counter("bulwark_worker_busy_seconds_total", "Time in polls that found packets",
              static_cast<double>(busy) / hz, wl);
    f.counter("bulwark_worker_idle_seconds_total", "Time in polls that found none",
              static_cast<double>(idle) / hz, wl);
    f.gauge("bulwark_worker_loop_max_seconds", "Longest poll iteration",
            static_cast<double>(ws.loop_max_cycles.get()) / hz, wl);
    f.gauge("bulwark_worker_swap_stall_seconds",
            "First poll iteration on the newest rule set (what the last swap cost the worker)",
            static_cast<double>(ws.swap_loop_cycles_last.get()) / hz, wl);
    f.counter("bulwark_worker_handoff_drops_total", "Packets lost because a hand-off ring was full",
              static_cast<double>(ws.handoff_drops.get()), wl);
    f.counter("bulwark_worker_policy_drops_total", "Packets dropped by policy",
              static_cast<double>(ws.policy_drops.get()), wl);
    f.gauge("bulwark_flows_active", "Flows in the worker's table",
            static_cast<double>(ws.flows_active.get()), wl);
    f.gauge("bulwark_flows_capacity", "Flow table size",
            static_cast<double>(ws.flows_capacity.get()), wl);
    f.counter("bulwark_flows_created_total", "Flows created",
              static_cast<double>(ws.flows_created.get()), wl);
    f.counter("bulwark_flows_expired_total", "Flows removed after their idle timeout",
              static_cast<double>(ws.flows_expired.get()), wl);
    f.counter("bulwark_flows_evicted_total", "Flows evicted because the table was full",
              static_cast<double>(ws.flows_evicted.get()), wl);
    f.counter("bulwark_flows_insert_failed_total", "Flows that found no room",
              static_cast<double>(ws.flows_insert_failed.get()), wl);
    for (unsigned m = 0; m < api::kMethodSlots; ++m)
      method[m] += static_cast<double>(ws.requests_by_method[m].get());
    verdict[0] += static_cast<double>(ws.verdict_pass.get());
    verdict[1] += static_cast<double>(ws.verdict_block.get());
    verdict[2] += static_cast<double>(ws.verdict_respond.get());
    verdict[3] += static_cast<double>(ws.verdict_log.get());
    verdict[4] += static_cast<double>(ws.verdict_monitor.get());
    verdict[5] += static_cast<double>(ws.verdict_challenge.get());
    verdict[6] += static_cast<double>(ws.verdict_decoy.get());
    for (unsigned a = 0; a < proto::kHttpAnomalyCount && a < api::kHttpAnomalySlots; ++a)
      anomaly[a] += static_cast<double>(ws.anomalies[a].get());
  }
  auto sum = [&](auto field) {
    double s = 0;
    for (unsigned w = 0; w < n; ++w) s += static_cast<double>((h.workers[w].*field).get());
    return s;
  };
  using WS = api::WorkerStats;
  for (unsigned m = 0; m < api::kMethodSlots; ++m)
    f.counter("bulwark_http_requests_total", "HTTP requests inspected, by method", method[m],
              {{"method", api::kMethodNames[m]}});
  static const char* kVerdicts[] = {"pass", "block", "respond", "", "", "challenge", "decoy"};
  for (unsigned v : {0u, 1u, 2u, 5u, 6u})
    f.counter("bulwark_http_request_verdicts_total",
              "HTTP requests by decision: passed, blocked (reset), answered by a rule, "
              "challenged, answered with a decoy",
              verdict[v], {{"verdict", kVerdicts[v]}});
  f.counter("bulwark_challenges_total",
            "Challenges answered, by answer: the proof-of-work page (browsers) or the "
            "machine-readable 403/429 (other clients)",
            sum(&WS::challenges_page), {{"answer", "page"}});
  f.counter("bulwark_challenges_total", "", sum(&WS::challenges_api), {{"answer", "api"}});
  for (unsigned c = 0; c < static_cast<unsigned>(challenge::ClearanceCheck::count_); ++c) {
    double v = 0;
    for (unsigned w = 0; w < n; ++w)
      v += static_cast<double>(h.workers[w].clearance_checks[c].get());
    f.counter(
        "bulwark_clearance_checks_total",
        "Clearance cookies checked on challenged requests, by result", v,
        {{"result", challenge::clearance_check_name(static_cast<challenge::ClearanceCheck>(c))}});
  }
  f.counter("bulwark_consistency_scored_total",
            "Requests claiming a browser, scored by the consistency policy",
            sum(&WS::scored_requests));
  f.counter("bulwark_consistency_over_threshold_total",
            "Scored requests at or over the policy's threshold", sum(&WS::scored_over));
  for (unsigned s = 0; s < static_cast<unsigned>(rules::Signal::count_); ++s) {
    double v = 0;
    for (unsigned w = 0; w < n; ++w) v += static_cast<double>(h.workers[w].score_signals[s].get());
    f.counter("bulwark_consistency_signals_total",
              "Contradictions of a browser claim seen, by kind", v,
              {{"signal", rules::signal_name(static_cast<rules::Signal>(s))}});
  }
  f.counter("bulwark_rule_matches_by_kind_total",
            "Matches that did not decide: log rules, and rules in monitor mode (what they "
            "would have done)",
            verdict[3], {{"kind", "log"}});
  f.counter("bulwark_rule_matches_by_kind_total", "", verdict[4], {{"kind", "monitor"}});
  f.counter("bulwark_http_responses_total", "HTTP responses inspected", sum(&WS::http_responses));
  for (unsigned a = 0; a < proto::kHttpAnomalyCount && a < api::kHttpAnomalySlots; ++a)
    f.counter("bulwark_http_anomalies_total", "Requests and responses showing each anomaly",
              anomaly[a], {{"anomaly", proto::http_anomaly_name(a)}});
  f.gauge("bulwark_http_sessions_active", "Inspected connections", sum(&WS::sessions_active));
  f.counter("bulwark_http_inspection_bypassed_total", "Connections no longer inspected",
            sum(&WS::inspection_bypassed));
  f.counter("bulwark_resets_sent_total", "TCP resets injected", sum(&WS::resets_sent));
  f.counter("bulwark_responses_sent_total", "HTTP responses injected", sum(&WS::responses_sent));
  f.counter("bulwark_events_dropped_total", "Events lost, by where", sum(&WS::events_dropped),
            {{"where", "worker_ring"}});
  f.counter("bulwark_events_dropped_total", "Events lost, by where",
            static_cast<double>(h.control.events_dropped.get()), {{"where", "control_link"}});
  for (auto [result, field] :
       {std::pair{"fingerprinted", &WS::tls_hellos}, std::pair{"not_tls", &WS::tls_not_tls},
        std::pair{"malformed", &WS::tls_malformed}, std::pair{"too_large", &WS::tls_too_large},
        std::pair{"incomplete", &WS::tls_incomplete}, std::pair{"no_buffer", &WS::tls_no_buffer}})
    f.counter("bulwark_tls_client_hellos_total",
              "Connections on TLS ports by what their first bytes were: a ClientHello "
              "fingerprinted (JA3, JA4), not TLS, broken, too large, ended first, no buffer",
              sum(field), {{"result", result}});
  f.counter("bulwark_tls_connections_blocked_total",
            "TLS connections cut at their ClientHello by a fingerprint rule",
            sum(&WS::tls_blocked));
  for (auto [result, field] : {std::pair{"used", &WS::forwarded_used},
                               std::pair{"untrusted_peer", &WS::forwarded_untrusted},
                               std::pair{"malformed", &WS::forwarded_malformed}})
    f.counter("bulwark_client_forwarding_headers_total",
              "Requests with X-Forwarded-For/Forwarded: client taken from it (trusted proxy), "
              "ignored (peer not a trusted proxy: possibly spoofed), cut short at a bad hop",
              sum(field), {{"result", result}});
  {
    const api::RulesInfo& ri = h.rules;
    const bool have = ri.generation.load(std::memory_order_acquire) != 0;
    f.family("bulwark_rate_limit_requests_total",
             "Requests counted by each rate limit: within it, or over it (enforced or, in "
             "monitor mode, only reported)",
             MetricType::Counter);
    for (uint32_t l = 0; have && l < ri.limit_count && l < api::kMaxLimitSlots; ++l) {
      double allowed = 0, exceeded = 0;
      for (unsigned w = 0; w < n; ++w) {
        allowed += static_cast<double>(h.workers[w].limit_allowed[l].get());
        exceeded += static_cast<double>(h.workers[w].limit_exceeded[l].get());
      }
      const std::string id = std::to_string(ri.limit_ids[l]);
      f.counter("bulwark_rate_limit_requests_total", "", allowed,
                {{"limit", id}, {"result", "allowed"}});
      f.counter("bulwark_rate_limit_requests_total", "", exceeded,
                {{"limit", id}, {"result", "exceeded"}});
    }
  }
  {
    const api::Header& hd = h.header;
    for (auto [result, v] : {std::pair{"success", hd.login_successes.get()},
                             std::pair{"failure", hd.login_failures.get()},
                             std::pair{"unknown", hd.login_unknown.get()}})
      f.counter("bulwark_login_attempts_total",
                "Requests to login endpoints by outcome (failure: a failure status or text; "
                "unknown: no answer)",
                static_cast<double>(v), {{"result", result}});
    const auto sum = [&](api::Counter api::WorkerStats::*field) {
      double t = 0;
      for (unsigned w = 0; w < n; ++w) t += static_cast<double>((h.workers[w].*field).get());
      return t;
    };
    f.counter("bulwark_api_calls_total",
              "API calls observed for the inventory: reported to the main lcore, or lost (ring "
              "full)",
              sum(&api::WorkerStats::api_records), {{"result", "reported"}});
    f.counter("bulwark_api_calls_total", "", sum(&api::WorkerStats::api_records_dropped),
              {{"result", "lost"}});
    f.counter("bulwark_api_responses_total",
              "Responses by sensitive-data scanning: scanned, or not (compressed, no stream "
              "free, over max_scan_bytes, rules changed)",
              sum(&api::WorkerStats::api_scanned), {{"scan", "scanned"}});
    f.counter("bulwark_api_responses_total", "", sum(&api::WorkerStats::api_unscanned),
              {{"scan", "unscanned"}});
    f.counter("bulwark_api_scanned_bytes_total",
              "Response bytes scanned for sensitive data (heads and bodies)",
              sum(&api::WorkerStats::api_scan_bytes));
    f.counter("bulwark_sensitive_matches_total",
              "Validated sensitive-data matches in responses, all classes",
              sum(&api::WorkerStats::sensitive_matches));
    f.counter(
        "bulwark_api_batch_overflow_total",
        "API calls folded into a batch's overflow count (more than 4096 endpoints in a second)",
        static_cast<double>(hd.api_batch_overflow.get()));
    f.counter("bulwark_enumeration_reads_total",
              "Reads of object endpoints watched for enumeration, counted by the detector",
              static_cast<double>(hd.enumeration_reads.get()));
    f.counter("bulwark_decisions_total",
              "Behavioural decisions made (credential stuffing, enumeration), enforced or reported",
              static_cast<double>(hd.decisions_total.get()));
    f.gauge("bulwark_decisions_active", "Behavioural decisions holding now",
            static_cast<double>(hd.decisions_active.get()));
    f.gauge("bulwark_login_failure_ratio", "Failed logins / attempts in the current window",
            static_cast<double>(hd.login_failure_ratio_milli.get()) / 1000);
    f.gauge("bulwark_login_failure_ratio_baseline",
            "Learned failure ratio (mean of up to 10 earlier ordinary windows)",
            static_cast<double>(hd.login_baseline_milli.get()) / 1000);
    f.counter("bulwark_login_attack_windows_total",
              "Windows whose failure ratio went over the baseline times the policy's factor",
              static_cast<double>(hd.login_attack_windows.get()));
  }
  f.gauge("bulwark_blocklist_entries", "Live entries of the block list the dataplane holds",
          static_cast<double>(h.header.blocklist_entries.get()));
  for (unsigned k = 0; k < 5; ++k) {
    static const char* kMatched[] = {"address", "fingerprint", "api_key", "user_agent", "session"};
    double hits = 0;
    for (unsigned w = 0; w < n; ++w)
      hits += static_cast<double>(h.workers[w].blocklist_hits[k].get());
    f.counter("bulwark_blocklist_hits_total",
              "Requests and TLS connections stopped by the block list, by what matched", hits,
              {{"matched", kMatched[k]}});
  }
  f.gauge("bulwark_rate_limit_keys", "Rate-limit cells in use (client keys being counted)",
          sum(&WS::limit_keys));
  f.gauge("bulwark_rate_limit_keys_capacity", "Rate-limit cells available",
          sum(&WS::limit_capacity));
  for (auto [why, field] :
       {std::pair{"expired", &WS::limit_expired}, std::pair{"evicted", &WS::limit_evicted},
        std::pair{"insert_failed", &WS::limit_insert_failed}})
    f.counter("bulwark_rate_limit_keys_removed_total",
              "Rate-limit cells freed because their bucket was full again (expired), pushed "
              "out while the table was full (evicted), or requests that found no cell",
              sum(field), {{"why", why}});
  for (auto [result, field] : {std::pair{"sent", &WS::limit_reports_sent},
                               std::pair{"applied", &WS::limit_reports_applied},
                               std::pair{"dropped", &WS::limit_reports_dropped}})
    f.counter("bulwark_rate_limit_reports_total",
              "Global limits: per-key counts workers sent, applied from other workers, lost",
              sum(field), {{"result", result}});
  f.counter("bulwark_rate_limit_reports_total", "",
            static_cast<double>(h.header.limit_merge_dropped.get()), {{"result", "merge_dropped"}});
  f.counter("bulwark_tcp_reassembly_overlap_conflicts_total",
            "Overlapping TCP segments whose bytes differed", sum(&WS::reasm_overlap_conflicts));

  // Rules: the bundle and the top N by hits.
  const auto& ri = h.rules;
  const uint64_t gen = ri.generation.load(std::memory_order_acquire);
  f.gauge("bulwark_rules_bundle_version", "Version of the rule bundle the dataplane runs",
          gen ? static_cast<double>(ri.version) : 0);
  f.gauge("bulwark_rules_loaded", "Rules in the active bundle", gen ? ri.rule_count : 0);
  f.counter("bulwark_rules_reloads_total", "Bundle swaps after the first load",
            static_cast<double>(ri.reloads));
  f.counter("bulwark_rules_reload_failures_total", "Bundles the dataplane refused",
            static_cast<double>(ri.reload_failures));
  f.gauge("bulwark_rules_last_reload_duration_seconds",
          "Last load: deserialise, prepare and swap (including the RCU grace period)",
          static_cast<double>(ri.load_duration_ns) / 1e9);
  f.counter("bulwark_rules_matched_total", "Rule matches of all rules, all actions and modes",
            sum(&WS::rule_hits_total));
  std::vector<std::pair<double, uint32_t>> hits;
  for (uint32_t r = 0; gen && r < ri.rule_count && r < api::kMaxRuleSlots; ++r) {
    double s = 0;
    for (unsigned w = 0; w < n; ++w) s += static_cast<double>(h.workers[w].rule_hits[r].get());
    if (s > 0) hits.emplace_back(s, ri.rule_ids[r]);
  }
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (hits.size() > top_rules) hits.resize(top_rules);
  f.family("bulwark_rule_hits_total", "Matches of the most-matched rules (top N by hits)",
           MetricType::Counter);
  for (const auto& [count, id] : hits)
    f.counter("bulwark_rule_hits_total", "", count, {{"rule", std::to_string(id)}});
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
