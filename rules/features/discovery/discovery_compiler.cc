// Discovery part of a bundle (see discovery_compiler.h).
#include "rules/features/discovery/discovery_compiler.h"

#include <hs/hs.h>

#include "rules/features/discovery/sensitive_defaults.h"
#include "rules/lang/hs_serialize.h"

namespace bulwark::rules::discovery {

using json = nlohmann::json;

std::optional<json> compile_discovery(const rules::RuleSet& set, std::string& error) {
  const rules::DiscoveryPolicy& d = set.discovery;
  // Without a section: discovery on, with the built-in classes.
  const std::vector<rules::SensitiveClass> classes =
      d.origin.empty() ? default_sensitive_classes() : d.classes;
  const rules::ExtractionPolicy& x = d.extraction;
  if (const char* missing = x.enabled ? rules::missing_for_key(x.key, set.identity) : nullptr) {
    error = x.origin + ": extraction counts by " + rules::key_part_name(x.key) +
            ", which no request would have: set " + missing;
    return std::nullopt;
  }
  json out = {{"enabled", d.enabled ? 1 : 0},
              {"scan", d.scan ? 1 : 0},
              {"max_scan_bytes", d.max_scan_bytes},
              {"extraction",
               {{"enabled", x.enabled ? 1 : 0},
                {"mode", static_cast<uint8_t>(x.mode)},
                {"action", static_cast<uint8_t>(x.action)},
                {"key", static_cast<uint8_t>(x.key)},
                {"window", x.window_s},
                {"ttl", x.ttl_s},
                {"max_records", x.max_records},
                {"max_objects", x.max_objects}}}};
  json names = json::array(), validators = json::array(), pattern_class = json::array();
  std::vector<const char*> exprs;
  std::vector<unsigned> flags, ids;
  std::vector<const rules::SensitiveClass*> owner;
  for (size_t c = 0; c < classes.size(); ++c) {
    names.push_back(classes[c].name);
    validators.push_back(static_cast<uint8_t>(classes[c].validator));
    for (const rules::SensitivePattern& p : classes[c].patterns) {
      exprs.push_back(p.expr.c_str());
      // No start of match (it halves the scan's speed): validators find the start.
      flags.push_back(p.nocase ? HS_FLAG_CASELESS : 0);
      ids.push_back(static_cast<unsigned>(pattern_class.size()));
      pattern_class.push_back(c);
      owner.push_back(&classes[c]);
    }
  }
  out["classes"] = names;
  out["validators"] = validators;
  out["pattern_class"] = pattern_class;
  if (!d.enabled || !d.scan || exprs.empty()) return out;
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                       HS_MODE_STREAM, nullptr, &db, &err) != HS_SUCCESS) {
    const int bad = err->expression;
    error = bad >= 0 ? owner[static_cast<size_t>(bad)]->origin + ": sensitive-data class '" +
                           owner[static_cast<size_t>(bad)]->name + "' pattern '" +
                           exprs[static_cast<size_t>(bad)] + "': " + err->message
                     : std::string("sensitive-data patterns: ") + err->message;
    hs_free_compile_error(err);
    return std::nullopt;
  }
  std::vector<uint8_t> bytes;
  if (!rules::serialize_and_free(db, bytes)) {
    error = "cannot serialize the sensitive-data database";
    return std::nullopt;
  }
  out["db"] = json::binary(std::move(bytes));
  return out;
}

}  // namespace bulwark::rules::discovery
