// The appliance configuration that bulwark-control owns and versions (config.yaml in
// each version; bulwarkctl config edit/diff/commit/rollback). Parsed and validated
// before a version is committed; errors read "config.yaml:LINE: reason".
//
//   dataplane:
//     socket: /run/bulwark/dataplane.sock   # the dataplane's control socket
//     stats_shm: /bulwark-stats              # its shared-memory stats segment
//   metrics:
//     listen: 127.0.0.1:9108                 # /metrics for Prometheus ("off": none)
//     top_rules: 20                          # rules exported with their own hit series
//   events:
//     file: /var/log/bulwark/events.jsonl    # JSON lines, rotated
//     rotate_bytes: 104857600                # rotate when the file passes this size
//     keep: 5                                # rotated files kept (events.jsonl.1 ...)
//   rules:
//     mode: as-written                       # or monitor: every rule only reports
//   inventory:                               # the API inventory (bulwarkctl api ...)
//     spec: ""                               # the organisation's OpenAPI spec (file): new
//                                            # endpoints it lacks raise api_shadow_endpoint
//     max_endpoints: 10000                   # bounds: past them, calls are counted only
//     max_hosts: 256
//     collapse_threshold: 50                 # distinct values at one path position that
//                                            # make it a parameter ({id})
//     zombie_after: 604800                   # api diff: spec endpoints unseen this long
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bulwark::control {

struct ControlConfig {
  std::string dataplane_socket = "/run/bulwark/dataplane.sock";
  std::string stats_shm = "/bulwark-stats";
  std::string metrics_listen = "127.0.0.1:9108";  // empty: off
  uint32_t top_rules = 20;
  std::string events_file = "/var/log/bulwark/events.jsonl";
  uint64_t events_rotate_bytes = 100ull << 20;
  uint32_t events_keep = 5;
  bool rules_monitor_only = false;
  std::string inventory_spec;
  uint32_t inventory_max_endpoints = 10000, inventory_max_hosts = 256, inventory_collapse = 50;
  uint64_t inventory_zombie_after_s = 604800;
};

// The configuration a fresh appliance starts with (version 1), as YAML text.
std::string default_config_yaml();

// nullopt and "origin:line: reason" on error.
std::optional<ControlConfig> parse_control_config(const std::string& yaml,
                                                  const std::string& origin, std::string& error);

}  // namespace bulwark::control
