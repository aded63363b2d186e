// Maps the stats segment read-only and renders it as JSON.
#include "dataplane/api/stats_reader.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <rte_cycles.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/features/challenge/clearance.h"
#include "dataplane/proto/http_message.h"
#include "dataplane/proto/packet_info.h"
#include "dataplane/proto/tcp_state.h"
#include "rules/lang/rule_model.h"

namespace bulwark::api {

StatsReader::~StatsReader() {
  if (seg_) munmap(const_cast<api::Segment*>(seg_), sizeof(api::Segment));
}

bool StatsReader::open(const std::string& name, std::string& error) {
  const int fd = shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) {
    error =
        "cannot open stats segment " + name + ": " + std::strerror(errno) +
        (errno == ENOENT ? " (is bulwark-dataplane running with --stats-shm " + name + "?)" : "");
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < sizeof(api::Segment)) {
    close(fd);
    error = "stats segment " + name + " is too small: written by another version?";
    return false;
  }
  void* p = mmap(nullptr, sizeof(api::Segment), PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    error = "cannot map stats segment " + name + ": " + std::strerror(errno);
    return false;
  }
  seg_ = static_cast<const api::Segment*>(p);
  if (seg_->header.magic != api::kStatsMagic ||
      seg_->header.layout_version != api::kStatsLayoutVersion) {
    error = "stats segment " + name + " has layout version " +
            std::to_string(seg_->header.layout_version) + ", this reader knows " +
            std::to_string(api::kStatsLayoutVersion);
    return false;
  }
  return true;
}

namespace {

const char* state_name(uint32_t s) {
  switch (static_cast<api::RunState>(s)) {
    case api::RunState::starting: return "starting";
    case api::RunState::running: return "running";
    case api::RunState::stopping: return "stopping";
    case api::RunState::stopped: return "stopped";
  }
  return "unknown";
}

std::string ip_text(const uint8_t* a, uint8_t family) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, sizeof buf);
  return buf;
}

// The worker's top talkers, read under its sequence lock (a few retries, then none).
nlohmann::json top_flows_json(const api::TopFlows& t, uint64_t tsc_hz, uint64_t now_tsc) {
  api::TopFlow copy[api::kTopFlows];
  uint32_t n = 0;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const uint64_t s0 = t.seq.load(std::memory_order_acquire);
    if (s0 & 1) continue;
    n = std::min<uint32_t>(t.count, api::kTopFlows);
    std::memcpy(copy, t.flows, sizeof(api::TopFlow) * n);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (t.seq.load(std::memory_order_relaxed) == s0) break;
    n = 0;
  }
  nlohmann::json out = nlohmann::json::array();
  for (uint32_t i = 0; i < n; ++i) {
    const api::TopFlow& f = copy[i];
    // Client: the endpoint that opened the connection (lo unless hi did).
    const bool hi_client = f.initiator == 1;
    out.push_back({{"proto", f.proto == 6    ? "tcp"
                             : f.proto == 17 ? "udp"
                                             : std::to_string(f.proto)},
                   {"client", ip_text(hi_client ? f.addr_hi : f.addr_lo, f.family)},
                   {"client_port", hi_client ? f.port_hi : f.port_lo},
                   {"server", ip_text(hi_client ? f.addr_lo : f.addr_hi, f.family)},
                   {"server_port", hi_client ? f.port_lo : f.port_hi},
                   {"vlan", f.vlan},
                   {"state", proto::flow_state_name(static_cast<proto::FlowState>(f.state))},
                   {"bytes_from_client", hi_client ? f.bytes_hi_lo : f.bytes_lo_hi},
                   {"bytes_from_server", hi_client ? f.bytes_lo_hi : f.bytes_hi_lo},
                   {"packets", f.packets},
                   {"age_s", tsc_hz && now_tsc > f.first_seen_tsc
                                 ? static_cast<double>(now_tsc - f.first_seen_tsc) /
                                       static_cast<double>(tsc_hz)
                                 : 0.0}});
  }
  return out;
}

