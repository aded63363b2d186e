// Bundle loading and validation (see bundle.h): CBOR via nlohmann-json, databases via
// hs_deserialize_database, content hash via OpenSSL.
#include "rules/lang/bundle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "rules/lang/cbor_limited.h"

namespace bulwark::rules {
namespace {

using json = nlohmann::json;

struct BundleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bundles nest 4 levels deep; anything deeper is refused before it can exhaust the stack.
json parse_cbor(const uint8_t* data, size_t size) {
  json j;
  std::string error;
  if (!parse_cbor_limited(data, size, 16, j, error)) throw BundleError(error);
  return j;
}

template <typename T>
T get(const json& j, const char* key, uint64_t max) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned())
    throw BundleError(std::string("'") + key + "' missing or not a number");
  const uint64_t v = j[key].get<uint64_t>();
  if (v > max) throw BundleError(std::string("'") + key + "' out of range");
  return static_cast<T>(v);
}

std::string get_string(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string())
    throw BundleError(std::string("'") + key + "' missing or not a string");
  return j[key].get<std::string>();
}

const json& get_array(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_array())
    throw BundleError(std::string("'") + key + "' missing or not a list");
  return j[key];
}

const std::vector<uint8_t>& get_binary(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_binary())
    throw BundleError(std::string("'") + key + "' missing or not bytes");
  return j[key].get_binary();
}

// [address bytes (4 or 16), prefix length]
std::pair<std::vector<uint8_t>, unsigned> prefix_from(const json& p) {
  if (!p.is_array() || p.size() != 2 || !p[0].is_binary() || !p[1].is_number_unsigned())
    throw BundleError("bad prefix");
  const auto& addr = p[0].get_binary();
  const uint64_t bits = p[1].get<uint64_t>();
  if ((addr.size() != 4 && addr.size() != 16) || bits > addr.size() * 8)
    throw BundleError("bad prefix");
  return {std::vector<uint8_t>(addr.begin(), addr.end()), static_cast<unsigned>(bits)};
}

// Evaluates a rule's tree with every pattern leaf false and other leaves unknown:
// 0 false, 1 true, 2 unknown. A rule whose result is false needs a pattern match.
int without_patterns(const Bundle& b, uint32_t node, unsigned depth) {
  if (depth > 64) return 2;
  const Node& n = b.nodes[node];
  switch (n.kind) {
    case rules::Condition::Kind::leaf: {
      const Op op = b.leaves[n.leaf].op;
      return op <= Op::regex ? 0 : 2;
    }
    case rules::Condition::Kind::negate: {
      const int v = without_patterns(b, n.children[0], depth + 1);
      return v == 2 ? 2 : 1 - v;
    }
    case rules::Condition::Kind::all: {
      int r = 1;
      for (uint32_t c : n.children) {
        const int v = without_patterns(b, c, depth + 1);
        if (v == 0) return 0;
        if (v == 2) r = 2;
      }
      return r;
    }
    case rules::Condition::Kind::any: {
      int r = 0;
      for (uint32_t c : n.children) {
        const int v = without_patterns(b, c, depth + 1);
        if (v == 1) return 1;
        if (v == 2) r = 2;
      }
      return r;
    }
  }
  return 2;
}

// Collects the leaves under `node`; checks the tree is a tree (no cycles, bounded).
void leaves_under(const Bundle& b, uint32_t node, unsigned depth, std::vector<uint32_t>& out) {
  if (depth > 64) throw BundleError("condition tree deeper than 64");
  const Node& n = b.nodes[node];
  if (n.kind == rules::Condition::Kind::leaf) {
    out.push_back(n.leaf);
    return;
  }
  for (uint32_t c : n.children) leaves_under(b, c, depth + 1, out);
}

rules::DecoyAnswer decoy_from(const json& d) {
  rules::DecoyAnswer a;
  a.status = get<uint16_t>(d, "status", 599);
  a.content_type = get_string(d, "type");
  a.body = get_string(d, "body");
  const bool controls = std::any_of(a.content_type.begin(), a.content_type.end(),
                                    [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (a.status < 200 || a.status == 204 || a.status == 304 || a.body.size() > 1024 ||
      a.content_type.empty() || a.content_type.size() > 128 || controls)
    throw BundleError("bad decoy answer");
  return a;
}

// The discovery part: settings, class table and the sensitive-data database.
void parse_discovery(const json& d, Bundle& b) {
  Discovery& x = b.discovery;
  x.enabled = get<uint8_t>(d, "enabled", 1) != 0;
  x.scan = get<uint8_t>(d, "scan", 1) != 0;
  x.max_scan_bytes = get<uint64_t>(d, "max_scan_bytes", uint64_t{1} << 32);
  for (const json& n : get_array(d, "classes")) {
    if (!n.is_string() || n.get_ref<const std::string&>().empty() ||
        n.get_ref<const std::string&>().size() > 32)
      throw BundleError("bad sensitive-data class name");
    x.class_names.push_back(n.get<std::string>());
  }
  for (const json& v : get_array(d, "validators")) {
    if (!v.is_number_unsigned() ||
        v.get<uint64_t>() >= static_cast<uint64_t>(rules::discovery::Validator::count_))
      throw BundleError("bad sensitive-data validator");
    x.class_validator.push_back(static_cast<rules::discovery::Validator>(v.get<uint8_t>()));
  }
  for (const json& c : get_array(d, "pattern_class")) {
    if (!c.is_number_unsigned() || c.get<uint64_t>() >= x.class_names.size())
      throw BundleError("bad sensitive-data pattern class");
    x.pattern_class.push_back(c.get<uint8_t>());
  }
  if (x.class_names.size() > rules::kMaxSensitiveClasses ||
      x.class_validator.size() != x.class_names.size() || x.pattern_class.size() > 4096)
    throw BundleError("bad sensitive-data class table");
  if (d.contains("db")) {
    const auto& bytes = get_binary(d, "db");
    hs_database_t* db = nullptr;
    if (hs_deserialize_database(reinterpret_cast<const char*>(bytes.data()), bytes.size(), &db) !=
        HS_SUCCESS)
      throw BundleError("the sensitive-data database does not load on this machine");
    x.db.reset(db);
  }
  const json& e = d.contains("extraction") ? d["extraction"] : json::object();
  rules::ExtractionPolicy& p = x.extraction;
  p.enabled = get<uint8_t>(e, "enabled", 1) != 0;
  p.mode = get<Mode>(e, "mode", static_cast<uint64_t>(Mode::monitor));
  p.action = get<Action>(e, "action", static_cast<uint64_t>(Action::decoy));
  p.key = get<rules::KeyPart>(e, "key", static_cast<uint64_t>(rules::KeyPart::user_agent));
  p.window_s = get<uint32_t>(e, "window", 86400);
  p.ttl_s = get<uint32_t>(e, "ttl", 7 * 86400);
  p.max_records = get<uint32_t>(e, "max_records", 1000000000);
  p.max_objects = get<uint32_t>(e, "max_objects", 10000000);
  if (p.enabled && (p.window_s == 0 || p.ttl_s == 0 || p.action == Action::decoy))
    throw BundleError("bad extraction policy");
  if (p.enabled) {
    x.key_parts = static_cast<uint8_t>(1u << static_cast<unsigned>(p.key));
    if (p.action == Action::challenge && p.mode == Mode::enforce) b.challenges = true;
  }
}

void parse_content(const json& c, Bundle& b) {
  const json& leaves = get_array(c, "leaves");
  const json& nodes = get_array(c, "nodes");
  const json& rules = get_array(c, "rules");
  const json& dbs = get_array(c, "dbs");
  if (leaves.size() > (1u << 20) || nodes.size() > (1u << 22) || rules.size() > (1u << 20) ||
      dbs.size() > 4096)
    throw BundleError("bundle too large");
  for (const json& d : dbs) {
    FieldDb f;
    f.field = get<Field>(d, "field", static_cast<uint64_t>(Field::count_) - 1);
    f.arg = get_string(d, "arg");
    f.stream = get<uint8_t>(d, "stream", 1) != 0;
    const auto& bytes = get_binary(d, "data");
    hs_database_t* db = nullptr;
    if (hs_deserialize_database(reinterpret_cast<const char*>(bytes.data()), bytes.size(), &db) !=
        HS_SUCCESS)
      throw BundleError(
          "a Hyperscan database does not load on this machine (corrupt, or "
          "compiled for another CPU or Hyperscan version)");
    f.db.reset(db);
    b.dbs.push_back(std::move(f));
  }
  for (size_t i = 0; i < b.dbs.size(); ++i) {
    if (b.dbs[i].stream != (b.dbs[i].field == Field::body))
      throw BundleError("only the body is scanned as a stream");
    if (b.dbs[i].field == Field::body) b.body_db = static_cast<uint32_t>(i);
  }
  for (const json& l : leaves) {
    Leaf f;
    f.field = get<Field>(l, "field", static_cast<uint64_t>(Field::count_) - 1);
    f.arg = get_string(l, "arg");
    f.op = get<Op>(l, "op", static_cast<uint64_t>(Op::ip_in));
    f.nocase = get<uint8_t>(l, "nocase", 1) != 0;
    f.cmp = get<Cmp>(l, "cmp", static_cast<uint64_t>(Cmp::ne));
    f.number = get<uint64_t>(l, "number", UINT64_MAX);
    f.want = get<uint8_t>(l, "want", 1) != 0;
    for (const json& p : get_array(l, "prefixes")) f.prefixes.push_back(prefix_from(p));
    f.db = get<uint32_t>(l, "db", UINT32_MAX);
    const bool pattern = f.op <= Op::regex;
    if (pattern != (f.db != kNoDb) || (pattern && f.db >= b.dbs.size()))
      throw BundleError("leaf database index out of range");
    if (pattern && (b.dbs[f.db].field != f.field || b.dbs[f.db].arg != f.arg))
      throw BundleError("leaf and database disagree on the field");
    b.leaves.push_back(std::move(f));
  }
  for (const json& n : nodes) {
    if (!n.is_array() || n.size() != 3 || !n[2].is_array()) throw BundleError("bad node");
    Node x;
    const uint64_t kind = n[0].get<uint64_t>();
    if (kind > static_cast<uint64_t>(rules::Condition::Kind::leaf))
      throw BundleError("bad node kind");
    x.kind = static_cast<rules::Condition::Kind>(kind);
    x.leaf = n[1].get<uint32_t>();
    for (const json& ch : n[2]) x.children.push_back(ch.get<uint32_t>());
    b.nodes.push_back(std::move(x));
  }
  // Children must point backwards (the compiler emits them first): no cycles.
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    const Node& x = b.nodes[i];
    if (x.kind == rules::Condition::Kind::leaf) {
      if (x.leaf >= b.leaves.size() || !x.children.empty()) throw BundleError("bad leaf node");
    } else {
      // An `all` without operands is true (a limit that counts every request).
      if ((x.children.empty() && x.kind != rules::Condition::Kind::all) ||
          (x.kind == rules::Condition::Kind::negate && x.children.size() != 1))
        throw BundleError("bad operator node");
      for (uint32_t c : x.children)
        if (c >= i) throw BundleError("node child out of order");
    }
  }
  b.rules_of_leaf.assign(b.leaves.size(), {});
  for (const json& r : rules) {
    CompiledRule x;
    x.id = get<uint32_t>(r, "id", UINT32_MAX);
    x.name = get_string(r, "name");
    x.action = get<Action>(r, "action", static_cast<uint64_t>(Action::decoy));
    x.mode = get<Mode>(r, "mode", static_cast<uint64_t>(Mode::monitor));
    x.status = get<uint16_t>(r, "status", 599);
    x.body = get_string(r, "body");
    for (const json& h : get_array(r, "headers")) {
      if (!h.is_array() || h.size() != 2 || !h[0].is_string() || !h[1].is_string())
        throw BundleError("bad response header");
      x.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    }
    x.root = get<uint32_t>(r, "root", UINT32_MAX);
    if (x.root >= b.nodes.size()) throw BundleError("rule root out of range");
    x.is_limit = r.contains("limit");
    x.limit = {};
    x.limit_index = 0;
    if (x.is_limit) {
      const json& l = r["limit"];
      x.limit.parts =
          get<uint8_t>(l, "parts", (1u << static_cast<unsigned>(rules::KeyPart::count_)) - 1);
      x.limit.count = get<uint32_t>(l, "count", 1000000000);
      x.limit.period_s = get<uint32_t>(l, "period", 86400);
      x.limit.burst = get<uint32_t>(l, "burst", 1000000);
      x.limit.global = get<uint8_t>(l, "global", 1) != 0;
      if (x.limit.parts == 0 || x.limit.count == 0 || x.limit.period_s == 0 || x.limit.burst == 0)
        throw BundleError("limit without key, rate or burst");
      x.limit_index = b.limit_count++;
      b.limit_parts |= x.limit.parts;
    }
    const uint32_t index = static_cast<uint32_t>(b.rules.size());
    std::vector<uint32_t> under;
    leaves_under(b, x.root, 0, under);
    x.needs_body = false;
    x.tls = false;
    for (uint32_t l : under) {
      x.needs_body = x.needs_body || b.leaves[l].field == Field::body;
      x.tls = x.tls || b.leaves[l].field == Field::ja3 || b.leaves[l].field == Field::ja4;
      auto& v = b.rules_of_leaf[l];
      if (v.empty() || v.back() != index) v.push_back(index);
    }
    x.gated = without_patterns(b, x.root, 0) == 0;
    if (x.is_limit && (x.needs_body || x.tls))
      throw BundleError("a limit tests the body or a TLS fingerprint");
    if (x.is_limit && x.action == Action::decoy) throw BundleError("a limit with action decoy");
    if (x.action == Action::challenge && (x.needs_body || x.tls))
      throw BundleError("a challenge rule tests the body or a TLS fingerprint");
    if (x.tls && x.action != Action::block && x.action != Action::log)
      throw BundleError("a TLS fingerprint rule answers in HTTP");
    if (x.action == Action::challenge && x.mode == Mode::enforce) b.challenges = true;
    if (x.needs_body)
      for (uint32_t l : under)
        if (b.leaves[l].field != Field::body) b.body_rule_head_leaves.push_back(l);
    b.rules.push_back(std::move(x));
    if (!b.rules.back().gated)
      (b.rules.back().needs_body ? b.ungated_body : b.ungated).push_back(index);
  }
  if (c.contains("identity")) {
    const json& id = c["identity"];
    rules::IdentityPolicy& p = b.identity;
    for (const json& e : get_array(id, "trusted_proxies"))
      p.trusted_proxies.push_back(prefix_from(e));
    p.forwarded = get<uint8_t>(id, "forwarded", 1) != 0;
    p.api_key_header = get_string(id, "api_key_header");
    p.bearer = get<uint8_t>(id, "bearer", 1) != 0;
    p.session_cookie = get_string(id, "session_cookie");
    p.fingerprint_header = get_string(id, "fingerprint_header");
    p.prefix_v4 = get<uint8_t>(id, "prefix_v4", 32);
    p.prefix_v6 = get<uint8_t>(id, "prefix_v6", 128);
  }
  if (c.contains("logins")) {
    for (const json& l : get_array(c, "logins")) {
      rules::LoginEndpoint e;
      e.name = get_string(l, "name");
      e.method = get_string(l, "method");
      e.path = get_string(l, "path");
      e.form = get<uint8_t>(l, "form", 1) != 0;
      e.field = get_string(l, "field");
      e.failure_body = get_string(l, "failure_body");
      e.failure_status.clear();
      for (const json& s : get_array(l, "failure_status")) {
        if (!s.is_number_unsigned() || s.get<uint64_t>() > 999)
          throw BundleError("bad failure status");
        e.failure_status.push_back(s.get<uint16_t>());
      }
      if (e.path.empty() || e.field.empty() || e.field.size() > 64 || e.failure_body.size() > 64 ||
          e.method.empty() || e.method.size() > 16)
        throw BundleError("bad login endpoint");
      b.logins.push_back(std::move(e));
    }
    if (b.logins.size() > 64) throw BundleError("more than 64 login endpoints");
  }
  if (c.contains("objects")) {
    for (const json& o : get_array(c, "objects")) {
      rules::ObjectPolicy p;
      p.name = get_string(o, "name");
      p.method = get_string(o, "method");
      p.prefix = get_string(o, "prefix");
      p.suffix = get_string(o, "suffix");
      p.key = get<rules::KeyPart>(o, "key", static_cast<uint64_t>(rules::KeyPart::user_agent));
      p.max_ids = get<uint32_t>(o, "max_ids", 10000000);
      p.sequential = get<uint32_t>(o, "sequential", 1000000);
      p.max_bytes = get<uint64_t>(o, "max_bytes", uint64_t{1} << 50);
      p.window_s = get<uint32_t>(o, "window", 86400);
      p.ttl_s = get<uint32_t>(o, "ttl", 7 * 86400);
      p.action = get<Action>(o, "action", static_cast<uint64_t>(Action::decoy));
      if (o.contains("decoy")) p.decoy = decoy_from(o["decoy"]);
      if (p.action == Action::log) throw BundleError("an enumeration entry with action log");
      p.mode = get<Mode>(o, "mode", static_cast<uint64_t>(Mode::monitor));
      if (p.prefix.empty() || p.prefix[0] != '/' || p.window_s == 0 || p.ttl_s == 0 ||
          p.method.empty() || p.method.size() > 16)
        throw BundleError("bad enumeration entry");
      b.object_parts |= static_cast<uint8_t>(1u << static_cast<unsigned>(p.key));
      if (p.action == Action::challenge && p.mode == Mode::enforce) b.challenges = true;
      b.objects.push_back(std::move(p));
    }
    if (b.objects.size() > 64) throw BundleError("more than 64 enumeration entries");
  }
  if (c.contains("stuffing")) {
    const json& s = c["stuffing"];
    rules::StuffingPolicy& p = b.stuffing;
    p.enabled = get<uint8_t>(s, "enabled", 1) != 0;
    p.mode = get<Mode>(s, "mode", static_cast<uint64_t>(Mode::monitor));
    p.action = get<Action>(s, "action", static_cast<uint64_t>(Action::decoy));
    if (p.action == Action::log) throw BundleError("a stuffing policy with action log");
    if (s.contains("decoy")) p.decoy = decoy_from(s["decoy"]);
    p.window_s = get<uint32_t>(s, "window", 3600);
    p.ttl_s = get<uint32_t>(s, "ttl", 7 * 86400);
    p.ip_users = get<uint32_t>(s, "ip_users", 100000);
    p.prefix_users = get<uint32_t>(s, "prefix_users", 100000);
    p.fingerprint_users = get<uint32_t>(s, "fingerprint_users", 100000);
    p.user_agent_users = get<uint32_t>(s, "user_agent_users", 100000);
    p.username_ips = get<uint32_t>(s, "username_ips", 100000);
    p.ratio_factor = static_cast<double>(get<uint64_t>(s, "ratio_factor_milli", 100000)) / 1000;
    p.ratio_min_attempts = get<uint32_t>(s, "ratio_min_attempts", 1000000);
    p.challenge_unknown =
        s.contains("challenge_unknown") && get<uint8_t>(s, "challenge_unknown", 1);
    if (p.challenge_unknown && b.identity.fingerprint_header.empty())
      throw BundleError("challenge_unknown without a fingerprint header");
    // Decisions and the login guard may challenge: clearances need their digests.
    if (p.enabled && p.mode == Mode::enforce &&
        (p.challenge_unknown || p.action == Action::challenge))
      b.challenges = true;
    if (p.enabled && (p.window_s == 0 || p.ttl_s == 0))
      throw BundleError("stuffing window or ttl of 0");
  }
  if (c.contains("challenge")) {
    const json& s = c["challenge"];
    b.challenge.difficulty = get<uint8_t>(s, "difficulty", 24);
    b.challenge.ttl_s = get<uint32_t>(s, "ttl", 86400);
    if (b.challenge.difficulty < 8 || b.challenge.ttl_s < 60)
      throw BundleError("challenge difficulty under 8 or ttl under 60 s");
  }
  if (c.contains("consistency")) {
    const json& s = c["consistency"];
    rules::ConsistencyPolicy& p = b.consistency;
    p.enabled = get<uint8_t>(s, "enabled", 1) != 0;
    p.mode = get<Mode>(s, "mode", static_cast<uint64_t>(Mode::monitor));
    p.action = get<Action>(s, "action", static_cast<uint64_t>(Action::challenge));
    p.threshold = get<uint32_t>(s, "threshold", 10000);
    const json& w = get_array(s, "weights");
    if (w.size() != static_cast<size_t>(rules::Signal::count_))
      throw BundleError("consistency weights: wrong count");
    for (size_t k = 0; k < w.size(); ++k) {
      if (!w[k].is_number_unsigned() || w[k].get<uint64_t>() > 1000)
        throw BundleError("consistency weight out of range");
      p.weights[k] = w[k].get<uint16_t>();
    }
    for (const json& f : get_array(s, "script_fingerprints")) {
      if (!f.is_string() || f.get_ref<const std::string&>().empty() ||
          f.get_ref<const std::string&>().size() > 64)
        throw BundleError("bad script fingerprint");
      p.script_fingerprints.push_back(f.get<std::string>());
    }
    if (p.script_fingerprints.size() > 64 || p.threshold == 0 || p.action == Action::decoy)
      throw BundleError("bad consistency policy");
    if (p.enabled && p.action == Action::challenge && p.mode == Mode::enforce) b.challenges = true;
  }
  if (c.contains("discovery")) parse_discovery(c["discovery"], b);
  if (c.contains("sections")) {
    try {
      b.sections = Sections::load(c["sections"]);
    } catch (const SectionError& e) {
      throw BundleError(e.what());
    }
  }
  std::sort(b.body_rule_head_leaves.begin(), b.body_rule_head_leaves.end());
  b.body_rule_head_leaves.erase(
      std::unique(b.body_rule_head_leaves.begin(), b.body_rule_head_leaves.end()),
      b.body_rule_head_leaves.end());
}

}  // namespace

std::string sha256_hex(const uint8_t* data, size_t len) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data, len, md, &n, EVP_sha256(), nullptr);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::unique_ptr<Bundle> Bundle::load(const uint8_t* data, size_t len, std::string& error) {
  auto b = std::make_unique<Bundle>();
  try {
    const json outer = parse_cbor(data, len);
    if (get<uint32_t>(outer, "format", UINT32_MAX) != kBundleFormat)
      throw BundleError("unsupported bundle format (this dataplane reads format " +
                        std::to_string(kBundleFormat) + ")");
    b->version = get<uint64_t>(outer, "version", UINT64_MAX);
    b->sha256 = get_string(outer, "sha256");
    const auto& content = get_binary(outer, "content");
    if (sha256_hex(content.data(), content.size()) != b->sha256)
      throw BundleError("content hash mismatch (the file is damaged)");
    parse_content(parse_cbor(content.data(), content.size()), *b);
  } catch (const BundleError& e) {
    error = std::string("invalid rule bundle: ") + e.what();
    return nullptr;
  } catch (const json::exception& e) {
    error = std::string("invalid rule bundle: ") + e.what();
    return nullptr;
  }
  return b;
}

std::unique_ptr<Bundle> Bundle::load_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read the rule bundle";
    return nullptr;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  auto b = load(bytes.data(), bytes.size(), error);
  if (!b) error = path + ": " + error;
  return b;
}

}  // namespace bulwark::rules
