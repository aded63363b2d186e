// The heart of bulwark-control: owns the versioned store, the running configuration,
// the link to the dataplane, the event log and the metrics endpoint, and answers the
// management requests of bulwarkctl. Every change goes through apply(): validate the
// configuration, compile the rules into a bundle, push it to the dataplane (if one is
// connected) and only then record and activate the version, so a refused change
// changes nothing. A supervisor thread pushes the active bundle to a dataplane that
// (re)connects with another one and rolls back commits whose confirmation ran out.
//
// Requests: {cmd, args} -> {ok: true, result} or {ok: false, error: {code, message}},
// codes: invalid (the change is wrong), conflict (not now), not_found, unavailable (the
// dataplane is needed and not there), usage (a malformed request).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control/config_store.h"
#include "control/control_config.h"
#include "control/dataplane_link.h"
#include "control/event_log.h"
#include "control/features/blocklist/block_list.h"
#include "control/features/discovery/inventory.h"

namespace prometheus {
class Exposer;
}

namespace bulwark::control {

class MetricsCollector;
using json = nlohmann::json;

struct CommandError {
  std::string code;
  std::string message;
};

struct ControllerOptions {
  std::string state_dir = "/var/lib/bulwark";
  std::string initial_config;              // file for version 1 when the store is empty
  std::vector<std::string> initial_rules;  // rule files for version 1
  std::string version = "0.0.0";
};

class Controller {
 public:
  Controller();
  ~Controller();
  bool start(const ControllerOptions& o, std::string& error);
  void stop();
  // One management request. `user`: who asked (for version history).
  json handle(const json& request, const std::string& user);
  EventLog& events() { return events_; }

 private:
  // The commands (controller_*.cc).
  json cmd_version();
  json cmd_status();
  json cmd_ports();
  json cmd_workers();
  json cmd_flows(const json& args);
  json cmd_stats();
  json cmd_rules_list();
  json cmd_rules_show(const json& args);
  json cmd_rules_test(const json& args);
  json cmd_rules_load(const json& args, const std::string& user);
  json cmd_config_show(const json& args);
  json cmd_config_edit(const json& args);
  json cmd_config_diff(const json& args);
  json cmd_config_commit(const json& args, const std::string& user);
  json cmd_config_discard();
  json cmd_config_rollback(const json& args, const std::string& user);
  json cmd_config_confirm(const std::string& user);
  json cmd_config_versions();
  json cmd_events(const json& args);
  json cmd_block_add(const json& args, const std::string& user);
  json cmd_block_remove(const json& args, const std::string& user);
  json cmd_block_list();
  // The API inventory (controller_inventory.cc).
  json cmd_api_list(const json& args);
  json cmd_api_show(const json& args);
  json cmd_api_export(const json& args);
  json cmd_api_diff(const json& args);
  static bool is_api_batch(const std::string& line);
  void on_api_batch(const std::string& line);
  void load_inventory(const ControlConfig& c);
  // Saves if it changed (at most every 10 s unless `force`).
  void save_inventory(bool force);
  json inventory_totals() const;
  static bool read_spec(const std::string& file, std::shared_ptr<control::discovery::Spec>& out,
                        std::string& error);
  void use_inventory_config(const ControlConfig& c,
                            const std::shared_ptr<control::discovery::Spec>& spec);
  std::string push_blocks_locked();
  // Supervisor: drops expired entries and pushes the list to a dataplane that lacks it.
  void sync_blocks();

  // Validates, compiles, pushes, records and activates `s` (with a confirmation
  // deadline if `confirm_minutes` > 0). The new version number, or 0 with `err` and
  // nothing changed. Caller holds apply_mu_.
  uint64_t apply(const Snapshot& s, VersionMeta meta, json& report, CommandError& err,
                 double confirm_minutes = 0);
  // Compiles a snapshot's rules as version `version` under configuration `cfg`.
  std::optional<std::vector<uint8_t>> compile(const Snapshot& s, const ControlConfig& cfg,
                                              uint64_t version, json& summary, std::string& error);
  // A configuration made ready to take effect: its metrics listener bound, its events
  // file known to open. Nothing in use changes until use_config().
  struct PreparedConfig {
    ControlConfig cfg;
    std::unique_ptr<prometheus::Exposer> exposer;
    bool new_listener = false;
    std::shared_ptr<control::discovery::Spec> spec;  // inventory.spec, parsed
  };
  bool prepare_config(const ControlConfig& cfg, PreparedConfig& out, std::string& error);
  // Puts a prepared configuration into effect (event log, metrics listener, dataplane
  // socket); cannot fail.
  void use_config(PreparedConfig&& p);
  uint64_t rollback_locked(uint64_t to, const std::string& kind, const std::string& user,
                           const std::string& comment, json& report, CommandError& err);
  // A refusal if a commit awaits confirmation (changes wait for it), else null.
  json pending_conflict() const;
  void supervise();
  void supervise_once();
  void resync();
  // The stats segment as JSON, or nullopt with `error` if the dataplane is not there.
  std::optional<json> stats_json(std::string& error) const;
  ControlConfig config() const;

  ControllerOptions opts_;
  ConfigStore store_;
  EventLog events_;
  DataplaneLink link_;
  mutable std::mutex cfg_mu_;  // cfg_, exposer_
  ControlConfig cfg_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string exposer_listen_;
  std::shared_ptr<MetricsCollector> collector_;
  std::mutex apply_mu_;   // one change at a time
  std::mutex blocks_mu_;  // blocks_, blocks_synced_session_, next_block_push_ms_
  control::blocklist::BlockList blocks_;
  uint64_t blocks_synced_session_ = 0;
  uint64_t next_block_push_ms_ = 0;
  std::atomic<uint64_t> commits_{0}, rollbacks_{0}, auto_rollbacks_{0}, pushes_{0},
      push_failures_{0};
  std::atomic<uint64_t> last_push_ns_{0};
  uint64_t synced_session_ = 0;  // supervisor thread
  uint64_t next_resync_ms_ = 0;
  std::atomic<bool> stop_{false};
  std::thread supervisor_;
  uint64_t started_unix_ms_ = 0;
  mutable std::mutex inv_mu_;  // inventory_, inv_dirty_, next_inv_save_ms_, inv_save_blocked_
  control::discovery::Inventory inventory_;
  bool inv_dirty_ = false;
  bool inv_save_blocked_ = false;  // the file was there but unreadable: never written over
  std::mutex inv_save_mu_;         // one save at a time (supervisor, stop)
  uint64_t next_inv_save_ms_ = 0;
};

uint64_t unix_ms();

}  // namespace bulwark::control
