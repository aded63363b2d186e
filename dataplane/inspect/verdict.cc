// Recording a matched rule in a request's verdict (see verdict.h).
#include "dataplane/inspect/verdict.h"

namespace bulwark::inspect {

void Verdict::add(uint32_t rule, const rules::Bundle& b) {
  const rules::CompiledRule& r = b.rules[rule];
  if (r.is_limit) {  // counted by the caller's limiter, never decisive here
    if (limit_count < kMaxLimitsPerRequest) limits[limit_count++] = rule;
    return;
  }
  const bool enforces = r.mode == rules::Mode::enforce && r.action != rules::Action::log;
  if (enforces && (decisive < 0 || rule < static_cast<uint32_t>(decisive)))
    decisive = static_cast<int32_t>(rule);
  if (enforces && r.action != rules::Action::challenge &&
      (decisive_unchallenged < 0 || rule < static_cast<uint32_t>(decisive_unchallenged)))
    decisive_unchallenged = static_cast<int32_t>(rule);
  if (matched_count < kMaxMatched) {
    matched[matched_count++] = rule;
    return;
  }
  // Full (decoys matched first): the rules that decide are reported whatever came before
  // them: the decisive one in the last place, the one that decides when a clearance
  // passes a challenge rule in the place before it.
  auto recorded = [&](int32_t x) {
    for (uint32_t m : matched)
      if (static_cast<int32_t>(m) == x) return true;
    return false;
  };
  if (decisive >= 0 && !recorded(decisive))
    matched[kMaxMatched - 1] = static_cast<uint32_t>(decisive);
  if (decisive_unchallenged >= 0 && !recorded(decisive_unchallenged))
    matched[kMaxMatched - 2] = static_cast<uint32_t>(decisive_unchallenged);
}

}  // namespace bulwark::inspect
