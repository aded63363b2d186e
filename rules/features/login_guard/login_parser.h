// The `logins:` and `credential_stuffing:` sections of rule files.
//
//   logins:
//     - name: web login
//       method: POST                 # default POST
//       path: /login                 # the normalised path, exactly
//       username: {json: username}   # or {form: user}
//       failure: {status: [401, 403], body_contains: "invalid"}   # either or both
//
//   credential_stuffing:
//     mode: enforce                  # or monitor: decisions are reported, not enforced
//     action: block                  # block (reset) | respond (403)
//     window: 60                     # seconds
//     ttl: 600                       # how long a decision holds, seconds
//     thresholds:                    # distinct usernames failed on per window (0: off)
//       client_ip: 10
//       prefix: 30
//       fingerprint: 50
//       user_agent: 0
//       username_ips: 20             # addresses one username failed from (logged)
//     failure_ratio: {factor: 3.0, min_attempts: 50}
//     challenge_unknown: false       # after a ratio alarm (for ttl), challenge login
//                                    # requests from fingerprints not seen succeeding
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules::login_guard {

rules::LoginEndpoint login_of(const YAML::Node& n, const std::string& origin);
rules::StuffingPolicy stuffing_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules::login_guard
