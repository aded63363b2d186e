// Client identity (forwarding headers through trusted proxies, prefixes, hashed API
// keys, sessions, fingerprints), the GCRA rate limiter (rate and burst exactly, global
// reports between workers, bounded memory under many keys) and the limit/identity
// sections of rule files.
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dataplane/features/ratelimit/rate_limiter.h"
#include "dataplane/features/signatures/request_eval.h"
#include "dataplane/identity/client_identity.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"
#include "tests/unit/eal_fixture.h"
#include "tests/unit/rule_helpers.h"

using namespace bulwark;
using namespace bulwark::identity;
using namespace bulwark::proto;
using namespace bulwark::rules;
using bulwark::identity::ForwardedStatus;
using rules::KeyPart;

namespace {

struct Head {
  HttpHead h{};
  std::vector<std::pair<std::string, std::string>> store;
  explicit Head(std::vector<std::pair<std::string, std::string>> headers)
      : store(std::move(headers)) {
    h.method = "GET";
    h.target = "/";
    for (const auto& [n, v] : store) h.headers[h.header_count++] = {n, v};
  }
};

std::vector<uint8_t> addr(const char* text) {
  std::vector<uint8_t> a(16);
  if (inet_pton(AF_INET, text, a.data()) == 1) {
    a.resize(4);
    return a;
  }
  BOOST_REQUIRE(inet_pton(AF_INET6, text, a.data()) == 1);
  return a;
}

std::string text_of(const uint8_t* ip, uint8_t len) {
  char buf[64];
  inet_ntop(len == 4 ? AF_INET : AF_INET6, ip, buf, sizeof buf);
  return buf;
}

rules::IdentityPolicy proxies(std::vector<std::pair<const char*, unsigned>> nets) {
  rules::IdentityPolicy p;
  for (auto [n, bits] : nets) p.trusted_proxies.emplace_back(addr(n), bits);
  return p;
}

struct Resolved {
  std::string ip;
  ForwardedStatus status;
  bulwark::identity::ClientIdentity id;
  std::string fingerprint;  // id.fingerprint_text points into the head, gone after resolve()
};

Resolved resolve(const rules::IdentityPolicy& p, const char* peer,
                 std::vector<std::pair<std::string, std::string>> headers, uint8_t want = 0xff) {
  Head head(std::move(headers));
  const auto a = addr(peer);
  Resolved r;
  bulwark::identity::resolve_identity(p, head.h, a.data(), static_cast<uint8_t>(a.size()), {}, want,
                                      r.id);
  r.ip = text_of(r.id.ip, r.id.ip_len);
  r.status = r.id.forwarded;
  r.fingerprint = std::string(r.id.fingerprint_text);
  r.id.fingerprint_text = {};
  return r;
}

std::vector<uint8_t> sha_prefix(const std::string& v) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(v.data(), v.size(), md, &n, EVP_sha256(), nullptr);
  return std::vector<uint8_t>(md, md + 16);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_identity)

BOOST_AUTO_TEST_CASE(forwarding_headers_only_from_trusted_proxies) {
  const auto none = rules::IdentityPolicy{};
  auto r = resolve(none, "203.0.113.5", {{"X-Forwarded-For", "1.2.3.4"}});
  BOOST_TEST(r.ip == "203.0.113.5");
  BOOST_TEST((r.status == ForwardedStatus::untrusted_peer));
  const auto lb = proxies({{"198.18.0.0", 24}});
  r = resolve(lb, "203.0.113.5", {{"X-Forwarded-For", "1.2.3.4"}});  // not from the LB
  BOOST_TEST(r.ip == "203.0.113.5");
  BOOST_TEST((r.status == ForwardedStatus::untrusted_peer));
  r = resolve(lb, "198.18.0.1", {});
  BOOST_TEST(r.ip == "198.18.0.1");
  BOOST_TEST((r.status == ForwardedStatus::none));
}

