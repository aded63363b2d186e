// Suricata rule import: the shipped sample of ET-style rules imports with the expected
// rules and per-rule warnings, and the imported rules match (and do not match) requests
// as the Suricata originals would.
#include "rules/lang/suricata_import.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "dataplane/features/signatures/request_eval.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

using namespace bulwark;

namespace {

const std::string kSample = std::string(BULWARK_SOURCE_ROOT) + "/rules/examples/http-sample.rules";

struct Imported {
  rules::RuleSet set;
  std::unique_ptr<rules::Bundle> bundle;
  Imported() {
    std::string error;
    auto s = rules::load_rule_files({kSample}, error);
    BOOST_TEST_REQUIRE(s.has_value(), error);
    set = std::move(*s);
    auto bytes = rules::compile_bundle(set, 1, error);
    BOOST_TEST_REQUIRE(bytes.has_value(), error);
    bundle = rules::Bundle::load(bytes->data(), bytes->size(), error);
    BOOST_TEST_REQUIRE(bundle != nullptr, error);
  }
  std::set<uint32_t> sids(const std::string& request) const {
    bulwark::signatures::Matcher m(*bundle);
    std::set<uint32_t> out;
    for (const auto& r : bulwark::signatures::evaluate_requests(m, request))
      for (unsigned i = 0; i < r.verdict.matched_count; ++i)
        out.insert(bundle->rules[r.verdict.matched[i]].id);
    return out;
  }
};

std::string get(const std::string& target, const std::string& headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: Mozilla/5.0\r\n" +
         headers + "\r\n";
}

bool has(const std::set<uint32_t>& s, uint32_t sid) { return s.count(sid) != 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(suricata_import)

BOOST_AUTO_TEST_CASE(sample_imports_what_it_can_and_says_why_not) {
  Imported im;
  std::set<uint32_t> ids;
  for (const auto& r : im.set.rules) ids.insert(r.id);
  BOOST_TEST(
      (ids == std::set<uint32_t>{2002677, 2008538, 2009361, 2034647, 2034648, 2006446, 2100001,
                                 2100002, 2100003, 2100004, 2100005, 2100006, 2100011, 2100012}));
  std::string all;
  for (const auto& w : im.set.warnings) all += w + "\n";
  BOOST_TEST(all.find(":5: sid 2008538: 'threshold' ignored") != std::string::npos, all);
  BOOST_TEST(all.find("protocol 'tcp' is not imported") != std::string::npos);
  BOOST_TEST(all.find("keyword 'flowbits' is not supported") != std::string::npos);
  BOOST_TEST(all.find("flow:to_client") != std::string::npos);
  BOOST_TEST(all.find("has no HTTP buffer") != std::string::npos);
  for (const auto& r : im.set.rules)
    if (r.id == 2006446)
      BOOST_TEST((r.action == rules::Action::block));  // drop -> block
    else
      BOOST_TEST((r.action == rules::Action::log));  // alert -> log
}

BOOST_AUTO_TEST_CASE(imported_rules_match_like_the_originals) {
  Imported im;
  BOOST_TEST(
      has(im.sids("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: Mozilla/5.00 (nikto/2.1.6)\r\n\r\n"),
          2002677));
  BOOST_TEST(has(im.sids("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: sqlmap/1.7\r\n\r\n"), 2008538));
  BOOST_TEST(has(im.sids(get("/static/%2e%2e/%2e%2e/etc/PASSWD")), 2009361));  // normalised uri
  BOOST_TEST(has(im.sids(get("/?x=%24%7Bjndi:ldap://e/a%7D")), 2034647) ==
             false);  // raw uri: encoded
  BOOST_TEST(has(im.sids(get("/?x=${jndi:ldap://e/a}")), 2034647));
  BOOST_TEST(has(im.sids(get("/", "X-Api-Version: ${jndi:ldap://e/a}\r\n")), 2034648));
  BOOST_TEST(has(im.sids(get("/", "X-Api-Version: ${JNDI:x}\r\n")), 2034648));  // pcre i
  BOOST_TEST(has(im.sids(get("/p?id=1+union+all+select+2")), 2006446));
  BOOST_TEST(!has(im.sids(get("/p?id=1+select")), 2006446));  // both contents needed
  BOOST_TEST(has(im.sids("POST /wp-login.php HTTP/1.1\r\nHost: a\r\nUser-Agent: "
                         "Mozilla\r\nContent-Length: 0\r\n\r\n"),
                 2100001));
  BOOST_TEST(!has(im.sids("POST /blog/wp-login.php HTTP/1.1\r\nHost: a\r\nUser-Agent: "
                          "Mozilla\r\nContent-Length: 0\r\n\r\n"),
                  2100001));
  BOOST_TEST(has(im.sids(get("/run?cmd=ls;whoami")), 2100002));
  BOOST_TEST(!has(im.sids(get("/run?cmd=ls&page=" + std::string(40, 'a') + "whoami")),
                  2100002));  // within
  BOOST_TEST(has(im.sids("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: masscan/1.3\r\n\r\n"), 2100003));
  BOOST_TEST(!has(im.sids("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: x masscan/1.3\r\n\r\n"),
                  2100003));  // depth
  BOOST_TEST(has(im.sids(std::string("POST /x HTTP/1.1\r\nHost: a\r\nUser-Agent: "
                                     "Mozilla\r\nContent-Length: 7\r\n\r\n\0\0admin",
                                     77)),
                 2100004));
  BOOST_TEST(
      has(im.sids("POST /x HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8\r\nContent-Length: 0\r\n\r\n"),
          2100005));
  BOOST_TEST(!has(
      im.sids(
          "POST /x HTTP/1.1\r\nHost: a\r\nUser-Agent: Mozilla/5.0\r\nContent-Length: 0\r\n\r\n"),
      2100005));
  BOOST_TEST(has(im.sids(get("/", "Cookie: id=x' OR '1'='1\r\n")), 2100006));
  BOOST_TEST(has(im.sids(get("/" + std::string(2100, 'a'))), 2100011));
  BOOST_TEST(!has(im.sids(get("/short")), 2100011));
  BOOST_TEST(
      has(im.sids("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: Nuclei - Open-source project\r\n\r\n"),
          2100012));
  BOOST_TEST(im.sids(get("/index.html")).empty());  // a clean request matches nothing
}

BOOST_AUTO_TEST_CASE(bad_input_is_reported_per_rule) {
  std::string error;
  auto s = rules::import_suricata_rules(
      "alert http any any -> any any (msg:\"x\"; http.uri; content:\"a\"; sid:1;)\n"
      "alert http any any -> any any (msg:\"no sid\"; http.uri; content:\"a\";)\n"
      "alert http any any -> any any (msg:\"unterminated; http.uri; content:\"a\"; sid:3;)\n"
      "alert http any any -> any any (msg:\"bad hex\"; http.uri; content:\"|4G|\"; sid:4;)\n"
      "alert http any any -> any any (msg:\"relative pcre\"; http.uri; content:\"a\"; "
      "pcre:\"/b/R\"; sid:5;)\n"
      "garbage line\n",
      "t.rules", error);
  BOOST_TEST_REQUIRE(s.has_value(), error);
  BOOST_TEST(s->rules.size() == 1u);
  std::string all;
  for (const auto& w : s->warnings) all += w + "\n";
  BOOST_TEST(all.find("t.rules:2: rule skipped: no sid") != std::string::npos, all);
  BOOST_TEST(all.find("t.rules:4: rule skipped: bad hex byte") != std::string::npos, all);
  BOOST_TEST(all.find("t.rules:5: rule skipped: pcre flag R") != std::string::npos, all);
  BOOST_TEST(all.find("t.rules:6: rule skipped: not a rule") != std::string::npos, all);
  BOOST_TEST(s->warnings.size() == 5u, all);
  // A file of which nothing imports is an error that lists why.
  BOOST_TEST(
      !rules::import_suricata_rules("alert tcp any any -> any any (sid:1;)\n", "u.rules", error));
  BOOST_TEST(error.find("u.rules: none of its 1 rules") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
