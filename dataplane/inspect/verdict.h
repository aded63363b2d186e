// What the rules say about one request: every rule that matched (bounded), the one that
// decides, and the rate limits whose selector matched. Written by the signatures stage,
// adjusted by the challenge stage (a valid clearance passes a challenge rule), read by
// the consistency and ratelimit stages (they apply only when no rule decides) and
// carried out by the verdict stage (or, for body rules, at the request's end).
#pragma once

#include <cstdint>

#include "rules/lang/bundle.h"

namespace bulwark::inspect {

inline constexpr unsigned kMaxMatched = 16;
inline constexpr unsigned kMaxLimitsPerRequest = 64;  // = api::kMaxLimitSlots: every limit

struct Verdict {
  int32_t decisive = -1;  // rule index that decides (enforce mode, not log)
  uint32_t matched[kMaxMatched];
  unsigned matched_count = 0;             // every rule that matched, in rule order (bounded)
  uint32_t limits[kMaxLimitsPerRequest];  // rate limits whose selector matched (bounded)
  unsigned limit_count = 0;
  // Who decides when a challenge rule is passed with a clearance: the first enforcing
  // rule that is not a challenge, over every match (not only the recorded ones).
  int32_t decisive_unchallenged = -1;
  void add(uint32_t rule, const rules::Bundle& b);
};

}  // namespace bulwark::inspect
