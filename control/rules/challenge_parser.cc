// The challenge and consistency policies (see challenge_parser.h).
#include "control/rules/challenge_parser.h"

#include "control/rules/limit_parser.h"
#include "dataplane/config/yaml_util.h"

namespace bulwark::rules {

using yaml::ConfigError;
using yaml::require_map;
using yaml::scalar;
using yaml::string_of;

ChallengePolicy challenge_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "challenge", {"difficulty", "ttl"});
  ChallengePolicy p;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["difficulty"]) p.difficulty = scalar<uint8_t>(n["difficulty"], "difficulty", 8, 24);
  if (n["ttl"]) p.ttl_s = scalar<uint32_t>(n["ttl"], "ttl", 60, 86400);
  return p;
}

ConsistencyPolicy consistency_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "consistency", {"mode", "action", "threshold", "weights", "script_fingerprints"});
  ConsistencyPolicy p;
  p.enabled = true;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["mode"]) p.mode = mode_of(n["mode"]);
  if (n["action"])
    p.action =
        action_of(n["action"], {Action::challenge, Action::block, Action::respond, Action::log},
                  "consistency 'action' must be challenge, block, respond or log");
  if (n["threshold"]) p.threshold = scalar<uint32_t>(n["threshold"], "threshold", 1, 10000);
  if (const YAML::Node w = n["weights"]) {
    constexpr unsigned kSignals = static_cast<unsigned>(Signal::count_);
    std::vector<std::string> names;
    for (unsigned s = 0; s < kSignals; ++s) names.emplace_back(signal_name(static_cast<Signal>(s)));
    require_map(w, "weights", {names.begin(), names.end()});
    for (unsigned s = 0; s < kSignals; ++s)
      if (w[names[s]]) p.weights[s] = scalar<uint16_t>(w[names[s]], "weights." + names[s], 0, 1000);
  }
  if (const YAML::Node l = n["script_fingerprints"]) {
    if (!l.IsSequence()) throw ConfigError(l, "'script_fingerprints' must be a list");
    for (const auto& e : l) {
      std::string v = string_of(e, "script_fingerprints[]");
      if (v.empty() || v.size() > 64)
        throw ConfigError(e, "a script fingerprint is a JA4 or JA3 text (1..64 characters)");
      p.script_fingerprints.push_back(std::move(v));
    }
    if (p.script_fingerprints.size() > 64)
      throw ConfigError(l, "at most 64 script fingerprints (" +
                               std::to_string(p.script_fingerprints.size()) + " given)");
  }
  return p;
}

}  // namespace bulwark::rules
