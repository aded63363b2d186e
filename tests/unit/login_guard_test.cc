// Credential stuffing: usernames from login bodies (JSON and forms, hostile shapes), the
// HyperLogLog's accuracy where thresholds lie, the detector's decisions (distinct
// usernames per fingerprint and address, usernames from many addresses, the failure
// ratio against a learned baseline, expiry, monitor mode) and the login/policy sections.
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <random>
#include <set>
#include <string>

#include "dataplane/features/login_guard/login_username.h"
#include "dataplane/features/login_guard/stuffing_detector.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/hll.h"
#include "dataplane/inspect/route_match.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"
#include "tests/unit/rule_helpers.h"

using namespace bulwark;

namespace {

std::string json_user(std::string_view body, std::string_view field = "username") {
  char out[64];
  size_t n = 0;
  if (!bulwark::login_guard::username_from_json(body, field, out, sizeof out, n)) return "<none>";
  return std::string(out, n);
}

std::string form_user(std::string_view body, std::string_view field = "username") {
  char out[64];
  size_t n = 0;
  if (!bulwark::login_guard::username_from_form(body, field, out, sizeof out, n)) return "<none>";
  return std::string(out, n);
}

bulwark::login_guard::LoginRecord record(uint32_t ip, const std::string& user,
                                         const std::string& fp,
                                         bulwark::login_guard::LoginOutcome outcome) {
  bulwark::login_guard::LoginRecord r{};
  r.status = outcome == bulwark::login_guard::LoginOutcome::success   ? 200
             : outcome == bulwark::login_guard::LoginOutcome::failure ? 401
                                                                      : 0;
  r.ip_len = 4;
  std::memcpy(r.ip, &ip, 4);
  std::memcpy(r.prefix, &ip, 3);
  r.prefix_bits = 24;
  bulwark::identity::digest_bytes(reinterpret_cast<const uint8_t*>(user.data()), user.size(),
                                  r.user);
  r.has_user = 1;
  if (!fp.empty()) {
    bulwark::identity::digest_bytes(reinterpret_cast<const uint8_t*>(fp.data()), fp.size(),
                                    r.fingerprint);
    r.has_fingerprint = 1;
    std::strncpy(r.fingerprint_text, fp.c_str(), sizeof r.fingerprint_text - 1);
  }
  r.outcome = outcome;
  return r;
}

// "user7": built by appending (GCC 12 warns wrongly on "literal" + std::string).
std::string numbered(const char* prefix, uint64_t n) {
  std::string s = prefix;
  s += std::to_string(n);
  return s;
}

rules::StuffingPolicy policy() {
  rules::StuffingPolicy p;
  p.enabled = true;
  p.window_s = 60;
  p.ttl_s = 600;
  p.ip_users = 10;
  p.prefix_users = 0;
  p.fingerprint_users = 50;
  p.username_ips = 20;
  p.ratio_min_attempts = 50;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stuffing)

// Login and object endpoints match every spelling some server routes to the same
// handler: case, one trailing slash (and ';' parameters, stripped in the route view).
BOOST_AUTO_TEST_CASE(endpoints_match_on_routes) {
  using bulwark::inspect::route_is;
  using bulwark::inspect::route_template;
  for (const char* r : {"/login", "/login/", "/LOGIN", "/Login/"})
    BOOST_TEST(route_is(r, "/login"), r);
  for (const char* r : {"/logins", "/login/x", "/", "/log"}) BOOST_TEST(!route_is(r, "/login"), r);
  std::string_view id;
  BOOST_TEST(route_template("/customers/5/", "/customers/", "", id));
  BOOST_TEST(id == "5");
  BOOST_TEST(route_template("/CUSTOMERS/7/Orders", "/customers/", "/orders", id));
  BOOST_TEST(id == "7");
  BOOST_TEST(!route_template("/customers/5/x", "/customers/", "", id));
  BOOST_TEST(!route_template("/customers/", "/customers/", "", id));
}

BOOST_AUTO_TEST_CASE(usernames_from_json_bodies) {
  BOOST_TEST(json_user(R"({"username":"alice","password":"x"})") == "alice");
  BOOST_TEST(json_user(R"( { "password" : "p\"w" , "username" : "bob" } )") == "bob");
  // Nested values with look-alike keys are skipped, not matched.
  BOOST_TEST(
      json_user(
          R"({"meta":{"username":"evil"},"list":["username",1,{"a":[2]}],"n":-1.5e3,"ok":true,"username":"carol"})") ==
      "carol");
  BOOST_TEST(json_user(R"({"username":"a\u00e9\n\"b"})") == "a\xc3\xa9\n\"b");
  BOOST_TEST(json_user(R"({"username":"\ud83d\ude00"})") ==
             "\xf0\x9f\x98\x80");                           // a pair: one code point
  BOOST_TEST(json_user(R"({"username":42})") == "<none>");  // not a string
  BOOST_TEST(json_user(R"({"user":"x"})") == "<none>");
  BOOST_TEST(json_user(R"({"username":"unterminated)") == "<none>");
  BOOST_TEST(json_user(R"([{"username":"x"}])") == "<none>");  // not an object
  BOOST_TEST(json_user(R"({"username":"x\q"})") == "<none>");  // bad escape
  BOOST_TEST(json_user("{\"username\":\"" + std::string(100, 'a') + "\"}") ==
             "<none>");  // too long
  BOOST_TEST(json_user(R"({"a":{"b":{"c":{"d":[[[["x"]]]]}}},"username":"deep"})") == "deep");
  BOOST_TEST(json_user(R"({"email":"u@example.com"})", "email") == "u@example.com");
  // Duplicates: the last one, as the server's parser reads it (also spelled with escapes).
  BOOST_TEST(json_user(R"({"username":"decoy","user\u006eame":"victim"})") == "victim");
}

BOOST_AUTO_TEST_CASE(usernames_from_forms) {
  BOOST_TEST(form_user("username=alice&password=x") == "alice");
  BOOST_TEST(form_user("password=x&username=b%C3%A9+c") == "b\xc3\xa9 c");
  BOOST_TEST(form_user("xusername=no&username=yes") == "yes");
  BOOST_TEST(form_user("password=x") == "<none>");
  BOOST_TEST(form_user("username=%zz") == "%zz");                // not an escape: kept as is
  BOOST_TEST(form_user("user%6Eame=decoded&x=1") == "decoded");  // names are encoded too
  BOOST_TEST(form_user("username=first&username=last") == "last");
}

BOOST_AUTO_TEST_CASE(distinct_counts_exact_then_estimated) {
  bulwark::inspect::DistinctCounter c;
  std::mt19937_64 rng(5);
  for (unsigned i = 1; i <= 32; ++i) {
    const uint64_t v = rng();
    c.add(v);
    c.add(v);
    BOOST_TEST(c.estimate() == double(i));
  }
  for (unsigned i = 33; i <= 1000; ++i) c.add(rng());
  BOOST_TEST(std::abs(c.estimate() - 1000) <= 120);
}

BOOST_AUTO_TEST_CASE(hll_is_near_exact_at_small_counts) {
  std::mt19937_64 rng(3);
  for (unsigned n : {1u, 10u, 50u, 200u, 5000u}) {
    bulwark::inspect::Hll h;
    for (unsigned i = 0; i < n; ++i) {
      const uint64_t v = rng();
      h.add(v);
      h.add(v);  // repeats do not count
    }
    const double e = h.estimate();
    const double tolerance = n <= 50 ? 0.06 : 0.15;
    BOOST_TEST(std::abs(e - n) <= tolerance * n + 0.5, "n=" << n << " estimate " << e);
  }
}

BOOST_AUTO_TEST_CASE(one_fingerprint_over_many_usernames_is_decided) {
  bulwark::login_guard::StuffingDetector d;
  d.configure(policy(), {"login"});
  std::vector<nlohmann::json> ev;
  const std::string fp = "t13d1715h2_5b57614c22b0_3d5424432f57";
  // 40 addresses, one failure each, one fingerprint: nothing yet (past 32 the count is
  // a HyperLogLog: within a few percent of 50 it may go either way).
  for (uint32_t i = 0; i < 40; ++i)
    d.add(record(0x0a000000 + i * 256, numbered("user", i), fp,
                 bulwark::login_guard::LoginOutcome::failure),
          1000, ev);
  BOOST_TEST(d.decisions().active() == 0u);
  BOOST_TEST(!d.decisions().take_changed());
  for (uint32_t i = 40; i < 60 && d.decisions().active() == 0; ++i)
    d.add(record(0x0a000000 + i * 256, numbered("user", i), fp,
                 bulwark::login_guard::LoginOutcome::failure),
          1001, ev);
  BOOST_TEST_REQUIRE(d.decisions().active() == 1u);
  BOOST_TEST(d.decisions().take_changed());
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["check"] == "fingerprint");
  BOOST_TEST(ev[0]["key"] == "fingerprint=" + fp);
  BOOST_TEST(ev[0]["enforced"] == true);
  const auto entries = d.decisions().block_entries();
  BOOST_TEST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0]["kind"] == "fingerprint");
  BOOST_TEST(entries[0]["digest"].get_binary().size() == 16u);
  // Successes never count; the same username again does not either.
  for (int i = 0; i < 100; ++i)
    d.add(record(0x0c000001, "alice", "t13d1516h2_8daaf6152771_02713d6af862",
                 i % 2 ? bulwark::login_guard::LoginOutcome::success
                       : bulwark::login_guard::LoginOutcome::failure),
          1002, ev);
  BOOST_TEST(d.decisions().active() == 1u);
  // The decision ends with its TTL.
  BOOST_TEST(!d.decisions().expire(1600));
  BOOST_TEST(d.decisions().expire(1601));
  BOOST_TEST(d.decisions().active() == 0u);
  BOOST_TEST(d.decisions().block_entries().empty());
}