BOOST_AUTO_TEST_CASE(right_most_untrusted_hop_is_the_client) {
  const auto lb = proxies({{"198.18.0.0", 24}, {"2001:db8:1::", 48}});
  // The client sent a made-up X-Forwarded-For; the LB appended the real address.
  auto r = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", "6.6.6.6, 203.0.113.9"}});
  BOOST_TEST(r.ip == "203.0.113.9");
  BOOST_TEST((r.status == ForwardedStatus::used));
  // Two trusted proxies in a chain.
  r = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", "6.6.6.6, 203.0.113.9, 198.18.0.77"}});
  BOOST_TEST(r.ip == "203.0.113.9");
  // Several header lines are one list, in order.
  r = resolve(lb, "198.18.0.1",
              {{"X-Forwarded-For", "6.6.6.6"}, {"x-forwarded-for", "203.0.113.10:5555"}});
  BOOST_TEST(r.ip == "203.0.113.10");
  // Every hop trusted: the left-most is the client.
  r = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", "198.18.0.9, 198.18.0.8"}});
  BOOST_TEST(r.ip == "198.18.0.9");
  r = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", "[2001:db8:2::7]:443, 2001:db8:1::5"}});
  BOOST_TEST(r.ip == "2001:db8:2::7");
}

BOOST_AUTO_TEST_CASE(an_unusable_hop_stops_the_walk) {
  const auto lb = proxies({{"198.18.0.0", 24}});
  for (const char* bad : {"203.0.113.9, garbage", "unknown", "1.2.3.4:", "[2001:db8::1",
                          "1.2.3.4:80:90", "300.1.1.1"}) {
    auto r = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", bad}});
    BOOST_TEST(r.ip == "198.18.0.1", bad);
    BOOST_TEST((r.status == ForwardedStatus::malformed), bad);
  }
  auto e = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", ""}});  // empty: as if absent
  BOOST_TEST(e.ip == "198.18.0.1");
  BOOST_TEST((e.status == ForwardedStatus::none));
  // 100 trusted hops: the walk stops at 64 rather than running on.
  std::string many;
  for (int i = 0; i < 100; ++i)
    many += (i ? ", " : "") + std::string("198.18.0.") + std::to_string(i % 250);
  auto r = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", many}});
  BOOST_TEST((r.status == ForwardedStatus::malformed));
}

BOOST_AUTO_TEST_CASE(only_the_last_lines_count) {
  const auto lb = proxies({{"198.18.0.0", 24}});
  // A client sends 16 lines of its own; the proxy appends the real address as a 17th.
  std::vector<std::pair<std::string, std::string>> h;
  for (int i = 0; i < 16; ++i) h.push_back({"X-Forwarded-For", "6.6.6." + std::to_string(i)});
  h.push_back({"X-Forwarded-For", "203.0.113.9"});
  auto r = resolve(lb, "198.18.0.1", h);
  BOOST_TEST(r.ip == "203.0.113.9");
  BOOST_TEST((r.status == ForwardedStatus::used));
  // 17 lines of trusted hops: what lies before the 16 read is unknown.
  h.clear();
  for (int i = 0; i < 17; ++i)
    h.push_back({"X-Forwarded-For", "198.18.0." + std::to_string(i + 2)});
  r = resolve(lb, "198.18.0.1", h);
  BOOST_TEST((r.status == ForwardedStatus::malformed));
}

BOOST_AUTO_TEST_CASE(ipv4_mapped_hops_are_ipv4) {
  const auto lb = proxies({{"198.18.0.0", 24}});
  auto r =
      resolve(lb, "198.18.0.1", {{"X-Forwarded-For", "::ffff:203.0.113.9, ::ffff:198.18.0.5"}});
  BOOST_TEST(r.ip == "203.0.113.9");  // the mapped proxy is recognised as trusted
  BOOST_TEST(r.id.ip_len == 4u);
  BOOST_TEST(text_of(r.id.prefix, 4) == "203.0.113.0");
  uint8_t ip[16];
  uint8_t len = 0;
  BOOST_TEST(bulwark::identity::parse_hop("[::ffff:192.0.2.1]:80", ip, len));
  BOOST_TEST(len == 4u);
}

