// Login endpoints and the credential-stuffing policy (see login_parser.h).
#include "rules/features/login_guard/login_parser.h"

#include <algorithm>

#include "rules/lang/section_parse.h"

namespace bulwark::rules::login_guard {

rules::LoginEndpoint login_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "logins[]", {"name", "method", "path", "username", "failure"});
  rules::LoginEndpoint e;
  e.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (!n["name"]) throw ConfigError(n, "a login endpoint needs a 'name'");
  e.name = string_of(n["name"], "name");
  if (n["method"]) e.method = string_of(n["method"], "method");
  if (!n["path"]) throw ConfigError(n, "login '" + e.name + "' needs 'path' (e.g. /login)");
  e.path = string_of(n["path"], "path");
  if (e.path[0] != '/') throw ConfigError(n["path"], "'path' must start with /");
  if (const YAML::Node u = n["username"]) {
    require_map(u, "username", {"json", "form"});
    if (u.size() != 1) throw ConfigError(u, "'username' is one of {json: FIELD} or {form: FIELD}");
    e.form = static_cast<bool>(u["form"]);
    e.field = string_of(e.form ? u["form"] : u["json"], "username");
    if (e.field.size() > 64 || e.field.find_first_of("\"\\&=") != std::string::npos)
      throw ConfigError(u, "'username' field name '" + e.field + "' is not a plain name");
  }
  if (const YAML::Node f = n["failure"]) {
    require_map(f, "failure", {"status", "body_contains"});
    if (f["status"]) {
      if (!f["status"].IsSequence())
        throw ConfigError(f["status"], "'failure.status' must be a list");
      e.failure_status.clear();
      for (const auto& s : f["status"])
        e.failure_status.push_back(scalar<uint16_t>(s, "failure.status[]", 100, 599));
    } else if (f["body_contains"]) {
      e.failure_status.clear();  // only the body says
    }
    if (f["body_contains"]) {
      e.failure_body = string_of(f["body_contains"], "failure.body_contains");
      if (e.failure_body.size() > 64)
        throw ConfigError(f["body_contains"], "'failure.body_contains' is longer than 64 bytes");
    }
  }
  return e;
}

rules::StuffingPolicy stuffing_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "credential_stuffing",
              {"mode", "action", "decoy", "window", "ttl", "thresholds", "failure_ratio",
               "challenge_unknown"});
  rules::StuffingPolicy p;
  p.enabled = true;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["mode"]) p.mode = rules::mode_of(n["mode"]);
  if (n["action"]) {
    p.action = rules::action_of(
        n["action"],
        {rules::Action::block, rules::Action::respond, rules::Action::challenge,
         rules::Action::decoy},
        "credential_stuffing 'action' must be block, respond, challenge or decoy (for "
        "reports only, use mode: monitor)");
  }
  p.decoy = decoy_of(n["decoy"], p.action);
  if (n["window"]) p.window_s = scalar<uint32_t>(n["window"], "window", 5, 3600);
  if (n["challenge_unknown"])
    p.challenge_unknown = yaml::bool_of(n["challenge_unknown"], "challenge_unknown");
  if (n["ttl"]) p.ttl_s = scalar<uint32_t>(n["ttl"], "ttl", 1, 7 * 86400);
  if (const YAML::Node t = n["thresholds"]) {
    require_map(t, "thresholds",
                {"client_ip", "prefix", "fingerprint", "user_agent", "username_ips"});
    const std::pair<const char*, uint32_t*> keys[] = {{"client_ip", &p.ip_users},
                                                      {"prefix", &p.prefix_users},
                                                      {"fingerprint", &p.fingerprint_users},
                                                      {"user_agent", &p.user_agent_users},
                                                      {"username_ips", &p.username_ips}};
    for (const auto& [k, v] : keys)
      if (t[k]) *v = scalar<uint32_t>(t[k], std::string("thresholds.") + k, 0, 100000);
  }
  if (const YAML::Node r = n["failure_ratio"]) {
    require_map(r, "failure_ratio", {"factor", "min_attempts"});
    if (r["factor"]) {
      try {
        p.ratio_factor = r["factor"].as<double>();
      } catch (const YAML::Exception&) {
        throw ConfigError(r["factor"], "'failure_ratio.factor' must be a number");
      }
      if (!(p.ratio_factor >= 1.1 && p.ratio_factor <= 100))
        throw ConfigError(r["factor"], "'failure_ratio.factor' must be 1.1..100");
    }
    if (r["min_attempts"])
      p.ratio_min_attempts =
          scalar<uint32_t>(r["min_attempts"], "failure_ratio.min_attempts", 1, 1000000);
  }
  return p;
}

}  // namespace bulwark::rules::login_guard
