// Rule language, compiler, bundle and matcher: each operator and field, AND/OR/NOT,
// modes and verdict order, body rules across chunks and interleaved requests, errors
// with file:line, and bundles that are damaged or hostile.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "dataplane/features/signatures/request_eval.h"
#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"
#include "tests/unit/rule_helpers.h"

using namespace bulwark;
using namespace bulwark::proto;

namespace {

std::unique_ptr<rules::Bundle> bundle_of(const std::string& yaml) {
  return test::bundle_of(yaml, 7);
}
using test::error_of;

// Ids of the rules a request matched.
std::vector<uint32_t> ids(const rules::Bundle& b, const std::string& req,
                          std::vector<uint8_t> ip = {}) {
  bulwark::signatures::Matcher m(b);
  const auto r = bulwark::signatures::evaluate_requests(m, req, ip.empty() ? nullptr : ip.data(),
                                                        static_cast<uint8_t>(ip.size()));
  std::vector<uint32_t> out;
  for (const auto& x : r)
    for (unsigned i = 0; i < x.verdict.matched_count; ++i)
      out.push_back(b.rules[x.verdict.matched[i]].id);
  return out;
}

std::string one_rule(const std::string& match, const std::string& extra = "") {
  return "rules:\n  - id: 1\n    name: r\n" + extra + "    match: " + match + "\n";
}

std::string get(const std::string& target, const std::string& headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: api.example.com:8443\r\n" + headers + "\r\n";
}

using V = std::vector<uint32_t>;

}  // namespace

BOOST_AUTO_TEST_SUITE(rules_compiler)

BOOST_AUTO_TEST_CASE(string_operators) {
  auto b = bundle_of(one_rule("{field: path, contains: admin}"));
  BOOST_TEST(ids(*b, get("/x/admin/y")) == V{1});
  BOOST_TEST(ids(*b, get("/x/ADMIN")).empty());
  b = bundle_of(one_rule("{field: path, contains: admin, nocase: true}"));
  BOOST_TEST(ids(*b, get("/x/ADMIN")) == V{1});
  b = bundle_of(one_rule("{field: path, prefix: /api/}"));
  BOOST_TEST(ids(*b, get("/api/v1")) == V{1});
  BOOST_TEST(ids(*b, get("/v1/api/")).empty());
  b = bundle_of(one_rule("{field: path, suffix: .php}"));
  BOOST_TEST(ids(*b, get("/index.php")) == V{1});
  BOOST_TEST(ids(*b, get("/index.php/x")).empty());
  b = bundle_of(one_rule("{field: method, equals: DELETE}"));
  BOOST_TEST(ids(*b, "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n") == V{1});
  BOOST_TEST(ids(*b, "DELETEX /x HTTP/1.1\r\nHost: a\r\n\r\n").empty());
  b = bundle_of(one_rule("{field: query, regex: \"id=[0-9]+ or \"}"));
  // A space inside the target: nginx takes the whole line up to the version as the
  // target (and flags it), so the rule sees what nginx serves.
  BOOST_TEST(ids(*b, get("/x?id=1 or 1=1")) == V{1});
  BOOST_TEST(ids(*b, get("/x?id=1+or+1=1")).empty());
  b = bundle_of(one_rule("{field: query_param, name: id, regex: \"^[0-9]+ or \"}"));
  BOOST_TEST(ids(*b, get("/x?a=b&id=1+or+1%3D1")) == V{1});  // decoded value
  // Literals are literal: regex metacharacters in contains match themselves.
  b = bundle_of(one_rule("{field: uri, contains: \"a.b*c\"}"));
  BOOST_TEST(ids(*b, get("/a.b*c")) == V{1});
  BOOST_TEST(ids(*b, get("/axbbc")).empty());
}

