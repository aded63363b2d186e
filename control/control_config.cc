// Parsing of the versioned appliance configuration (see control_config.h).
#include "control/control_config.h"

#include <arpa/inet.h>

#include "rules/lang/yaml_util.h"

namespace bulwark::control {
namespace {

using yaml::ConfigError;

// "host:port" or "[v6]:port" with a numeric address.
bool valid_listen(const std::string& s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 >= s.size()) return false;
  std::string host = s.substr(0, colon);
  const std::string port = s.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) == 0 || std::stoul(port) > 65535)
    return false;
  uint8_t buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

}  // namespace

std::string default_config_yaml() {
  return R"(# Bulwark appliance configuration (bulwark-control). Change it with
# bulwarkctl config edit, check with bulwarkctl config diff, apply with
# bulwarkctl config commit [--confirm MINUTES].
dataplane:
  socket: /run/bulwark/dataplane.sock
  stats_shm: /bulwark-stats
metrics:
  listen: 127.0.0.1:9108
  top_rules: 20
events:
  file: /var/log/bulwark/events.jsonl
  rotate_bytes: 104857600
  keep: 5
rules:
  mode: as-written
inventory:
  spec: ""
  max_endpoints: 10000
  max_hosts: 256
  collapse_threshold: 50
  zombie_after: 604800
)";
}

std::optional<ControlConfig> parse_control_config(const std::string& text,
                                                  const std::string& origin, std::string& error) {
  using namespace yaml;
  ControlConfig c;
  const bool ok = with_line_errors(origin, error, [&] {
    const YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return;  // empty file: every default
    require_map(root, "configuration", {"dataplane", "metrics", "events", "rules", "inventory"});
    if (auto d = root["dataplane"]) {
      require_map(d, "dataplane", {"socket", "stats_shm"});
      if (d["socket"]) {
        c.dataplane_socket = string_of(d["socket"], "dataplane.socket");
        if (c.dataplane_socket[0] != '/' || c.dataplane_socket.size() > 107)
          throw ConfigError(d["socket"],
                            "'dataplane.socket' must be an absolute path of at most 107 bytes");
      }
      if (d["stats_shm"]) {
        c.stats_shm = string_of(d["stats_shm"], "dataplane.stats_shm");
        if (c.stats_shm.size() < 2 || c.stats_shm[0] != '/' ||
            c.stats_shm.find('/', 1) != std::string::npos)
          throw ConfigError(d["stats_shm"], "'dataplane.stats_shm' must look like /name");
      }
    }
    if (auto m = root["metrics"]) {
      require_map(m, "metrics", {"listen", "top_rules"});
      if (m["listen"]) {
        c.metrics_listen = string_of(m["listen"], "metrics.listen");
        if (c.metrics_listen == "off")
          c.metrics_listen.clear();
        else if (!valid_listen(c.metrics_listen))
          throw ConfigError(m["listen"],
                            "'metrics.listen' must be ADDRESS:PORT (e.g. "
                            "127.0.0.1:9108 or [::1]:9108) or off, not '" +
                                c.metrics_listen + "'");
      }
      if (m["top_rules"])
        c.top_rules = scalar<uint32_t>(m["top_rules"], "metrics.top_rules", 0, 1000);
    }
    if (auto e = root["events"]) {
      require_map(e, "events", {"file", "rotate_bytes", "keep"});
      if (e["file"]) {
        c.events_file = string_of(e["file"], "events.file");
        if (c.events_file[0] != '/')
          throw ConfigError(e["file"], "'events.file' must be an absolute path");
      }
      if (e["rotate_bytes"])
        c.events_rotate_bytes =
            scalar<uint64_t>(e["rotate_bytes"], "events.rotate_bytes", 4096, 1ull << 40);
      if (e["keep"]) c.events_keep = scalar<uint32_t>(e["keep"], "events.keep", 1, 100);
    }
    if (auto r = root["rules"]) {
      require_map(r, "rules", {"mode"});
      if (r["mode"]) {
        const std::string m = string_of(r["mode"], "rules.mode");
        if (m != "as-written" && m != "monitor")
          throw ConfigError(r["mode"],
                            "'rules.mode' must be 'as-written' or 'monitor', not '" + m + "'");
        c.rules_monitor_only = m == "monitor";
      }
    }
    if (auto v = root["inventory"]) {
      require_map(v, "inventory",
                  {"spec", "max_endpoints", "max_hosts", "collapse_threshold", "zombie_after"});
      if (v["spec"]) {
        if (!v["spec"].IsScalar())
          throw ConfigError(v["spec"], "'inventory.spec' must be a file name (or \"\")");
        c.inventory_spec = v["spec"].Scalar();
        if (!c.inventory_spec.empty() && c.inventory_spec[0] != '/')
          throw ConfigError(v["spec"], "'inventory.spec' must be an absolute path (or \"\")");
      }
      if (v["max_endpoints"])
        c.inventory_max_endpoints =
            scalar<uint32_t>(v["max_endpoints"], "inventory.max_endpoints", 100, 1000000);
      if (v["max_hosts"])
        c.inventory_max_hosts = scalar<uint32_t>(v["max_hosts"], "inventory.max_hosts", 1, 100000);
      if (v["collapse_threshold"])
        c.inventory_collapse =
            scalar<uint32_t>(v["collapse_threshold"], "inventory.collapse_threshold", 2, 100000);
      if (v["zombie_after"])
        c.inventory_zombie_after_s =
            scalar<uint64_t>(v["zombie_after"], "inventory.zombie_after", 1, 10ull * 365 * 86400);
    }
  });
  if (!ok) return std::nullopt;
  return c;
}

}  // namespace bulwark::control
