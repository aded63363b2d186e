// The rule language's in-memory form: what rule files (YAML, or imported Suricata
// rules) parse into and what the compiler turns into a bundle.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "rules/features/discovery/sensitive_validators.h"
#include "rules/lang/section.h"

namespace bulwark::rules {

// Request fields a condition can look at. The numbering is part of the bundle format.
enum class Field : uint8_t {
  method = 0,
  path,         // decoded and normalised path
  uri,          // request-target as sent (path and query, not decoded)
  query,        // raw query string
  query_param,  // value(s) of one named query parameter, decoded (arg: name)
  host,         // Host without port
  user_agent,
  header,  // value(s) of one named header (arg: name, case-insensitive)
  cookie,  // a named cookie's value (arg: name), or the whole Cookie header
  body,    // request body, scanned as it streams
  client_ip,
  ja3,  // TLS fingerprints of the connection (JA3 MD5 hex, JA4 string)
  ja4,
  headers,   // each header line as "Name: value"
  norm_uri,  // normalised path, then "?" and the percent-decoded query if any
  count_
};
const char* field_name(Field f);

enum class Op : uint8_t {
  contains = 0,  // literal substring
  prefix,
  suffix,
  equals,
  regex,   // PCRE-like, Hyperscan dialect
  length,  // numeric comparison on the value's length
  exists,  // field present (exists: true) or absent (false)
  ip_in,   // client_ip in one of the prefixes
};

enum class Cmp : uint8_t { lt, le, gt, ge, eq, ne };

struct Condition {
  enum class Kind : uint8_t { all, any, negate, leaf } kind = Kind::leaf;
  std::vector<Condition> children;  // all/any: the operands; negate: exactly one
  // Leaf:
  Field field = Field::path;
  std::string arg;  // header / query parameter / cookie name
  Op op = Op::contains;
  std::string pattern;  // contains/prefix/suffix/equals/regex
  bool nocase = false;
  Cmp cmp = Cmp::eq;                                                // length
  uint64_t number = 0;                                              // length
  bool want = true;                                                 // exists
  std::vector<std::pair<std::vector<uint8_t>, unsigned>> prefixes;  // ip_in: (address, bits)
  int line = 0;  // where it came from, for errors
};

// block: reset; respond: a configured answer; log: an event only; challenge: a
// proof-of-work page (browsers) or a machine-readable 403/429 (API clients) unless the
// request carries a valid clearance; decoy: a configured plausible success answer, so the
// client's tooling does not learn that it was caught.
enum class Action : uint8_t { block = 0, respond, log, challenge, decoy };

// What a rate limit counts by: each part of the client's identity it combines.
// The numbering is part of the bundle format (bit positions of LimitSpec::parts).
enum class KeyPart : uint8_t {
  client_ip = 0,  // the client's address (from X-Forwarded-For/Forwarded via trusted proxies)
  prefix,         // its /24 (IPv4) or /64 (IPv6), or the configured lengths
  fingerprint,    // the configured fingerprint header (set by a TLS-terminating proxy)
  api_key,        // the API key header or bearer token (hashed)
  session,        // the session cookie (hashed)
  user_agent,
  count_
};
inline const char* key_part_name(KeyPart p) {
  static constexpr const char* kNames[] = {"client_ip", "prefix",  "fingerprint",
                                           "api_key",   "session", "user_agent"};
  return p < KeyPart::count_ ? kNames[static_cast<unsigned>(p)] : "unknown";
}

// A rate limit: requests matching its rule's condition (the endpoint selector) are
// counted per key; over `rate` per second with bursts up to `burst`, the rule's action
// applies (respond answers 429 with Retry-After).
// Rate limits a bundle may hold (the dataplane has a stats slot for each).
inline constexpr unsigned kMaxLimits = 64;

struct LimitSpec {
  uint8_t parts = 0;      // bit set of KeyPart
  uint32_t count = 0;     // `count` requests per `period_s` seconds (as written: 10/h is 10, 3600)
  uint32_t period_s = 1;  // 1, 60 or 3600
  uint32_t burst = 1;
  bool global = true;  // merged across workers (false: each worker counts alone)
};

// How a request's client is identified (the `identity:` section of a rule file).
struct IdentityPolicy {
  // Peers whose X-Forwarded-For / Forwarded header is believed (address, bits).
  std::vector<std::pair<std::vector<uint8_t>, unsigned>> trusted_proxies;
  bool forwarded = false;  // read `Forwarded` (RFC 7239) instead of X-Forwarded-For
  std::string api_key_header = "x-api-key";  // lower-case; "" for none
  bool bearer = true;                        // Authorization: Bearer <token> is an API key too
  std::string session_cookie;                // "" for none
  std::string fingerprint_header;            // lower-case; set by a TLS-terminating load balancer
  uint8_t prefix_v4 = 24, prefix_v6 = 64;
  std::string origin;  // "file:line" where it was given ("" if not given)
};

// The identity setting a client key needs and `id` lacks (nullptr if requests can have it).
inline const char* missing_for_key(KeyPart k, const IdentityPolicy& id) {
  if (k == KeyPart::fingerprint && id.fingerprint_header.empty())
    return "identity.fingerprint_header";
  if (k == KeyPart::api_key && id.api_key_header.empty() && !id.bearer)
    return "identity.api_key_header or identity.bearer";
  if (k == KeyPart::session && id.session_cookie.empty()) return "identity.session_cookie";
  return nullptr;
}

enum class Mode : uint8_t { enforce = 0, monitor };

inline const char* action_name(Action a) {
  switch (a) {
    case Action::block: return "block";
    case Action::respond: return "respond";
    case Action::log: return "log";
    case Action::challenge: return "challenge";
    case Action::decoy: return "decoy";
  }
  return "unknown";
}
inline const char* mode_name(Mode m) { return m == Mode::monitor ? "monitor" : "enforce"; }

struct Rule {
  uint32_t id = 0;
  std::string name;
  std::string description;
  Action action = Action::block;
  Mode mode = Mode::enforce;
  uint16_t respond_status = 403;
  std::vector<std::pair<std::string, std::string>> respond_headers;
  std::string respond_body;
  Condition match;
  std::string origin;  // "file:line" of the rule
  // Sample requests (raw HTTP/1.1) the rule must match / must not match.
  std::vector<std::string> test_hit, test_miss;
  bool is_limit = false;  // a rate limit (from `limits:`), not a signature rule
  LimitSpec limit;
};

// A login endpoint (the `logins:` section): where credentials are posted, where the
// username is in the body, and what a failed login looks like.
struct LoginEndpoint {
  std::string name;
  std::string method = "POST";
  std::string path;                // the normalised path, exactly
  bool form = false;               // username in a form body (else a JSON body's top level)
  std::string field = "username";  // its field name
  std::vector<uint16_t> failure_status{401, 403};
  std::string failure_body;  // a response body containing this also means failure ("": none)
  std::string origin;
};

// What a policy's decoy decisions answer (action decoy): a plausible success, so the
// client's tooling does not learn that it was caught.
struct DecoyAnswer {
  uint16_t status = 200;
  std::string content_type = "application/json";
  std::string body = "{}";
};

// Credential-stuffing detection (the `credential_stuffing:` section). Per window,
// failed logins are counted per client address, prefix, fingerprint and user agent by
// the distinct usernames they failed on, and per username by the distinct addresses;
// a key at or over its threshold gets a decision for `ttl_s` (0: that check is off).
struct StuffingPolicy {
  bool enabled = false;
  Mode mode = Mode::enforce;
  // On the clients decided against: block | respond (403) | challenge | decoy.
  Action action = Action::block;
  DecoyAnswer decoy;
  uint32_t window_s = 60, ttl_s = 600;
  uint32_t ip_users = 10, prefix_users = 30, fingerprint_users = 50, user_agent_users = 0;
  uint32_t username_ips = 20;  // a username failing from this many addresses: logged
  // The window's failure ratio against its learned baseline (mean of earlier windows):
  // over `ratio_factor` times (with at least `ratio_min_attempts` attempts) is an attack.
  double ratio_factor = 3.0;
  uint32_t ratio_min_attempts = 50;
  // After a failure-ratio alarm, for `ttl_s`: login requests whose fingerprint had no
  // successful login in an earlier ordinary window are challenged (enforce mode).
  bool challenge_unknown = false;
  std::string origin;
};

// Enumeration and scraping of an object endpoint (the `enumeration:` section): per
// client key and window, the distinct object ids it read and its longest run of ids in
// sequence (n, n+1, n+2, ...); at a threshold the key gets a decision for `ttl_s`.
struct ObjectPolicy {
  std::string name;
  std::string method = "GET";
  std::string prefix, suffix;  // the path is prefix + id + suffix (from "/a/{id}/b")
  KeyPart key = KeyPart::api_key;
  uint32_t max_ids = 100;    // distinct ids (0: off)
  uint32_t sequential = 20;  // ids in sequence (0: off)
  uint64_t max_bytes = 0;    // response body bytes served to the key (0: off)
  uint32_t window_s = 60, ttl_s = 600;
  Action action = Action::respond;  // block | respond (403) | challenge | decoy
  DecoyAnswer decoy;
  Mode mode = Mode::enforce;
  std::string origin;
};

// The challenge (the `challenge:` section): how much work the browser's proof of work
// takes and how long the clearance it earns holds.
struct ChallengePolicy {
  uint8_t difficulty = 16;  // leading zero bits of SHA-256(clearance) the browser must find
  uint32_t ttl_s = 1800;    // clearance lifetime
  std::string origin;
};

// Consistency checks (the `consistency:` section): a request whose user agent claims a
// browser gets a score, the sum of the weights of what contradicts the claim; at or over
// `threshold` the policy's action applies.
enum class Signal : uint8_t {
  missing_accept = 0,       // browsers always send Accept
  missing_accept_language,  // ... and Accept-Language
  missing_accept_encoding,  // ... and Accept-Encoding
  header_order,             // Accept-Encoding before Accept: scripting libraries' order
  script_fingerprint,       // the TLS fingerprint is a listed scripting library's
  http10,                   // HTTP/1.0: no current browser speaks it
  count_
};
// The keys of the consistency weights in rule files; the stats segment's consistency
// signal counters are labelled with the same names (dataplane/api/counter_labels.h).
inline constexpr const char* kSignalNames[] = {"missing_accept",          "missing_accept_language",
                                               "missing_accept_encoding", "header_order",
                                               "script_fingerprint",      "http10"};
static_assert(std::size(kSignalNames) == static_cast<size_t>(Signal::count_));
inline const char* signal_name(Signal s) {
  return s < Signal::count_ ? kSignalNames[static_cast<unsigned>(s)] : "unknown";
}
struct ConsistencyPolicy {
  bool enabled = false;
  Mode mode = Mode::enforce;
  Action action = Action::challenge;  // challenge | block | respond (403) | log
  uint32_t threshold = 50;
  uint16_t weights[static_cast<unsigned>(Signal::count_)] = {20, 40, 30, 40, 60, 30};
  std::vector<std::string> script_fingerprints;  // JA4 (or the fingerprint header's) values
  std::string origin;
};

// A class of sensitive data looked for in responses: its patterns (Hyperscan, streaming)
// and the check a match must pass to count (on the text before the match's end).
struct SensitivePattern {
  std::string expr;
  bool nocase = false;
};
struct SensitiveClass {
  std::string name;
  rules::discovery::Validator validator = rules::discovery::Validator::none;
  std::vector<SensitivePattern> patterns;
  std::string origin;
};
inline constexpr size_t kMaxSensitiveClasses = 16;

// Bulk extraction of personal data (`discovery.extraction`): per client key and window,
// the sensitive records its responses carried and the distinct objects (endpoint + ids)
// it read; over either limit the key gets a decision for `ttl_s`.
struct ExtractionPolicy {
  bool enabled = false;
  Mode mode = Mode::enforce;
  Action action = Action::block;  // block | respond (403) | challenge | log
  KeyPart key = KeyPart::client_ip;
  uint32_t window_s = 300, ttl_s = 600;
  uint32_t max_records = 1000;  // sensitive records received (0: off)
  uint32_t max_objects = 0;     // distinct objects read (0: off)
  std::string origin;
};

// API discovery (the `discovery:` section): every request's endpoint goes to the
// inventory; response heads and bodies are scanned for the sensitive classes.
struct DiscoveryPolicy {
  bool enabled = true;
  bool scan = true;                     // scan responses for sensitive data
  uint64_t max_scan_bytes = 1u << 20;   // per response; the rest is passed unscanned
  std::vector<SensitiveClass> classes;  // the built-in ones unless the section says otherwise
  ExtractionPolicy extraction;
  std::string origin;  // where the section is (empty: not given)
};

struct RuleSet {
  std::vector<Rule> rules;  // signature rules and rate limits
  std::vector<ObjectPolicy> objects;
  std::vector<LoginEndpoint> logins;
  StuffingPolicy stuffing;
  IdentityPolicy identity;
  ChallengePolicy challenge;
  ConsistencyPolicy consistency;
  DiscoveryPolicy discovery;
  Sections sections;                  // the feature sections (section.h)
  std::vector<std::string> warnings;  // e.g. ignored Suricata keywords
};

}  // namespace bulwark::rules
