// The method allow-list's rule-file section (rules/features/method_allowlist/): parsing
// and its errors, merging across files, the bundle round trip, and which endpoint a
// normalised path matches; the dataplane stage's answers are tested in the lab
// (tests/lab/method_allowlist_test.sh).
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "rules/features/method_allowlist/method_allowlist_section.h"
#include "rules/lang/rule_parser.h"
#include "tests/unit/rule_helpers.h"
#include "tests/unit/temp_dir.h"

namespace bulwark::rules::method_allowlist {
namespace {

const char* kYaml = R"(method_allowlist:
  mode: enforce
  endpoints:
    - path: /api/v1/customers/{id}
      methods: [GET, PUT, DELETE]
    - path: /api/v1/orders
      methods: [POST]
    - path: /
      methods: [GET]
)";

const MethodAllowlist& section_of(const Bundle& b) {
  const auto* s = b.sections.get<MethodAllowlist>(kSection);
  BOOST_TEST_REQUIRE(s != nullptr);
  return *s;
}

std::string matched(const MethodAllowlist& s, std::string_view path) {
  const Endpoint* e = s.match(path);
  return e ? e->path : "(none)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(method_allowlist)

BOOST_AUTO_TEST_CASE(section_survives_the_bundle) {
  const auto b = test::bundle_of(kYaml);
  const auto& s = section_of(*b);
  BOOST_TEST((s.mode == Mode::enforce));
  BOOST_TEST_REQUIRE(s.endpoints.size() == 3u);
  BOOST_TEST(s.endpoints[0].path == "/api/v1/customers/{id}");
  // HEAD is allowed wherever GET is, and the Allow header says so.
  BOOST_TEST(s.endpoints[0].allow == "GET, HEAD, PUT, DELETE");
  BOOST_TEST(s.endpoints[1].allow == "POST");
  BOOST_TEST(s.endpoints[0].origin == "t.yaml:4");
  const auto monitor =
      test::bundle_of(std::string(kYaml).replace(std::string(kYaml).find("enforce"), 7, "monitor"));
  BOOST_TEST((section_of(*monitor).mode == Mode::monitor));
  // A rule set without the section has none in its bundle.
  BOOST_TEST(test::bundle_of("rules: []\n")->sections.get<MethodAllowlist>(kSection) == nullptr);
}

BOOST_AUTO_TEST_CASE(methods_served) {
  const auto b = test::bundle_of(kYaml);
  const auto& s = section_of(*b);
  const Endpoint& c = s.endpoints[0];
  BOOST_TEST(MethodAllowlist::allows(c, "GET"));
  BOOST_TEST(MethodAllowlist::allows(c, "HEAD"));
  BOOST_TEST(MethodAllowlist::allows(c, "DELETE"));
  BOOST_TEST(!MethodAllowlist::allows(c, "POST"));
  BOOST_TEST(!MethodAllowlist::allows(c, "delete"));  // methods are case-sensitive
  BOOST_TEST(!MethodAllowlist::allows(c, "GETX"));
  BOOST_TEST(!MethodAllowlist::allows(c, ""));
  BOOST_TEST(!MethodAllowlist::allows(s.endpoints[1], "HEAD"));  // no GET, no HEAD
}

BOOST_AUTO_TEST_CASE(paths_match_as_servers_route_them) {
  const auto b = test::bundle_of(kYaml);
  const auto& s = section_of(*b);
  BOOST_TEST(matched(s, "/api/v1/customers/42") == "/api/v1/customers/{id}");
  // One trailing slash, ;path parameters and case route to the same handler on some
  // servers behind the box: they match too.
  BOOST_TEST(matched(s, "/api/v1/customers/42/") == "/api/v1/customers/{id}");
  BOOST_TEST(matched(s, "/api/v1/customers/42;jsessionid=9") == "/api/v1/customers/{id}");
  BOOST_TEST(matched(s, "/API/V1/Customers/42") == "/api/v1/customers/{id}");
  BOOST_TEST(matched(s, "/api/v1/orders;x=1") == "/api/v1/orders");
  BOOST_TEST(matched(s, "/api/v1/orders/") == "/api/v1/orders");
  BOOST_TEST(matched(s, "/") == "/");
  // Other endpoints do not.
  BOOST_TEST(matched(s, "/api/v1/customers") == "(none)");
  BOOST_TEST(matched(s, "/api/v1/customers/") == "(none)");  // no {id}
  BOOST_TEST(matched(s, "/api/v1/customers/42/notes") == "(none)");
  BOOST_TEST(matched(s, "/api/v1/orders/5") == "(none)");
  BOOST_TEST(matched(s, "/api/v1/ordersx") == "(none)");
  BOOST_TEST(matched(s, "/api/v1/orders//") == "(none)");
  BOOST_TEST(matched(s, "") == "(none)");
  BOOST_TEST(matched(s, "api/v1/orders") == "(none)");
  // Matching goes on from an index: every endpoint a path matches can be visited.
  BOOST_TEST(s.match("/api/v1/customers/42", 1) == nullptr);
  BOOST_TEST(s.match("/", 2) == &s.endpoints[2]);
}

BOOST_AUTO_TEST_CASE(bad_sections_are_refused_with_their_line) {
  auto err = [](const std::string& endpoints) {
    return test::error_of("method_allowlist:\n  endpoints:\n" + endpoints);
  };
  BOOST_TEST(err("    - path: api/x\n      methods: [GET]\n").find("t.yaml:3") !=
             std::string::npos);
  BOOST_TEST(err("    - path: api/x\n      methods: [GET]\n").find("must start with /") !=
             std::string::npos);
  BOOST_TEST(err("    - path: /a/b/\n      methods: [GET]\n").find("trailing slash") !=
             std::string::npos);
  BOOST_TEST(err("    - path: /a//b\n      methods: [GET]\n").find("empty segments") !=
             std::string::npos);
  BOOST_TEST(err("    - path: /a/%41\n      methods: [GET]\n").find("normalised path") !=
             std::string::npos);
  BOOST_TEST(err("    - path: /a/{}\n      methods: [GET]\n").find("not a parameter") !=
             std::string::npos);
  BOOST_TEST(err("    - path: /a/x{id}\n      methods: [GET]\n").find("whole {name}") !=
             std::string::npos);
  BOOST_TEST(err("    - path: /a;v=1\n      methods: [GET]\n").find("';'") != std::string::npos);
  BOOST_TEST(err("    - path: /a\n      methods: []\n").find("no method") != std::string::npos);
  BOOST_TEST(err("    - path: /a\n      methods: [GET, GET]\n").find("twice") != std::string::npos);
  BOOST_TEST(err("    - path: /a\n      methods: [\"GE T\"]\n").find("not an HTTP method") !=
             std::string::npos);
  BOOST_TEST(err("    - path: /a\n").find("needs 'methods'") != std::string::npos);
  BOOST_TEST(err("    - path: /a\n      methods: [GET]\n    - path: /a\n      methods: [PUT]\n")
                 .find("listed twice") != std::string::npos);
  BOOST_TEST(test::error_of("method_allowlist:\n  mode: block\n  endpoints: []\n") != "");
  std::string many;
  for (size_t i = 0; i <= kMaxEndpoints; ++i)
    many += "    - path: /e" + std::to_string(i) + "\n      methods: [GET]\n";
  BOOST_TEST(err(many).find("at most") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(files_merge_their_endpoints) {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path + "/" + name) << text;
    return dir.path + "/" + name;
  };
  const std::string a = write("a.yaml", kYaml);
  const std::string b = write("b.yaml",
                              "method_allowlist:\n  endpoints:\n    - path: /api/v1/tokens\n"
                              "      methods: [POST]\n");
  std::string error;
  auto set = load_rule_files({a, b}, error);
  BOOST_TEST_REQUIRE(set.has_value(), error);
  const auto* s = set->sections.get<MethodAllowlist>(kSection);
  BOOST_TEST_REQUIRE(s != nullptr);
  BOOST_TEST(s->endpoints.size() == 4u);
  BOOST_TEST(s->endpoints[3].origin == b + ":3");
  // The same path in two files, or two modes, do not combine.
  const std::string dup = write("dup.yaml",
                                "method_allowlist:\n  endpoints:\n    - path: /api/v1/orders\n"
                                "      methods: [GET]\n");
  BOOST_TEST(!load_rule_files({a, dup}, error).has_value());
  BOOST_TEST(error.find("listed twice") != std::string::npos, error);
  const std::string mon = write("mon.yaml",
                                "method_allowlist:\n  mode: monitor\n  endpoints:\n"
                                "    - path: /m\n      methods: [GET]\n");
  BOOST_TEST(!load_rule_files({a, mon}, error).has_value());
  BOOST_TEST(error.find("'mode' is monitor here but enforce") != std::string::npos, error);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace bulwark::rules::method_allowlist
