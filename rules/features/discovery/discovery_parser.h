// The `discovery:` section of rule files: API discovery, the sensitive-data classes
// looked for in responses, and the bulk-extraction policy.
//
//   discovery:
//     enabled: true              # observe endpoints for the inventory (default true)
//     scan_responses: true       # count sensitive data in response heads and bodies
//     max_scan_bytes: 1048576    # per response; the rest passes unscanned
//     sensitive_data:
//       builtin: true            # the built-in classes (email, phone, card, ssn, iban,
//                                # jwt, cloud_key, dob)
//       disable: [phone]         # built-in classes not to look for
//       classes:                 # more classes; a built-in class's name replaces it
//         - name: employee_id
//           patterns: ['EMP-\d{6}\b']
//           validator: none      # none | luhn | iban | ssn | phone | date
//           nocase: false
//     extraction:                # one client reading out personal data in bulk
//       key: client_ip           # client_ip | prefix | fingerprint | api_key | session |
//       user_agent window: 300              # seconds max_records: 1000        # sensitive records
//       received per window (0: off) max_objects: 0           # distinct objects (endpoint + ids)
//       read (0: off) action: block            # block | respond (403) | challenge | log mode:
//       enforce            # or monitor ttl: 600                 # how long a decision holds
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules::discovery {

rules::DiscoveryPolicy discovery_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules::discovery