nlohmann::json worker_json(const api::WorkerStats& w, uint32_t limits) {
  using nlohmann::json;
  json j;
  j["lcore"] = w.lcore_id.get();
  for (unsigned p = 0; p < api::kPortCount; ++p) {
    const auto& q = w.port[p];
    j["queues"].push_back({{"rx_packets", q.rx_packets.get()},
                           {"rx_bytes", q.rx_bytes.get()},
                           {"tx_packets", q.tx_packets.get()},
                           {"tx_bytes", q.tx_bytes.get()},
                           {"tx_drops", q.tx_drops.get()}});
  }
  j["busy_cycles"] = w.busy_cycles.get();
  j["idle_cycles"] = w.idle_cycles.get();
  j["loop"] = {{"busy_loops", w.busy_loops.get()},
               {"max_cycles", w.loop_max_cycles.get()},
               {"swaps_seen", w.swaps_seen.get()},
               {"swap_cycles_last", w.swap_loop_cycles_last.get()},
               {"swap_cycles_max", w.swap_loop_cycles_max.get()}};
  j["handoff_out"] = w.handoff_out.get();
  j["handoff_in"] = w.handoff_in.get();
  j["handoff_drops"] = w.handoff_drops.get();
  j["policy_drops"] = w.policy_drops.get();
  j["packets"] = {{"ipv4", w.ipv4.get()},
                  {"ipv6", w.ipv6.get()},
                  {"non_ip", w.non_ip.get()},
                  {"vlan_tagged", w.vlan_tagged.get()},
                  {"tcp", w.tcp.get()},
                  {"udp", w.udp.get()},
                  {"icmp", w.icmp.get()},
                  {"other_l4", w.other_l4.get()},
                  {"ipv4_fragments", w.ipv4_fragments.get()},
                  {"ipv6_fragments", w.ipv6_fragments.get()}};
  json mal = json::object();
  for (unsigned i = 1; i < static_cast<unsigned>(proto::ParseStatus::count_); ++i)
    mal[proto::parse_status_name(static_cast<proto::ParseStatus>(i))] = w.malformed[i].get();
  j["malformed"] = mal;
  json cls = json::object();
  for (unsigned c = 0; c < proto::kTimeoutClassCount; ++c)
    cls[proto::timeout_class_name(static_cast<proto::TimeoutClass>(c))] = w.flows_by_class[c].get();
  j["flows"] = {{"active", w.flows_active.get()},
                {"capacity", w.flows_capacity.get()},
                {"created", w.flows_created.get()},
                {"expired", w.flows_expired.get()},
                {"evicted", w.flows_evicted.get()},
                {"evicted_established", w.flows_evicted_established.get()},
                {"insert_failed", w.flows_insert_failed.get()},
                {"midstream", w.flows_midstream.get()},
                {"by_class", cls}};
  json methods = json::object();
  for (unsigned m = 0; m < api::kMethodSlots; ++m)
    methods[api::kMethodNames[m]] = w.requests_by_method[m].get();
  json anomalies = json::object();
  for (unsigned a = 0; a < proto::kHttpAnomalyCount && a < api::kHttpAnomalySlots; ++a)
    anomalies[proto::http_anomaly_name(a)] = w.anomalies[a].get();
  j["http"] = {{"sessions_active", w.sessions_active.get()},
               {"sessions_created", w.sessions_created.get()},
               {"sessions_exhausted", w.sessions_exhausted.get()},
               {"requests", w.http_requests.get()},
               {"responses", w.http_responses.get()},
               {"requests_by_method", methods},
               {"verdicts",
                {{"pass", w.verdict_pass.get()},
                 {"block", w.verdict_block.get()},
                 {"respond", w.verdict_respond.get()},
                 {"log", w.verdict_log.get()},
                 {"monitor", w.verdict_monitor.get()},
                 {"challenge", w.verdict_challenge.get()},
                 {"decoy", w.verdict_decoy.get()}}},
               {"anomalies", anomalies},
               {"anomaly_blocks", w.anomaly_blocks.get()},
               {"rule_hits", w.rule_hits_total.get()},
               {"resets_sent", w.resets_sent.get()},
               {"responses_sent", w.responses_sent.get()},
               {"inject_failures", w.inject_failures.get()},
               {"blocked_flow_packets", w.flows_blocked_packets.get()},
               {"inspection_bypassed", w.inspection_bypassed.get()},
               {"events_dropped", w.events_dropped.get()},
               {"body_unscanned", w.body_unscanned.get()}};
  j["tls"] = {{"sessions", w.tls_sessions.get()},   {"hellos", w.tls_hellos.get()},
              {"not_tls", w.tls_not_tls.get()},     {"malformed", w.tls_malformed.get()},
              {"too_large", w.tls_too_large.get()}, {"incomplete", w.tls_incomplete.get()},
              {"no_buffer", w.tls_no_buffer.get()}, {"blocked", w.tls_blocked.get()}};
  j["objects"] = {{"reads", w.object_reads.get()}, {"dropped", w.object_reads_dropped.get()}};
  j["api"] = {{"calls", w.api_records.get()},
              {"calls_lost", w.api_records_dropped.get()},
              {"scanned", w.api_scanned.get()},
              {"unscanned", w.api_unscanned.get()},
              {"scanned_bytes", w.api_scan_bytes.get()},
              {"sensitive_matches", w.sensitive_matches.get()}};
  nlohmann::json clearance, signals;
  for (unsigned c = 0; c < static_cast<unsigned>(challenge::ClearanceCheck::count_); ++c)
    clearance[challenge::clearance_check_name(static_cast<challenge::ClearanceCheck>(c))] =
        w.clearance_checks[c].get();
  for (unsigned s = 0; s < static_cast<unsigned>(rules::Signal::count_); ++s)
    signals[rules::signal_name(static_cast<rules::Signal>(s))] = w.score_signals[s].get();
  j["challenges"] = {
      {"page", w.challenges_page.get()}, {"api", w.challenges_api.get()}, {"clearance", clearance}};
  j["consistency"] = {
      {"scored", w.scored_requests.get()}, {"over", w.scored_over.get()}, {"signals", signals}};
  j["login"] = {{"requests", w.login_requests.get()},
                {"no_buffer", w.login_no_buffer.get()},
                {"no_username", w.login_no_username.get()},
                {"dropped", w.login_dropped.get()},
                {"body_encoded", w.login_body_encoded.get()}};
  j["blocklist_hits"] = {{"address", w.blocklist_hits[0].get()},
                         {"fingerprint", w.blocklist_hits[1].get()},
                         {"api_key", w.blocklist_hits[2].get()},
                         {"user_agent", w.blocklist_hits[3].get()},
                         {"session", w.blocklist_hits[4].get()}};
  j["identity"] = {{"forwarded_used", w.forwarded_used.get()},
                   {"forwarded_untrusted", w.forwarded_untrusted.get()},
                   {"forwarded_malformed", w.forwarded_malformed.get()}};
  json allowed = json::array(), exceeded = json::array();
  for (uint32_t l = 0; l < limits && l < api::kMaxLimitSlots; ++l) {
    allowed.push_back(w.limit_allowed[l].get());
    exceeded.push_back(w.limit_exceeded[l].get());
  }
  j["limits"] = {{"keys", w.limit_keys.get()},
                 {"capacity", w.limit_capacity.get()},
                 {"expired", w.limit_expired.get()},
                 {"evicted", w.limit_evicted.get()},
                 {"insert_failed", w.limit_insert_failed.get()},
                 {"reports_sent", w.limit_reports_sent.get()},
                 {"reports_applied", w.limit_reports_applied.get()},
                 {"reports_dropped", w.limit_reports_dropped.get()},
                 {"allowed", allowed},  // by limit index (see "limits" at the top)
                 {"exceeded", exceeded}};
  j["reassembly"] = {{"delivered_bytes", w.reasm_delivered_bytes.get()},
                     {"in_order", w.reasm_in_order.get()},
                     {"out_of_order", w.reasm_out_of_order.get()},
                     {"retransmissions", w.reasm_retransmissions.get()},
                     {"partial_retransmissions", w.reasm_partial_retransmissions.get()},
                     {"overlap_conflicts", w.reasm_overlap_conflicts.get()},
                     {"limit_hits", w.reasm_limit_hits.get()},
                     {"pool_exhausted", w.reasm_pool_exhausted.get()},
                     {"out_of_window", w.reasm_out_of_window.get()},
                     {"midstream", w.reasm_midstream.get()}};
  return j;
}

