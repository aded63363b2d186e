// API discovery on the main lcore: every worker's observed calls (ApiRecord) arrive
// here over the detector rings, go into the inventory batch sent to bulwark-control
// (about once a second, sooner when it is full: at most 8 a second, past that calls are
// counted, not placed) and into the extraction detector, whose decisions join the block
// list. A detector (inspect/detector.h).
// Owner: the main lcore (not thread-safe).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "dataplane/features/discovery/api_batch.h"
#include "dataplane/features/discovery/extraction_detector.h"
#include "dataplane/inspect/detector.h"

namespace bulwark::discovery {

class ApiObserver final : public inspect::Detector {
 public:
  const char* name() const override { return "api"; }
  size_t record_size() const override { return sizeof(ApiRecord); }
  unsigned ring_size() const override { return 8192; }  // ~4.6 MiB per worker
  bool start(inspect::MainContext& ctx, std::string& error) override;
  void configure(const inspect::ActiveRules& rules) override;
  void add(const void* record, uint64_t now_unix, std::vector<nlohmann::json>& events) override;
  inspect::DecisionList& decisions() override { return extraction_.decisions(); }
  void publish(api::Header& h) override { h.extraction_untracked.set(extraction_.untracked()); }
  // Sends the batch once a second.
  void poll(uint64_t now_unix) override;

 private:
  void send(uint64_t now_unix);

  ApiBatch batch_;
  ExtractionDetector extraction_;
  api::Header* header_ = nullptr;
  std::function<void(std::string&&)> to_control_;
  std::chrono::steady_clock::time_point last_batch_{};
  uint64_t second_ = 0;            // unix second of sent_this_second_
  unsigned sent_this_second_ = 0;  // batches sent early (full) in that second
};

}  // namespace bulwark::discovery