BOOST_AUTO_TEST_CASE(addresses_usernames_and_monitor_mode) {
  bulwark::login_guard::StuffingDetector d;
  rules::StuffingPolicy p = policy();
  p.mode = rules::Mode::monitor;
  d.configure(p, {"login"});
  std::vector<nlohmann::json> ev;
  for (int i = 0; i < 9; ++i)  // exact below 32: 9 is not 10
    d.add(record(0x01020304, numbered("u", i), "", bulwark::login_guard::LoginOutcome::failure), 10,
          ev);
  BOOST_TEST(ev.empty());
  d.add(record(0x01020304, "u9", "", bulwark::login_guard::LoginOutcome::failure), 10, ev);
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["check"] == "client_ip");
  BOOST_TEST(ev[0]["enforced"] == false);  // monitor: reported only
  BOOST_TEST(!d.decisions().take_changed());
  BOOST_TEST(d.decisions().block_entries().empty());
  // One username failing from 20 addresses: an account under attack (reported).
  ev.clear();
  for (uint32_t i = 0; i < 20; ++i)
    d.add(record(0x05000000 + (i << 16), "victim", "", bulwark::login_guard::LoginOutcome::failure),
          11, ev);
  bool account = false;
  for (const auto& e : ev) account = account || e["type"] == "account_attack";
  BOOST_TEST(account);
}

