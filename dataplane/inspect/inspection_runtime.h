// Off-worker side of inspection: builds the features (features/pipeline.cc) and the
// per-worker inspectors with their pipelines, the shared pieces (event ring and pool,
// rule set and block list pointers, RCU state), loads rule bundles (the configured file
// at start and on SIGHUP, from the main lcore; bytes pushed by bulwark-control, from the
// control thread; loads are serialised), retires replaced rule sets and block lists
// after an RCU grace period, drives the features' main-lcore parts and detectors
// (whose decisions join the operator's block list), drains events to the events file
// and the control socket, and publishes the rule set's identity into the stats segment.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/block_set.h"
#include "dataplane/inspect/detector.h"
#include "dataplane/inspect/event_writer.h"
#include "dataplane/inspect/inspector.h"
#include "dataplane/inspect/pipeline.h"

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
  uint64_t prepare_ns = 0;  // deserialising the bundle, the stages' parts per worker
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
  // Periodic main-lcore work: queued events, the features' main-lcore parts, detectors.
  void poll();
  // After the workers stopped.
  void stop();

 private:
  using Prepare = std::function<std::unique_ptr<ActiveRules>(
      uint64_t generation, unsigned body_streams, std::string& error)>;
  bool swap_in(const Prepare& prepare, LoadReport& report, std::string& error);
  // Detectors' records in, their decisions into the block list (at most every 100 ms).
  void poll_detectors(uint64_t now_unix);
  bool rebuild_blocks_locked(std::string& error);

  api::DataplaneConfig cfg_;
  unsigned workers_ = 0;
  api::Segment* seg_ = nullptr;
  std::unique_ptr<FeatureSet> features_;
  std::unique_ptr<MainContext> main_;  // what the features' main-lcore parts use
  bool parts_started_ = false;
  DetectorHub detectors_;
  std::atomic<ActiveRules*> rules_{nullptr};  // main/control thread: rw (swap); workers: ro
  std::atomic<BlockSet*> blocks_{nullptr};    // main/control thread: rw (swap); workers: ro
  std::atomic<uint64_t> unix_s_{0};           // wall-clock seconds; main: w (poll); workers: r
  uint64_t block_generation_ = 0;
  uint64_t generation_ = 0;
  rte_rcu_qsbr* qsbr_ = nullptr;
  rte_ring* events_ = nullptr;
  rte_mempool* event_pool_ = nullptr;
  EventWriter writer_;
  std::function<void(std::string&&)> sink_;
  std::mutex load_mu_;  // one load at a time (main lcore and control thread)
  std::vector<std::unique_ptr<Inspector>> inspectors_;
  // What the block list is built from: the operator's entries (last message from
  // bulwark-control) and the detectors' part (enforced decisions, the login guard), both
  // under load_mu_.
  nlohmann::json manual_blocks_ = nlohmann::json::object();
  nlohmann::json decision_part_ = nlohmann::json::object();
  bool rebuild_pending_ = false;  // main lcore
  std::chrono::steady_clock::time_point last_rebuild_{};
};

}  // namespace bulwark::inspect
