// bulwark-control's API inventory feature: the inventory (inventory.h) built from the
// dataplane's api_observations lines (claimed from the link, their events go to the event
// log), saved to the state directory every 10 s when it changed and at stop, configured
// by inventory.* (bounds, the organisation's spec), exported as metrics, and read by the
// api commands (discovery_commands.h).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "control/control_feature.h"
#include "control/features/discovery/discovery_commands.h"
#include "control/features/discovery/inventory.h"

namespace bulwark::control::discovery {

class DiscoveryFeature : public ControlFeature, public DiscoveryCommands {
 public:
  explicit DiscoveryFeature(const FeatureContext& ctx) : ctx_(ctx) {}
  bool start(const ControlConfig& first, std::string& error) override;
  bool prepare_config(const ControlConfig& c, std::function<void()>& use,
                      std::string& error) override;
  void tick() override { save(false); }
  bool claim_line(const std::string& line) override;
  void stop() override { save(true); }
  void metrics(std::vector<prometheus::MetricFamily>& out) const override;

  json api_list(const Request& r) override;
  json api_show(const Request& r) override;
  json api_export(const Request& r) override;
  json api_diff(const Request& r) override;

 private:
  // Saves if it changed (at most every 10 s unless `force`).
  void save(bool force);
  std::string path() const { return ctx_.state_dir + "/inventory.json"; }

  FeatureContext ctx_;
  // The link thread (batches), the supervisor (saves), scrapes and commands share these.
  mutable std::mutex mu_;  // inventory_, dirty_, save_blocked_, next_save_ms_
  Inventory inventory_;
  bool dirty_ = false;
  bool save_blocked_ = false;  // the file was there but unreadable: never written over
  uint64_t next_save_ms_ = 0;
  std::mutex save_mu_;  // one save at a time (supervisor, stop)
};

}  // namespace bulwark::control::discovery