BOOST_AUTO_TEST_CASE(failure_ratio_against_the_learned_baseline) {
  bulwark::login_guard::StuffingDetector d;
  rules::StuffingPolicy p = policy();
  p.window_s = 10;
  p.ip_users = p.fingerprint_users = p.username_ips = 0;
  d.configure(p, {"login"});
  std::vector<nlohmann::json> ev;
  // Two ordinary windows: 100 attempts, 5 failures each.
  for (uint64_t w = 0; w < 2; ++w)
    for (int i = 0; i < 100; ++i)
      d.add(record(0x01000000 + i, "u", "",
                   i < 5 ? bulwark::login_guard::LoginOutcome::failure
                         : bulwark::login_guard::LoginOutcome::success),
            100 + w * 10, ev);
  BOOST_TEST(ev.empty());
  // The third window: half fail.
  for (int i = 0; i < 100; ++i)
    d.add(record(0x02000000 + i, numbered("u", i), "",
                 i % 2 ? bulwark::login_guard::LoginOutcome::failure
                       : bulwark::login_guard::LoginOutcome::success),
          125, ev);
  BOOST_TEST_REQUIRE(ev.size() == 1u);  // once per window
  BOOST_TEST(ev[0]["type"] == "login_attack");
  BOOST_TEST(ev[0]["baseline_windows"] == 2);
  BOOST_TEST(std::abs(ev[0]["baseline"].get<double>() - 0.05) < 1e-9);
  BOOST_TEST(d.counters().attack_windows == 1u);
}

