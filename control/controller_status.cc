// Read-only commands: version, status, ports, workers, flows, stats, events.
#include <prometheus/metric_family.h>
#include <unistd.h>

#include <algorithm>

#include "control/controller.h"
#include "control/metrics_collector.h"
#include "control/protocol/protocol.h"

namespace bulwark::control {

using protocol::Error;
using protocol::reply_error;
using protocol::reply_ok;

json Controller::cmd_version(const Request&) {
  const json hello = link_.hello();
  return reply_ok({{"control", opts_.version},
                   {"config_version", store_.active()},
                   {"dataplane_connected", link_.connected()},
                   {"dataplane_pid", hello.value("pid", 0)}});
}

json Controller::cmd_status(const Request&) {
  const uint64_t active = store_.active();
  const auto meta = store_.meta(active);
  json r;
  r["control"] = {{"version", opts_.version},
                  {"pid", getpid()},
                  {"uptime_s", (unix_ms() - started_unix_ms_) / 1000},
                  {"state_dir", store_.dir()},
                  {"events_file", events_.path()},
                  {"event_followers", events_.followers()}};
  r["config"] = {{"active_version", active},
                 {"bundle_sha256", meta ? meta->bundle_sha256 : ""},
                 {"candidate", store_.candidate_config().has_value()}};
  // A pending confirmation belongs to the active version; one for another version is
  // being resolved right now (an automatic rollback activates before it clears it).
  if (auto p = store_.pending(); p && p->version == active)
    r["config"]["pending_confirm"] = {
        {"version", p->version},
        {"previous", p->previous},
        {"seconds_left",
         p->deadline_unix_ms > unix_ms() ? (p->deadline_unix_ms - unix_ms()) / 1000 : 0}};
  const json hello = link_.hello();
  json dp = {{"connected", link_.connected()}};
  std::string error;
  if (auto s = stats_json(error)) {
    const uint64_t now_ns = unix_ms() * 1000000ull;
    dp["state"] = (*s)["state"];
    dp["pid"] = (*s)["pid"];
    dp["workers"] = (*s)["workers"];
    dp["uptime_s"] = (now_ns - (*s)["start_unix_ns"].get<uint64_t>()) / 1000000000ull;
    dp["heartbeat_age_ms"] =
        (now_ns - std::min(now_ns, (*s)["heartbeat_unix_ns"].get<uint64_t>())) / 1000000ull;
    const json& rules = (*s)["rules"];
    r["rules"] = {{"version", rules["version"]},
                  {"count", rules["rule_count"]},
                  {"sha256", rules["sha256"]},
                  {"reloads", rules["reloads"]},
                  {"reload_failures", rules["reload_failures"]},
                  {"last_load_ms", rules["load_duration_ns"].get<uint64_t>() / 1e6},
                  {"in_sync", rules["version"].get<uint64_t>() == active &&
                                  rules["sha256"] == (meta ? meta->bundle_sha256 : "")}};
    const json& t = (*s)["total"];
    r["traffic"] = {{"http_requests", t["http"]["requests"]},
                    {"verdicts", t["http"]["verdicts"]},
                    {"flows_active", t["flows"]["active"]},
                    {"busy_ratio", t["busy_ratio"]}};
  } else {
    dp["state"] = "absent";
    dp["error"] = error;
  }
  r["dataplane"] = dp;
  for (const auto& f : features_) f->status(r);
  return reply_ok(r);
}

json Controller::cmd_ports(const Request&) {
  std::string error;
  auto s = stats_json(error);
  if (!s) return reply_error(Error::unavailable, error);
  json ports = (*s)["ports"];
  // Per-queue numbers come from the workers (queue q is polled by worker q).
  for (size_t p = 0; p < ports.size(); ++p) {
    json queues = json::array();
    for (size_t w = 0; w < (*s)["worker"].size(); ++w) {
      json q = (*s)["worker"][w]["queues"][p];
      q["queue"] = w;
      queues.push_back(q);
    }
    ports[p]["queues"] = queues;
  }
  return reply_ok(ports);
}

json Controller::cmd_workers(const Request&) {
  std::string error;
  auto s = stats_json(error);
  if (!s) return reply_error(Error::unavailable, error);
  const double hz = (*s)["tsc_hz"].get<double>();
  json out = json::array();
  for (size_t w = 0; w < (*s)["worker"].size(); ++w) {
    const json& ws = (*s)["worker"][w];
    const double busy = ws["busy_cycles"].get<double>(), idle = ws["idle_cycles"].get<double>();
    uint64_t rx = 0, tx = 0;
    for (const auto& q : ws["queues"]) {
      rx += q["rx_packets"].get<uint64_t>();
      tx += q["tx_packets"].get<uint64_t>();
    }
    out.push_back(
        {{"worker", w},
         {"lcore", ws["lcore"]},
         {"busy_ratio", busy + idle > 0 ? busy / (busy + idle) : 0.0},
         {"rx_packets", rx},
         {"tx_packets", tx},
         {"flows_active", ws["flows"]["active"]},
         {"http_requests", ws["http"]["requests"]},
         {"handoff_drops", ws["handoff_drops"]},
         {"loop_max_us", ws["loop"]["max_cycles"].get<double>() / hz * 1e6},
         {"busy_loop_avg_us", ws["loop"]["busy_loops"].get<uint64_t>()
                                  ? busy / ws["loop"]["busy_loops"].get<double>() / hz * 1e6
                                  : 0.0},
         {"swaps_seen", ws["loop"]["swaps_seen"]},
         {"swap_stall_last_us", ws["loop"]["swap_cycles_last"].get<double>() / hz * 1e6},
         {"swap_stall_max_us", ws["loop"]["swap_cycles_max"].get<double>() / hz * 1e6}});
  }
  return reply_ok(out);
}

json Controller::cmd_flows(const Request& r) {
  const uint64_t top = r.uint("top");
  std::string error;
  auto s = stats_json(error);
  if (!s) return reply_error(Error::unavailable, error);
  json per = json::array();
  std::vector<json> talkers;
  for (size_t w = 0; w < (*s)["worker"].size(); ++w) {
    json f = (*s)["worker"][w]["flows"];
    f["worker"] = w;
    per.push_back(f);
    for (json t : (*s)["worker"][w]["top_flows"]) {
      t["worker"] = w;
      talkers.push_back(std::move(t));
    }
  }
  // Each worker publishes its own largest flows; the largest of those are the largest
  // overall (a flow lives on one worker).
  auto bytes = [](const json& t) {
    return t["bytes_from_client"].get<uint64_t>() + t["bytes_from_server"].get<uint64_t>();
  };
  std::sort(talkers.begin(), talkers.end(),
            [&](const json& a, const json& b) { return bytes(a) > bytes(b); });
  if (talkers.size() > top) talkers.resize(top);
  return reply_ok({{"total", (*s)["total"]["flows"]},
                   {"workers", per},
                   {"top_talkers", talkers},
                   {"bytes_per_flow", (*s)["flow_entry_bytes"]}});
}

json Controller::cmd_stats(const Request&) {
  return reply_ok(families_to_json(collector_->Collect()));
}

json Controller::cmd_events(const Request& r) {
  const uint64_t n = r.uint("count");
  if (n > 100000) return reply_error(Error::usage, "count must be at most 100000");
  json lines = json::array();
  for (const auto& l : events_.tail(n)) {
    json j = json::parse(l, nullptr, false);
    lines.push_back(j.is_discarded() ? json(l) : j);
  }
  return reply_ok(lines);
}

}  // namespace bulwark::control
