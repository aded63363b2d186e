// Main-lcore side of HTTP inspection: builds the per-worker inspectors and the shared
// pieces (event ring and pool, rule set pointer, RCU state), loads the rule bundle at
// start and again on request (SIGHUP), retires replaced rule sets after an RCU grace
// period, drains events into the events file, and publishes the rule set's identity
// into the stats segment.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "control/api/stats_layout.h"
#include "dataplane/config/dataplane_config.h"
#include "dataplane/detect/active_rules.h"
#include "dataplane/inspect/event_writer.h"
#include "dataplane/inspect/inspector.h"

struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

namespace bulwark {

class InspectionRuntime {
 public:
  ~InspectionRuntime();
  // Everything before the workers start. false and `error` on failure.
  bool start(const DataplaneConfig& cfg, unsigned workers, rte_mempool* mbufs, stats::Segment& seg,
             std::string& error);
  bool enabled() const { return !inspectors_.empty(); }
  Inspector* inspector(unsigned w) const {
    return inspectors_.empty() ? nullptr : inspectors_[w].get();
  }
  rte_rcu_qsbr* qsbr() const { return qsbr_; }
  // Loads the configured bundle (again) and swaps it in; on failure the active one, if
  // any, stays.
  bool reload(std::string& error);
  // Periodic main-lcore work: writes queued events.
  void poll();
  // After the workers stopped.
  void stop();

 private:
  bool load(std::string& error);

  DataplaneConfig cfg_;
  unsigned workers_ = 0;
  stats::Segment* seg_ = nullptr;
  std::atomic<detect::ActiveRules*> rules_{nullptr};
  uint64_t generation_ = 0;
  rte_rcu_qsbr* qsbr_ = nullptr;
  rte_ring* events_ = nullptr;
  rte_mempool* event_pool_ = nullptr;
  EventWriter writer_;
  std::vector<std::unique_ptr<Inspector>> inspectors_;
};

}  // namespace bulwark
