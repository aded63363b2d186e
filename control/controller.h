// The heart of bulwark-control: owns the versioned store, the running configuration,
// the link to the dataplane, the event log and the metrics endpoint, answers the core's
// management commands (core_commands.h) and runs the features (control_feature.h: the
// block list, the API inventory), each with its own state and commands. Every change
// goes through apply(): validate the configuration, compile the rules into a bundle,
// push it to the dataplane (if one is connected) and only then record and activate the
// version, so a refused change changes nothing. A supervisor thread pushes the active
// bundle to a dataplane that (re)connects with another one, rolls back commits whose
// confirmation ran out and gives every feature its tick.
//
// Requests and replies: control/protocol/protocol.h; each request is checked against its
// row of the command table before it runs (command_dispatch.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control/command_dispatch.h"
#include "control/config_store.h"
#include "control/control_config.h"
#include "control/control_feature.h"
#include "control/core_commands.h"
#include "control/dataplane_link.h"
#include "control/event_log.h"

namespace prometheus {
class Exposer;
}

namespace bulwark::control {

class MetricsCollector;
using json = nlohmann::json;

struct CommandError {
  protocol::Error code = protocol::Error::invalid;
  std::string message;
};

struct ControllerOptions {
  std::string state_dir = "/var/lib/bulwark";
  std::string initial_config;              // file for version 1 when the store is empty
  std::vector<std::string> initial_rules;  // rule files for version 1
  std::string version = "0.0.0";
};

class Controller : private CoreCommands {
 public:
  Controller();
  ~Controller() override;
  bool start(const ControllerOptions& o, std::string& error);
  void stop();
  // One management request. `user`: who asked (for version history).
  json handle(const json& request, const std::string& user);
  EventLog& events() { return events_; }
  // The commands bound to their handlers (the core's and every feature's).
  std::vector<std::string> command_names() const { return dispatch_.names(); }

 private:
  // The core's commands (controller_status.cc, controller_rules.cc, controller_config.cc).
  json cmd_status(const Request& r) override;
  json cmd_ports(const Request& r) override;
  json cmd_workers(const Request& r) override;
  json cmd_flows(const Request& r) override;
  json cmd_stats(const Request& r) override;
  json cmd_version(const Request& r) override;
  json cmd_rules_list(const Request& r) override;
  json cmd_rules_show(const Request& r) override;
  json cmd_rules_test(const Request& r) override;
  json cmd_rules_load(const Request& r) override;
  json cmd_config_show(const Request& r) override;
  json cmd_config_edit(const Request& r) override;
  json cmd_config_diff(const Request& r) override;
  json cmd_config_commit(const Request& r) override;
  json cmd_config_discard(const Request& r) override;
  json cmd_config_rollback(const Request& r) override;
  json cmd_config_confirm(const Request& r) override;
  json cmd_config_versions(const Request& r) override;
  json cmd_events(const Request& r) override;
  // The active version's rules with their hits (rules list, rules show).
  json list_rules();

  // Makes every feature's object and binds its rows and the core's (controller_features.cc).
  bool make_features(std::string& error);

  // Validates, compiles, pushes, records and activates `s` (with a confirmation
  // deadline if `confirm_minutes` > 0). The new version number, or 0 with `err` and
  // nothing changed. Caller holds apply_mu_.
  uint64_t apply(const Snapshot& s, VersionMeta meta, json& report, CommandError& err,
                 double confirm_minutes = 0);
  // Compiles a snapshot's rules as version `version` under configuration `cfg`.
  std::optional<std::vector<uint8_t>> compile(const Snapshot& s, const ControlConfig& cfg,
                                              uint64_t version, json& summary, std::string& error);
  // A configuration made ready to take effect: its metrics listener bound, its events
  // file known to open, every feature's part checked. Nothing in use changes until
  // use_config().
  struct PreparedConfig {
    ControlConfig cfg;
    std::unique_ptr<prometheus::Exposer> exposer;
    bool new_listener = false;
    std::vector<std::function<void()>> feature_uses;  // the features' parts, in effect
  };
  bool prepare_config(const ControlConfig& cfg, PreparedConfig& out, std::string& error);
  // Puts a prepared configuration into effect: the core's part (event log, metrics
  // listener, dataplane socket; use_core_config), then the features'. Cannot fail.
  void use_config(PreparedConfig&& p);
  void use_core_config(PreparedConfig& p);
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
  std::mutex apply_mu_;  // one change at a time
  std::atomic<uint64_t> commits_{0}, rollbacks_{0}, auto_rollbacks_{0}, pushes_{0},
      push_failures_{0};
  std::atomic<uint64_t> last_push_ns_{0};
  uint64_t synced_session_ = 0;  // supervisor thread
  uint64_t next_resync_ms_ = 0;
  std::atomic<bool> stop_{false};
  std::thread supervisor_;
  uint64_t started_unix_ms_ = 0;
  // Made at the start of start(), unchanged afterwards: read by every thread (link sink,
  // supervisor, scrapes, commands); each feature guards its own state.
  std::vector<std::unique_ptr<ControlFeature>> features_;
  CommandDispatch dispatch_;  // bound in start(), read-only afterwards
};

}  // namespace bulwark::control
