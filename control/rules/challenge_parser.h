// The `challenge:` and `consistency:` sections of rule files.
//
//   challenge:
//     difficulty: 16        # leading zero bits of SHA-256 the browser must find (8..24)
//     ttl: 1800             # seconds a clearance holds (60..86400)
//
//   consistency:
//     mode: enforce         # or monitor: scores are reported, nothing is done
//     action: challenge     # challenge | block | respond (403) | log
//     threshold: 50         # score at which the action applies
//     weights:              # what each contradiction of a browser user agent adds
//       missing_accept: 20
//       missing_accept_language: 40
//       missing_accept_encoding: 30
//       header_order: 40
//       script_fingerprint: 60
//       http10: 30
//     script_fingerprints: [t13d190900_9dc949149365_97f8aa674fd9]   # JA4 of scripting tools
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "control/rules/rule_model.h"

namespace bulwark::rules {

ChallengePolicy challenge_of(const YAML::Node& n, const std::string& origin);
ConsistencyPolicy consistency_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules
