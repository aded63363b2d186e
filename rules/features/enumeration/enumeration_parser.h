// The `enumeration:` section of rule files: object endpoints watched for enumeration
// and scraping, one entry each.
//
//   enumeration:
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
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules::enumeration {

rules::ObjectPolicy object_policy_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules::enumeration
