// What the sections of rule files share when they are read: actions, modes, address
// prefixes, client keys and decoy answers (section_parse.cc, linked on both sides) and
// conditions (rule_parser.cc, the compiler's side).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "rules/lang/rule_model.h"
#include "rules/lang/yaml_util.h"

namespace bulwark::rules {

// The YAML readers every section uses, by their short names.
using yaml::bool_of;
using yaml::ConfigError;
using yaml::require_map;
using yaml::scalar;
using yaml::string_of;

// `allowed`: the actions this place takes; `message`: the error's
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

// A behavioural policy's client key: client_ip, prefix, fingerprint, api_key, session
// (the identity's session cookie) or user_agent.
KeyPart decision_key_of(const YAML::Node& n);
// `decoy: {status: 200, content_type: application/json, body: "{}"}`, for action decoy.
DecoyAnswer decoy_of(const YAML::Node& n, Action action);

}  // namespace bulwark::rules
