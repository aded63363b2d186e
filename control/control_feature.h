// A feature of bulwark-control (the block list, the API inventory): its state lives in
// its own object, not in the Controller. The core calls it at the points below; the
// commands it answers are the rows of its command interface (features/<f>/<f>_commands.h),
// bound to the same object. Every feature is named in features/control_features.h.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "control/control_config.h"
#include "rules/lang/bundle.h"

namespace bulwark::control {

class DataplaneLink;
class EventLog;

// What the core offers a feature. Everything here outlives the feature.
struct FeatureContext {
  DataplaneLink& link;          // the dataplane: pushes, its hello, the connection's session
  EventLog& events;             // bulwark-control's event log
  std::string state_dir;        // where the feature keeps its files
  std::string control_version;  // bulwark-control's own version
  std::function<ControlConfig()> config;  // the active configuration (a copy; any thread)
  // The active rule version's bundle, loaded from the store (any thread; nullptr and
  // `error` if it cannot be read). A feature reads its rule-file section from it.
  std::function<std::unique_ptr<rules::Bundle>(uint64_t& version, std::string& error)>
      active_bundle;
  // The dataplane's counters as `bulwarkctl stats --json` has them (nullopt and `error`
  // if no dataplane's stats can be read).
  std::function<std::optional<nlohmann::json>(std::string& error)> stats;
};

// Milliseconds since the epoch, wall clock (controller.cc).
uint64_t unix_ms();

class ControlFeature {
 public:
  virtual ~ControlFeature() = default;
  // Once, as bulwark-control starts (after the core took the first configuration, before
  // the dataplane link runs): loads the feature's state. false and `error` stop the start.
  virtual bool start(const ControlConfig& first, std::string& error) = 0;
  // A configuration about to take effect (at start, and with every change): checks what
  // only this feature can (files it names). false and `error` refuse the change while
  // nothing has changed; else `use`, if set, puts it into effect once the change is
  // recorded (it cannot fail).
  virtual bool prepare_config(const ControlConfig& /*c*/, std::function<void()>& /*use*/,
                              std::string& /*error*/) {
    return true;
  }
  // The supervisor thread, every 200 ms.
  virtual void tick() {}
  // The dataplane link's thread: a line from the dataplane. true if it is the feature's
  // (then it is not an event for the log).
  virtual bool claim_line(const std::string& /*line*/) { return false; }
  // bulwark-control stops (the supervisor and the link already have): last writes.
  virtual void stop() {}
  // A scrape (the metrics listener's thread) or `stats`: the feature's own families.
  virtual void metrics(std::vector<prometheus::MetricFamily>& /*out*/) const {}
  // `status`: the feature's part, under a key of its own. Neither feature adds one today
  // (status reads as it did before features had their own objects).
  virtual void status(nlohmann::json& /*out*/) const {}
};

}  // namespace bulwark::control
