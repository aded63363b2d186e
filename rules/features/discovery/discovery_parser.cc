// The discovery policy (see discovery_parser.h).
#include "rules/features/discovery/discovery_parser.h"

#include <algorithm>

#include "rules/features/discovery/sensitive_defaults.h"
#include "rules/lang/section_parse.h"

namespace bulwark::rules::discovery {

namespace {

bool valid_class_name(const std::string& n) {
  return !n.empty() && n.size() <= 32 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

rules::SensitiveClass class_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "sensitive_data.classes[]", {"name", "patterns", "validator", "nocase"});
  rules::SensitiveClass c;
  c.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (!n["name"]) throw ConfigError(n, "a sensitive-data class needs a 'name'");
  c.name = string_of(n["name"], "name");
  if (!valid_class_name(c.name))
    throw ConfigError(n["name"], "a class name is 1..32 of a-z, 0-9 and _ ('" + c.name + "')");
  const bool nocase = n["nocase"] && yaml::bool_of(n["nocase"], "nocase");
  const YAML::Node p = n["patterns"];
  if (!p || !p.IsSequence() || p.size() == 0)
    throw ConfigError(n, "class '" + c.name + "' needs 'patterns': a list of expressions");
  if (p.size() > 16) throw ConfigError(p, "at most 16 patterns per class");
  for (const auto& e : p) {
    std::string expr = string_of(e, "patterns[]");
    if (expr.empty() || expr.size() > 1024) throw ConfigError(e, "a pattern is 1..1024 characters");
    c.patterns.push_back({std::move(expr), nocase});
  }
  if (n["validator"]) {
    const std::string v = string_of(n["validator"], "validator");
    if (!rules::discovery::validator_of(v, c.validator))
      throw ConfigError(
          n["validator"],
          "'validator' must be none, luhn, iban, ssn, phone or date, not '" + v + "'");
  }
  return c;
}

rules::ExtractionPolicy extraction_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "extraction",
              {"key", "window", "max_records", "max_objects", "action", "mode", "ttl"});
  rules::ExtractionPolicy p;
  p.enabled = true;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["key"]) p.key = rules::decision_key_of(n["key"]);
  if (n["window"]) p.window_s = scalar<uint32_t>(n["window"], "window", 5, 86400);
  if (n["ttl"]) p.ttl_s = scalar<uint32_t>(n["ttl"], "ttl", 1, 7 * 86400);
  if (n["max_records"])
    p.max_records = scalar<uint32_t>(n["max_records"], "max_records", 0, 1000000000);
  if (n["max_objects"])
    p.max_objects = scalar<uint32_t>(n["max_objects"], "max_objects", 0, 10000000);
  if (p.max_records == 0 && p.max_objects == 0)
    throw ConfigError(n, "extraction: max_records and max_objects are both off");
  if (n["action"])
    p.action = rules::action_of(n["action"],
                                {rules::Action::block, rules::Action::respond,
                                 rules::Action::challenge, rules::Action::log},
                                "an extraction 'action' must be block, respond, challenge or log");
  if (n["mode"]) p.mode = rules::mode_of(n["mode"]);
  return p;
}

}  // namespace

rules::DiscoveryPolicy discovery_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "discovery",
              {"enabled", "scan_responses", "max_scan_bytes", "sensitive_data", "extraction"});
  rules::DiscoveryPolicy p;
  p.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (n["enabled"]) p.enabled = yaml::bool_of(n["enabled"], "enabled");
  if (n["scan_responses"]) p.scan = yaml::bool_of(n["scan_responses"], "scan_responses");
  if (n["max_scan_bytes"])
    p.max_scan_bytes =
        scalar<uint64_t>(n["max_scan_bytes"], "max_scan_bytes", 1024, uint64_t{1} << 32);
  bool builtin = true;
  std::vector<std::string> disabled;
  std::vector<rules::SensitiveClass> extra;
  if (const YAML::Node s = n["sensitive_data"]) {
    require_map(s, "sensitive_data", {"builtin", "disable", "classes"});
    if (s["builtin"]) builtin = yaml::bool_of(s["builtin"], "builtin");
    if (const YAML::Node d = s["disable"]) {
      if (!d.IsSequence()) throw ConfigError(d, "'disable' must be a list of class names");
      const auto known = default_sensitive_classes();
      for (const auto& e : d) {
        std::string name = string_of(e, "disable[]");
        if (std::none_of(known.begin(), known.end(),
                         [&](const rules::SensitiveClass& k) { return k.name == name; }))
          throw ConfigError(e, "'" + name + "' is not a built-in class");
        disabled.push_back(std::move(name));
      }
    }
    if (const YAML::Node c = s["classes"]) {
      if (!c.IsSequence()) throw ConfigError(c, "'classes' must be a list");
      for (const auto& e : c) {
        rules::SensitiveClass k = class_of(e, origin);
        for (const auto& x : extra)
          if (x.name == k.name) throw ConfigError(e, "class '" + k.name + "' is given twice");
        extra.push_back(std::move(k));
      }
    }
  }
  if (builtin)
    for (auto& k : default_sensitive_classes()) {
      const bool off = std::find(disabled.begin(), disabled.end(), k.name) != disabled.end();
      const bool replaced =
          std::any_of(extra.begin(), extra.end(),
                      [&](const rules::SensitiveClass& x) { return x.name == k.name; });
      if (!off && !replaced) p.classes.push_back(std::move(k));
    }
  for (auto& k : extra) p.classes.push_back(std::move(k));
  if (p.classes.size() > rules::kMaxSensitiveClasses)
    throw ConfigError(n["sensitive_data"], "at most " +
                                               std::to_string(rules::kMaxSensitiveClasses) +
                                               " sensitive-data classes (" +
                                               std::to_string(p.classes.size()) + " in all)");
  if (n["extraction"]) p.extraction = extraction_of(n["extraction"], origin);
  if (p.extraction.enabled && !p.enabled)
    throw ConfigError(n["extraction"], "extraction counts observed calls: it needs enabled: true");
  if (p.extraction.enabled && !p.scan && p.extraction.max_objects == 0)
    throw ConfigError(
        n["extraction"],
        "extraction by max_records counts sensitive records: it needs scan_responses");
  return p;
}

}  // namespace bulwark::rules::discovery
