// bulwark-control's block list feature: the manual block list (block_list.h) with its
// commands (blocklist_commands.h), and keeping the dataplane's copy equal to it: pushed
// on every change, and by the supervisor's tick when entries expire or a dataplane
// (re)connects holding another list.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "control/control_feature.h"
#include "control/features/blocklist/block_list.h"
#include "control/features/blocklist/blocklist_commands.h"

namespace bulwark::control::blocklist {

class BlocklistFeature : public ControlFeature, public BlocklistCommands {
 public:
  explicit BlocklistFeature(const FeatureContext& ctx) : ctx_(ctx) {}
  bool start(const ControlConfig& first, std::string& error) override;
  void tick() override;

  json block_add(const Request& r) override;
  json block_remove(const Request& r) override;
  json block_list(const Request& r) override;

 private:
  // Pushes the list; the dataplane's answer in words ("applied", "not connected", error).
  // Caller holds mu_.
  std::string push_locked();

  FeatureContext ctx_;
  // Commands (management threads) and tick (supervisor) share these; guarded by mu_.
  std::mutex mu_;
  BlockList blocks_;
  uint64_t synced_session_ = 0;  // the link session that holds this list (0: none)
  uint64_t next_push_ms_ = 0;    // no retry before then after a refused push
};

}  // namespace bulwark::control::blocklist
