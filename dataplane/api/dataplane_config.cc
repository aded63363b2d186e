// YAML configuration loading with line-accurate errors (yaml-cpp).
#include "dataplane/api/dataplane_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "dataplane/api/counter_labels.h"
#include "dataplane/api/port_list.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/proto/http_parser.h"
#include "rules/lang/yaml_util.h"

namespace bulwark::api {
namespace {

using yaml::bool_of;
using yaml::ConfigError;
using yaml::require_map;
using yaml::scalar;
using yaml::string_of;

std::vector<unsigned> cores_of(const YAML::Node& n) {
  std::vector<unsigned> out;
  if (n.IsSequence()) {
    for (const auto& c : n) out.push_back(scalar<unsigned>(c, "cores.workers[]", 0, 4095));
  } else if (!n.IsScalar() || !parse_core_list(n.Scalar(), out)) {
    throw ConfigError(n, "'cores.workers' must be a list like [1, 2] or a string like \"1-2\"");
  }
  return out;
}

// A port list: a YAML list whose items are ports or ranges ([80, 8000-8010]; [] = none),
// or one string in the command line's form ("80,8000-8010").
std::vector<uint16_t> ports_of(const YAML::Node& n, const std::string& what) {
  std::vector<uint16_t> out;
  std::string error;
  if (n.IsScalar()) {
    if (!parse_port_list(n.Scalar(), out, error)) throw ConfigError(n, "'" + what + "': " + error);
  } else if (n.IsSequence()) {
    for (const auto& e : n) {
      if (!e.IsScalar())
        throw ConfigError(e, "'" + what + "[]' must be a port or a range like 8000-8010");
      if (!add_port_list(e.Scalar(), out, error))
        throw ConfigError(e, "'" + what + "[]': " + error);
    }
  } else {
    throw ConfigError(n, "'" + what + "' must be a list of ports like [80, 8080] ([] for none)");
  }
  return out;
}

void load(const YAML::Node& root, DataplaneConfig& c) {
  if (root.IsNull()) return;
  require_map(root, "top level",
              {"ports", "cores", "flows", "malformed", "stats", "dpdk", "inspect", "rules",
               "events", "control"});
  if (auto p = root["ports"]) {
    require_map(p, "ports", {"outside", "inside", "capture_replay", "mtu"});
    if (p["mtu"]) c.mtu = scalar<uint16_t>(p["mtu"], "ports.mtu", 1280, 9600);
    if (p["outside"]) c.outside = string_of(p["outside"], "ports.outside");
    if (p["capture_replay"])
      c.capture_replay = bool_of(p["capture_replay"], "ports.capture_replay");
    if (p["inside"]) c.inside = string_of(p["inside"], "ports.inside");
  }
  if (auto k = root["cores"]) {
    require_map(k, "cores", {"main", "workers", "idle_sleep_us"});
    if (k["main"]) c.main_core = scalar<unsigned>(k["main"], "cores.main", 0, 4095);
    if (k["workers"]) c.worker_cores = cores_of(k["workers"]);
    if (k["idle_sleep_us"])
      c.idle_sleep_us = scalar<uint32_t>(k["idle_sleep_us"], "cores.idle_sleep_us", 0, 10000);
  }
  if (auto f = root["flows"]) {
    require_map(f, "flows", {"capacity", "timeouts", "fragments"});
    if (f["capacity"])
      c.flow_capacity = scalar<uint32_t>(f["capacity"], "flows.capacity", 64, 1u << 26);
    if (auto g = f["fragments"]) {
      require_map(g, "flows.fragments", {"datagrams", "timeout_ms"});
      if (g["datagrams"])
        c.frag_datagrams =
            scalar<uint32_t>(g["datagrams"], "flows.fragments.datagrams", 0, 1u << 20);
      if (g["timeout_ms"])
        c.frag_timeout_ms =
            scalar<uint32_t>(g["timeout_ms"], "flows.fragments.timeout_ms", 10, 60000);
    }
    if (auto t = f["timeouts"]) {
      std::set<std::string> names;
      for (unsigned i = 0; i < proto::kTimeoutClassCount; ++i)
        names.insert(proto::timeout_class_name(static_cast<proto::TimeoutClass>(i)));
      require_map(t, "flows.timeouts", names);
      for (unsigned i = 0; i < proto::kTimeoutClassCount; ++i) {
        const std::string name = proto::timeout_class_name(static_cast<proto::TimeoutClass>(i));
        if (t[name])
          c.timeouts_s[i] = scalar<uint32_t>(t[name], "flows.timeouts." + name, 1, 86400 * 7);
      }
    }
  }
  if (auto m = root["malformed"]) {
    const auto v = string_of(m, "malformed");
    if (v == "forward")
      c.malformed = MalformedPolicy::forward;
    else if (v == "drop")
      c.malformed = MalformedPolicy::drop;
    else
      throw ConfigError(m, "'malformed' must be 'forward' or 'drop', not '" + v + "'");
  }
  if (auto s = root["stats"]) {
    require_map(s, "stats", {"shm", "keep_on_exit"});
    if (s["shm"]) c.stats_shm = string_of(s["shm"], "stats.shm");
    if (s["keep_on_exit"]) c.keep_stats = bool_of(s["keep_on_exit"], "stats.keep_on_exit");
  }
  if (auto i = root["inspect"]) {
    require_map(i, "inspect",
                {"http_ports", "sessions", "client_share", "reclaim_idle_seconds", "limit_keys",
                 "reassembly", "smuggling", "integrity", "max_head_bytes", "max_line_bytes",
                 "tls_ports", "tls_events", "challenge"});
    if (auto ch = i["challenge"]) {
      require_map(ch, "inspect.challenge", {"secret_file", "rotate_seconds"});
      if (ch["secret_file"])
        c.challenge_secret_file = string_of(ch["secret_file"], "inspect.challenge.secret_file");
      if (ch["rotate_seconds"])
        c.challenge_rotate_s = scalar<uint32_t>(ch["rotate_seconds"],
                                                "inspect.challenge.rotate_seconds", 60, 7 * 86400);
    }
    if (i["max_head_bytes"])
      c.http_max_head_bytes = scalar<uint32_t>(i["max_head_bytes"], "inspect.max_head_bytes", 1024,
                                               proto::kMaxHeadBytesLimit);
    if (i["max_line_bytes"])
      c.http_max_line_bytes = scalar<uint32_t>(i["max_line_bytes"], "inspect.max_line_bytes", 256,
                                               proto::kMaxHeadBytesLimit);
    for (const char* key : {"http_ports", "tls_ports"})
      if (const YAML::Node hp = i[key])
        (std::string(key) == "http_ports" ? c.http_ports : c.tls_ports) =
            ports_of(hp, std::string("inspect.") + key);
    if (i["tls_events"]) c.tls_events = bool_of(i["tls_events"], "inspect.tls_events");
    if (i["sessions"])
      c.http_sessions = scalar<uint32_t>(i["sessions"], "inspect.sessions", 16, 1u << 22);
    if (i["client_share"])
      c.client_share_percent = scalar<uint32_t>(i["client_share"], "inspect.client_share", 1, 100);
    if (i["reclaim_idle_seconds"])
      c.session_reclaim_idle_s =
          scalar<uint32_t>(i["reclaim_idle_seconds"], "inspect.reclaim_idle_seconds", 0, 86400);
    if (i["limit_keys"]) {
      c.limit_keys = scalar<uint32_t>(i["limit_keys"], "inspect.limit_keys", 0, 1u << 26);
      if (c.limit_keys > 0 && c.limit_keys < 8)
        throw ConfigError(i["limit_keys"], "'inspect.limit_keys' is 0 (limits off) or at least 8");
    }
    if (auto r = i["reassembly"]) {
      require_map(r, "inspect.reassembly",
                  {"segments", "max_held_bytes", "max_held_segments", "max_window", "compare_bytes",
                   "on_limit"});
      if (r["max_window"])
        c.reassembly_max_window =
            scalar<uint32_t>(r["max_window"], "inspect.reassembly.max_window", 65536, 1u << 30);
      if (r["segments"])
        c.reassembly_segments =
            scalar<uint32_t>(r["segments"], "inspect.reassembly.segments", 16, 1u << 22);
      if (r["max_held_bytes"])
        c.reassembly_max_held_bytes = scalar<uint32_t>(
            r["max_held_bytes"], "inspect.reassembly.max_held_bytes", 2048, 1u << 26);
      if (r["max_held_segments"])
        c.reassembly_max_held_segments = scalar<uint16_t>(
            r["max_held_segments"], "inspect.reassembly.max_held_segments", 1, 65535);
      if (auto b = r["compare_bytes"]) {
        c.reassembly_compare_bytes =
            scalar<uint32_t>(b, "inspect.reassembly.compare_bytes", 0, 65536);
        const uint32_t v = c.reassembly_compare_bytes;
        if (v != 0 && (v < 256 || (v & (v - 1)) != 0))
          throw ConfigError(b,
                            "'inspect.reassembly.compare_bytes' is 0 (off) or a power of two "
                            "from 256 to 65536");
      }
      if (auto l = r["on_limit"]) {
        const auto v = string_of(l, "inspect.reassembly.on_limit");
        if (v != "pass" && v != "drop")
          throw ConfigError(
              l, "'inspect.reassembly.on_limit' must be 'pass' or 'drop', not '" + v + "'");
        c.integrity[static_cast<unsigned>(IntegrityCause::reassembly_limit)] =
            v == "pass" ? IntegrityAction::pass : IntegrityAction::cut;
      }
    }
    if (auto g = i["integrity"]) {
      // One key per cause, each an action the cause allows.
      if (!g.IsMap())
        throw ConfigError(g, "'inspect.integrity' must be a map of cause: inspect|cut|pass");
      for (const auto& kv : g) {
        const std::string cause = string_of(kv.first, "inspect.integrity key");
        IntegrityCause ic;
        if (!parse_integrity_cause(cause, ic)) {
          std::string known;
          for (const char* n : kIntegrityCauseNames)
            known += std::string(known.empty() ? "" : ", ") + n;
          throw ConfigError(kv.first,
                            "unknown integrity cause '" + cause + "' (known: " + known + ")");
        }
        const std::string what = "inspect.integrity." + cause;
        const std::string v = string_of(kv.second, what);
        IntegrityAction a;
        if (!parse_integrity_action(v, a) || !integrity_action_allowed(ic, a)) {
          std::string allowed;
          for (unsigned k = 0; k < std::size(kIntegrityActionNames); ++k)
            if (integrity_action_allowed(ic, static_cast<IntegrityAction>(k)))
              allowed += std::string(allowed.empty() ? "" : " or ") + kIntegrityActionNames[k];
          throw ConfigError(kv.second, "'" + what + "' must be " + allowed + ", not '" + v + "'");
        }
        c.integrity[static_cast<unsigned>(ic)] = a;
      }
    }
    if (auto m = i["smuggling"]) {
      const auto v = string_of(m, "inspect.smuggling");
      if (v != "block" && v != "log")
        throw ConfigError(m, "'inspect.smuggling' must be 'block' or 'log', not '" + v + "'");
      c.smuggling = v == "block" ? AnomalyPolicy::block : AnomalyPolicy::log;
    }
  }
  if (auto r = root["rules"]) {
    require_map(r, "rules", {"bundle"});
    if (r["bundle"]) c.rules_bundle = string_of(r["bundle"], "rules.bundle");
  }
  if (auto e = root["events"]) {
    require_map(e, "events", {"file"});
    if (e["file"]) c.events_file = string_of(e["file"], "events.file");
  }
  if (auto k = root["control"]) {
    require_map(k, "control", {"socket", "group"});
    if (k["socket"]) c.control_socket = string_of(k["socket"], "control.socket");
    if (k["group"]) c.control_group = string_of(k["group"], "control.group");
  }
  if (auto d = root["dpdk"]) {
    require_map(d, "dpdk",
                {"mbufs", "rx_descriptors", "tx_descriptors", "handoff_ring", "no_huge",
                 "memory_mb", "eal_args"});
    if (d["mbufs"]) c.mbufs = scalar<uint32_t>(d["mbufs"], "dpdk.mbufs", 0, 1u << 24);
    if (d["rx_descriptors"])
      c.rx_descriptors = scalar<uint16_t>(d["rx_descriptors"], "dpdk.rx_descriptors", 64, 16384);
    if (d["tx_descriptors"])
      c.tx_descriptors = scalar<uint16_t>(d["tx_descriptors"], "dpdk.tx_descriptors", 64, 16384);
    if (d["handoff_ring"])
      c.handoff_ring = scalar<uint32_t>(d["handoff_ring"], "dpdk.handoff_ring", 64, 1u << 20);
    if (d["no_huge"]) c.no_huge = bool_of(d["no_huge"], "dpdk.no_huge");
    if (d["memory_mb"])
      c.memory_mb = scalar<uint32_t>(d["memory_mb"], "dpdk.memory_mb", 64, 1u << 20);
    if (auto e = d["eal_args"]) {
      if (!e.IsSequence()) throw ConfigError(e, "'dpdk.eal_args' must be a list of strings");
      for (const auto& a : e) c.eal_args.push_back(string_of(a, "dpdk.eal_args[]"));
    }
  }
}

}  // namespace

bool parse_core_list(const std::string& s, std::vector<unsigned>& out) {
  out.clear();
  size_t i = 0;
  auto number = [&](unsigned& v) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(s[i++] - '0');
      if (v > 4095) return false;
    }
    return true;
  };
  while (i < s.size()) {
    unsigned a, b;
    if (!number(a)) return false;
    b = a;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!number(b) || b < a) return false;
    }
    for (unsigned v = a; v <= b; ++v) out.push_back(v);
    if (i < s.size()) {
      if (s[i] != ',') return false;
      ++i;
      if (i == s.size()) return false;
    }
  }
  return !out.empty();
}

