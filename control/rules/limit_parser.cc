// Rate limits and the identity section of rule files (see limit_parser.h).
#include "control/rules/limit_parser.h"

#include <algorithm>
#include <tuple>

#include "dataplane/config/yaml_util.h"

namespace bulwark::rules {
namespace {

using yaml::bool_of;
using yaml::ConfigError;
using yaml::require_map;
using yaml::scalar;
using yaml::string_of;

KeyPart part_of(const YAML::Node& n) {
  const std::string v = string_of(n, "key");
  std::string list;
  for (unsigned i = 0; i < static_cast<unsigned>(KeyPart::count_); ++i) {
    const KeyPart p = static_cast<KeyPart>(i);
    if (v == key_part_name(p)) return p;
    list += (list.empty() ? "" : ", ") + std::string(key_part_name(p));
  }
  throw ConfigError(n, "unknown key part '" + v + "' (parts: " + list + ")");
}

// "20/s", "600/m", "10000/h" -> count and period, as written.
std::pair<uint32_t, uint32_t> rate_of(const YAML::Node& n) {
  const std::string v = string_of(n, "rate");
  const size_t slash = v.find('/');
  const std::string num = v.substr(0, slash),
                    unit = slash == std::string::npos ? "" : v.substr(slash + 1);
  const uint64_t per = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (per == 0 || num.empty() || num.size() > 9 ||
      num.find_first_not_of("0123456789") != std::string::npos)
    throw ConfigError(n, "'rate' is '" + v + "'; write N/s, N/m or N/h, e.g. 20/s");
  const uint64_t count = std::stoull(num);
  if (count == 0) throw ConfigError(n, "'rate' " + v + " allows nothing; use a block rule");
  return {static_cast<uint32_t>(count), static_cast<uint32_t>(per)};
}

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

Rule limit_of(const YAML::Node& n, const std::string& origin) {
  require_map(
      n, "limits[]",
      {"id", "name", "description", "key", "rate", "burst", "match", "action", "mode", "scope"});
  Rule r;
  r.is_limit = true;
  r.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (!n["id"]) throw ConfigError(n, "a limit needs an 'id'");
  r.id = scalar<uint32_t>(n["id"], "id", 1, UINT32_MAX);
  const std::string which = "limit " + std::to_string(r.id);
  if (!n["name"]) throw ConfigError(n, which + " needs a 'name'");
  r.name = string_of(n["name"], "name");
  if (n["description"]) r.description = string_of(n["description"], "description");
  if (!n["key"]) throw ConfigError(n, which + " needs 'key' (what it counts by, e.g. [api_key])");
  const YAML::Node key = n["key"];
  if (key.IsSequence()) {
    if (key.size() == 0) throw ConfigError(key, "'key' must name at least one part");
    for (const auto& e : key)
      r.limit.parts |= static_cast<uint8_t>(1u << static_cast<unsigned>(part_of(e)));
  } else {
    r.limit.parts = static_cast<uint8_t>(1u << static_cast<unsigned>(part_of(key)));
  }
  if (!n["rate"]) throw ConfigError(n, which + " needs 'rate' (e.g. 20/s)");
  std::tie(r.limit.count, r.limit.period_s) = rate_of(n["rate"]);
  r.limit.burst =
      n["burst"] ? scalar<uint32_t>(n["burst"], "burst", 1, 1000000)
                 : std::max<uint32_t>(1, (r.limit.count + r.limit.period_s - 1) / r.limit.period_s);
  r.action = Action::respond;
  r.respond_status = 429;
  if (n["action"])
    r.action =
        action_of(n["action"], {Action::respond, Action::block, Action::log, Action::challenge},
                  "a limit's 'action' must be respond (429), block, log or challenge");
  if (n["mode"]) r.mode = mode_of(n["mode"]);
  if (n["scope"]) {
    const std::string sc = string_of(n["scope"], "scope");
    if (sc != "global" && sc != "worker")
      throw ConfigError(n["scope"], "'scope' must be global or worker, not '" + sc + "'");
    r.limit.global = sc == "global";
  }
  if (n["match"]) {
    r.match = condition_of(n["match"], "match", 0);
    // A limit is decided on the request head, before anything is forwarded.
    if (const Condition* bad = find_leaf(r.match, [](const Condition& c) {
          return c.field == Field::body || c.field == Field::ja3 || c.field == Field::ja4;
        }))
      throw ConfigError(n["match"], which + " tests " + field_name(bad->field) + " (line " +
                                        std::to_string(bad->line) +
                                        "): a limit is decided on the request head; it may "
                                        "not test the body or the TLS fingerprints");
  } else {
    r.match.kind = Condition::Kind::all;  // no operands: every request
    r.match.line = n.Mark().line + 1;
  }
  return r;
}

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
