// Enumeration entries of rule files (see enumeration_parser.h).
#include "rules/features/enumeration/enumeration_parser.h"

#include "rules/lang/section_parse.h"

namespace bulwark::rules::enumeration {

rules::ObjectPolicy object_policy_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "enumeration[]",
              {"name", "method", "path", "key", "max_ids", "sequential", "max_bytes", "window",
               "ttl", "action", "decoy", "mode"});
  rules::ObjectPolicy p;
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
        rules::action_of(n["action"],
                         {rules::Action::block, rules::Action::respond, rules::Action::challenge,
                          rules::Action::decoy},
                         "an enumeration 'action' must be block, respond, challenge or decoy (for "
                         "reports only, use mode: monitor)");
  }
  p.decoy = decoy_of(n["decoy"], p.action);
  if (n["mode"]) p.mode = rules::mode_of(n["mode"]);
  return p;
}

}  // namespace bulwark::rules::enumeration
