// Global rate limits across workers, on the main lcore: each worker sends the allowed
// requests per key it counted (LimitReport) up its own ring every millisecond; this
// part hands each worker's reports to every other worker's down ring, where they are
// charged to that worker's own cell for the key. Reports that find a ring full are lost
// (counted): the limit is then enforced less tightly for a moment. With one worker, or
// rate limits off (inspect.limit_keys 0), there are no rings.
#pragma once

#include <vector>

#include "dataplane/features/ratelimit/rate_limiter.h"
#include "dataplane/inspect/main_part.h"

struct rte_ring;

namespace bulwark::ratelimit {

class LimitExchange final : public inspect::MainPart {
 public:
  ~LimitExchange() override;
  bool start(inspect::MainContext& ctx, std::string& error) override;
  void poll(uint64_t now_unix) override;
  void stop() override;
  // Worker w's rings (nullptr when limits are not exchanged). SP/SC: w produces `up`
  // and consumes `down`; the main lcore the other ends.
  rte_ring* up(unsigned w) const { return w < up_.size() ? up_[w] : nullptr; }
  rte_ring* down(unsigned w) const { return w < down_.size() ? down_[w] : nullptr; }

 private:
  api::Header* header_ = nullptr;
  std::vector<rte_ring*> up_, down_;
  std::vector<LimitReport> batch_;
};

}  // namespace bulwark::ratelimit