std::optional<DataplaneConfig> parse_dataplane_config(const std::string& yaml,
                                                      const std::string& origin,
                                                      std::string& error) {
  DataplaneConfig c;
  if (!yaml::with_line_errors(origin, error, [&] { load(YAML::Load(yaml), c); }))
    return std::nullopt;
  return c;
}

bool validate_dataplane_config(const DataplaneConfig& c, std::string& error) {
  if (c.outside.empty() || c.inside.empty()) {
    error = "both ports must be given: ports.outside and ports.inside (or --outside/--inside)";
    return false;
  }
  if (c.outside == c.inside) {
    error = "outside and inside are the same device '" + c.outside + "'";
    return false;
  }
  if (c.worker_cores.empty() || c.worker_cores.size() > api::kMaxWorkers) {
    error = "between 1 and " + std::to_string(api::kMaxWorkers) + " worker cores are needed";
    return false;
  }
  for (unsigned w : c.worker_cores) {
    if (w == c.main_core) {
      error = "worker core " + std::to_string(w) +
              " is also the main core: the main core runs housekeeping, give workers "
              "other cores";
      return false;
    }
  }
  if (c.stats_shm.size() < 2 || c.stats_shm[0] != '/' ||
      c.stats_shm.find('/', 1) != std::string::npos) {
    error = "stats segment name '" + c.stats_shm + "' must look like /name";
    return false;
  }
  for (uint16_t p : c.tls_ports)
    for (uint16_t h : c.http_ports)
      if (p == h) {
        error =
            "port " + std::to_string(p) + " is in both inspect.http_ports and inspect.tls_ports";
        return false;
      }
  if (!c.control_socket.empty() && (c.control_socket[0] != '/' || c.control_socket.size() > 107)) {
    error = "control socket '" + c.control_socket +
            "' must be an absolute path of at most 107 bytes (or 'none')";
    return false;
  }
  return true;
}

bool is_vdev(const std::string& dev) { return dev.rfind("net_", 0) == 0; }

std::string pci_address(const std::string& dev) {
  std::string addr = dev.substr(0, dev.find(','));
  if (std::count(addr.begin(), addr.end(), ':') == 1) addr = "0000:" + addr;
  return addr;
}

std::string device_port_name(const std::string& dev) { return dev.substr(0, dev.find(',')); }

}  // namespace bulwark::api
