// Human-readable rendering of bulwarkctl results (see render.h).
#include "control/cli/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace bulwark::cli {
namespace {

std::string str(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_float()) return fmt::format("{:.3f}", v.get<double>());
  return v.dump();
}

std::string count(const json& v) {
  if (!v.is_number()) return str(v);
  const double d = v.get<double>();
  if (d >= 1e9) return fmt::format("{:.2f}G", d / 1e9);
  if (d >= 1e6) return fmt::format("{:.2f}M", d / 1e6);
  if (d >= 1e4) return fmt::format("{:.1f}k", d / 1e3);
  return fmt::format("{}", v.get<uint64_t>());
}

std::string percent(const json& v) {
  return v.is_number() ? fmt::format("{:.1f}%", v.get<double>() * 100) : "-";
}

std::string when(uint64_t unix_ms) {
  const std::time_t s = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

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

// "20/s burst 10 per api_key" for a limit, "-" for a rule.
std::string limit_text(const json& x) {
  if (!x.contains("limit")) return "-";
  const json& l = x["limit"];
  std::string key;
  for (const auto& k : l["key"]) {
    if (!key.empty()) key += '+';
    key += str(k);
  }
  return fmt::format("{} burst {} per {}{}", str(l["rate"]), str(l["burst"]), key,
                     l["scope"] == "worker" ? " (each worker)" : "");
}

std::string render_rules(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : r["rules"])
    rows.push_back({str(x["id"]), str(x["name"]), limit_text(x), str(x["action"]), str(x["mode"]),
                    count(x["hits"]), str(x["origin"])});
  return fmt::format("version {}\n", str(r["version"])) +
         table({"ID", "NAME", "LIMIT", "ACTION", "MODE", "HITS", "SOURCE"}, rows);
}

std::string render_rule(const json& r) {
  const bool limit = r.contains("limit");
  std::string o =
      fmt::format("{} {}: {}\n", limit ? "limit" : "rule", str(r["id"]), str(r["name"]));
  if (limit) o += "  " + limit_text(r) + "\n";
  o += fmt::format("  action {}, mode {}, {} {}, from {}\n", str(r["action"]), str(r["mode"]),
                   count(r["hits"]), limit ? "requests over the limit" : "hits", str(r["origin"]));
  if (r.contains("source")) o += "\n" + r["source"].get<std::string>();
  return o;
}

std::string render_test(const json& r) {
  std::string o = fmt::format("against version {}\n", str(r["version"]));
  size_t i = 0;
  for (const auto& q : r["requests"]) {
    o += fmt::format("request {}: {} {} (path {})\n", ++i, str(q["method"]), str(q["target"]),
                     str(q["path"]));
    for (const auto& a : q["anomalies"]) o += "  anomaly: " + str(a) + "\n";
    for (const auto& m : q["matched"])
      o += fmt::format("  matched rule {} '{}' ({}, {})\n", str(m["id"]), str(m["name"]),
                       str(m["action"]), str(m["mode"]));
    const json& v = q["verdict"];
    o += v["action"] == "pass"
             ? std::string("  verdict: pass\n")
             : fmt::format("  verdict: {} by rule {}\n", str(v["action"]), str(v["rule"]));
  }
  return o;
}

std::string render_applied(const json& r) {
  if (r.value("unchanged", false))
    return fmt::format("unchanged: version {} already has these rules\n", str(r["version"]));
  std::string o = fmt::format("version {} active (was {})", str(r["version"]), str(r["previous"]));
  if (r.contains("rolled_back_to"))
    o += fmt::format(", same content as version {}", str(r["rolled_back_to"]));
  o += "\n";
  const json& b = r["bundle"];
  o += fmt::format("  bundle: {} rules, {} bytes, sha256 {}\n", str(b["rules"]), str(b["bytes"]),
                   str(b["sha256"]));
  for (const auto& w : b["warnings"]) o += "  warning: " + str(w) + "\n";
  const json& d = r["dataplane"];
  if (d.is_object())
    o += fmt::format("  dataplane: loaded version {} (prepare {:.1f} ms, swap {:.1f} ms)\n",
                     str(d["version"]), d["prepare_ns"].get<double>() / 1e6,
                     d["swap_ns"].get<double>() / 1e6);
  else
    o += "  dataplane: " + str(d) + "\n";
  if (r.contains("confirm_by_unix_ms"))
    o += fmt::format("  confirm by {} (bulwarkctl config confirm), or it is rolled back\n",
                     when(r["confirm_by_unix_ms"].get<uint64_t>()));
  return o;
}

std::string render_versions(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : r) {
    std::string flag = v.value("active", false) ? "*" : "";
    if (v.value("awaiting_confirm", false)) flag += " (unconfirmed)";
    rows.push_back({str(v["version"]) + flag, when(v["time_unix_ms"].get<uint64_t>()),
                    str(v["kind"]), str(v["user"]), str(v["based_on"]), str(v["comment"])});
  }
  return table({"VERSION", "TIME", "KIND", "USER", "BASED ON", "COMMENT"}, rows) + "* active\n";
}

