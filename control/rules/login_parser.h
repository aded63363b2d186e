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

#include "control/rules/rule_model.h"

namespace bulwark::rules {

LoginEndpoint login_of(const YAML::Node& n, const std::string& origin);
// An `enumeration:` entry:
//   - name: customers
//     method: GET
//     path: /api/v1/customers/{id}   # {id}: the object id segment
//     key: api_key                   # client_ip, prefix, fingerprint, api_key, session, user_agent
//     max_ids: 100                   # distinct ids per key per window (0: off)
//     sequential: 20                 # ids in sequence (0: off)
//     max_bytes: 0                   # response body bytes served to the key (0: off)
//     window: 60
//     ttl: 600
//     action: respond                # block | respond (403)
//     mode: enforce                  # or monitor
ObjectPolicy object_policy_of(const YAML::Node& n, const std::string& origin);
// A behavioural policy's client key: client_ip, prefix, fingerprint, api_key, session
// (the identity's session cookie) or user_agent.
KeyPart decision_key_of(const YAML::Node& n);
StuffingPolicy stuffing_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules
