// Login endpoints and the credential-stuffing policy (see login_parser.h).
#include "control/rules/login_parser.h"

#include <algorithm>

#include "control/rules/limit_parser.h"
#include "dataplane/config/yaml_util.h"

namespace bulwark::rules {

using yaml::ConfigError;
using yaml::require_map;
using yaml::scalar;
using yaml::string_of;

LoginEndpoint login_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "logins[]", {"name", "method", "path", "username", "failure"});
  LoginEndpoint e;
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

namespace {

// `decoy: {status: 200, content_type: application/json, body: "{}"}`, for action decoy.
DecoyAnswer decoy_of(const YAML::Node& n, Action action) {
  DecoyAnswer d;
  if (!n) return d;
  if (action != Action::decoy) throw ConfigError(n, "'decoy' is only for action: decoy");
  require_map(n, "decoy", {"status", "content_type", "body"});
  if (n["status"]) {
    d.status = scalar<uint16_t>(n["status"], "decoy.status", 200, 599);
    if (d.status == 204 || d.status == 304)
      throw ConfigError(n["status"], "'decoy.status' " + std::to_string(d.status) +
                                         " has no body; use another status");
  }
  if (n["content_type"]) {
    d.content_type = string_of(n["content_type"], "decoy.content_type");
    if (d.content_type.empty() || d.content_type.size() > 128 ||
        std::any_of(d.content_type.begin(), d.content_type.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      throw ConfigError(n["content_type"], "'decoy.content_type' is not a header value");
  }
  if (n["body"]) {
    if (!n["body"].IsScalar()) throw ConfigError(n["body"], "'decoy.body' must be a string");
    d.body = n["body"].Scalar();
    if (d.body.size() > 1024)
      throw ConfigError(n["body"], "'decoy.body' is " + std::to_string(d.body.size()) +
                                       " bytes; at most 1024 (the answer is sent as one packet)");
  }
  return d;
}

}  // namespace

KeyPart decision_key_of(const YAML::Node& n) {
  const std::string k = string_of(n, "key");
  for (unsigned i = 0; i < static_cast<unsigned>(KeyPart::count_); ++i)
    if (k == key_part_name(static_cast<KeyPart>(i))) return static_cast<KeyPart>(i);
  throw ConfigError(
      n,
      "'key' must be one of client_ip, prefix, fingerprint, api_key, session, user_agent, "
      "not '" +
          k + "'");
}

ObjectPolicy object_policy_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "enumeration[]",
              {"name", "method", "path", "key", "max_ids", "sequential", "max_bytes", "window",
               "ttl", "action", "decoy", "mode"});
  ObjectPolicy p;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (!n["name"]) throw ConfigError(n, "an enumeration entry needs a 'name'");
  p.name = string_of(n["name"], "name");
  if (n["method"]) p.method = string_of(n["method"], "method");
  if (!n["path"]) throw ConfigError(n, "enumeration '" + p.name + "' needs 'path' with {id}");
  const std::string path = string_of(n["path"], "path");
  const size_t at = path.find("{id}");
  if (path[0] != '/' || at == std::string::npos || path.find("{id}", at + 1) != std::string::npos ||
      path[at - 1] != '/' || (at + 4 < path.size() && path[at + 4] != '/'))
    throw ConfigError(n["path"],
                      "'path' must start with / and have one whole segment {id}, e.g. "
                      "/api/v1/customers/{id}");
  p.prefix = path.substr(0, at);
  p.suffix = path.substr(at + 4);
  if (n["key"]) p.key = decision_key_of(n["key"]);
  if (n["max_ids"]) p.max_ids = scalar<uint32_t>(n["max_ids"], "max_ids", 0, 10000000);
  if (n["sequential"]) p.sequential = scalar<uint32_t>(n["sequential"], "sequential", 0, 1000000);
  if (n["max_bytes"])
    p.max_bytes = scalar<uint64_t>(n["max_bytes"], "max_bytes", 0, uint64_t{1} << 50);
  if (p.max_ids == 0 && p.sequential == 0 && p.max_bytes == 0)
    throw ConfigError(
        n, "enumeration '" + p.name + "': max_ids, sequential and max_bytes are all off");
  if (n["window"]) p.window_s = scalar<uint32_t>(n["window"], "window", 5, 86400);
  if (n["ttl"]) p.ttl_s = scalar<uint32_t>(n["ttl"], "ttl", 1, 7 * 86400);
  if (n["action"]) {
    p.action =
        action_of(n["action"], {Action::block, Action::respond, Action::challenge, Action::decoy},
                  "an enumeration 'action' must be block, respond, challenge or decoy (for "
                  "reports only, use mode: monitor)");
  }
  p.decoy = decoy_of(n["decoy"], p.action);
  if (n["mode"]) p.mode = mode_of(n["mode"]);
  return p;
}

StuffingPolicy stuffing_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "credential_stuffing",
              {"mode", "action", "decoy", "window", "ttl", "thresholds", "failure_ratio",
               "challenge_unknown"});
  StuffingPolicy p;
  p.enabled = true;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["mode"]) p.mode = mode_of(n["mode"]);
  if (n["action"]) {
    p.action =
        action_of(n["action"], {Action::block, Action::respond, Action::challenge, Action::decoy},
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

}  // namespace bulwark::rules
