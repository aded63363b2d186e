// The parts of a rule file besides signature rules: rate limits (`limits:`) and how
// clients are identified (`identity:`), plus the condition and prefix readers that
// rule_parser.cc shares with them.
//
//   identity:
//     trusted_proxies: [198.18.0.0/24]   # peers whose forwarding header is believed
//     client_ip_header: x-forwarded-for  # or: forwarded (RFC 7239)
//     api_key_header: X-Api-Key          # "" for none; Authorization: Bearer also counts
//     bearer: true
//     session_cookie: sid
//     fingerprint_header: X-JA4          # set by a TLS-terminating load balancer
//     prefix: {ipv4: 24, ipv6: 64}
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

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "control/rules/rule_model.h"

namespace bulwark::rules {

Rule limit_of(const YAML::Node& n, const std::string& origin);
IdentityPolicy identity_of(const YAML::Node& n, const std::string& origin);

// From rule_parser.cc. `allowed`: the actions this place takes; `message`: the error's
// start, e.g. "'action' must be block or log".
Action action_of(const YAML::Node& n, std::initializer_list<Action> allowed,
                 const std::string& message);
Mode mode_of(const YAML::Node& n);
Condition condition_of(const YAML::Node& n, const std::string& where, unsigned depth);
std::pair<std::vector<uint8_t>, unsigned> prefix_of(const YAML::Node& n);

// The first leaf of `c` for which `pred` holds, or nullptr.
template <class P>
const Condition* find_leaf(const Condition& c, P&& pred) {
  if (c.kind == Condition::Kind::leaf) return pred(c) ? &c : nullptr;
  for (const auto& child : c.children)
    if (const Condition* l = find_leaf(child, pred)) return l;
  return nullptr;
}

}  // namespace bulwark::rules