BOOST_AUTO_TEST_CASE(forwarded_header_rfc7239) {
  auto lb = proxies({{"198.18.0.0", 24}});
  lb.forwarded = true;
  auto r = resolve(lb, "198.18.0.1",
                   {{"Forwarded",
                     "for=192.0.2.60;proto=http;by=203.0.113.43, "
                     "For=\"[2001:db8:cafe::17]:4711\""}});
  BOOST_TEST(r.ip == "2001:db8:cafe::17");
  BOOST_TEST((r.status == ForwardedStatus::used));
  r = resolve(lb, "198.18.0.1", {{"Forwarded", "for=_hidden"}});
  BOOST_TEST((r.status == ForwardedStatus::malformed));
  // With forwarded: true, X-Forwarded-For is not read.
  r = resolve(lb, "198.18.0.1", {{"X-Forwarded-For", "203.0.113.9"}});
  BOOST_TEST(r.ip == "198.18.0.1");
}

BOOST_AUTO_TEST_CASE(prefixes_keys_sessions_fingerprints) {
  rules::IdentityPolicy p = proxies({{"203.0.113.0", 24}});  // the TLS terminator's network
  p.session_cookie = "sid";
  p.fingerprint_header = "x-ja4";
  auto r = resolve(p, "203.0.113.77",
                   {{"X-Api-Key", " k-123 "},
                    {"Cookie", "theme=dark; sid=s3cr3t"},
                    {"X-JA4", "t13d1516h2_8daaf6152771_e5627efa2ab1"},
                    {"User-Agent", "curl/8.0"}});
  BOOST_TEST(text_of(r.id.prefix, 4) == "203.0.113.0");
  BOOST_TEST(r.id.prefix_bits == 24u);
  BOOST_TEST(r.id.present(KeyPart::api_key));
  BOOST_TEST(std::vector<uint8_t>(r.id.api_key, r.id.api_key + 16) == sha_prefix("k-123"));
  BOOST_TEST(r.id.present(KeyPart::session));
  BOOST_TEST(std::vector<uint8_t>(r.id.session, r.id.session + 16) == sha_prefix("s3cr3t"));
  BOOST_TEST(r.id.present(KeyPart::fingerprint));
  BOOST_TEST(r.fingerprint == "t13d1516h2_8daaf6152771_e5627efa2ab1");
  BOOST_TEST(r.id.present(KeyPart::user_agent));
  // A bearer token is the same key as the header carrying the same value.
  auto b = resolve(p, "203.0.113.77", {{"Authorization", "Bearer k-123"}});
  BOOST_TEST(std::vector<uint8_t>(b.id.api_key, b.id.api_key + 16) == sha_prefix("k-123"));
  // A random X-Api-Key next to the bearer token does not make the client a new key: the
  // token the origin checks comes first.
  for (const char* rnd : {"r-1", "r-2"}) {
    auto x = resolve(p, "203.0.113.77", {{"X-Api-Key", rnd}, {"Authorization", "Bearer k-123"}});
    BOOST_TEST(std::vector<uint8_t>(x.id.api_key, x.id.api_key + 16) == sha_prefix("k-123"));
  }
  // Parts not asked for are not computed; absent ones are absent.
  auto n = resolve(p, "2001:db8:aa:bb::1", {{"Authorization", "Basic xyz"}},
                   static_cast<uint8_t>(1u << static_cast<unsigned>(KeyPart::api_key)));
  BOOST_TEST(!n.id.present(KeyPart::api_key));
  BOOST_TEST(!n.id.present(KeyPart::user_agent));
  BOOST_TEST(text_of(n.id.prefix, 16) == "2001:db8:aa:bb::");
  // The fingerprint header from a client that is not a trusted proxy is its own claim.
  auto f = resolve(p, "192.0.2.50", {{"X-JA4", "t13d1516h2_8daaf6152771_e5627efa2ab1"}});
  BOOST_TEST(!f.id.present(KeyPart::fingerprint));
  BOOST_TEST(f.fingerprint.empty());
  char hex[17];
  bulwark::identity::digest_hex(r.id.api_key, hex);
  BOOST_TEST(std::string(hex).size() == 16u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_limiter)

// A clock of 1000 ticks per second: 10/s is one request per 100 ticks.
constexpr uint64_t kInterval = 100;
constexpr uint64_t kEventGap = 10000;  // one event per key per 10 s

bulwark::ratelimit::LimitKey key_of(uint32_t n) {
  bulwark::ratelimit::LimitKey k;
  k.rule_id = 1;
  k.parts = 8;
  std::memcpy(k.digest, &n, sizeof n);
  return k;
}

std::unique_ptr<bulwark::ratelimit::RateLimiter> limiter(const char* name,
                                                         uint32_t capacity = 1024) {
  test::ensure_eal();
  std::string error;
  auto l = bulwark::ratelimit::RateLimiter::create(name, capacity, 64, kEventGap, -1, error);
  BOOST_TEST_REQUIRE(l != nullptr, error);
  return l;
}

BOOST_AUTO_TEST_CASE(burst_then_rate_exactly) {
  auto l = limiter("rl_exact");
  const auto k = key_of(1);
  const uint64_t t0 = 1000000;
  for (int i = 0; i < 5; ++i) BOOST_TEST(l->check(k, kInterval, 5 * kInterval, false, t0).allowed);
  auto d = l->check(k, kInterval, 5 * kInterval, false, t0);
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.report);
  BOOST_TEST(d.denied == 1u);
  BOOST_TEST(d.retry_after == kInterval);
  d = l->check(k, kInterval, 5 * kInterval, false, t0 + 50);
  BOOST_TEST(!d.allowed);
  BOOST_TEST(!d.report);  // at most one event per key per event gap
  BOOST_TEST(d.retry_after == 50u);
  BOOST_TEST(l->check(k, kInterval, 5 * kInterval, false, t0 + 100).allowed);
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(!l->check(k, kInterval, 5 * kInterval, false, t0 + 100).report);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(l->check(k, kInterval, 5 * kInterval, false, t0 + kEventGap).allowed);
  d = l->check(k, kInterval, 5 * kInterval, false, t0 + kEventGap);
  BOOST_TEST(d.report);
  BOOST_TEST(d.denied == 5u);  // the one at t0 + 50, three at t0 + 100, this one
  // 100 requests a second for 10 s: burst + rate x time get through, no more.
  auto k2 = key_of(2);
  unsigned allowed = 0;
  for (uint64_t t = 0; t < 10000; t += 10)
    allowed += l->check(k2, kInterval, 5 * kInterval, false, t0 + t).allowed;
  BOOST_TEST(allowed == 5u + 99u);  // 5 at once, then one per 100 ticks after the first
}

