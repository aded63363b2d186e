// The challenge policy (see challenge_parser.h).
#include "rules/features/challenge/challenge_parser.h"

#include "rules/lang/section_parse.h"

namespace bulwark::rules::challenge {

rules::ChallengePolicy challenge_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "challenge", {"difficulty", "ttl"});
  rules::ChallengePolicy p;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["difficulty"]) p.difficulty = scalar<uint8_t>(n["difficulty"], "difficulty", 8, 24);
  if (n["ttl"]) p.ttl_s = scalar<uint32_t>(n["ttl"], "ttl", 60, 86400);
  return p;
}

}  // namespace bulwark::rules::challenge
