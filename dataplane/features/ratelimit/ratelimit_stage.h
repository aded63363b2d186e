// Rate limits on the worker: each limit whose selector matched the request (the
// matcher lists them in r.verdict.limits) counts it against the client's key in this
// worker's RateLimiter; over the limit, its action applies in enforce mode — 429 with
// Retry-After, a reset, or a challenge (a valid clearance passes) — unless a rule
// already decides the request. Global limits exchange per-key counts with the other
// workers (limit_exchange.h) every millisecond.
// Reads r.rules, r.verdict (limits; applies when nothing decides), r.ident, r.head.
// Stops the request it limits (its matched rules are recorded first).
#pragma once

#include <memory>
#include <vector>

#include "dataplane/features/ratelimit/rate_limiter.h"
#include "dataplane/inspect/stage.h"

struct rte_ring;

namespace bulwark::ratelimit {

class RateLimitStage {
 public:
  explicit RateLimitStage(const inspect::StageEnv& env);
  bool init(std::string& error);
  inspect::Next on_request_head(inspect::Request& r);
  void on_rules_swapped();
  void publish(uint64_t now_tsc);

 private:
  // Counts the request against each matched limit; carries out the first one it exceeds
  // in enforce mode. True if the request was stopped.
  bool apply(inspect::Request& r);
  // A limit's key as text for its event: each part, secrets as digest prefixes.
  void key_text(const inspect::Request& r, const rules::CompiledRule& limit, char* out,
                size_t cap) const;
  void exchange_reports(uint64_t now);

  inspect::Inspector* core_;
  api::WorkerStats* st_;
  unsigned worker_, peers_;
  uint32_t capacity_;
  int socket_;
  uint64_t tsc_hz_;
  rte_ring* up_;    // this worker's reports to the other workers (via the main lcore)
  rte_ring* down_;  // the other workers' reports to this one
  std::unique_ptr<RateLimiter> limiter_;  // nullptr if inspect.limit_keys is 0
  std::vector<LimitReport> reports_;      // report batch (fixed size)
  uint32_t limits_used_ = 0;              // limit stats slots written since the last swap
  uint64_t lost_reports_ = 0;             // reports the ring to the aggregator had no room for
  char response_[512];                    // a 429 answer, written per request
};

}  // namespace bulwark::ratelimit
