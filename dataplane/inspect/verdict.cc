// Recording a matched rule in a request's verdict (see verdict.h).
#include "dataplane/inspect/verdict.h"

namespace bulwark::inspect {

void Verdict::add(uint32_t rule, const rules::Bundle& b) {
  const rules::CompiledRule& r = b.rules[rule];
  if (r.is_limit) {  // counted by the caller's limiter, never decisive here
    if (limit_count < kMaxLimitsPerRequest) limits[limit_count++] = rule;
    return;
  }
  const bool decides = r.mode == rules::Mode::enforce && r.action != rules::Action::log &&
                       (decisive < 0 || rule < static_cast<uint32_t>(decisive));
  if (matched_count < kMaxMatched)
    matched[matched_count++] = rule;
  else if (decides)  // reported whatever matched before it (decoys): it takes the last place
    matched[kMaxMatched - 1] = rule;
  if (decides) decisive = static_cast<int32_t>(rule);
  if (r.mode == rules::Mode::enforce && r.action != rules::Action::log &&
      r.action != rules::Action::challenge &&
      (decisive_unchallenged < 0 || rule < static_cast<uint32_t>(decisive_unchallenged)))
    decisive_unchallenged = static_cast<int32_t>(rule);
}

}  // namespace bulwark::inspect