BOOST_AUTO_TEST_CASE(an_alarm_opens_the_login_guard_for_unknown_fingerprints) {
  bulwark::login_guard::StuffingDetector d;
  rules::StuffingPolicy p = policy();
  p.window_s = 10;
  p.ip_users = p.fingerprint_users = p.username_ips = 0;
  p.challenge_unknown = true;
  p.ttl_s = 300;
  d.configure(p, {"login"});
  std::vector<nlohmann::json> ev;
  // Two ordinary windows: browsers A and B log in (B fails now and then).
  for (uint64_t w = 0; w < 2; ++w)
    for (int i = 0; i < 100; ++i)
      d.add(record(0x01000000 + i, "u", i % 2 ? "fp-browser-a" : "fp-browser-b",
                   i < 5 ? bulwark::login_guard::LoginOutcome::failure
                         : bulwark::login_guard::LoginOutcome::success),
            100 + w * 10, ev);
  BOOST_TEST(d.guard_json(115).is_null());
  BOOST_TEST(!d.take_guard_changed(115));
  // The attack window: a tool (fingerprint C) mostly fails, sometimes succeeds.
  for (int i = 0; i < 100; ++i)
    d.add(record(0x02000000 + i, numbered("u", i), "fp-tool-c",
                 i % 5 ? bulwark::login_guard::LoginOutcome::failure
                       : bulwark::login_guard::LoginOutcome::success),
          125, ev);
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["challenge_unknown"] == true);
  BOOST_TEST(ev[0]["enforced"] == true);
  BOOST_TEST(ev[0]["known_fingerprints"] == 2);
  BOOST_TEST(ev[0]["guard_until_unix"] == 425);
  BOOST_TEST(d.take_guard_changed(126));
  BOOST_TEST(!d.take_guard_changed(127));
  const auto g = d.guard_json(126);
  BOOST_TEST_REQUIRE(g.is_object());
  BOOST_TEST(g["expires_unix"] == 425);
  // A and B are known; C's successes in the attack window never make it known.
  auto digest = [](const std::string& t) {
    bulwark::identity::Digest x;
    bulwark::identity::digest_bytes(reinterpret_cast<const uint8_t*>(t.data()), t.size(), x);
    return std::string(reinterpret_cast<const char*>(x), 16);
  };
  std::set<std::string> known;
  for (const auto& k : g["known"])
    known.insert(std::string(k.get_binary().begin(), k.get_binary().end()));
  BOOST_TEST((known == std::set<std::string>{digest("fp-browser-a"), digest("fp-browser-b")}));
  d.add(record(0x03000000, "x", "fp-tool-c", bulwark::login_guard::LoginOutcome::success), 140, ev);
  BOOST_TEST(d.known_fingerprints() == 2u);  // the alarmed window taught nothing
  d.add(record(0x03000001, "x", "fp-tool-c", bulwark::login_guard::LoginOutcome::success), 150, ev);
  BOOST_TEST(d.known_fingerprints() == 2u);  // nor one with too few attempts
  // Nothing changed for the open guard since it was taken: nothing to push.
  BOOST_TEST(!d.take_guard_changed(151));
  // The guard closes at its TTL.
  BOOST_TEST(d.guard_json(425).is_null());
  BOOST_TEST(d.take_guard_changed(425));
  // Only 2xx outcomes in two ordinary windows in a row teach: a 400 ("malformed", not a
  // failure status) never does, and the window before an alarm is forgotten.
  {
    bulwark::login_guard::StuffingDetector e;
    rules::StuffingPolicy q = p;
    e.configure(q, {"login"});
    std::vector<nlohmann::json> ev2;
    for (uint64_t w = 0; w < 3; ++w)
      for (int i = 0; i < 100; ++i) {
        bulwark::login_guard::LoginRecord r =
            record(0x01000000 + i, "u", i % 2 ? "fp-ok" : "fp-400",
                   bulwark::login_guard::LoginOutcome::success);
        if (i % 2 == 0) r.status = 400;
        e.add(r, 100 + w * 10, ev2);
      }
    e.add(record(1, "u", "fp-ok", bulwark::login_guard::LoginOutcome::success), 130,
          ev2);  // rolls 120
    BOOST_TEST(e.known_fingerprints() == 1u);
    const auto g0 = e.guard_json(131);
    BOOST_TEST(g0.is_null());
  }
  // In monitor mode the alarm reports the guard but opens none.
  bulwark::login_guard::StuffingDetector m;
  p.mode = rules::Mode::monitor;
  m.configure(p, {"login"});
  ev.clear();
  for (uint64_t w = 0; w < 2; ++w)
    for (int i = 0; i < 100; ++i)
      m.add(record(0x01000000 + i, "u", "fp-a",
                   i < 5 ? bulwark::login_guard::LoginOutcome::failure
                         : bulwark::login_guard::LoginOutcome::success),
            100 + w * 10, ev);
  for (int i = 0; i < 100; ++i)
    m.add(record(0x02000000 + i, numbered("u", i), "fp-c",
                 bulwark::login_guard::LoginOutcome::failure),
          125, ev);
  BOOST_TEST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0]["enforced"] == false);
  BOOST_TEST(m.guard_json(126).is_null());
}

