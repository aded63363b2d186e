// The identity section of rule files (see identity_parser.h).
#include "rules/lang/identity_parser.h"

#include "rules/lang/section_parse.h"

namespace bulwark::rules {
namespace {

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  return s;
}

std::string header_name_of(const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) throw ConfigError(n, "'" + what + "' must be a header name");
  const std::string v = n.Scalar();
  if (v.find_first_of(" \t\r\n:") != std::string::npos)
    throw ConfigError(n, "'" + what + "' is not a header name: '" + v + "'");
  return lower(v);
}

}  // namespace

IdentityPolicy identity_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "identity",
              {"trusted_proxies", "client_ip_header", "api_key_header", "bearer", "session_cookie",
               "fingerprint_header", "prefix"});
  IdentityPolicy p;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (const YAML::Node t = n["trusted_proxies"]) {
    if (!t.IsSequence()) throw ConfigError(t, "'trusted_proxies' must be a list of prefixes");
    for (const auto& e : t) p.trusted_proxies.push_back(prefix_of(e));
  }
  if (const YAML::Node h = n["client_ip_header"]) {
    const std::string v = lower(string_of(h, "client_ip_header"));
    if (v != "x-forwarded-for" && v != "forwarded")
      throw ConfigError(h,
                        "'client_ip_header' must be x-forwarded-for or forwarded, not '" + v + "'");
    p.forwarded = v == "forwarded";
  }
  if (n["api_key_header"]) p.api_key_header = header_name_of(n["api_key_header"], "api_key_header");
  if (n["bearer"]) p.bearer = bool_of(n["bearer"], "bearer");
  if (n["session_cookie"]) {
    p.session_cookie = string_of(n["session_cookie"], "session_cookie");
    if (p.session_cookie.find_first_of(" \t\r\n;=,") != std::string::npos)
      throw ConfigError(n["session_cookie"], "'session_cookie' is not a cookie name");
  }
  if (n["fingerprint_header"])
    p.fingerprint_header = header_name_of(n["fingerprint_header"], "fingerprint_header");
  if (const YAML::Node pf = n["prefix"]) {
    require_map(pf, "prefix", {"ipv4", "ipv6"});
    if (pf["ipv4"]) p.prefix_v4 = scalar<uint8_t>(pf["ipv4"], "prefix.ipv4", 8, 32);
    if (pf["ipv6"]) p.prefix_v6 = scalar<uint8_t>(pf["ipv6"], "prefix.ipv6", 16, 128);
  }
  return p;
}

}  // namespace bulwark::rules
