// Rows of the read-only overview commands: status, ports, workers, flows, stats, version
// (handlers in controller_status.cc), with their human output.
#include <fmt/format.h>

#include "control/cli/render_text.h"
#include "control/core_commands.h"

namespace bulwark::control {

using namespace protocol;

namespace {

using cli::count;
using cli::percent;
using cli::str;
using cli::table;

std::string render_status(const json& r) {
  std::string o;
  const json& c = r["config"];
  o += fmt::format("configuration  version {} (bundle {})\n", str(c["active_version"]),
                   str(c["bundle_sha256"]).substr(0, 16));
  if (c.contains("pending_confirm"))
    o += fmt::format(
        "               version {} awaits confirmation: {} s left, then back to {}"
        " (bulwarkctl config confirm)\n",
        str(c["pending_confirm"]["version"]), str(c["pending_confirm"]["seconds_left"]),
        str(c["pending_confirm"]["previous"]));
  if (c.value("candidate", false))
    o += "               a candidate is staged (bulwarkctl config diff)\n";
  const json& d = r["dataplane"];
  if (d["state"] == "absent") {
    o += fmt::format("dataplane      not running ({})\n", str(d["error"]));
  } else {
    o += fmt::format("dataplane      {} (pid {}, {} workers, up {} s, heartbeat {} ms ago), {}\n",
                     str(d["state"]), str(d["pid"]), str(d["workers"]), str(d["uptime_s"]),
                     str(d["heartbeat_age_ms"]),
                     d.value("connected", false) ? "connected" : "control socket not connected");
  }
  if (r.contains("rules")) {
    const json& ru = r["rules"];
    o += fmt::format(
        "rules          version {}, {} rules, {} reloads, {} refused, last load "
        "{:.1f} ms{}\n",
        str(ru["version"]), str(ru["count"]), str(ru["reloads"]), str(ru["reload_failures"]),
        ru["last_load_ms"].get<double>(),
        ru.value("in_sync", false) ? "" : "  (NOT the active version)");
  }
  if (r.contains("traffic")) {
    const json& t = r["traffic"];
    const json& v = t["verdicts"];
    o += fmt::format(
        "traffic        {} requests ({} passed, {} blocked, {} answered; {} log and {} "
        "monitor-mode matches), {} flows, workers {} busy\n",
        count(t["http_requests"]), count(v["pass"]), count(v["block"]), count(v["respond"]),
        count(v["log"]), count(v["monitor"]), count(t["flows_active"]), percent(t["busy_ratio"]));
  }
  const json& k = r["control"];
  o += fmt::format("control        {} (pid {}, up {} s), state {}, events {}\n", str(k["version"]),
                   str(k["pid"]), str(k["uptime_s"]), str(k["state_dir"]), str(k["events_file"]));
  return o;
}

std::string render_ports(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r) {
    rows.push_back({str(p["role"]), str(p["device"]), p["link_up"].get<bool>() ? "up" : "down",
                    count(p["rx_packets"]), count(p["rx_bytes"]), count(p["tx_packets"]),
                    count(p["tx_bytes"]), count(p["rx_missed"]), count(p["rx_errors"]),
                    count(p["tx_errors"])});
    for (const auto& q : p["queues"])
      rows.push_back({"", "  queue " + str(q["queue"]), "", count(q["rx_packets"]),
                      count(q["rx_bytes"]), count(q["tx_packets"]), count(q["tx_bytes"]), "", "",
                      count(q["tx_drops"]) + " tx drops"});
  }
  return table({"PORT", "DEVICE", "LINK", "RX PKTS", "RX BYTES", "TX PKTS", "TX BYTES", "MISSED",
                "RX ERR", "TX ERR"},
               rows);
}

std::string render_workers(const json& r) {
  std::vector<std::vector<std::string>> rows;
  auto us = [](const json& v) { return fmt::format("{:.1f}", v.get<double>()); };
  for (const auto& w : r)
    rows.push_back({str(w["worker"]), str(w["lcore"]), percent(w["busy_ratio"]),
                    count(w["rx_packets"]), count(w["tx_packets"]), count(w["flows_active"]),
                    count(w["http_requests"]), us(w["busy_loop_avg_us"]), us(w["loop_max_us"]),
                    str(w["swaps_seen"]), us(w["swap_stall_last_us"])});
  return table({"WORKER", "LCORE", "BUSY", "RX PKTS", "TX PKTS", "FLOWS", "REQUESTS", "LOOP AVG us",
                "LOOP MAX us", "SWAPS", "LAST SWAP us"},
               rows) +
         "LOOP AVG: poll iterations that found packets; LAST SWAP: the first iteration on the "
         "newest rule set\n";
}

std::string render_flows(const json& r) {
  std::vector<std::vector<std::string>> rows;
  auto row = [&](const std::string& who, const json& f) {
    rows.push_back({who, count(f["active"]), count(f["capacity"]), count(f["created"]),
                    count(f["expired"]), count(f["evicted"]), count(f["insert_failed"])});
  };
  for (const auto& w : r["workers"]) row("worker " + str(w["worker"]), w);
  row("total", r["total"]);
  std::string o =
      table({"", "ACTIVE", "CAPACITY", "CREATED", "EXPIRED", "EVICTED", "NO ROOM"}, rows) +
      fmt::format("{} bytes per flow-table entry\n", str(r["bytes_per_flow"]));
  std::vector<std::vector<std::string>> top;
  for (const auto& t : r.value("top_talkers", json::array())) {
    auto ep = [&](const char* ip, const char* port) {
      const std::string a = str(t[ip]);
      return (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + str(t[port]);
    };
    top.push_back({ep("client", "client_port"), ep("server", "server_port"), str(t["proto"]),
                   str(t["state"]), count(t["bytes_from_client"]), count(t["bytes_from_server"]),
                   count(t["packets"]), fmt::format("{:.0f}", t["age_s"].get<double>()),
                   str(t["worker"])});
  }
  if (!top.empty())
    o += "\ntop talkers (largest flows by bytes, refreshed by each worker's table sweep)\n" +
         table({"CLIENT", "SERVER", "PROTO", "STATE", "BYTES IN", "BYTES OUT", "PACKETS", "AGE s",
                "WORKER"},
               top);
  return o;
}

std::string render_stats(const json& r) {
  std::string o;
  for (const auto& f : r) {
    for (const auto& m : f["metrics"]) {
      std::string labels;
      for (auto it = m["labels"].begin(); it != m["labels"].end(); ++it)
        labels += (labels.empty() ? "" : ",") + it.key() + "=\"" + str(it.value()) + "\"";
      const double v = m["value"].get<double>();
      o += fmt::format("{}{} {}\n", f["name"].get<std::string>(),
                       labels.empty() ? "" : "{" + labels + "}",
                       v == static_cast<double>(static_cast<int64_t>(v))
                           ? fmt::format("{}", static_cast<int64_t>(v))
                           : fmt::format("{:.6g}", v));
    }
  }
  return o;
}

std::string render_version(const json& r) {
  return fmt::format("bulwarkctl {}\nbulwark-control {}\nconfiguration version {}\ndataplane {}\n",
                     BULWARK_VERSION, str(r["control"]), str(r["config_version"]),
                     r.value("dataplane_connected", false)
                         ? "connected (pid " + str(r["dataplane_pid"]) + ")"
                         : std::string("not connected"));
}

}  // namespace

std::vector<CommandRow> status_rows() {
  using C = CoreCommands;
  return {
      {.name = "status",
       .help = "appliance overview: versions, dataplane, rules, traffic",
       .handler = handled_by(&C::cmd_status),
       .render = render_status},
      {.name = "ports",
       .help = "ports and their queues: packets, bytes, drops, errors",
       .handler = handled_by(&C::cmd_ports),
       .render = render_ports},
      {.name = "workers",
       .help = "worker lcores: load, packets, flows, rule-swap stalls",
       .handler = handled_by(&C::cmd_workers),
       .render = render_workers},
      {.name = "flows",
       .help = "flow tables (active, created, expired, evicted) and the top talkers",
       .args = {optional("top", ArgType::uint, "how many top talkers", 10)},
       .handler = handled_by(&C::cmd_flows),
       .cli = {.options = {option("--top", "top").with_initial("10").in_range(0, 256)}},
       .render = render_flows},
      {.name = "stats",
       .help = "every metric, the same numbers Prometheus scrapes",
       .handler = handled_by(&C::cmd_stats),
       .render = render_stats},
      {.name = "version",
       .help = "versions of bulwarkctl, bulwark-control, configuration",
       .handler = handled_by(&C::cmd_version),
       .render = render_version},
  };
}

}  // namespace bulwark::control