// "a=1 b=2" for the non-zero counts of an object.
std::string nonzero(const json& o) {
  std::string out;
  if (!o.is_object()) return "-";
  for (const auto& [k, v] : o.items())
    if (!(v.is_number() && v.get<double>() == 0))
      out += (out.empty() ? "" : " ") + k + "=" + count(v);
  return out.empty() ? "-" : out;
}

std::string day(const json& unix_s) {
  return unix_s.is_number() && unix_s.get<uint64_t>() ? when(unix_s.get<uint64_t>() * 1000)
                                                      : std::string("-");
}

std::string render_api_list(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r["endpoints"]) {
    std::string path = str(e["path"]);
    if (e.value("shadow", false)) path += " (shadow)";
    rows.push_back({str(e["host"]), str(e["method"]), path, count(e["count"]), nonzero(e["status"]),
                    nonzero(e["auth"]), nonzero(e["sensitive"]), day(e["last_seen"])});
  }
  std::string o = rows.empty() ? std::string("no endpoints seen\n")
                               : table({"HOST", "METHOD", "PATH", "REQUESTS", "STATUS",
                                        "CREDENTIALS", "SENSITIVE", "LAST SEEN"},
                                       rows);
  o += fmt::format("{} endpoints, {} hosts, observing since {}", rows.size(), str(r["hosts"]),
                   day(r["since"]));
  if (r.value("overflow_requests", uint64_t{0}))
    o += fmt::format("; {} requests beyond the inventory's bounds", count(r["overflow_requests"]));
  return o + "\n";
}

std::string render_api_show(const json& e) {
  std::string o = fmt::format("{} {}{}{}\n", str(e["method"]), str(e["host"]), str(e["path"]),
                              e.value("shadow", false) ? "  (shadow: not in the spec)" : "");
  o += fmt::format("  requests     {} (first {}, last {})\n", count(e["count"]),
                   day(e["first_seen"]), day(e["last_seen"]));
  o += "  status       " + nonzero(e["status"]) + "\n";
  o += "  media types  " + nonzero(e["content_types"]) + "\n";
  for (const char* k : {"request_bytes", "response_bytes"})
    if (e.contains(k))
      o += fmt::format("  {:<12} min {} max {} mean {:.0f}\n", k[2] == 'q' ? "request" : "response",
                       count(e[k]["min"]), count(e[k]["max"]), e[k].value("mean", 0.0));
  std::string q;
  const json query = e.value("query", json::array());
  for (const auto& n : query) q += (q.empty() ? "" : ", ") + str(n);
  o += "  query        " + (q.empty() ? std::string("-") : q) + "\n";
  o += "  credentials  " + nonzero(e["auth"]) + "\n";
  std::string s;
  const json sensitive = e.value("sensitive", json::object());  // named: items() keeps a reference
  for (const auto& [cls, v] : sensitive.items())
    s += fmt::format("{}{}: {} records in {} responses", s.empty() ? "" : "; ", cls,
                     count(v["records"]), count(v["responses"]));
  o += "  sensitive    " + (s.empty() ? std::string("-") : s) + "\n";
  if (e.value("unscanned", uint64_t{0}))
    o += fmt::format("  unscanned    {} responses (e.g. compressed)\n", count(e["unscanned"]));
  return o;
}

std::string render_api_diff(const json& r) {
  std::string o;
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r["shadow"])
    rows.push_back({"shadow", str(s.value("host", json())), str(s["method"]), str(s["path"]),
                    "seen, not in the spec"});
  for (const auto& z : r["zombie"])
    rows.push_back({"zombie", "-", str(z["method"]), str(z["path"]),
                    z["last_seen"].is_null() ? std::string("never seen")
                                             : "last seen " + day(z["last_seen"])});
  for (const auto& p : r["undocumented_parameters"])
    rows.push_back(
        {"parameter", "-", str(p["method"]), str(p["path"]),
         fmt::format("{} parameter '{}' not in the spec", str(p["in"]), str(p["name"]))});
  if (rows.empty()) return "no drift: the traffic matches the spec\n";
  return table({"KIND", "HOST", "METHOD", "PATH", "WHAT"}, rows) +
         fmt::format("{} shadow, {} zombie, {} undocumented parameters\n", r["shadow"].size(),
                     r["zombie"].size(), r["undocumented_parameters"].size());
}

}  // namespace

bool api_drift(const json& d) {
  for (const char* k : {"shadow", "zombie", "undocumented_parameters"})
    if (d.contains(k) && d[k].is_array() && !d[k].empty()) return true;
  return false;
}

