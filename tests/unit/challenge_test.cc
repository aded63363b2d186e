// Challenges and consistency: HMAC-SHA256 against RFC 4231 and OpenSSL, clearance stamps
// made and checked (forged, expired, rotated out, carried to another prefix or user agent,
// not enough work), the page and the machine-readable answer, consistency scores of real
// browsers' and libraries' header sets, and the challenge/consistency/decoy sections.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <arpa/inet.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dataplane/features/challenge/clearance.h"
#include "dataplane/features/consistency/consistency.h"
#include "dataplane/features/signatures/request_eval.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"
#include "tests/unit/rule_helpers.h"

using namespace bulwark;
using namespace bulwark::challenge;
using namespace bulwark::proto;
using namespace bulwark::rules;
using bulwark::challenge::ClearanceCheck;
using rules::Signal;

namespace {

std::string hex(const uint8_t* d, size_t n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += k[d[i] >> 4];
    s += k[d[i] & 15];
  }
  return s;
}

std::string mac_of(const std::string& key, const std::string& data) {
  bulwark::challenge::ClearanceKey k;
  bulwark::challenge::hmac_key(reinterpret_cast<const uint8_t*>(key.data()), key.size(), 0, k);
  uint8_t out[32];
  bulwark::challenge::hmac_sha256(k, reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                  out);
  return hex(out, 32);
}

struct Head {
  HttpHead h{};
  std::vector<std::pair<std::string, std::string>> store;
  Head(const char* method, std::vector<std::pair<std::string, std::string>> headers,
       uint8_t minor = 1)
      : store(std::move(headers)) {
    h.is_request = true;
    h.method = method;
    h.target = "/";
    h.version_minor = minor;
    for (const auto& [n, v] : store) h.headers[h.header_count++] = {n, v};
  }
};

const char* kChromeUa =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36";

// A client at `ip` (IPv4, /24) with user agent `ua`.
bulwark::identity::ClientIdentity client(const char* ip, const char* ua) {
  Head head("GET", {{"Host", "a"}, {"User-Agent", ua}});
  uint8_t a[4];
  inet_pton(AF_INET, ip, a);
  bulwark::identity::ClientIdentity id;
  const uint8_t want = (1u << static_cast<unsigned>(rules::KeyPart::fingerprint)) |
                       (1u << static_cast<unsigned>(rules::KeyPart::user_agent));
  bulwark::identity::resolve_identity(rules::IdentityPolicy{}, head.h, a, 4, {}, want, id);
  return id;
}

bool zero_bits(const std::string& v, unsigned bits) {
  uint8_t h[32];
  SHA256(reinterpret_cast<const uint8_t*>(v.data()), v.size(), h);
  for (unsigned i = 0; i < bits; ++i)
    if (h[i / 8] & (0x80 >> (i % 8))) return false;
  return true;
}

// What the page's script does: the first nonce meeting the difficulty (or, with
// `fail`, the first that does not).
std::string solve(const std::string& stamp, unsigned bits, bool fail = false) {
  for (uint64_t n = 0;; ++n) {
    std::string v = stamp;
    v += '-';
    v += std::to_string(n);
    if (zero_bits(v, bits) != fail) return v;
  }
}

std::vector<uint8_t> secret() { return std::vector<uint8_t>(32, 0x42); }

std::string stamp_for(const bulwark::challenge::ClearanceKeys& k,
                      const bulwark::identity::ClientIdentity& id, uint64_t expiry, unsigned bits) {
  char s[96];
  const size_t n = bulwark::challenge::make_stamp(k.current(), id, expiry, bits, s, sizeof s);
  BOOST_REQUIRE(n > 0);
  return std::string(s, n);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clearance)

