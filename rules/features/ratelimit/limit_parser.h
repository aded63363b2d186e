// The `limits:` section of rule files: rate limits, each a rule whose condition selects
// the requests it counts, per client key.
//
//   limits:
//     - id: 5001
//       name: API key 20/s
//       key: [api_key]          # client_ip, prefix, fingerprint, api_key, session, user_agent
//       rate: 20/s              # N/s, N/m or N/h
//       burst: 10               # default: one second's worth (at least 1)
//       match: {...}            # which requests count (a rule condition); default all
//       action: respond         # respond (429 + Retry-After) | block | log | challenge
//       mode: enforce           # or monitor
//       scope: global           # counted across all workers (worker: each alone)
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules::ratelimit {

rules::Rule limit_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules::ratelimit