BOOST_AUTO_TEST_CASE(fields) {
  auto b = bundle_of(one_rule("{field: host, equals: api.example.com}"));
  BOOST_TEST(ids(*b, get("/")) == V{1});  // port removed
  b = bundle_of(one_rule("{field: header, name: X-Forwarded-Host, contains: evil}"));
  BOOST_TEST(ids(*b, get("/", "x-forwarded-host: evil.com\r\n")) == V{1});
  b = bundle_of(one_rule("{field: cookie, name: session, prefix: admin}"));
  BOOST_TEST(ids(*b, get("/", "Cookie: a=1; session=admin42\r\n")) == V{1});
  BOOST_TEST(ids(*b, get("/", "Cookie: a=admin; session=user\r\n")).empty());
  b = bundle_of(one_rule("{field: user_agent, contains: sqlmap, nocase: true}"));
  BOOST_TEST(ids(*b, get("/", "User-Agent: SQLMap/1.7\r\n")) == V{1});
  b = bundle_of(one_rule("{field: client_ip, in: [198.18.0.0/15, \"2001:db8::/32\"]}"));
  BOOST_TEST(ids(*b, get("/"), {198, 19, 3, 4}) == V{1});
  BOOST_TEST(ids(*b, get("/"), {198, 20, 0, 1}).empty());
  BOOST_TEST(ids(*b, get("/"), {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) ==
             V{1});
  b = bundle_of(one_rule("{field: header, name: X-Debug, exists: true}"));
  BOOST_TEST(ids(*b, get("/", "X-Debug: 1\r\n")) == V{1});
  BOOST_TEST(ids(*b, get("/")).empty());
  b = bundle_of(one_rule("{field: uri, length: {gt: 20}}"));
  BOOST_TEST(ids(*b, get("/" + std::string(25, 'a'))) == V{1});
  BOOST_TEST(ids(*b, get("/short")).empty());
}

// A path test holds for every spelling a server behind the box routes as that path: a
// trailing slash (Express, Spring <= 5), `;` parameters (Tomcat), before and after the
// body (a body rule carries the head's path test).
BOOST_AUTO_TEST_CASE(path_tests_hold_for_each_routed_spelling) {
  auto b = bundle_of(one_rule("{field: path, prefix: /api/v1/orders/666}"));
  BOOST_TEST(ids(*b, get("/api/v1/orders;x=1/666")) == V{1});
  BOOST_TEST(ids(*b, get("/api/v1/orders/66")).empty());
  b = bundle_of(one_rule("{field: path, equals: /login}"));
  for (const char* t : {"/login", "/login/", "/login;jsessionid=1", "/login;x/", "/x/..;/login"})
    BOOST_TEST(ids(*b, get(t)) == V{1}, t);
  for (const char* t : {"/logins", "/", "/login/x", "/log/in"})
    BOOST_TEST(ids(*b, get(t)).empty(), t);
  b = bundle_of(one_rule("{field: path, suffix: /etc/passwd}"));
  BOOST_TEST(ids(*b, get("/files/etc/passwd;.png")) == V{1});
  b = bundle_of(one_rule("{field: path, equals: /}"));
  BOOST_TEST(ids(*b, get("/")) == V{1});  // the root is never trimmed to nothing
  // Under `not`, only the path as nginx and Go route it counts: an exemption of
  // /admin/health does not extend to spellings a server may route elsewhere.
  b = bundle_of(one_rule(
      "{all: [{field: path, prefix: /admin}, {not: {field: path, equals: /admin/health}}]}"));
  BOOST_TEST(ids(*b, get("/admin/health")).empty());
  for (const char* t : {"/admin/health/", "/admin/health;x", "/admin/x"})
    BOOST_TEST(ids(*b, get(t)) == V{1}, t);
  b = bundle_of(
      "rules:\n  - id: 1\n    name: r\n    match:\n      all:\n"
      "        - {not: {field: path, equals: /public}}\n"
      "        - {field: body, contains: secret}\n");
  for (const char* t : {"/public/", "/public;x", "/x"})
    BOOST_TEST(ids(*b, std::string("POST ") + t +
                           " HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nsecret") == V{1},
               t);
  BOOST_TEST(
      ids(*b, "POST /public HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nsecret").empty());
  b = bundle_of(
      "rules:\n  - id: 1\n    name: r\n    match:\n      all:\n"
      "        - {field: path, equals: /login}\n"
      "        - {field: body, contains: \"' or 1=1\"}\n");
  for (const char* t : {"/login/", "/login;x"}) {
    const std::string body = "u=a' or 1=1--";
    BOOST_TEST(ids(*b, std::string("POST ") + t + " HTTP/1.1\r\nHost: a\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body) == V{1},
               t);
  }
}

// Body tests hold for the body as the application decodes it: form fields, JSON
// strings, an escape split across TCP segments (chunks here), whatever the
// Content-Type claims (servers decode by their own rules); decoded once only.
BOOST_AUTO_TEST_CASE(body_tests_hold_for_the_decoded_body) {
  auto b = bundle_of(one_rule("{field: body, contains: \"' or 1=1\", nocase: true}"));
  auto post = [](const std::string& ctype, const std::string& body) {
    return "POST /login HTTP/1.1\r\nHost: a\r\n" +
           (ctype.empty() ? "" : "Content-Type: " + ctype + "\r\n") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  BOOST_TEST(ids(*b, post("application/x-www-form-urlencoded", "u=a%27+OR+1%3d1")) == V{1});
  BOOST_TEST(ids(*b, post("", "u=a%27%20or%201=1")) == V{1});
  BOOST_TEST(ids(*b, post("application/json", R"({"u":"a\u0027 or 1\u003d1"})")) == V{1});
  BOOST_TEST(ids(*b, post("text/plain", R"({"u":"a\u0027 or 1=1"})")) == V{1});
  BOOST_TEST(ids(*b, post("application/x-www-form-urlencoded", "u=a' or 1=1")) == V{1});  // raw
  BOOST_TEST(ids(*b, post("application/octet-stream", "u=a%27+or+1=1")) == V{1});
  BOOST_TEST(ids(*b, post("image/png", R"({"q":"a\u0027 or 1=1"})")) == V{1});
  BOOST_TEST(ids(*b, post("application/json", "data=%7B%22q%22%3A%22%5Cu0027+or+1%3D1%22%7D")) ==
             V{1});
  // A %5c before a JSON escape: percent-decoding first would make it escape the escape;
  // a JSON parser reads the quote (the JSON view of the body as sent has it).
  BOOST_TEST(ids(*b, post("application/json", R"({"user":"%5c\u0027 or 1=1-- "})")) == V{1});
  BOOST_TEST(ids(*b, post("application/x-www-form-urlencoded", "u=a%2527+or+1=1")).empty());
  // Chunks split inside the escapes.
  BOOST_TEST(ids(*b,
                 "POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nu=a\r\n2\r\n%2\r\n6\r\n7+or+1\r\n2\r\n%3\r\n2\r\nD1\r\n0\r\n\r\n") == V{1});
  // Decoding starts at the body's first escape: a pattern that begins before it, an
  // escape as the first byte, and one in a later chunk than the pattern's start.
  BOOST_TEST(ids(*b, post("", "u=a' or 1%3d1")) == V{1});
  BOOST_TEST(ids(*b, post("", R"(\u0027 or 1=1)")) == V{1});
  BOOST_TEST(ids(*b,
                 "POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "7\r\nu=a' or\r\n6\r\n+1%3D1\r\n0\r\n\r\n") == V{1});
  BOOST_TEST(ids(*b,
                 "POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "7\r\nu=a' or\r\n6\r\n+2%3D1\r\n0\r\n\r\n")
                 .empty());
  // A pattern at the very end, behind an unfinished escape.
  b = bundle_of(one_rule("{field: body, regex: \"%4$\"}"));
  BOOST_TEST(ids(*b, post("", "a=%4")) == V{1});
}

BOOST_AUTO_TEST_CASE(boolean_logic_and_ungated_rules) {
  auto b = bundle_of(
      "rules:\n"
      "  - id: 1\n    name: and\n    match: {all: [{field: path, prefix: /api}, {field: method, "
      "equals: POST}]}\n"
      "  - id: 2\n    name: or\n    match: {any: [{field: path, contains: wp-admin}, {field: path, "
      "contains: phpmyadmin}]}\n"
      "  - id: 3\n    name: not\n    match: {not: {field: header, name: Authorization, exists: "
      "true}}\n");
  BOOST_TEST(
      ids(*b, "POST /api/x HTTP/1.1\r\nHost: a\r\nAuthorization: t\r\nContent-Length: 0\r\n\r\n") ==
      V{1});
  BOOST_TEST(ids(*b, get("/api/x", "Authorization: t\r\n")).empty());
  BOOST_TEST(ids(*b, get("/phpmyadmin/", "Authorization: t\r\n")) == V{2});
  BOOST_TEST(ids(*b, get("/")) == V{3});  // no pattern needed: evaluated for every request
  BOOST_TEST(b->ungated.size() == 1u);
}

BOOST_AUTO_TEST_CASE(verdict_order_modes_and_respond) {
  auto b = bundle_of(
      "rules:\n"
      "  - id: 10\n    name: log\n    action: log\n    match: {field: path, contains: x}\n"
      "  - id: 11\n    name: mon\n    mode: monitor\n    match: {field: path, contains: x}\n"
      "  - id: 12\n    name: resp\n    action: respond\n"
      "    respond: {status: 429, headers: {Retry-After: \"10\"}, body: slow down}\n"
      "    match: {field: path, contains: x}\n"
      "  - id: 13\n    name: blk\n    match: {field: path, contains: x}\n");
  bulwark::signatures::Matcher m(*b);
  const auto r = bulwark::signatures::evaluate_requests(m, get("/x"));
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].verdict.matched_count == 4u);
  BOOST_TEST_REQUIRE(r[0].verdict.decisive == 2);  // first enforcing block/respond rule
  const auto& rule = b->rules[2];
  BOOST_TEST(rule.status == 429);
  BOOST_TEST(rule.headers.at(0).first == "Retry-After");
  BOOST_TEST(rule.body == "slow down");
}

BOOST_AUTO_TEST_CASE(body_rules_stream_across_chunks_and_requests) {
  auto b = bundle_of(
      "rules:\n"
      "  - id: 1\n    name: sqli login\n"
      "    match: {all: [{field: path, equals: /login}, {field: body, contains: \"union select\", "
      "nocase: true}]}\n"
      "  - id: 2\n    name: big body\n    match: {field: body, length: {gt: 30}}\n");
  // Chunked body with the pattern split across chunks, then a clean request on the same
  // connection, then the pattern on another path.
  const std::string req =
      "POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nx=1 UN\r\n9\r\nION SELec\r\n2\r\nt!\r\n0\r\n\r\n"
      "POST /login HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
      "POST /other HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\nunion select";
  bulwark::signatures::Matcher m(*b);
  const auto r = bulwark::signatures::evaluate_requests(m, req);
  BOOST_TEST_REQUIRE(r.size() == 3u);
  BOOST_TEST(r[0].verdict.matched_count == 1u);
  BOOST_TEST(b->rules[r[0].verdict.matched[0]].id == 1u);
  BOOST_TEST(r[1].verdict.matched_count == 0u);
  BOOST_TEST(r[2].verdict.matched_count == 0u);  // pattern, but not on /login
  BOOST_TEST(ids(*b, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n" +
                         std::string(40, 'a')) == V{2});
}

BOOST_AUTO_TEST_CASE(interleaved_requests_keep_their_own_body_state) {
  auto b = bundle_of(
      "rules:\n  - id: 1\n    name: r\n"
      "    match: {all: [{field: header, name: X-T, equals: \"1\"}, {field: body, contains: "
      "needle}]}\n");
  bulwark::signatures::Matcher m(*b);
  // Two requests in flight at once on one matcher, as two flows on one worker.
  HttpHead h1{}, h2{};
  h1.method = h2.method = "POST";
  h1.target = h2.target = "/";
  h1.headers[0] = {"X-T", "1"};
  h2.headers[0] = {"X-T", "2"};
  h1.header_count = h2.header_count = 1;
  char p1[16], p2[16];
  bulwark::signatures::RequestView v1, v2;
  v1.head = &h1;
  v2.head = &h2;
  v1.path = std::string_view(p1, 1);
  v2.path = std::string_view(p2, 1);
  bulwark::signatures::RequestScan s1, s2;
  bulwark::signatures::Verdict d1, d2;
  m.on_head(v1, s1, d1);
  m.on_head(v2, s2, d2);
  const std::string body = "hay needle hay";
  m.on_body(s2, reinterpret_cast<const uint8_t*>(body.data()), body.size());
  m.on_body(s1, reinterpret_cast<const uint8_t*>(body.data()), 7);
  m.on_body(s1, reinterpret_cast<const uint8_t*>(body.data()) + 7, body.size() - 7);
  m.end_body(s2, d2);
  m.end_body(s1, d1);
  BOOST_TEST(d1.matched_count == 1u);
  BOOST_TEST(d2.matched_count == 0u);
}

// Decoys cannot push the real match out: 100 body patterns matched before it, and 100
// head tests of body rules true at the head, leave the deciding rule's leaves in place.
BOOST_AUTO_TEST_CASE(any_number_of_decoy_matches_keeps_the_real_one) {
  std::string yaml = "rules:\n", body, path = "/t";
  for (int i = 0; i < 100; ++i) {
    const std::string n = std::to_string(i);
    yaml += "  - {id: " + std::to_string(100 + i) + ", name: d" + n +
            ", action: log, match: {all: [{field: path, contains: q" + n +
            "q}, {field: body, contains: decoy" + n + "x}]}}\n";
    body += "decoy" + n + "x ";
    path += "/q" + n + "q";
  }
  yaml +=
      "  - {id: 1, name: real, match: {all: [{field: path, prefix: /t/}, "
      "{field: body, contains: \"' or 1=1\"}]}}\n";
  auto b = bundle_of(yaml);
  body += "u=a' or 1=1";
  // The verdict reports 16 matches at most, the deciding rule always among them.
  const auto got = ids(*b, "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body);
  BOOST_TEST(got.size() == 16u);
  BOOST_TEST(got.back() == 1u);
  bulwark::signatures::Matcher m(*b);
  const auto r = bulwark::signatures::evaluate_requests(
      m, "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n\r\n" + body);
  BOOST_TEST_REQUIRE(r.size() == 1u);
  BOOST_TEST_REQUIRE(r[0].verdict.decisive >= 0);
  BOOST_TEST(b->rules[static_cast<size_t>(r[0].verdict.decisive)].id == 1u);
}

BOOST_AUTO_TEST_CASE(pooled_body_streams_are_reused_and_exhaustion_is_counted) {
  auto b =
      bundle_of("rules:\n  - id: 1\n    name: r\n    match: {field: body, contains: needle}\n");
  bulwark::signatures::Matcher m(*b);
  m.use_stream_pool(1);
  HttpHead h{};
  h.method = "POST";
  h.target = "/";
  bulwark::signatures::RequestView v;
  v.head = &h;
  v.path = "/";
  const std::string body = "a needle";
  for (int round = 0; round < 3; ++round) {  // the one stream is returned and reused
    bulwark::signatures::RequestScan s1, s2;
    bulwark::signatures::Verdict d1, d2;
    m.on_head(v, s1, d1);
    m.on_head(v, s2, d2);  // pool empty: this request's body is not scanned
    BOOST_TEST(s1.slot != bulwark::signatures::kNoBodySlot);
    BOOST_TEST(s2.slot == bulwark::signatures::kNoBodySlot);
    m.on_body(s1, reinterpret_cast<const uint8_t*>(body.data()), body.size());
    m.on_body(s2, reinterpret_cast<const uint8_t*>(body.data()), body.size());
    m.end_body(s1, d1);
    m.end_body(s2, d2);
    BOOST_TEST(d1.matched_count == 1u);
    BOOST_TEST(d2.matched_count == 0u);
  }
  BOOST_TEST(m.body_unscanned() == 3u);
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_reason) {
  BOOST_TEST(error_of(one_rule("{field: usr_agent, contains: a}"))
                 .find("t.yaml:4: unknown field 'usr_agent'") == 0u);
  BOOST_TEST(
      error_of(one_rule("{field: path, regex: \"a(b\"}")).find("t.yaml:4: rule 1: pattern 'a(b'") ==
      0u);
  BOOST_TEST(error_of(one_rule("{field: header, contains: a}"))
                 .find("t.yaml:4: field 'header' needs 'name'") == 0u);
  BOOST_TEST(error_of(one_rule("{field: path, contains: a, prefix: b}")).find("exactly one of") !=
             std::string::npos);
  BOOST_TEST(error_of(one_rule("{field: path, contains: \"\"}")).find("must not be empty") !=
             std::string::npos);
  BOOST_TEST(error_of(one_rule("{field: client_ip, in: [10.0.0.0/33]}")).find("prefix length") !=
             std::string::npos);
  BOOST_TEST(error_of(one_rule("{all: [{field: ja4, prefix: t13}, {field: path, prefix: /a}]}"))
                 .find("t.yaml:4: rule 1 tests ja4 (line 4) and path (line 4): a TLS "
                       "fingerprint rule is decided on the ClientHello") == 0u);
  BOOST_TEST(error_of(one_rule("{field: ja3, equals: abc}", "    action: respond\n"))
                 .find("cannot answer in HTTP") != std::string::npos);
  BOOST_TEST(error_of(one_rule("{field: path, contains: a}", "    action: blok\n"))
                 .find("t.yaml:4: 'action'") == 0u);
  BOOST_TEST(error_of(one_rule("{field: path, regex: \"a*\"}")).find("t.yaml:4: rule 1") ==
             0u);  // matches empty
  BOOST_TEST(error_of("rules:\n  - id: 0\n    name: r\n    match: {field: path, contains: a}\n")
                 .find("t.yaml:2: 'id'") == 0u);
  BOOST_TEST(error_of("rules: [\n").find("t.yaml:") == 0u);
  BOOST_TEST(error_of("rules:\n  - name: r\n").find("needs an 'id'") != std::string::npos);
}

// Fingerprint rules are decided on the ClientHello (on_client_hello), never on HTTP
// requests, and request rules never on a ClientHello.
BOOST_AUTO_TEST_CASE(tls_fingerprint_rules) {
  auto b = bundle_of(R"(rules:
  - {id: 1, name: curl ja4, action: block, match: {field: ja4, equals: t13i3111h2_e8f1e7e78f70_b26ce05bbdd6}}
  - {id: 2, name: not this ja3, action: log, match: {not: {field: ja3, equals: 0123456789abcdef0123456789abcdef}}}
  - {id: 3, name: lab clients by ja4 prefix, action: log,
     match: {all: [{field: ja4, prefix: t12}, {field: client_ip, in: [198.18.0.0/15]}]}}
  - {id: 4, name: no user-agent, action: log, match: {field: user_agent, exists: false}}
)");
  bulwark::signatures::Matcher m(*b);
  auto hello = [&](std::string_view ja3, std::string_view ja4, std::vector<uint8_t> ip) {
    bulwark::signatures::RequestView rv;
    rv.ja3 = ja3;
    rv.ja4 = ja4;
    rv.client_ip = ip.data();
    rv.client_ip_len = static_cast<uint8_t>(ip.size());
    bulwark::signatures::Verdict v;
    m.on_client_hello(rv, v);
    V out;
    for (unsigned i = 0; i < v.matched_count; ++i) out.push_back(b->rules[v.matched[i]].id);
    return std::make_pair(out, v.decisive >= 0 ? b->rules[v.decisive].id : 0u);
  };
  const auto curl = hello("78f0dc5ac5b19daf131a133cfdee9691",
                          "t13i3111h2_e8f1e7e78f70_b26ce05bbdd6", {198, 18, 0, 1});
  BOOST_TEST(curl.first == (V{1, 2}));
  BOOST_TEST(curl.second == 1u);
  BOOST_TEST(hello("0123456789abcdef0123456789abcdef", "t12d2807h1_d943125447b4_a44c6288192a",
                   {198, 18, 0, 1})
                 .first == (V{3}));
  BOOST_TEST(hello("aa", "t12d2807h1_d943125447b4_a44c6288192a", {10, 0, 0, 1}).first == (V{2}));
  // An HTTP request without a user-agent matches rule 4 only: the negated fingerprint
  // rule 2 is not a request rule.
  BOOST_TEST(ids(*b, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") == (V{4}));
}

BOOST_AUTO_TEST_CASE(damaged_and_hostile_bundles_are_refused) {
  std::string error;
  auto set = rules::parse_rules_yaml(one_rule("{field: path, contains: a}"), "t.yaml", error);
  auto bytes = rules::compile_bundle(*set, 3, error);
  BOOST_TEST_REQUIRE(bytes.has_value());
  auto b = rules::Bundle::load(bytes->data(), bytes->size(), error);
  BOOST_TEST_REQUIRE(b != nullptr);
  BOOST_TEST(b->version == 3u);
  BOOST_TEST(b->sha256.size() == 64u);
  auto damaged = *bytes;
  damaged[damaged.size() - 20] ^= 1;  // inside the content: hash mismatch
  BOOST_TEST(rules::Bundle::load(damaged.data(), damaged.size(), error) == nullptr);
  BOOST_TEST(error.find("invalid rule bundle") == 0u);
  // Every prefix is refused. The bundle is a CBOR map whose "content" is one byte string
  // of ~440 KB (mostly the Hyperscan database): its framing (map head, keys, lengths, and
  // the format, sha256 and version after it) lies within 128 bytes of either end and is
  // cut at every byte; a cut inside the byte string always fails the same way (input ends
  // in the string), so 32 cuts spread over it stand for the rest. Cutting every 97th byte
  // instead missed most framing bytes and read ~1 GB through the CBOR reader: 90 s of CPU
  // under ASan.
  const size_t n = bytes->size(), edge = 128, spread = 32;
  BOOST_TEST_REQUIRE(n > 4 * edge);
  std::vector<size_t> cuts;
  for (size_t c = 0; c < edge; ++c) cuts.insert(cuts.end(), {c, n - 1 - c});
  for (size_t k = 1; k <= spread; ++k) cuts.push_back(edge + k * (n - 2 * edge) / (spread + 1));
  for (size_t cut : cuts)
    BOOST_TEST(rules::Bundle::load(bytes->data(), cut, error) == nullptr, "prefix of " << cut);
  std::vector<uint8_t> deep(100000, 0x81);  // arrays of one element, 100000 deep
  deep.push_back(0x00);
  BOOST_TEST(rules::Bundle::load(deep.data(), deep.size(), error) == nullptr);  // no stack overflow
  BOOST_TEST(error.find("nested more than 16 levels deep") != std::string::npos, error);
  const std::string text = "not cbor at all";
  BOOST_TEST(rules::Bundle::load(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                 error) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
