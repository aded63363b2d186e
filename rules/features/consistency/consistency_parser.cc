// The consistency policy (see consistency_parser.h).
#include "rules/features/consistency/consistency_parser.h"

#include "rules/lang/section_parse.h"

namespace bulwark::rules::consistency {

rules::ConsistencyPolicy consistency_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "consistency", {"mode", "action", "threshold", "weights", "script_fingerprints"});
  rules::ConsistencyPolicy p;
  p.enabled = true;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["mode"]) p.mode = rules::mode_of(n["mode"]);
  if (n["action"])
    p.action = rules::action_of(n["action"],
                                {rules::Action::challenge, rules::Action::block,
                                 rules::Action::respond, rules::Action::log},
                                "consistency 'action' must be challenge, block, respond or log");
  if (n["threshold"]) p.threshold = scalar<uint32_t>(n["threshold"], "threshold", 1, 10000);
  if (const YAML::Node w = n["weights"]) {
    constexpr unsigned kSignals = static_cast<unsigned>(rules::Signal::count_);
    std::vector<std::string> names;
    for (unsigned s = 0; s < kSignals; ++s)
      names.emplace_back(rules::signal_name(static_cast<rules::Signal>(s)));
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

}  // namespace bulwark::rules::consistency