BOOST_AUTO_TEST_CASE(login_sections_reach_the_bundle) {
  auto b = test::bundle_of(
      "logins:\n"
      "  - {name: web, path: /login, username: {form: user}, failure: {status: [401], "
      "body_contains: invalid}}\n"
      "credential_stuffing:\n  mode: monitor\n  window: 30\n  thresholds: {fingerprint: 20}\n"
      "  failure_ratio: {factor: 2.5}\n");
  BOOST_TEST_REQUIRE(b->logins.size() == 1u);
  BOOST_TEST(b->logins[0].form);
  BOOST_TEST(b->logins[0].field == "user");
  BOOST_TEST(b->logins[0].failure_body == "invalid");
  BOOST_TEST(b->stuffing.enabled);
  BOOST_TEST((b->stuffing.mode == rules::Mode::monitor));
  BOOST_TEST(b->stuffing.window_s == 30u);
  BOOST_TEST(b->stuffing.fingerprint_users == 20u);
  BOOST_TEST(std::abs(b->stuffing.ratio_factor - 2.5) < 1e-9);
  const auto err = test::error_of;
  BOOST_TEST(err("credential_stuffing: {window: 60}\n")
                 .find("t.yaml:1: credential_stuffing needs at least one entry in 'logins:'") ==
             0u);
  BOOST_TEST(
      err("logins:\n  - {name: x, path: login}\n").find("t.yaml:2: 'path' must start with /") ==
      0u);
  BOOST_TEST(
      err("logins:\n  - {name: x, path: /l, username: {xml: u}}\n").find("unknown key 'xml'") !=
      std::string::npos);
  BOOST_TEST(err("logins: [{name: x, path: /l}]\ncredential_stuffing: {action: log}\n")
                 .find("use mode: monitor") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
