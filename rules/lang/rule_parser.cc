// YAML rule files (see rule_parser.h), read with yaml-cpp.
#include "rules/lang/rule_parser.h"

#include <arpa/inet.h>

#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "rules/features/challenge/challenge_parser.h"
#include "rules/features/consistency/consistency_parser.h"
#include "rules/features/discovery/discovery_parser.h"
#include "rules/features/enumeration/enumeration_parser.h"
#include "rules/features/login_guard/login_parser.h"
#include "rules/features/ratelimit/limit_parser.h"
#include "rules/lang/identity_parser.h"
#include "rules/lang/section.h"
#include "rules/lang/section_parse.h"
#include "rules/lang/suricata_import.h"
#include "rules/lang/yaml_util.h"

namespace bulwark::rules {
namespace {

const std::pair<const char*, Field> kFields[] = {{"method", Field::method},
                                                 {"path", Field::path},
                                                 {"uri", Field::uri},
                                                 {"norm_uri", Field::norm_uri},
                                                 {"query", Field::query},
                                                 {"query_param", Field::query_param},
                                                 {"host", Field::host},
                                                 {"user_agent", Field::user_agent},
                                                 {"header", Field::header},
                                                 {"headers", Field::headers},
                                                 {"cookie", Field::cookie},
                                                 {"body", Field::body},
                                                 {"client_ip", Field::client_ip},
                                                 {"ja3", Field::ja3},
                                                 {"ja4", Field::ja4}};

const std::pair<const char*, Op> kPatternOps[] = {{"contains", Op::contains},
                                                  {"prefix", Op::prefix},
                                                  {"suffix", Op::suffix},
                                                  {"equals", Op::equals},
                                                  {"regex", Op::regex}};

Field field_of(const YAML::Node& n) {
  const std::string v = string_of(n, "field");
  for (const auto& [name, f] : kFields)
    if (v == name) return f;
  std::string list;
  for (const auto& [name, f] : kFields) list += (list.empty() ? "" : ", ") + std::string(name);
  throw ConfigError(n, "unknown field '" + v + "' (fields: " + list + ")");
}

}  // namespace

Condition condition_of(const YAML::Node& n, const std::string& where, unsigned depth) {
  if (depth > 32) throw ConfigError(n, "conditions nested more than 32 deep");
  if (!n.IsMap()) throw ConfigError(n, "'" + where + "' must be a mapping (a condition)");
  Condition c;
  c.line = n.Mark().line + 1;
  if (n["all"] || n["any"]) {
    require_map(n, where, {"all", "any"});
    if (n.size() != 1) throw ConfigError(n, "a condition is one of all / any / not / a field test");
    const bool all = static_cast<bool>(n["all"]);
    const YAML::Node list = all ? n["all"] : n["any"];
    if (!list.IsSequence() || list.size() == 0)
      throw ConfigError(list, std::string("'") + (all ? "all" : "any") +
                                  "' must be a non-empty list of conditions");
    c.kind = all ? Condition::Kind::all : Condition::Kind::any;
    for (const auto& e : list)
      c.children.push_back(condition_of(e, all ? "all[]" : "any[]", depth + 1));
    return c;
  }
  if (n["not"]) {
    require_map(n, where, {"not"});
    c.kind = Condition::Kind::negate;
    c.children.push_back(condition_of(n["not"], "not", depth + 1));
    return c;
  }
  require_map(n, where,
              {"field", "name", "contains", "prefix", "suffix", "equals", "regex", "nocase",
               "length", "exists", "in"});
  if (!n["field"]) throw ConfigError(n, "a condition needs 'field' (or all / any / not)");
  c.field = field_of(n["field"]);
  const bool named = c.field == Field::header || c.field == Field::query_param;
  if (n["name"]) {
    if (!named && c.field != Field::cookie)
      throw ConfigError(n["name"], "'name' applies to header, query_param and cookie only");
    c.arg = string_of(n["name"], "name");
  } else if (named) {
    throw ConfigError(n, std::string("field '") + field_name(c.field) + "' needs 'name'");
  }
  int ops = 0;
  for (const auto& [key, op] : kPatternOps) {
    if (!n[key]) continue;
    ++ops;
    c.op = op;
    if (!n[key].IsScalar())
      throw ConfigError(n[key], std::string("'") + key + "' must be a string");
    c.pattern = n[key].Scalar();
    if (c.pattern.empty())
      throw ConfigError(n[key], std::string("'") + key +
                                    "' must not be empty (to test for an empty value use "
                                    "length: {eq: 0})");
  }
  if (n["length"]) {
    ++ops;
    c.op = Op::length;
    const YAML::Node l = n["length"];
    require_map(l, "length", {"lt", "le", "gt", "ge", "eq", "ne"});
    if (l.size() != 1) throw ConfigError(l, "'length' takes one comparison, e.g. {gt: 100}");
    static const std::pair<const char*, Cmp> kCmps[] = {{"lt", Cmp::lt}, {"le", Cmp::le},
                                                        {"gt", Cmp::gt}, {"ge", Cmp::ge},
                                                        {"eq", Cmp::eq}, {"ne", Cmp::ne}};
    for (const auto& [key, cmp] : kCmps)
      if (l[key]) {
        c.cmp = cmp;
        c.number = scalar<uint64_t>(l[key], std::string("length.") + key, 0, uint64_t{1} << 40);
      }
  }
  if (n["exists"]) {
    ++ops;
    c.op = Op::exists;
    c.want = bool_of(n["exists"], "exists");
  }
  if (n["in"]) {
    ++ops;
    c.op = Op::ip_in;
    if (c.field != Field::client_ip) throw ConfigError(n["in"], "'in' applies to client_ip only");
    const YAML::Node l = n["in"];
    if (!l.IsSequence() || l.size() == 0)
      throw ConfigError(l, "'in' must be a non-empty list of addresses or prefixes");
    for (const auto& e : l) c.prefixes.push_back(prefix_of(e));
  }
  if (ops != 1)
    throw ConfigError(n,
                      "a field test needs exactly one of contains, prefix, suffix, equals, "
                      "regex, length, exists, in");
  if (c.field == Field::client_ip && c.op != Op::ip_in && c.op != Op::exists)
    throw ConfigError(n, "client_ip is tested with 'in: [prefixes]'");
  if (n["nocase"]) {
    if (c.op > Op::regex)
      throw ConfigError(n["nocase"], "'nocase' applies to string operators only");
    c.nocase = bool_of(n["nocase"], "nocase");
  }
  return c;
}

namespace {

std::vector<std::string> samples_of(const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  if (!n) return out;
  if (!n.IsSequence()) throw ConfigError(n, "'" + what + "' must be a list of raw requests");
  for (const auto& e : n) out.push_back(string_of(e, what + "[]"));
  return out;
}

Rule rule_of(const YAML::Node& n, const std::string& origin) {
  require_map(n, "rules[]",
              {"id", "name", "description", "action", "mode", "respond", "match", "tests"});
  Rule r;
  r.origin = origin + ":" + std::to_string(n.Mark().line + 1);
  if (!n["id"]) throw ConfigError(n, "a rule needs an 'id'");
  r.id = scalar<uint32_t>(n["id"], "id", 1, UINT32_MAX);
  if (!n["name"]) throw ConfigError(n, "rule " + std::to_string(r.id) + " needs a 'name'");
  r.name = string_of(n["name"], "name");
  if (n["description"]) r.description = string_of(n["description"], "description");
  if (n["action"])
    r.action =
        action_of(n["action"],
                  {Action::block, Action::respond, Action::log, Action::challenge, Action::decoy},
                  "'action' must be block, respond, log, challenge or decoy");
  if (n["mode"]) r.mode = mode_of(n["mode"]);
  if (r.action == Action::decoy) r.respond_status = 200;  // a plausible success by default
  if (n["respond"]) {
    if (r.action != Action::respond && r.action != Action::decoy)
      throw ConfigError(n["respond"], "'respond' is only for action: respond or decoy");
    const YAML::Node rs = n["respond"];
    require_map(rs, "respond", {"status", "headers", "body"});
    if (rs["status"]) r.respond_status = scalar<uint16_t>(rs["status"], "respond.status", 200, 599);
    if (rs["headers"] && !rs["headers"].IsMap())
      throw ConfigError(rs["headers"], "'respond.headers' must be a mapping of name: value");
    if (rs["body"]) {
      if (!rs["body"].IsScalar()) throw ConfigError(rs["body"], "'respond.body' must be a string");
      r.respond_body = rs["body"].Scalar();
      // The response goes out as one segment (with the headers): keep it small.
      if (r.respond_body.size() > 1024)
        throw ConfigError(rs["body"],
                          "'respond.body' is " + std::to_string(r.respond_body.size()) +
                              " bytes; at most 1024 (the response is sent as one packet)");
    }
  }
  if (!n["match"]) throw ConfigError(n, "rule " + std::to_string(r.id) + " needs 'match'");
  r.match = condition_of(n["match"], "match", 0);
  // A rule on ja3/ja4 is a connection rule: it is decided on the TLS ClientHello, where
  // only the fingerprints and the client's address exist, and cannot answer in HTTP.
  if (const Condition* fp = find_leaf(r.match, [](const Condition& c) {
        return c.field == Field::ja3 || c.field == Field::ja4;
      })) {
    if (const Condition* other = find_leaf(r.match, [](const Condition& c) {
          return c.field != Field::ja3 && c.field != Field::ja4 && c.field != Field::client_ip;
        }))
      throw ConfigError(n["match"],
                        "rule " + std::to_string(r.id) + " tests " + field_name(fp->field) +
                            " (line " + std::to_string(fp->line) + ") and " +
                            field_name(other->field) + " (line " + std::to_string(other->line) +
                            "): a TLS fingerprint rule is decided on the "
                            "ClientHello and may only test ja3, ja4 and client_ip");
    if (r.action != Action::block && r.action != Action::log)
      throw ConfigError(n["action"], "rule " + std::to_string(r.id) +
                                         " tests a TLS fingerprint: it cannot answer in HTTP "
                                         "(the connection is encrypted); use block or log");
    if (fp->op == Op::exists)
      throw ConfigError(n["match"], "rule " + std::to_string(r.id) +
                                        ": 'exists' on a TLS fingerprint says nothing (every "
                                        "fingerprinted connection has both); test its value");
    if (n["tests"])
      throw ConfigError(n["tests"], "rule " + std::to_string(r.id) +
                                        " tests a TLS fingerprint: its tests would be HTTP "
                                        "requests, which it is never evaluated on; leave "
                                        "'tests' out");
  }
  // A challenge is answered on the request head (the clearance is a cookie): a rule
  // that must wait for the body cannot challenge.
  if (r.action == Action::challenge)
    if (const Condition* body =
            find_leaf(r.match, [](const Condition& c) { return c.field == Field::body; }))
      throw ConfigError(n["action"], "rule " + std::to_string(r.id) + " tests the body (line " +
                                         std::to_string(body->line) +
                                         "): a challenge is decided on the request head; use "
                                         "block, respond, decoy or log");
  if (n["tests"]) {
    require_map(n["tests"], "tests", {"hit", "miss"});
    r.test_hit = samples_of(n["tests"]["hit"], "tests.hit");
    r.test_miss = samples_of(n["tests"]["miss"], "tests.miss");
  }
  return r;
}

}  // namespace

std::optional<RuleSet> parse_rules_yaml(const std::string& text, const std::string& origin,
                                        std::string& error) {
  RuleSet set;
  const bool ok = yaml::with_line_errors(origin, error, [&] {
    const YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return;  // an empty file has no rules
    std::set<std::string> known = {
        "rules",       "limits",    "identity",    "logins",   "credential_stuffing",
        "enumeration", "challenge", "consistency", "discovery"};
    for (auto& key : Sections::keys()) known.insert(std::move(key));
    require_map(root, "top level", known);
    set.sections.parse_from(root, origin);
    if (root["challenge"])
      set.challenge = rules::challenge::challenge_of(root["challenge"], origin);
    if (root["discovery"])
      set.discovery = rules::discovery::discovery_of(root["discovery"], origin);
    if (root["consistency"])
      set.consistency = rules::consistency::consistency_of(root["consistency"], origin);
    if (const YAML::Node objects = root["enumeration"]) {
      if (!objects.IsSequence()) throw ConfigError(objects, "'enumeration' must be a list");
      for (const auto& n : objects)
        set.objects.push_back(rules::enumeration::object_policy_of(n, origin));
    }
    if (root["identity"]) set.identity = identity_of(root["identity"], origin);
    if (const YAML::Node logins = root["logins"]) {
      if (!logins.IsSequence()) throw ConfigError(logins, "'logins' must be a list");
      for (const auto& n : logins) set.logins.push_back(rules::login_guard::login_of(n, origin));
    }
    if (root["credential_stuffing"])
      set.stuffing = rules::login_guard::stuffing_of(root["credential_stuffing"], origin);
    if (const YAML::Node limits = root["limits"]) {
      if (!limits.IsSequence()) throw ConfigError(limits, "'limits' must be a list");
      for (const auto& n : limits) set.rules.push_back(rules::ratelimit::limit_of(n, origin));
    }
    const YAML::Node list = root["rules"];
    if (!list) return;
    if (!list.IsSequence()) throw ConfigError(list, "'rules' must be a list");
    for (const auto& n : list) {
      Rule r = rule_of(n, origin);
      // Response headers are free-form names: rule_of only checked the shape.
      if (n["respond"] && n["respond"]["headers"])
        for (const auto& kv : n["respond"]["headers"]) {
          const std::string k = kv.first.as<std::string>(), v = kv.second.as<std::string>();
          if (k.empty() || k.find_first_of(" \t\r\n:") != std::string::npos ||
              v.find_first_of("\r\n") != std::string::npos)
            throw ConfigError(kv.first, "respond header '" + k + "' is not a valid header line");
          r.respond_headers.emplace_back(k, v);
        }
      set.rules.push_back(std::move(r));
    }
  });
  if (!ok) return std::nullopt;
  return set;
}

std::optional<RuleSet> load_rule_files(const std::vector<std::string>& paths, std::string& error) {
  RuleSet all;
  std::set<uint32_t> ids;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error = path + ": cannot read the file";
      return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const bool suricata = path.size() > 6 && path.compare(path.size() - 6, 6, ".rules") == 0;
    auto set = suricata ? import_suricata_rules(ss.str(), path, error)
                        : parse_rules_yaml(ss.str(), path, error);
    if (!set) return std::nullopt;
    if (!all.sections.merge(std::move(set->sections), error)) return std::nullopt;
    if (set->stuffing.enabled) {
      if (all.stuffing.enabled) {
        error = set->stuffing.origin + ": 'credential_stuffing' is given twice (also at " +
                all.stuffing.origin + "); give it in one file";
        return std::nullopt;
      }
      all.stuffing = set->stuffing;
    }
    // Sections a rule set has once.
    const std::tuple<const char*, const std::string*, const std::string*> once[] = {
        {"challenge", &set->challenge.origin, &all.challenge.origin},
        {"consistency", &set->consistency.origin, &all.consistency.origin},
        {"discovery", &set->discovery.origin, &all.discovery.origin}};
    for (const auto& [name, mine, theirs] : once)
      if (!mine->empty() && !theirs->empty()) {
        error = *mine + ": '" + name + "' is given twice (also at " + *theirs +
                "); give it in one file";
        return std::nullopt;
      }
    if (!set->challenge.origin.empty()) all.challenge = set->challenge;
    if (!set->discovery.origin.empty()) all.discovery = set->discovery;
    if (set->consistency.enabled) all.consistency = set->consistency;
    for (auto& l : set->logins) all.logins.push_back(std::move(l));
    for (auto& o : set->objects) all.objects.push_back(std::move(o));
    if (!set->identity.origin.empty()) {
      if (!all.identity.origin.empty()) {
        error = set->identity.origin + ": 'identity' is given twice (also at " +
                all.identity.origin + "); give it in one file";
        return std::nullopt;
      }
      all.identity = set->identity;
    }
    for (auto& r : set->rules) {
      if (!ids.insert(r.id).second) {
        error = r.origin + ": rule id " + std::to_string(r.id) + " is used twice";
        return std::nullopt;
      }
      all.rules.push_back(std::move(r));
    }
    for (auto& w : set->warnings) all.warnings.push_back(std::move(w));
  }
  return all;
}

const char* field_name(Field f) {
  for (const auto& [name, field] : kFields)
    if (field == f) return name;
  return "unknown";
}

}  // namespace bulwark::rules
