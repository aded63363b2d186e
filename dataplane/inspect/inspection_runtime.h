// Off-worker side of HTTP inspection: builds the per-worker inspectors and the shared
// pieces (event ring and pool, rule set pointer, RCU state), loads rule bundles (the
// configured file at start and on SIGHUP, from the main lcore; bytes pushed by
// bulwark-control, from the control thread; loads are serialised), retires replaced
// rule sets after an RCU grace period, drains events to the events file and the
// control socket, and publishes the rule set's identity into the stats segment.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/features/blocklist/block_set.h"
#include "dataplane/features/challenge/clearance.h"
#include "dataplane/features/discovery/api_batch.h"
#include "dataplane/features/discovery/extraction_detector.h"
#include "dataplane/features/enumeration/enumeration_detector.h"
#include "dataplane/features/login_guard/stuffing_detector.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/event_writer.h"
#include "dataplane/inspect/inspector.h"

struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

namespace bulwark::inspect {

// The active rule set as a whole (read under the load lock: never half of two loads).
struct RulesIdentity {
  uint64_t generation = 0, version = 0;
  std::string sha256;
  uint32_t count = 0;
};

// What a successful load did.
struct LoadReport {
  uint64_t version = 0;
  std::string sha256;
  uint32_t rules = 0;
  uint64_t prepare_ns = 0;  // deserialising the bundle, Hyperscan scratch per worker
  uint64_t swap_ns = 0;     // pointer swap plus the RCU grace period before the old set is freed
};

class InspectionRuntime {
 public:
  ~InspectionRuntime();
  // Everything before the workers start. false and `error` on failure.
  bool start(const api::DataplaneConfig& cfg, unsigned workers, rte_mempool* mbufs,
             api::Segment& seg, std::string& error);
  bool enabled() const { return !inspectors_.empty(); }
  Inspector* inspector(unsigned w) const {
    return inspectors_.empty() ? nullptr : inspectors_[w].get();
  }
  rte_rcu_qsbr* qsbr() const { return qsbr_; }
  // Loads the configured bundle (again) and swaps it in; on failure the active one, if
  // any, stays.
  bool reload(std::string& error);
  // Loads bundle bytes (a push from bulwark-control) and swaps them in; on failure the
  // active set stays. Any thread but a worker.
  bool load_bytes(const std::vector<uint8_t>& bytes, LoadReport& report, std::string& error);
  RulesIdentity rules_identity();
  // Builds the block list from bulwark-control's message and swaps it in (RCU); on
  // failure the active one stays. Any thread but a worker.
  bool load_blocklist(const nlohmann::json& msg, std::string& error);
  // {sha256, entries} of the active block list (empty object if none).
  nlohmann::json blocklist_identity();
  // Where event lines go besides the events file; set before the workers start.
  void set_event_sink(std::function<void(std::string&&)> sink) { sink_ = std::move(sink); }
  // Periodic main-lcore work: writes queued events, merges rate-limit reports.
  void poll();
  // After the workers stopped.
  void stop();

 private:
  using Prepare = std::function<std::unique_ptr<inspect::ActiveRules>(
      uint64_t generation, unsigned body_streams, std::string& error)>;
  bool swap_in(const Prepare& prepare, LoadReport& report, std::string& error);

  api::DataplaneConfig cfg_;
  unsigned workers_ = 0;
  api::Segment* seg_ = nullptr;
  std::atomic<inspect::ActiveRules*> rules_{nullptr};
  std::atomic<blocklist::BlockSet*> blocks_{nullptr};  // main/control thread: rw; workers: ro
  uint64_t block_generation_ = 0;
  uint64_t generation_ = 0;
  rte_rcu_qsbr* qsbr_ = nullptr;
  rte_ring* events_ = nullptr;
  rte_mempool* event_pool_ = nullptr;
  EventWriter writer_;
  std::function<void(std::string&&)> sink_;
  std::mutex load_mu_;  // one load at a time (main lcore and control thread)
  std::vector<std::unique_ptr<Inspector>> inspectors_;
  // Global rate limits (more than one worker): [worker] rings, main lcore's batch.
  std::vector<rte_ring*> limit_up_, limit_down_;
  std::vector<ratelimit::LimitReport> merge_batch_;
  void merge_limit_reports();
  // Credential stuffing: [worker] rings of login outcomes, the detector (main lcore),
  // and what the block list is built from: the operator's entries (last message from
  // bulwark-control) and the detector's enforced decisions (both under load_mu_).
  std::vector<rte_ring*> login_rings_;
  login_guard::StuffingDetector detector_;
  std::vector<rte_ring*> object_rings_;
  enumeration::EnumerationDetector enumeration_;
  // API discovery: [worker] rings of observed calls, the batch for bulwark-control's
  // inventory and the extraction detector (main lcore).
  std::vector<rte_ring*> api_rings_;
  discovery::ApiBatch api_batch_;
  std::chrono::steady_clock::time_point last_api_batch_{};
  uint64_t api_second_ = 0;            // unix second of api_sent_this_second_
  unsigned api_sent_this_second_ = 0;  // batches sent early (full) in that second
  discovery::ExtractionDetector extraction_;
  void poll_api(uint64_t now, std::vector<nlohmann::json>& events);
  uint64_t detector_generation_ = 0;
  nlohmann::json manual_blocks_ = nlohmann::json::object();
  nlohmann::json decision_blocks_ = nlohmann::json::array();
  nlohmann::json login_guard_;  // the stuffing detector's open login guard, or null
  void poll_logins();
  bool rebuild_pending_ = false;  // main lcore
  std::chrono::steady_clock::time_point last_rebuild_{};
  bool rebuild_blocks_locked(std::string& error);
  // Challenge clearance keys: derived from the secret for the current rotation period,
  // swapped in (RCU) by the main lcore when the period changes.
  std::atomic<challenge::ClearanceKeys*> keys_{nullptr};  // main: rw; workers: ro
  std::atomic<uint64_t> unix_s_{0};  // wall-clock seconds; main: w (poll); workers: r
  std::vector<uint8_t> secret_;
  uint64_t key_epoch_ = 0;
  bool rotate_keys(uint64_t epoch, std::string& error);
};

}  // namespace bulwark::inspect
