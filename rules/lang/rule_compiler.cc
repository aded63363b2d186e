// Rule compiler (see rule_compiler.h).
#include "rules/lang/rule_compiler.h"

#include <hs/hs.h>

#include <map>
#include <nlohmann/json.hpp>

#include "rules/features/discovery/discovery_compiler.h"
#include "rules/lang/bundle.h"
#include "rules/lang/hs_escape.h"
#include "rules/lang/hs_serialize.h"

namespace bulwark::rules {
namespace {

using json = nlohmann::json;

std::string expression_of(const Condition& c) {
  const std::string lit = c.op == Op::regex ? "" : hs_escape(c.pattern);
  switch (c.op) {
    case Op::contains: return lit;
    case Op::prefix: return "\\A" + lit;
    case Op::suffix: return lit + "\\z";
    case Op::equals: return "\\A" + lit + "\\z";
    case Op::regex: return c.pattern;
    default: return {};
  }
}

std::string lower(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch | 0x20);
  return s;
}

struct Builder {
  json leaves = json::array(), nodes = json::array();
  // Database key (field, arg) -> patterns.
  struct Patterns {
    std::vector<std::string> exprs;
    std::vector<unsigned> flags, ids;
    std::vector<std::string> origins;  // for errors
  };
  std::map<std::pair<uint8_t, std::string>, Patterns> by_field;
  std::map<std::pair<uint8_t, std::string>, uint32_t> db_index;

  uint32_t node(const Condition& c, const Rule& r) {
    if (c.kind == Condition::Kind::leaf) {
      const uint32_t leaf = static_cast<uint32_t>(leaves.size());
      const std::string arg = c.field == Field::header ? lower(c.arg) : c.arg;
      json prefixes = json::array();
      for (const auto& [addr, bits] : c.prefixes) prefixes.push_back({json::binary(addr), bits});
      uint32_t db = rules::kNoDb;
      if (c.op <= Op::regex) {
        const auto key = std::make_pair(static_cast<uint8_t>(c.field), arg);
        auto& p = by_field[key];
        p.exprs.push_back(expression_of(c));
        unsigned flags = HS_FLAG_SINGLEMATCH;
        if (c.nocase) flags |= HS_FLAG_CASELESS;
        p.flags.push_back(flags);
        p.ids.push_back(leaf);
        p.origins.push_back(r.origin.substr(0, r.origin.rfind(':')) + ":" + std::to_string(c.line) +
                            ": rule " + std::to_string(r.id));
        if (!db_index.count(key)) db_index.emplace(key, static_cast<uint32_t>(db_index.size()));
        db = db_index[key];
      }
      leaves.push_back({{"field", static_cast<uint8_t>(c.field)},
                        {"arg", arg},
                        {"op", static_cast<uint8_t>(c.op)},
                        {"nocase", c.nocase ? 1 : 0},
                        {"cmp", static_cast<uint8_t>(c.cmp)},
                        {"number", c.number},
                        {"want", c.want ? 1 : 0},
                        {"prefixes", prefixes},
                        {"db", db}});
      nodes.push_back({static_cast<uint8_t>(Condition::Kind::leaf), leaf, json::array()});
      return static_cast<uint32_t>(nodes.size() - 1);
    }
    json children = json::array();
    for (const auto& ch : c.children) children.push_back(node(ch, r));  // children first
    nodes.push_back({static_cast<uint8_t>(c.kind), 0, children});
    return static_cast<uint32_t>(nodes.size() - 1);
  }
};

}  // namespace

namespace {

json decoy_json(const DecoyAnswer& d) {
  return {{"status", d.status}, {"type", d.content_type}, {"body", d.body}};
}

}  // namespace

