// The `identity:` section of rule files: how a request's client is identified (trusted
// proxies and their forwarding header, API key, session cookie, fingerprint header,
// prefix lengths). Every feature that counts or decides per client uses it.
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
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules {

IdentityPolicy identity_of(const YAML::Node& n, const std::string& origin);

}  // namespace bulwark::rules
