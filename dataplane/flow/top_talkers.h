// A worker's top talkers: the largest flows of its table by bytes, found by sweeping the
// table a few slots at a time from the worker's housekeeping (never a full scan at
// once, so no poll iteration grows by more than `budget` slot checks) and published
// into the worker's stats block after each full sweep. The list is as fresh as one
// sweep: capacity / budget housekeeping ticks (65536 slots at 256 per ms: 0.26 s).
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/api/stats_layout.h"

namespace bulwark::dp {

class FlowTable;

class TopTalkers {
 public:
  // Checks the next `budget` slots; after the last slot of the table, publishes the
  // sweep's result to `out` and starts again.
  void sweep(const FlowTable& table, unsigned budget, api::TopFlows& out);

 private:
  void consider(const FlowTable& table, uint32_t idx);
  void publish(api::TopFlows& out);

  uint32_t cursor_ = 0;
  uint32_t count_ = 0;
  std::array<api::TopFlow, api::kTopFlows> best_{};  // sorted, largest first
};

}  // namespace bulwark::dp