std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(head.size());
  for (size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string o;
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string cell = i < r.size() ? r[i] : "";
      o += i + 1 == w.size() ? cell : cell + std::string(w[i] - cell.size() + 2, ' ');
    }
    while (!o.empty() && o.back() == ' ') o.pop_back();
    return o + "\n";
  };
  std::string out = line(head);
  for (const auto& r : rows) out += line(r);
  return out;
}

std::string render_event(const json& e) {
  if (!e.is_object()) return str(e);
  std::string o = str(e.value("time", json())) + " " + str(e.value("type", json()));
  if (e.contains("rule"))
    o += fmt::format(" rule {} '{}'", str(e["rule"]["id"]), str(e["rule"]["name"]));
  if (e.contains("limit"))
    o += fmt::format(" limit {} '{}' key {} ({} over, retry after {} s)", str(e["limit"]["id"]),
                     str(e["limit"]["name"]), str(e.value("key", json())),
                     str(e.value("denied", json())), str(e.value("retry_after", json())));
  if (e.contains("action"))
    o += fmt::format(" {}{}", str(e["action"]), e.value("enforced", true) ? "" : " (monitor)");
  if (e.contains("client_ip")) o += " from " + str(e["client_ip"]);
  if (e.contains("method"))
    o += fmt::format(" {} {}{}", str(e["method"]), str(e["host"]), str(e["path"]));
  for (const char* k : {"version", "previous", "unconfirmed", "restored", "user", "error", "pid"})
    if (e.contains(k) && !e.contains("rule")) o += fmt::format(" {}={}", k, str(e[k]));
  return o;
}

// "never", or when (UTC) and how long from now.
std::string expiry_text(uint64_t expires_unix) {
  if (expires_unix == 0) return "never";
  const auto now = static_cast<uint64_t>(std::time(nullptr));
  const uint64_t left = expires_unix > now ? expires_unix - now : 0;
  const std::time_t t = static_cast<std::time_t>(expires_unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return fmt::format("{} (in {}s)", buf, left);
}

std::string render_blocks(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r["entries"])
    rows.push_back({str(e["id"]), str(e["kind"]), str(e["value"]), str(e["action"]),
                    expiry_text(e.value("expires_unix", uint64_t{0})), str(e["user"]),
                    str(e["comment"])});
  if (rows.empty()) return "no entries\n";
  return table({"ID", "KIND", "VALUE", "ACTION", "EXPIRES", "BY", "COMMENT"}, rows) +
         (r.value("in_sync", false) ? "" : "(the dataplane does not hold this list yet)\n");
}

std::string render(const std::string& cmd, const json& r) {
  if (cmd == "status") return render_status(r);
  if (cmd == "block.list") return render_blocks(r);
  if (cmd == "block.add")
    return fmt::format("entry {}: {} {} {}, expires {}; dataplane: {}\n", str(r["id"]),
                       str(r["action"]), str(r["kind"]), str(r["value"]),
                       expiry_text(r.value("expires_unix", uint64_t{0})), str(r["dataplane"]));
  if (cmd == "block.remove")
    return fmt::format("entry {} removed; dataplane: {}\n", str(r["id"]), str(r["dataplane"]));
  if (cmd == "api.list") return render_api_list(r);
  if (cmd == "api.show") return render_api_show(r);
  if (cmd == "api.diff") return render_api_diff(r);
  if (cmd == "ports") return render_ports(r);
  if (cmd == "workers") return render_workers(r);
  if (cmd == "flows") return render_flows(r);
  if (cmd == "stats") return render_stats(r);
  if (cmd == "rules.list") return render_rules(r);
  if (cmd == "rules.show") return render_rule(r);
  if (cmd == "rules.test") return render_test(r);
  if (cmd == "rules.load" || cmd == "config.commit" || cmd == "config.rollback")
    return render_applied(r);
  if (cmd == "config.versions") return render_versions(r);
  if (cmd == "config.show") return r["config"].get<std::string>();
  if (cmd == "config.diff" || cmd == "config.edit") {
    const std::string d = r.value("diff", "");
    if (cmd == "config.edit") return "candidate staged\n" + d;
    return d.empty() ? "no differences\n" : d;
  }
  if (cmd == "config.confirm") return fmt::format("version {} confirmed\n", str(r["confirmed"]));
  if (cmd == "config.discard") return "candidate discarded\n";
  if (cmd == "version")
    return fmt::format(
        "bulwarkctl {}\nbulwark-control {}\nconfiguration version {}\ndataplane {}\n",
        BULWARK_VERSION, str(r["control"]), str(r["config_version"]),
        r.value("dataplane_connected", false) ? "connected (pid " + str(r["dataplane_pid"]) + ")"
                                              : std::string("not connected"));
  if (cmd == "events") {
    std::string o;
    for (const auto& e : r) o += render_event(e) + "\n";
    return o;
  }
  return r.dump(2) + "\n";
}

}  // namespace bulwark::cli
