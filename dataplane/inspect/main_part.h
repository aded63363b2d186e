// A feature's part on the main lcore: what runs once per dataplane rather than once per
// worker — detectors (detector.h), the exchange of global rate-limit reports, the
// rotation of challenge clearance keys. features/pipeline.cc registers them; stages
// find theirs by type when they are built (before any worker runs).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"

struct rte_rcu_qsbr;

namespace bulwark::inspect {

// What the runtime offers main-lcore parts. Valid from start() to stop().
struct MainContext {
  const api::DataplaneConfig& cfg;
  unsigned workers = 1;
  api::Segment& seg;             // main-lcore counters live in seg.header
  rte_rcu_qsbr* qsbr = nullptr;  // workers report quiescent states here
  // Writes an event made on the main lcore (JSON line to the events file and control).
  std::function<void(nlohmann::json)> event;
  // Sends a line to bulwark-control over the control socket (not to the events file).
  std::function<void(std::string&&)> to_control;
  // Waits until every worker has passed a quiescent point (RCU grace period): what a
  // part swapped out may be freed after it.
  void synchronize() const;
};

class MainPart {
 public:
  virtual ~MainPart() = default;
  // Before the workers start. false and `error`: the dataplane does not start.
  virtual bool start(MainContext& ctx, std::string& error) = 0;
  // Main lcore, every runtime poll (well under a millisecond apart); `now_unix` seconds.
  virtual void poll(uint64_t now_unix) = 0;
  // After the workers stopped.
  virtual void stop() = 0;
};

// The registry of main-lcore parts. Filled before start; read-only afterwards.
class MainParts {
 public:
  template <class T, class... Args>
  T& add(Args&&... args) {
    parts_.push_back(std::make_unique<T>(std::forward<Args>(args)...));
    return static_cast<T&>(*parts_.back());
  }
  // The part of type T (nullptr if none): stages look theirs up when built.
  template <class T>
  T* find() const {
    for (const auto& p : parts_)
      if (auto* t = dynamic_cast<T*>(p.get())) return t;
    return nullptr;
  }
  const std::vector<std::unique_ptr<MainPart>>& all() const { return parts_; }

 private:
  std::vector<std::unique_ptr<MainPart>> parts_;
};

}  // namespace bulwark::inspect
