// The `consistency:` section of rule files: how requests claiming a browser are scored.
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

#include "rules/lang/rule_model.h"

namespace bulwark::rules::consistency {

rules::ConsistencyPolicy consistency_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules::consistency