BOOST_AUTO_TEST_CASE(reports_charge_the_other_workers) {
  auto a = limiter("rl_a"), b = limiter("rl_b");
  const auto k = key_of(7);
  const uint64_t t0 = 5000;
  for (int i = 0; i < 5; ++i) BOOST_TEST(a->check(k, kInterval, 5 * kInterval, true, t0).allowed);
  bulwark::ratelimit::LimitReport reps[8];
  const unsigned n = a->collect(reps, 8, 0);
  BOOST_TEST_REQUIRE(n == 1u);
  BOOST_TEST(reps[0].count == 5u);
  BOOST_TEST(reps[0].worker == 0u);
  BOOST_TEST(a->collect(reps, 8, 0) == 0u);  // pending cleared
  b->apply(reps[0], t0);
  // Worker b has seen none of this key's requests itself, yet its bucket is empty.
  BOOST_TEST(!b->check(k, kInterval, 5 * kInterval, true, t0).allowed);
  BOOST_TEST(b->check(k, kInterval, 5 * kInterval, true, t0 + kInterval).allowed);
  // Worker-scoped limits report nothing.
  auto k2 = key_of(8);
  a->check(k2, kInterval, 5 * kInterval, false, t0);
  BOOST_TEST(a->collect(reps, 8, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(sweeping_a_sparse_table) {
  // Free positions between used ones: the sweep passes over them and frees only cells
  // whose bucket is full again.
  auto l = limiter("rl_sparse", 1024);
  const uint64_t t = 1000;
  for (uint32_t i = 0; i < 3; ++i) l->check(key_of(i), kInterval, kInterval, false, t);
  l->check(key_of(9), kInterval, 10 * kInterval, false, t + 5 * kInterval);  // busy later
  for (int pass = 0; pass < 3; ++pass) l->sweep(t + 2 * kInterval, 1024);
  BOOST_TEST(l->counters().keys == 1u);
  BOOST_TEST(l->counters().expired == 3u);
  l->sweep(t + 7 * kInterval, 4096);
  BOOST_TEST(l->counters().keys == 0u);
}

BOOST_AUTO_TEST_CASE(memory_stays_bounded_under_many_keys) {
  auto l = limiter("rl_many", 1024);
  uint64_t t = 1000;
  for (uint32_t i = 0; i < 100000; ++i) {
    // Each key spends its whole burst, so its cell is not idle when pushed out.
    l->check(key_of(i + 100), kInterval, kInterval, false, t);
    if (i % 1000 == 0) ++t;
  }
  const auto& c = l->counters();
  BOOST_TEST(c.keys <= 1024u);
  BOOST_TEST(c.keys + c.evicted + c.expired == 100000u);
  BOOST_TEST(c.insert_failed == 0u);
  // Once their buckets are full again, a sweep frees every cell.
  l->sweep(t + 10 * kInterval, 2048);
  BOOST_TEST(l->counters().keys == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limit_rules)

using test::error_of;
std::unique_ptr<rules::Bundle> bundle_of(const std::string& yaml) {
  return test::bundle_of(yaml, 3);
}

BOOST_AUTO_TEST_CASE(limits_and_identity_reach_the_bundle) {
  auto b = bundle_of(
      "identity:\n"
      "  trusted_proxies: [198.18.0.0/24, \"2001:db8::/32\"]\n"
      "  client_ip_header: Forwarded\n"
      "  api_key_header: X-Key\n"
      "  session_cookie: sid\n"
      "  fingerprint_header: X-JA4\n"
      "  prefix: {ipv4: 20, ipv6: 56}\n"
      "limits:\n"
      "  - id: 10\n    name: per key\n    key: [api_key, client_ip]\n    rate: 600/m\n"
      "    match: {field: path, prefix: /api/}\n"
      "  - id: 11\n    name: all\n    key: prefix\n    rate: 5/s\n    burst: 2\n"
      "    action: log\n    scope: worker\n"
      "rules:\n  - id: 1\n    name: r\n    match: {field: path, prefix: /api/x}\n");
  BOOST_TEST(b->limit_count == 2u);
  BOOST_TEST(b->identity.trusted_proxies.size() == 2u);
  BOOST_TEST(b->identity.forwarded);
  BOOST_TEST(b->identity.api_key_header == "x-key");
  BOOST_TEST(b->identity.session_cookie == "sid");
  BOOST_TEST(b->identity.fingerprint_header == "x-ja4");
  BOOST_TEST(b->identity.prefix_v4 == 20);
  BOOST_TEST(b->identity.prefix_v6 == 56);
  const auto& l10 = b->rules[0];
  BOOST_TEST(l10.is_limit);
  BOOST_TEST(l10.limit.count == 600u);
  BOOST_TEST(l10.limit.period_s == 60u);
  BOOST_TEST(l10.limit.burst == 10u);  // one second's worth by default
  BOOST_TEST(l10.limit.global);
  BOOST_TEST(l10.status == 429);
  const auto& l11 = b->rules[1];
  BOOST_TEST(!l11.limit.global);
  BOOST_TEST((l11.action == rules::Action::log));
  // A limit's selector matches like a rule's condition but never decides.
  bulwark::signatures::Matcher m(*b);
  auto r = bulwark::signatures::evaluate_requests(m, "GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].verdict.decisive == 2);  // the block rule
  BOOST_TEST(r[0].verdict.matched_count == 1u);
  BOOST_TEST(r[0].verdict.limit_count == 2u);
  r = bulwark::signatures::evaluate_requests(m, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST(r[0].verdict.decisive == -1);
  BOOST_TEST(r[0].verdict.limit_count == 1u);  // only the one without a selector
  BOOST_TEST(b->rules[r[0].verdict.limits[0]].id == 11u);
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_reason) {
  const std::string head = "limits:\n  - id: 5\n    name: l\n";
  BOOST_TEST(
      error_of(head + "    key: api_key\n    rate: fast\n").find("t.yaml:5: 'rate' is 'fast'") ==
      0u);
  BOOST_TEST(error_of(head + "    key: apikey\n    rate: 1/s\n")
                 .find("t.yaml:4: unknown key part 'apikey'") == 0u);
  BOOST_TEST(error_of(head + "    rate: 1/s\n").find("t.yaml:2: limit 5 needs 'key'") == 0u);
  BOOST_TEST(error_of(head + "    key: api_key\n    rate: 1/s\n    action: decoy\n")
                 .find("t.yaml:6: a limit's 'action' must be") == 0u);
  BOOST_TEST(error_of(head + "    key: api_key\n    rate: 1/s\n"
                             "    match: {field: body, contains: x}\n")
                 .find("t.yaml:6: limit 5 tests body") == 0u);
  BOOST_TEST(error_of("identity:\n  trusted_proxies: [10.0.0.0/33]\n").find("t.yaml:2:") == 0u);
  BOOST_TEST(error_of("identity:\n  client_ip_header: x-real-ip\n")
                 .find("t.yaml:2: 'client_ip_header' must be") == 0u);
}

BOOST_AUTO_TEST_CASE(rates_are_kept_as_written_and_every_limit_counts) {
  std::string yaml = "identity: {bearer: true}\nlimits:\n";
  for (int i = 1; i <= 64; ++i)
    yaml += "  - {id: " + std::to_string(i) + ", name: l" + std::to_string(i) +
            ", key: client_ip, rate: 10/h}\n";
  auto b = bundle_of(yaml);
  BOOST_TEST(b->rules[0].limit.count == 10u);
  BOOST_TEST(b->rules[0].limit.period_s == 3600u);
  BOOST_TEST(b->rules[0].limit.burst == 1u);
  bulwark::signatures::Matcher m(*b);
  BOOST_TEST(m.ok());  // no Hyperscan database at all: still a usable rule set
  auto r = bulwark::signatures::evaluate_requests(m, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST(r[0].verdict.limit_count == 64u);  // all of them, none dropped
  BOOST_TEST(error_of(yaml + "  - {id: 65, name: one more, key: client_ip, rate: 1/s}\n")
                 .find("limit 65 is one too many (at most 64") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(key_parts_nothing_provides_are_refused) {
  const std::string l = "limits:\n  - {id: 5, name: l, rate: 1/s, key: ";
  BOOST_TEST(error_of(l + "fingerprint}\n")
                 .find("t.yaml:2: limit 5 counts by a key part that no "
                       "request would have: set identity.fingerprint_header") == 0u);
  BOOST_TEST(error_of(l + "session}\n").find("set identity.session_cookie") != std::string::npos);
  BOOST_TEST(error_of("identity: {api_key_header: \"\", bearer: false}\n" + l + "api_key}\n")
                 .find("set identity.api_key_header or identity.bearer") != std::string::npos);
  BOOST_TEST(error_of("identity: {fingerprint_header: X-JA4}\n" + l + "fingerprint}\n").empty());
}

BOOST_AUTO_TEST_CASE(identity_in_two_files_is_refused) {
  const std::string dir = "/tmp/bulwark-unit-identity-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  for (const char* f : {"a.yaml", "b.yaml"})
    std::ofstream(dir + "/" + f) << "identity:\n  bearer: false\n";
  std::string error;
  auto set = rules::load_rule_files({dir + "/a.yaml", dir + "/b.yaml"}, error);
  BOOST_TEST(!set.has_value());
  BOOST_TEST(
      error.find(dir + "/b.yaml:2: 'identity' is given twice (also at " + dir + "/a.yaml:2)") == 0u,
      error);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