// Adds every number in `from` into `into`, recursively (objects and arrays by position).
void accumulate(nlohmann::json& into, const nlohmann::json& from) {
  if (into.is_null()) {
    into = from;
    return;
  }
  if (from.is_number()) {
    into = into.get<uint64_t>() + from.get<uint64_t>();
  } else if (from.is_object()) {
    for (auto it = from.begin(); it != from.end(); ++it) accumulate(into[it.key()], it.value());
  } else if (from.is_array()) {
    for (size_t i = 0; i < from.size(); ++i) accumulate(into[i], from[i]);
  }
}

}  // namespace

nlohmann::json stats_to_json(const api::Segment& seg) {
  using nlohmann::json;
  const auto& h = seg.header;
  json j;
  j["state"] = state_name(h.state.load(std::memory_order_relaxed));
  j["pid"] = h.pid;
  j["workers"] = h.worker_count;
  j["tsc_hz"] = h.tsc_hz;
  j["flow_entry_bytes"] = h.flow_entry_bytes;
  j["start_unix_ns"] = h.start_unix_ns;
  j["heartbeat_unix_ns"] = h.heartbeat_unix_ns.get();
  for (unsigned p = 0; p < api::kPortCount; ++p) {
    const auto& ps = seg.ports[p];
    j["ports"].push_back({{"role", std::string(ps.role, strnlen(ps.role, sizeof ps.role))},
                          {"device", std::string(ps.device, strnlen(ps.device, sizeof ps.device))},
                          {"port_id", ps.port_id.get()},
                          {"rx_queues", ps.nb_rx_queues.get()},
                          {"tx_queues", ps.nb_tx_queues.get()},
                          {"link_up", ps.link_up.get() != 0},
                          {"link_speed_mbps", ps.link_speed_mbps.get()},
                          {"rx_packets", ps.hw_rx_packets.get()},
                          {"rx_bytes", ps.hw_rx_bytes.get()},
                          {"tx_packets", ps.hw_tx_packets.get()},
                          {"tx_bytes", ps.hw_tx_bytes.get()},
                          {"rx_missed", ps.rx_missed.get()},
                          {"rx_errors", ps.rx_errors.get()},
                          {"tx_errors", ps.tx_errors.get()},
                          {"rx_nombuf", ps.rx_nombuf.get()}});
  }
  json total;
  const unsigned n = std::min<unsigned>(h.worker_count, api::kMaxWorkers);
  for (unsigned w = 0; w < n; ++w) {
    json wj = worker_json(seg.workers[w], seg.rules.generation.load(std::memory_order_acquire)
                                              ? seg.rules.limit_count
                                              : 0);
    wj["top_flows"] = top_flows_json(seg.workers[w].top_flows, h.tsc_hz, rte_rdtsc());
    j["worker"].push_back(wj);
    wj.erase("top_flows");
    wj.erase("lcore");
    wj.erase("loop");  // maxima and last values do not add up
    accumulate(total, wj);
  }
  const uint64_t busy = total.value("busy_cycles", uint64_t{0});
  const uint64_t idle = total.value("idle_cycles", uint64_t{0});
  total["busy_ratio"] =
      busy + idle ? static_cast<double>(busy) / static_cast<double>(busy + idle) : 0.0;
  j["total"] = total;
  // The active rule set and per-rule hits (summed over workers), by rule id.
  const auto& ri = seg.rules;
  json rules = {{"generation", ri.generation.load(std::memory_order_acquire)},
                {"version", ri.version},
                {"rule_count", ri.rule_count},
                {"sha256", std::string(ri.sha256, strnlen(ri.sha256, sizeof ri.sha256))},
                {"loaded_unix_ns", ri.loaded_unix_ns},
                {"load_duration_ns", ri.load_duration_ns},
                {"reloads", ri.reloads},
                {"reload_failures", ri.reload_failures}};
  json hits = json::object();
  for (uint32_t r = 0; r < ri.rule_count && r < api::kMaxRuleSlots; ++r) {
    uint64_t sum = 0;
    for (unsigned w = 0; w < n; ++w) sum += seg.workers[w].rule_hits[r].get();
    if (sum) hits[std::to_string(ri.rule_ids[r])] = sum;
  }
  rules["hits"] = hits;
  j["rules"] = rules;
  // Rate limits by id: requests counted and over the limit, summed over workers.
  json limits = json::object();
  for (uint32_t l = 0; ri.generation.load() && l < ri.limit_count && l < api::kMaxLimitSlots; ++l) {
    uint64_t allowed = 0, exceeded = 0;
    for (unsigned w = 0; w < n; ++w) {
      allowed += seg.workers[w].limit_allowed[l].get();
      exceeded += seg.workers[w].limit_exceeded[l].get();
    }
    limits[std::to_string(ri.limit_ids[l])] = {{"allowed", allowed}, {"exceeded", exceeded}};
  }
  j["blocklist"] = {{"entries", h.blocklist_entries.get()}, {"loads", h.blocklist_loads.get()}};
  j["enumeration"] = {{"reads", h.enumeration_reads.get()},
                      {"untracked", h.enumeration_untracked.get()}};
  j["logins"] = {
      {"attempts", h.login_attempts.get()},
      {"failures", h.login_failures.get()},
      {"successes", h.login_successes.get()},
      {"unknown", h.login_unknown.get()},
      {"decisions_total", h.decisions_total.get()},
      {"decisions_active", h.decisions_active.get()},
      {"attack_windows", h.login_attack_windows.get()},
      {"untracked", h.login_untracked.get()},
      {"window_failure_ratio", static_cast<double>(h.login_failure_ratio_milli.get()) / 1000},
      {"baseline_failure_ratio", static_cast<double>(h.login_baseline_milli.get()) / 1000}};
  j["limits"] = {{"by_id", limits},
                 {"merged", h.limit_merged.get()},
                 {"merge_dropped", h.limit_merge_dropped.get()}};
  const auto& c = seg.control;
  j["control"] = {{"connected", c.connected.get() != 0},
                  {"connections", c.connections.get()},
                  {"pushes", c.pushes.get()},
                  {"push_failures", c.push_failures.get()},
                  {"bad_messages", c.bad_messages.get()},
                  {"events_sent", c.events_sent.get()},
                  {"events_dropped", c.events_dropped.get()}};
  return j;
}

}  // namespace bulwark::api
