// The clearance keys workers verify with, on the main lcore: derived from the secret
// (inspect.challenge.secret_file, or random bytes per start) for the current rotation
// period, and swapped in (RCU) when the period changes. A main-lcore part; the
// challenge stage of every worker reads the published keys.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "dataplane/features/challenge/clearance.h"
#include "dataplane/inspect/main_part.h"

namespace bulwark::challenge {

class ClearanceKeyRotation final : public inspect::MainPart {
 public:
  ~ClearanceKeyRotation() override;
  bool start(inspect::MainContext& ctx, std::string& error) override;
  void poll(uint64_t now_unix) override;
  void stop() override;
  // The keys now (workers: one atomic load per check; never held across a quiescent
  // point).
  const ClearanceKeys* keys() const { return keys_.load(std::memory_order_acquire); }
  uint32_t rotate_s() const { return rotate_s_; }

 private:
  bool rotate(uint64_t epoch, std::string& error);

  inspect::MainContext* ctx_ = nullptr;
  std::atomic<ClearanceKeys*> keys_{nullptr};  // main: rw (rotation); workers: ro
  std::vector<uint8_t> secret_;
  uint64_t epoch_ = 0;
  uint32_t rotate_s_ = 3600;
};

}  // namespace bulwark::challenge