BOOST_AUTO_TEST_CASE(hmac_matches_rfc4231_and_openssl) {
  // RFC 4231 test cases 2 and 6 (a key longer than the block is hashed first).
  BOOST_TEST(mac_of("Jefe", "what do ya want for nothing?") ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  BOOST_TEST(
      mac_of(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  std::mt19937 rng(7);
  for (int t = 0; t < 200; ++t) {
    std::string key(rng() % 100, '\0'), data(rng() % 300, '\0');
    for (auto& c : key) c = static_cast<char>(rng());
    for (auto& c : data) c = static_cast<char>(rng());
    uint8_t want[32];
    unsigned len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const uint8_t*>(data.data()), data.size(), want, &len);
    BOOST_TEST(mac_of(key, data) == hex(want, len));
  }
}

BOOST_AUTO_TEST_CASE(a_solved_stamp_clears_its_own_client_only) {
  const auto s = secret();
  auto keys = bulwark::challenge::ClearanceKeys::derive(s.data(), s.size(), 100);
  BOOST_TEST_REQUIRE(keys != nullptr);
  const auto me = client("198.18.0.10", kChromeUa);
  const uint64_t now = 1'800'000'000, expiry = now + 1800;
  const std::string stamp = stamp_for(*keys, me, expiry, 8);
  BOOST_TEST(stamp.rfind("100." + std::to_string(expiry) + ".", 0) == 0u);
  const std::string cookie = solve(stamp, 8);
  auto check = [&](const std::string& c, const bulwark::identity::ClientIdentity& who,
                   const bulwark::challenge::ClearanceKeys& k, uint64_t at, unsigned bits = 8) {
    return bulwark::challenge::check_clearance(k, c, who, at, 1800, bits);
  };
  BOOST_TEST((check(cookie, me, *keys, now) == ClearanceCheck::valid));
  // Same /24, same browser: the prefix is what is bound.
  BOOST_TEST(
      (check(cookie, client("198.18.0.77", kChromeUa), *keys, now) == ClearanceCheck::valid));
  // Carried elsewhere: another prefix, another user agent.
  BOOST_TEST(
      (check(cookie, client("198.18.1.10", kChromeUa), *keys, now) == ClearanceCheck::bad_mac));
  BOOST_TEST((check(cookie, client("198.18.0.10", "python-requests/2.31"), *keys, now) ==
              ClearanceCheck::bad_mac));
  // Forged: one MAC digit changed (the PoW is redone so only the MAC is wrong).
  std::string forged = stamp;
  const size_t mac_at = forged.rfind('.') + 1;
  forged[mac_at] = forged[mac_at] == '0' ? '1' : '0';
  BOOST_TEST((check(solve(forged, 8), me, *keys, now) == ClearanceCheck::bad_mac));
  // Made for another difficulty.
  BOOST_TEST((check(solve(stamp, 9), me, *keys, now, 9) == ClearanceCheck::bad_mac));
  // Expired; or further ahead than the policy's lifetime.
  BOOST_TEST((check(cookie, me, *keys, expiry) == ClearanceCheck::expired));
  BOOST_TEST((bulwark::challenge::check_clearance(*keys, cookie, me, now, 600, 8) ==
              ClearanceCheck::expired));
  // Not enough work.
  BOOST_TEST((check(solve(stamp, 8, true), me, *keys, now) == ClearanceCheck::no_work));
  // Rotation: the previous period's key still verifies, older ones do not; the next
  // period's too (another box sharing the secret, a little ahead).
  auto next = bulwark::challenge::ClearanceKeys::derive(s.data(), s.size(), 101);
  auto later = bulwark::challenge::ClearanceKeys::derive(s.data(), s.size(), 102);
  auto behind = bulwark::challenge::ClearanceKeys::derive(s.data(), s.size(), 99);
  BOOST_TEST((check(cookie, me, *next, now) == ClearanceCheck::valid));
  BOOST_TEST((check(cookie, me, *behind, now) == ClearanceCheck::valid));
  BOOST_TEST((check(cookie, me, *later, now) == ClearanceCheck::unknown_key));
  // A minute of clock skew between boxes is tolerated, not more.
  BOOST_TEST((bulwark::challenge::check_clearance(*keys, cookie, me, now - 60, 1800, 8) ==
              ClearanceCheck::valid));
  BOOST_TEST((bulwark::challenge::check_clearance(*keys, cookie, me, now - 61, 1800, 8) ==
              ClearanceCheck::expired));
  // Another secret (another box) does not accept it.
  const std::vector<uint8_t> other(32, 0x43);
  auto theirs = bulwark::challenge::ClearanceKeys::derive(other.data(), other.size(), 100);
  BOOST_TEST((check(cookie, me, *theirs, now) == ClearanceCheck::bad_mac));
}

BOOST_AUTO_TEST_CASE(a_stamp_expires_before_its_key_is_dropped) {
  const auto s = secret();
  auto keys =
      bulwark::challenge::ClearanceKeys::derive(s.data(), s.size(), 100);  // periods of 3600 s
  const bulwark::challenge::ClearanceKey& k = keys->current();
  // Early in period 100: the whole lifetime fits before period 102 drops the key.
  BOOST_TEST(bulwark::challenge::stamp_expiry(k, 360000, 1800, 3600) == 361800u);
  // Late in period 101 (the key is still accepted): cut at the last second of 101.
  BOOST_TEST(bulwark::challenge::stamp_expiry(k, 367000, 1800, 3600) == 367199u);
  BOOST_TEST(bulwark::challenge::stamp_expiry(k, 360000, 86400, 3600) == 367199u);
}

BOOST_AUTO_TEST_CASE(malformed_cookies_are_named) {
  const auto s = secret();
  auto keys = bulwark::challenge::ClearanceKeys::derive(s.data(), s.size(), 5);
  const auto me = client("198.18.0.10", kChromeUa);
  const std::string mac(32, 'a');
  for (const std::string& bad :
       {std::string("x"), std::string("5.1800000000"), "5.1800000000." + mac,
        "5.1800000000." + mac + "-", "5.1800000000." + mac + "-12x", "5.1800000000." + mac + "--1",
        "5.1800000000." + std::string(32, 'A') + "-1", "5.1800000000." + mac.substr(1) + "-1",
        "99999999999999999999999.1." + mac + "-1", "5..1800000000." + mac + "-1",
        "5.1800000000." + mac + "-1" + std::string(100, '1'), std::string("-5.1.") + mac + "-1"})
    BOOST_TEST((bulwark::challenge::check_clearance(*keys, bad, me, 1'799'999'000, 1800, 8) ==
                ClearanceCheck::malformed),
               bad);
  BOOST_TEST(
      (bulwark::challenge::check_clearance(*keys, "", me, 1, 1800, 8) == ClearanceCheck::missing));
  BOOST_TEST(
      (bulwark::challenge::check_clearance(*keys, "3.1800000000." + mac + "-1", me, 1'799'999'000,
                                           1800, 8) == ClearanceCheck::unknown_key));
}

BOOST_AUTO_TEST_CASE(page_and_answer_fit_one_packet) {
  const std::string longest = "18446744073709551615.18446744073709551615." + std::string(32, 'f');
  char out[1500];
  const size_t n = bulwark::challenge::challenge_page(out, sizeof out, longest, 24, 86400);
  BOOST_TEST_REQUIRE(n > 0u);
  BOOST_TEST(n <= 1400u);  // injected as one segment, like respond rules
  const std::string page(out, n);
  BOOST_TEST(page.rfind("HTTP/1.1 403 Forbidden\r\n", 0) == 0u);
  BOOST_TEST(page.find("Cache-Control: no-store") != std::string::npos);
  BOOST_TEST(page.find("var S=\"" + longest + "\",D=24,") != std::string::npos);
  BOOST_TEST(page.find("bw_clear=") != std::string::npos);
  BOOST_TEST(page.find("max-age=86400") != std::string::npos);
  const size_t body = page.find("\r\n\r\n") + 4;
  BOOST_TEST(page.find("Content-Length: " + std::to_string(n - body) + "\r\n") !=
             std::string::npos);
  const size_t a = bulwark::challenge::challenge_answer(out, sizeof out, 429, 7, "rate_limit");
  const std::string ans(out, a);
  BOOST_TEST(ans.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0) == 0u);
  BOOST_TEST(ans.find("Retry-After: 7\r\n") != std::string::npos);
  const auto j = nlohmann::json::parse(ans.substr(ans.find("\r\n\r\n") + 4));
  BOOST_TEST(j["error"] == "challenge_required");
  BOOST_TEST(j["reason"] == "rate_limit");
  const size_t f = bulwark::challenge::challenge_answer(out, sizeof out, 403, 0, "rule");
  BOOST_TEST(std::string(out, f).find("Retry-After") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_browser_navigations_get_the_page) {
  BOOST_TEST(bulwark::challenge::wants_page(
      Head("GET", {{"Accept", "text/html,application/xhtml+xml"}}).h));
  BOOST_TEST(!bulwark::challenge::wants_page(Head("POST", {{"Accept", "text/html"}}).h));
  BOOST_TEST(!bulwark::challenge::wants_page(Head("GET", {{"Accept", "application/json"}}).h));
  BOOST_TEST(!bulwark::challenge::wants_page(Head("GET", {{"Accept", "*/*"}}).h));
  BOOST_TEST(!bulwark::challenge::wants_page(Head("GET", {}).h));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(consistency)

uint32_t score(const rules::ConsistencyPolicy& p, const Head& h, std::string_view fp = {}) {
  return ::bulwark::consistency::score_request(p, h.h, fp).score;
}

BOOST_AUTO_TEST_CASE(browser_claims_are_scored_by_what_contradicts_them) {
  rules::ConsistencyPolicy p;
  p.script_fingerprints = {"t13d1812h1_85036bcba153_b26ce05bbdd6"};
  BOOST_TEST(bulwark::consistency::claims_browser(kChromeUa));
  BOOST_TEST(bulwark::consistency::claims_browser(
      "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"));
  BOOST_TEST(!bulwark::consistency::claims_browser("curl/7.88.1"));
  BOOST_TEST(!bulwark::consistency::claims_browser("python-requests/2.31.0"));
  BOOST_TEST(!bulwark::consistency::claims_browser(
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
  // Chrome navigating (over plain HTTP: no client hints, no Sec-Fetch).
  const Head chrome("GET", {{"Host", "a"},
                            {"Connection", "keep-alive"},
                            {"Upgrade-Insecure-Requests", "1"},
                            {"User-Agent", kChromeUa},
                            {"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"},
                            {"Accept-Encoding", "gzip, deflate"},
                            {"Accept-Language", "en-US,en;q=0.9"}});
  BOOST_TEST(score(p, chrome) == 0u);
  const Head firefox("GET", {{"Host", "a"},
                             {"User-Agent",
                              "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                              "Gecko/20100101 Firefox/128.0"},
                             {"Accept", "text/html,*/*;q=0.8"},
                             {"Accept-Language", "en-US,en;q=0.5"},
                             {"Accept-Encoding", "gzip, deflate"},
                             {"Connection", "keep-alive"}});
  BOOST_TEST(score(p, firefox) == 0u);
  // Python requests with a copied Chrome user agent: its own header order, no language.
  const Head requests("GET", {{"Host", "a"},
                              {"User-Agent", kChromeUa},
                              {"Accept-Encoding", "gzip, deflate"},
                              {"Accept", "*/*"},
                              {"Connection", "keep-alive"}});
  const auto r = bulwark::consistency::score_request(p, requests.h, {});
  BOOST_TEST(r.browser);
  BOOST_TEST(r.score == 80u);  // missing_accept_language 40 + header_order 40
  BOOST_TEST(r.signals == ((1u << static_cast<unsigned>(Signal::missing_accept_language)) |
                           (1u << static_cast<unsigned>(Signal::header_order))));
  // urllib: no Accept, no Accept-Language; identity encoding.
  BOOST_TEST(score(p, Head("GET", {{"Accept-Encoding", "identity"},
                                   {"Host", "a"},
                                   {"User-Agent", kChromeUa},
                                   {"Connection", "close"}})) == 60u);
  // A listed scripting library's TLS fingerprint behind a browser's headers; HTTP/1.0.
  BOOST_TEST(score(p, chrome, "t13d1812h1_85036bcba153_b26ce05bbdd6") == 60u);
  BOOST_TEST(score(p, chrome, "t13d1516h2_8daaf6152771_02713d6af862") == 0u);
  Head old("GET",
           {{"User-Agent", kChromeUa},
            {"Accept", "*/*"},
            {"Accept-Language", "en"},
            {"Accept-Encoding", "gzip"}},
           0);
  BOOST_TEST(score(p, old) == 30u);
  // Not a browser claim: not scored at all.
  const auto c =
      bulwark::consistency::score_request(p, Head("GET", {{"User-Agent", "curl/7.88.1"}}).h, {});
  BOOST_TEST(!c.browser);
  BOOST_TEST(c.score == 0u);
  // Weights are the policy's.
  p.weights[static_cast<unsigned>(Signal::header_order)] = 0;
  BOOST_TEST(score(p, requests) == 40u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(challenge_rules)

BOOST_AUTO_TEST_CASE(sections_reach_the_bundle) {
  auto b = test::bundle_of(
      "challenge: {difficulty: 12, ttl: 600}\n"
      "consistency:\n"
      "  mode: monitor\n"
      "  action: block\n"
      "  threshold: 70\n"
      "  weights: {header_order: 10, http10: 0}\n"
      "  script_fingerprints: [t13d1812h1_85036bcba153_b26ce05bbdd6]\n"
      "limits:\n"
      "  - {id: 9, name: l, key: [client_ip], rate: 5/s, action: challenge}\n"
      "rules:\n"
      "  - {id: 1, name: c, action: challenge, match: {field: path, prefix: /account}}\n"
      "  - id: 2\n"
      "    name: d\n"
      "    action: decoy\n"
      "    respond: {body: '{\"ok\":true}', headers: {Content-Type: application/json}}\n"
      "    match: {field: path, equals: /api/login}\n");
  BOOST_TEST(b->challenge.difficulty == 12);
  BOOST_TEST(b->challenge.ttl_s == 600u);
  BOOST_TEST(b->consistency.enabled);
  BOOST_TEST((b->consistency.mode == rules::Mode::monitor));
  BOOST_TEST((b->consistency.action == rules::Action::block));
  BOOST_TEST(b->consistency.threshold == 70u);
  BOOST_TEST(b->consistency.weights[static_cast<unsigned>(Signal::header_order)] == 10);
  BOOST_TEST(b->consistency.weights[static_cast<unsigned>(Signal::http10)] == 0);
  BOOST_TEST(b->consistency.weights[static_cast<unsigned>(Signal::missing_accept_language)] == 40);
  BOOST_TEST(b->consistency.script_fingerprints.size() == 1u);
  BOOST_TEST(b->challenges);  // the rule and the limit challenge
  // The decoy answers 200 with its body; the challenge rule is the decisive one.
  bulwark::signatures::Matcher m(*b);
  auto r = bulwark::signatures::evaluate_requests(m, "POST /api/login HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST_REQUIRE(r.size() == 1u);
  const auto j = bulwark::signatures::result_json(*b, r[0]);
  BOOST_TEST(j["verdict"]["action"] == "decoy");
  BOOST_TEST(j["verdict"]["status"] == 200);
  r = bulwark::signatures::evaluate_requests(m, "GET /account HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST(bulwark::signatures::result_json(*b, r[0])["verdict"]["action"] == "challenge");
}

BOOST_AUTO_TEST_CASE(decoy_decisions_answer_their_policys_success) {
  auto b = test::bundle_of(
      "identity: {api_key_header: X-Key}\n"
      "logins: [{name: web, path: /login}]\n"
      "credential_stuffing:\n"
      "  action: decoy\n"
      "  decoy: {status: 200, body: '{\"token\":\"0f3a9c\"}'}\n"
      "enumeration:\n"
      "  - {name: a, path: \"/a/{id}\", action: block}\n"
      "  - {name: b, path: \"/b/{id}\", action: decoy, decoy: {content_type: text/plain, "
      "body: none}}\n");
  BOOST_TEST((b->stuffing.action == rules::Action::decoy));
  BOOST_TEST(b->stuffing.decoy.body == "{\"token\":\"0f3a9c\"}");
  BOOST_TEST(b->objects[1].decoy.content_type == "text/plain");
  std::string error;
  std::string bytes;
  {
    // The answers the workers send, prepared with the rule set.
    auto set = rules::parse_rules_yaml(
        "logins: [{name: web, path: /login}]\n"
        "credential_stuffing: {action: decoy}\n",
        "t.yaml", error);
    BOOST_TEST_REQUIRE(set.has_value(), error);
    auto raw = rules::compile_bundle(*set, 1, error);
    BOOST_TEST_REQUIRE(raw.has_value(), error);
    auto a = bulwark::inspect::ActiveRules::load(raw->data(), raw->size(), "t", 1, 4, 1, error);
    BOOST_TEST_REQUIRE(a != nullptr, error);
    BOOST_TEST_REQUIRE(a->decoys.size() == 1u);
    bytes = a->decoys[0];
    BOOST_TEST(a->decoy_status[0] == 200);
  }
  BOOST_TEST(bytes.rfind("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", 0) == 0u);
  BOOST_TEST(bytes.substr(bytes.find("\r\n\r\n") + 4) == "{}");
}

BOOST_AUTO_TEST_CASE(a_cleared_challenge_leaves_the_next_enforcing_rule) {
  // 20 log rules that match every request (more than a verdict records), then a
  // challenge rule, then a block rule, all on /account: with a clearance the block
  // rule must still decide.
  std::string yaml = "rules:\n";
  for (int i = 1; i <= 20; ++i) {
    yaml += "  - {id: ";
    yaml += std::to_string(i);
    yaml += ", name: l, action: log, match: {field: path, prefix: /}}\n";
  }
  yaml += "  - {id: 100, name: c, action: challenge, match: {field: path, prefix: /account}}\n";
  yaml += "  - {id: 101, name: b, action: block, match: {field: path, prefix: /account/admin}}\n";
  auto b = test::bundle_of(yaml);
  bulwark::signatures::Matcher m(*b);
  auto r =
      bulwark::signatures::evaluate_requests(m, "GET /account/admin HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST_REQUIRE(r.size() == 1u);
  const auto& v = r[0].verdict;
  BOOST_TEST(b->rules[static_cast<size_t>(v.decisive)].id == 100u);
  BOOST_TEST_REQUIRE(v.decisive_unchallenged >= 0);
  BOOST_TEST(b->rules[static_cast<size_t>(v.decisive_unchallenged)].id == 101u);
  // Both are reported (events name the rules that decided), past the decoys.
  BOOST_TEST_REQUIRE(v.matched_count == bulwark::inspect::kMaxMatched);
  BOOST_TEST(b->rules[v.matched[bulwark::inspect::kMaxMatched - 1]].id == 100u);
  BOOST_TEST(b->rules[v.matched[bulwark::inspect::kMaxMatched - 2]].id == 101u);
  r = bulwark::signatures::evaluate_requests(m, "GET /account/me HTTP/1.1\r\nHost: a\r\n\r\n");
  BOOST_TEST(r[0].verdict.decisive_unchallenged == -1);
}

BOOST_AUTO_TEST_CASE(errors_have_lines) {
  const auto err = test::error_of;
  BOOST_TEST(err("challenge: {difficulty: 30}\n").find("t.yaml:1:") == 0u);
  BOOST_TEST(err("challenge: {ttl: 5}\n").find("t.yaml:1:") == 0u);
  BOOST_TEST(err("consistency: {action: decoy}\n").find("consistency 'action' must be") !=
             std::string::npos);
  BOOST_TEST(err("consistency: {weights: {bogus: 1}}\n").find("bogus") != std::string::npos);
  BOOST_TEST(
      err("rules:\n  - {id: 1, name: x, action: challenge, match: {field: body, contains: a}}\n")
          .find("a challenge is decided on the request head") != std::string::npos);
  BOOST_TEST(
      err("rules:\n  - {id: 1, name: x, action: challenge, match: {field: ja4, equals: a}}\n")
          .find("cannot answer in HTTP") != std::string::npos);
  BOOST_TEST(err("limits:\n  - {id: 1, name: x, key: [client_ip], rate: 1/s, action: decoy}\n")
                 .find("a limit's 'action' must be") != std::string::npos);
  BOOST_TEST(err("credential_stuffing: {action: log}\n")
                 .find("credential_stuffing 'action' must be block, respond, challenge or decoy") !=
             std::string::npos);
  BOOST_TEST(err("credential_stuffing: {action: block, decoy: {status: 200}}\n")
                 .find("'decoy' is only for action: decoy") != std::string::npos);
  BOOST_TEST(
      err("credential_stuffing: {action: decoy, decoy: {status: 100}}\n").find("decoy.status") !=
      std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
