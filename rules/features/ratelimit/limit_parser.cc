// Rate limits in rule files (see limit_parser.h).
#include "rules/features/ratelimit/limit_parser.h"

#include <algorithm>
#include <tuple>

#include "rules/lang/section_parse.h"

namespace bulwark::rules::ratelimit {
namespace {

rules::KeyPart part_of(const YAML::Node& n) {
  const std::string v = string_of(n, "key");
  std::string list;
  for (unsigned i = 0; i < static_cast<unsigned>(rules::KeyPart::count_); ++i) {
    const rules::KeyPart p = static_cast<rules::KeyPart>(i);
    if (v == rules::key_part_name(p)) return p;
    list += (list.empty() ? "" : ", ") + std::string(rules::key_part_name(p));
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

}  // namespace

rules::Rule limit_of(const YAML::Node& n, const std::string& origin) {
  require_map(
      n, "limits[]",
      {"id", "name", "description", "key", "rate", "burst", "match", "action", "mode", "scope"});
  rules::Rule r;
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
  r.action = rules::Action::respond;
  r.respond_status = 429;
  if (n["action"])
    r.action = action_of(n["action"],
                         {rules::Action::respond, rules::Action::block, rules::Action::log,
                          rules::Action::challenge},
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
    if (const rules::Condition* bad = find_leaf(r.match, [](const rules::Condition& c) {
          return c.field == rules::Field::body || c.field == rules::Field::ja3 ||
                 c.field == rules::Field::ja4;
        }))
      throw ConfigError(n["match"], which + " tests " + rules::field_name(bad->field) + " (line " +
                                        std::to_string(bad->line) +
                                        "): a limit is decided on the request head; it may "
                                        "not test the body or the TLS fingerprints");
  } else {
    r.match.kind = rules::Condition::Kind::all;  // no operands: every request
    r.match.line = n.Mark().line + 1;
  }
  return r;
}

}  // namespace bulwark::rules::ratelimit