std::optional<std::vector<uint8_t>> compile_bundle(const RuleSet& set, uint64_t version,
                                                   std::string& error, CompileStats* stats) {
  Builder b;
  json rules = json::array();
  size_t limits = 0;
  const IdentityPolicy& who = set.identity;
  for (const Rule& r : set.rules) {
    if (!r.is_limit) continue;
    if (++limits > kMaxLimits) {
      error = r.origin + ": limit " + std::to_string(r.id) + " is one too many (at most " +
              std::to_string(kMaxLimits) + " limits in a bundle)";
      return std::nullopt;
    }
    // A key part nothing in the identity section provides would never be present.
    auto uses = [&](KeyPart p) { return r.limit.parts & (1u << static_cast<unsigned>(p)); };
    const char* missing = uses(KeyPart::fingerprint) && who.fingerprint_header.empty()
                              ? "identity.fingerprint_header (set by the TLS-terminating proxy)"
                          : uses(KeyPart::session) && who.session_cookie.empty()
                              ? "identity.session_cookie"
                          : uses(KeyPart::api_key) && who.api_key_header.empty() && !who.bearer
                              ? "identity.api_key_header or identity.bearer"
                              : nullptr;
    if (missing) {
      error = r.origin + ": limit " + std::to_string(r.id) +
              " counts by a key part that no request would have: set " + missing;
      return std::nullopt;
    }
  }
  for (const Rule& r : set.rules) {
    const uint32_t root = b.node(r.match, r);
    json headers = json::array();
    for (const auto& [k, v] : r.respond_headers) headers.push_back({k, v});
    rules.push_back({{"id", r.id},
                     {"name", r.name},
                     {"action", static_cast<uint8_t>(r.action)},
                     {"mode", static_cast<uint8_t>(r.mode)},
                     {"status", r.respond_status},
                     {"headers", headers},
                     {"body", r.respond_body},
                     {"root", root}});
    if (r.is_limit)
      rules.back()["limit"] = {{"parts", r.limit.parts},
                               {"count", r.limit.count},
                               {"period", r.limit.period_s},
                               {"burst", r.limit.burst},
                               {"global", r.limit.global ? 1 : 0}};
  }
  if (set.stuffing.enabled && set.stuffing.challenge_unknown &&
      set.identity.fingerprint_header.empty()) {
    error = set.stuffing.origin +
            ": credential_stuffing.challenge_unknown needs identity.fingerprint_header (without "
            "fingerprints every login would be unknown)";
    return std::nullopt;
  }
  if (set.stuffing.enabled && set.logins.empty()) {
    error = set.stuffing.origin + ": credential_stuffing needs at least one entry in 'logins:'";
    return std::nullopt;
  }
  json logins = json::array();
  for (const LoginEndpoint& l : set.logins)
    logins.push_back({{"name", l.name},
                      {"method", l.method},
                      {"path", l.path},
                      {"form", l.form ? 1 : 0},
                      {"field", l.field},
                      {"failure_status", l.failure_status},
                      {"failure_body", l.failure_body}});
  json objects = json::array();
  for (const ObjectPolicy& o : set.objects) {
    if (const char* missing = missing_for_key(o.key, set.identity)) {
      error = o.origin + ": enumeration '" + o.name + "' counts by " + key_part_name(o.key) +
              ", which no request would have: set " + missing;
      return std::nullopt;
    }
    objects.push_back({{"name", o.name},
                       {"method", o.method},
                       {"prefix", o.prefix},
                       {"suffix", o.suffix},
                       {"key", static_cast<uint8_t>(o.key)},
                       {"max_ids", o.max_ids},
                       {"sequential", o.sequential},
                       {"max_bytes", o.max_bytes},
                       {"window", o.window_s},
                       {"ttl", o.ttl_s},
                       {"action", static_cast<uint8_t>(o.action)},
                       {"decoy", decoy_json(o.decoy)},
                       {"mode", static_cast<uint8_t>(o.mode)}});
  }
  if (objects.size() > 64) {
    error = set.objects[64].origin + ": more than 64 enumeration entries";
    return std::nullopt;
  }
  const StuffingPolicy& sp = set.stuffing;
  const json stuffing = {{"enabled", sp.enabled ? 1 : 0},
                         {"mode", static_cast<uint8_t>(sp.mode)},
                         {"action", static_cast<uint8_t>(sp.action)},
                         {"decoy", decoy_json(sp.decoy)},
                         {"window", sp.window_s},
                         {"ttl", sp.ttl_s},
                         {"ip_users", sp.ip_users},
                         {"prefix_users", sp.prefix_users},
                         {"fingerprint_users", sp.fingerprint_users},
                         {"user_agent_users", sp.user_agent_users},
                         {"username_ips", sp.username_ips},
                         {"ratio_factor_milli", static_cast<uint64_t>(sp.ratio_factor * 1000)},
                         {"ratio_min_attempts", sp.ratio_min_attempts},
                         {"challenge_unknown", sp.challenge_unknown ? 1 : 0}};
  const ChallengePolicy& ch = set.challenge;
  const json challenge = {{"difficulty", ch.difficulty}, {"ttl", ch.ttl_s}};
  const ConsistencyPolicy& cp = set.consistency;
  json weights = json::array();
  for (const uint16_t w : cp.weights) weights.push_back(w);
  const json consistency = {{"enabled", cp.enabled ? 1 : 0},
                            {"mode", static_cast<uint8_t>(cp.mode)},
                            {"action", static_cast<uint8_t>(cp.action)},
                            {"threshold", cp.threshold},
                            {"weights", weights},
                            {"script_fingerprints", cp.script_fingerprints}};
  const IdentityPolicy& id = set.identity;
  json proxies = json::array();
  for (const auto& [addr, bits] : id.trusted_proxies) proxies.push_back({json::binary(addr), bits});
  const json identity = {
      {"trusted_proxies", proxies},          {"forwarded", id.forwarded ? 1 : 0},
      {"api_key_header", id.api_key_header}, {"bearer", id.bearer ? 1 : 0},
      {"session_cookie", id.session_cookie}, {"fingerprint_header", id.fingerprint_header},
      {"prefix_v4", id.prefix_v4},           {"prefix_v6", id.prefix_v6}};
  // One database per (field, arg), in index order.
  std::vector<json> dbs(b.db_index.size());
  for (const auto& [key, index] : b.db_index) {
    const auto& p = b.by_field.at(key);
    const bool stream = static_cast<Field>(key.first) == Field::body;
    std::vector<const char*> exprs;
    for (const auto& e : p.exprs) exprs.push_back(e.c_str());
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(
            exprs.data(), p.flags.data(), p.ids.data(), static_cast<unsigned>(exprs.size()),
            stream ? HS_MODE_STREAM : HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
      const int bad = err->expression;
      error =
          (bad >= 0 ? p.origins[static_cast<size_t>(bad)] + ": pattern '" +
                          p.exprs[static_cast<size_t>(bad)] + "': "
                    : std::string("field ") + field_name(static_cast<Field>(key.first)) + ": ") +
          err->message;
      hs_free_compile_error(err);
      return std::nullopt;
    }
    std::vector<uint8_t> bytes;
    if (!serialize_and_free(db, bytes)) {
      error = "cannot serialize a Hyperscan database";
      return std::nullopt;
    }
    dbs[index] = {{"field", key.first},
                  {"arg", key.second},
                  {"stream", stream ? 1 : 0},
                  {"data", json::binary(std::move(bytes))}};
  }
  const std::optional<json> discovery = rules::discovery::compile_discovery(set, error);
  if (!discovery) return std::nullopt;
  const json content = {{"rules", rules},          {"nodes", b.nodes},
                        {"leaves", b.leaves},      {"dbs", dbs},
                        {"identity", identity},    {"logins", logins},
                        {"stuffing", stuffing},    {"objects", objects},
                        {"challenge", challenge},  {"consistency", consistency},
                        {"discovery", *discovery}, {"sections", set.sections.compile()}};
  const std::vector<uint8_t> content_bytes = json::to_cbor(content);
  const std::string hash = rules::sha256_hex(content_bytes.data(), content_bytes.size());
  const json outer = {{"format", rules::kBundleFormat},
                      {"version", version},
                      {"sha256", hash},
                      {"content", json::binary(content_bytes)}};
  std::vector<uint8_t> out = json::to_cbor(outer);
  if (stats) {
    stats->rules = set.rules.size();
    stats->leaves = b.leaves.size();
    stats->databases = dbs.size();
    stats->bundle_bytes = out.size();
    stats->sha256 = hash;
  }
  return out;
}

}  // namespace bulwark::rules
