// The `challenge:` section of rule files: the proof of work and the clearance it earns.
//
//   challenge:
//     difficulty: 16        # leading zero bits of SHA-256 the browser must find (8..24)
//     ttl: 1800             # seconds a clearance holds (60..86400)
//
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules::challenge {

rules::ChallengePolicy challenge_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules::challenge
