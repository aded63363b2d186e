// The API inventory: merging the dataplane's batches, learned collapse of high-cardinality
// positions, bounds, hostile batches, persistence, OpenAPI export, spec diff and events.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "control/features/discovery/inventory.h"

using namespace bulwark;
using namespace bulwark::control::discovery;
using json = nlohmann::json;

namespace {

json entry(const std::string& host, const std::string& method, const std::string& path,
           uint64_t count = 1, uint64_t t = 1000) {
  return {{"host", host},
          {"method", method},
          {"path", path},
          {"count", count},
          {"first", t},
          {"last", t},
          {"status", {{"2xx", count}}},
          {"content_types", {{"application/json", count}}},
          {"response_bytes", {{"min", 10}, {"max", 100}, {"sum", 50 * count}}}};
}

json batch(std::vector<json> eps) {
  return {{"type", "api_observations"}, {"unix", 1000}, {"endpoints", std::move(eps)}};
}

uint64_t total_count(const json& list) {
  uint64_t n = 0;
  for (const auto& e : list["endpoints"]) n += e["count"].get<uint64_t>();
  return n;
}

std::string rand_seg(std::mt19937& rng) {
  static const char kAlpha[] = "abcdefghijklmnopqrstuvwxyz";
  std::string s;
  const size_t n = 3 + rng() % 8;
  for (size_t i = 0; i < n; ++i) s += kAlpha[rng() % 26];
  return s;
}

struct TempFile {
  std::string path = "/tmp/bulwark-unit-inventory-" + std::to_string(getpid()) + "-" +
                     std::to_string(reinterpret_cast<uintptr_t>(this)) + ".json";
  ~TempFile() { std::filesystem::remove(path); }
};

const char* kSpecYaml = R"(openapi: 3.0.3
info: {title: shop, version: "1"}
servers:
  - url: https://shop.example.com/api
paths:
  /users/{userId}:
    get:
      parameters:
        - {name: userId, in: path, required: true, schema: {type: string}}
        - {name: fields, in: query, schema: {type: string}}
  /orders:
    parameters:
      - $ref: '#/components/parameters/Page'
    get: {}
  /legacy/export:
    post: {}
components:
  parameters:
    Page: {name: page, in: query, schema: {type: integer}}
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(inventory)

BOOST_AUTO_TEST_CASE(merges_batches) {
  Inventory inv;
  json a = entry("Shop.Example.com.", "GET", "/v1/users/8812/orders/3", 12, 1000);
  a["query"] = {"page", "limit"};
  a["auth"] = {{"authorization", 3}, {"none", 9}};
  a["status"] = {{"2xx", 10}, {"4xx", 2}};
  inv.ingest(batch({a}), 1000);
  json b = entry("shop.example.com:443", "get", "/v1/users/17/orders/99", 3, 990);
  b["query"] = {"sort"};
  b["response_bytes"] = {{"min", 5}, {"max", 7000}, {"sum", 9000}};
  inv.ingest(batch({b}), 1001);
  const json l = inv.list();
  BOOST_REQUIRE_EQUAL(l["endpoints"].size(), 1u);
  const json& e = l["endpoints"][0];
  BOOST_CHECK_EQUAL(e["host"], "shop.example.com");
  BOOST_CHECK_EQUAL(e["path"], "/v1/users/{id}/orders/{id}");
  BOOST_CHECK_EQUAL(e["count"], 15);
  BOOST_CHECK_EQUAL(e["first_seen"], 990);
  BOOST_CHECK_EQUAL(e["last_seen"], 1000);
  BOOST_CHECK_EQUAL(e["status"]["4xx"], 2);
  BOOST_CHECK_EQUAL(e["auth"]["authorization"], 3);
  const auto full = inv.show("shop.example.com", "GET", "/v1/users/5/orders/6");
  BOOST_REQUIRE(full);
  BOOST_CHECK_EQUAL((*full)["query"], json({"limit", "page", "sort"}));
  BOOST_CHECK_EQUAL((*full)["response_bytes"]["min"], 5);
  BOOST_CHECK_EQUAL((*full)["response_bytes"]["max"], 7000);
  BOOST_CHECK_EQUAL((*full)["response_bytes"]["sum"], 9000 + 600);
  BOOST_CHECK(inv.show("", "GET", "/v1/users/{id}/orders/{id}"));
  BOOST_CHECK(!inv.show("other.example", "GET", "/v1/users/1/orders/2"));
  BOOST_CHECK(!inv.show("shop.example.com", "POST", "/v1/users/1/orders/2"));
}

BOOST_AUTO_TEST_CASE(learned_collapse_flood) {
  Inventory inv;
  std::mt19937 rng(1);
  uint64_t sent = 0;
  for (int b = 0; b < 100; ++b) {
    std::vector<json> eps;
    for (int i = 0; i < 1000; ++i) {
      eps.push_back(entry("h", "GET", "/flood/" + rand_seg(rng)));
      ++sent;
    }
    inv.ingest(batch(eps), 1000 + b);
  }
  const json l = inv.list();
  BOOST_REQUIRE_EQUAL(l["endpoints"].size(), 1u);
  BOOST_CHECK_EQUAL(l["endpoints"][0]["path"], "/flood/{id}");
  BOOST_CHECK_EQUAL(total_count(l), sent);
  // Learned: a new value goes straight to the template, show finds concrete paths.
  inv.ingest(batch({entry("h", "GET", "/flood/brandnew")}), 2000);
  BOOST_CHECK_EQUAL(inv.endpoint_count(), 1u);
  BOOST_CHECK(inv.show("h", "GET", "/flood/whatever"));
}

BOOST_AUTO_TEST_CASE(learned_collapse_random_depth) {
  Inventory inv;
  std::mt19937 rng(2);
  uint64_t sent = 0;
  for (int b = 0; b < 50; ++b) {
    std::vector<json> eps;
    for (int i = 0; i < 1000; ++i) {
      std::string p;
      const int depth = 1 + rng() % 6;
      for (int d = 0; d < depth; ++d) {
        p += '/';  // not "/" + s: GCC 12 -Wrestrict false positive
        p += rand_seg(rng);
      }
      eps.push_back(entry("h", (rng() % 2) ? "GET" : "POST", p));
      ++sent;
    }
    inv.ingest(batch(eps), 1000);
  }
  const json l = inv.list();
  BOOST_CHECK_LE(l["endpoints"].size(), 200u);
  BOOST_CHECK_EQUAL(total_count(l) + l["overflow_requests"].get<uint64_t>(), sent);
  BOOST_CHECK_EQUAL(l["overflow_requests"], 0);
}

BOOST_AUTO_TEST_CASE(low_cardinality_stays_literal) {
  Inventory inv;
  std::vector<json> eps;
  for (const char* p : {"/api/users", "/api/orders", "/api/products", "/api/cart"})
    eps.push_back(entry("h", "GET", p));
  inv.ingest(batch(eps), 1000);
  BOOST_CHECK_EQUAL(inv.endpoint_count(), 4u);
}

BOOST_AUTO_TEST_CASE(bounds) {
  Limits lim;
  lim.max_endpoints = 20;
  lim.max_hosts = 3;
  lim.collapse_threshold = 1000;
  Inventory inv(lim);
  std::vector<json> eps;
  for (int i = 0; i < 100; ++i) eps.push_back(entry("h", "GET", "/p" + std::to_string(i), 2));
  for (int i = 0; i < 10; ++i)
    eps.push_back(entry("host" + std::to_string(i) + ".example", "GET", "/", 1));
  inv.ingest(batch(eps), 1000);
  BOOST_CHECK_EQUAL(inv.endpoint_count(), 20u);
  BOOST_CHECK_LE(inv.host_count(), 3u);
  const json l = inv.list();
  BOOST_CHECK_EQUAL(total_count(l) + l["overflow_requests"].get<uint64_t>(), 210u);
}

BOOST_AUTO_TEST_CASE(hostile_batches) {
  Inventory inv;
  const json bad[] = {
      json(),
      json::array(),
      json("x"),
      json{{"endpoints", 5}},
      json{{"endpoints", {1, "x", nullptr, json::array()}}},
      json{{"endpoints",
            {{{"host", 5}, {"method", "GET"}, {"path", "/a"}, {"count", 1}},
             {{"host", "h"}, {"method", std::string(100, 'G')}, {"path", "/a"}, {"count", 1}},
             {{"host", "h"}, {"method", "GET"}, {"path", std::string(100000, 'a')}, {"count", 1}},
             {{"host", "h"}, {"method", "GET"}, {"path", "/a"}, {"count", -5}},
             {{"host", "h"}, {"method", "GET"}, {"path", "/b"}, {"count", "many"}},
             {{"host", "h\n"}, {"method", "GET"}, {"path", "/c"}, {"count", 1}},
             {{"host", "h"}, {"method", "G ET"}, {"path", "/d"}, {"count", 1}},
             {{"host", "h"},
              {"method", "GET"},
              {"path", "/e"},
              {"count", 1e300},
              {"status", {{"2xx", "x"}, {"4xx", -1}}},
              {"content_types", {{"a\x01", 1}, {"x", json::array()}}},
              {"query", {1, nullptr, std::string(1000, 'q'), "ok"}},
              {"sensitive", {{"EMAIL!", 3}, {"email", "x"}, {"card", 2}}},
              {"request_bytes", "big"},
              {"response_bytes", {{"min", 9}, {"max", 1}}},
              {"first", "yesterday"}}}}},
  };
  for (const auto& b : bad) BOOST_CHECK_NO_THROW(inv.ingest(b, 1000));
  BOOST_CHECK_NO_THROW(inv.list().dump());
  BOOST_CHECK_NO_THROW(inv.export_openapi("", "t", "1").dump());
  const auto e = inv.show("h", "GET", "/e");
  BOOST_REQUIRE(e);
  BOOST_CHECK_EQUAL((*e)["query"], json({"ok"}));
  BOOST_CHECK_EQUAL((*e)["sensitive"].size(), 1u);
  BOOST_CHECK(!inv.show("h", "GET", "/d"));
  // Bytes nlohmann-json's dump refuses (a lead byte past U+10FFFF, an overlong form, a
  // surrogate) and paths that are not paths make no endpoint; every reply still dumps.
  for (const char* p :
       {"/x\xf7\x8b\x97\x90", "/x\xc0\xaf", "/x\xed\xa0\x80", "/x\xf4\x90\x80\x80", "no-slash"})
    inv.ingest(json{{"endpoints", {{{"host", "h"}, {"method", "GET"}, {"path", p}, {"count", 1}}}}},
               1000);
  BOOST_CHECK_NO_THROW(inv.list().dump());
  BOOST_CHECK(!inv.show("h", "GET", "no-slash"));
  BOOST_CHECK(control::discovery::valid_utf8("/caf\xc3\xa9/\xf0\x9f\x98\x80"));
}

BOOST_AUTO_TEST_CASE(sensitive_events_once) {
  Inventory inv;
  json a = entry("h", "GET", "/v1/users/1");
  a["sensitive"] = {{"email", 3}};
  a["sensitive_responses"] = {{"email", 1}};
  auto ev = inv.ingest(batch({a}), 1000);
  BOOST_REQUIRE_EQUAL(ev.size(), 1u);
  BOOST_CHECK_EQUAL(ev[0]["type"], "api_endpoint_sensitive");
  BOOST_CHECK_EQUAL(ev[0]["class"], "email");
  BOOST_CHECK_EQUAL(ev[0]["records"], 3);
  BOOST_CHECK_EQUAL(ev[0]["path"], "/v1/users/{id}");
  BOOST_CHECK(inv.ingest(batch({a}), 1001).empty());
  a["sensitive"] = {{"email", 1}, {"card", 2}};
  ev = inv.ingest(batch({a}), 1002);
  BOOST_REQUIRE_EQUAL(ev.size(), 1u);
  BOOST_CHECK_EQUAL(ev[0]["class"], "card");
  BOOST_CHECK_EQUAL(inv.totals()["sensitive_records"]["email"], 7);
  BOOST_CHECK_EQUAL(inv.totals()["endpoints_by_sensitive_class"]["card"], 1);
  // A flood of new sensitive endpoints: capped, then one suppressed event.
  std::vector<json> eps;
  for (int i = 0; i < 300; ++i) {
    json x = entry("h", "GET", "/p" + std::to_string(i) + "/x");
    x["sensitive"] = {{"ssn", 1}};
    eps.push_back(x);
  }
  Limits wide;
  wide.collapse_threshold = 1000;  // 300 distinct endpoints, none learned as {id}
  Inventory flood(wide);
  ev = flood.ingest(batch(eps), 1003);
  BOOST_REQUIRE_EQUAL(ev.size(), Inventory::kMaxEventsPerIngest + 1);
  BOOST_CHECK_EQUAL(ev.back()["type"], "api_events_suppressed");
}

BOOST_AUTO_TEST_CASE(persistence) {
  TempFile f;
  Inventory inv;
  std::mt19937 rng(3);
  std::vector<json> eps;
  for (int i = 0; i < 200; ++i) eps.push_back(entry("h", "GET", "/flood/" + rand_seg(rng)));
  json s = entry("shop", "POST", "/v1/orders");
  s["sensitive"] = {{"card", 4}};
  eps.push_back(s);
  inv.ingest(batch(eps), 1000);
  std::string err;
  BOOST_REQUIRE_MESSAGE(inv.save(f.path, err), err);
  Inventory back;
  BOOST_REQUIRE_MESSAGE(back.load(f.path, err), err);
  BOOST_CHECK_EQUAL(back.list().dump(), inv.list().dump());
  BOOST_CHECK_EQUAL(back.totals().dump(), inv.totals().dump());
  // The learned position survives: a new value lands on the template.
  back.ingest(batch({entry("h", "GET", "/flood/zzzzzz")}), 1001);
  BOOST_CHECK_EQUAL(back.endpoint_count(), 2u);

  Inventory missing;
  BOOST_CHECK(missing.load(f.path + ".nope", err));
  BOOST_CHECK_EQUAL(missing.endpoint_count(), 0u);

  std::string text;
  {
    std::ifstream in(f.path);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::ofstream(f.path, std::ios::trunc) << text.substr(0, text.size() / 2);
  BOOST_CHECK(!back.load(f.path, err));
  BOOST_CHECK(!err.empty());
  BOOST_CHECK_EQUAL(back.endpoint_count(), 0u);
  BOOST_CHECK_EQUAL(back.host_count(), 0u);
  std::ofstream(f.path, std::ios::trunc)
      << R"({"format":"bulwark-api-inventory","hosts":[{"host":"h","endpoints":[{"path":1}]}]})";
  BOOST_CHECK(!back.load(f.path, err));
  BOOST_CHECK_EQUAL(back.endpoint_count(), 0u);
}

BOOST_AUTO_TEST_CASE(openapi_export) {
  Inventory inv;
  json a = entry("api.example.com", "GET", "/v1/users/8812/orders/3");
  a["query"] = {"page"};
  a["auth"] = {{"authorization", 2}, {"none", 1}};
  a["sensitive"] = {{"email", 5}};
  json b = entry("api.example.com", "POST", "/v1/users/8812/orders");
  b["status"] = {{"2xx", 1}, {"4xx", 3}};
  b["auth"] = {{"session", 1}};
  json c = entry("other.example.com", "GET", "/v1/users/8812/orders/3");
  inv.ingest(batch({a, b, c, entry("api.example.com", "BREW", "/pot")}), 1000);
  const json doc = inv.export_openapi("", "Shop", "1.0");
  BOOST_CHECK_EQUAL(doc["openapi"], "3.0.3");
  BOOST_CHECK_EQUAL(doc["servers"].size(), 2u);
  BOOST_REQUIRE(doc["paths"].contains("/v1/users/{users_id}/orders/{orders_id}"));
  const json& get = doc["paths"]["/v1/users/{users_id}/orders/{orders_id}"]["get"];
  BOOST_CHECK_EQUAL(get["x-bulwark-requests"], 2);
  std::set<std::string> names;
  for (const auto& p : get["parameters"]) {
    BOOST_CHECK(names.insert(p["in"].get<std::string>() + p["name"].get<std::string>()).second);
    if (p["in"] == "path") BOOST_CHECK_EQUAL(p["required"], true);
  }
  BOOST_CHECK_EQUAL(names.size(), 3u);
  BOOST_CHECK(get["responses"].contains("2XX"));
  BOOST_CHECK(get["x-bulwark-sensitive-data"].contains("email"));
  BOOST_CHECK(doc["components"]["securitySchemes"].contains("bearerAuth"));
  BOOST_CHECK(doc["components"]["securitySchemes"].contains("sessionCookie"));
  std::set<std::string> ids;
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [m, op] : item.items()) BOOST_CHECK(ids.insert(op["operationId"]).second);
  BOOST_CHECK_EQUAL(ids.size(), 2u);  // BREW is not an OpenAPI method
  // Repeated ids with no literal before them still get unique names.
  Inventory deep;
  deep.ingest(batch({entry("h", "GET", "/1/2/3")}), 1000);
  BOOST_CHECK(deep.export_openapi("h", "", "")["paths"].contains("/{id}/{id2}/{id3}"));
}

BOOST_AUTO_TEST_CASE(spec_parse_errors) {
  std::string err;
  BOOST_CHECK(!parse_spec("a: [1, 2", err));
  BOOST_CHECK(!err.empty());
  BOOST_CHECK(!parse_spec("openapi: 3.0.0\ninfo: {}\n", err));
  BOOST_CHECK(err.find("paths") != std::string::npos);
  BOOST_CHECK(!parse_spec("", err));
  const auto json_spec = parse_spec(R"({"swagger":"2.0","basePath":"/v2/","paths":{"/pets":
      {"get":{"parameters":[{"name":"limit","in":"query"}]}}}})",
                                    err);
  BOOST_REQUIRE_MESSAGE(json_spec, err);
  BOOST_REQUIRE_EQUAL(json_spec->prefixes.size(), 1u);
  BOOST_CHECK_EQUAL(json_spec->prefixes[0], "/v2");
  BOOST_CHECK(json_spec->match("GET", "/v2/pets").operation);
  BOOST_CHECK(!json_spec->match("GET", "/pets").operation);
  BOOST_CHECK(!json_spec->match("POST", "/v2/pets").operation);
}

BOOST_AUTO_TEST_CASE(spec_diff) {
  std::string err;
  const auto spec = parse_spec(kSpecYaml, err);
  BOOST_REQUIRE_MESSAGE(spec, err);
  Inventory inv;
  json u = entry("shop.example.com", "GET", "/api/users/42", 1, 100000);
  u["query"] = {"fields", "debug"};
  json o = entry("shop.example.com", "GET", "/api/orders", 1, 100000);
  o["query"] = {"page"};
  inv.ingest(batch({u, o}), 100000);
  inv.ingest(batch({entry("shop.example.com", "DELETE", "/api/users/42", 1, 100000),
                    entry("shop.example.com", "GET", "/api/internal/metrics", 1, 100000)}),
             100000);
  // Watched for less than zombie_after: nothing is a zombie yet.
  json d = inv.diff(*spec, 3600, 100100);
  BOOST_CHECK_EQUAL(d["zombie"].size(), 0u);
  d = inv.diff(*spec, 3600, 100000 + 7200);
  BOOST_REQUIRE_EQUAL(d["shadow"].size(), 2u);
  std::set<std::string> shadows;
  for (const auto& s : d["shadow"])
    shadows.insert(s["method"].get<std::string>() + " " + s["path"].get<std::string>());
  BOOST_CHECK(shadows.count("DELETE /api/users/{id}"));
  BOOST_CHECK(shadows.count("GET /api/internal/metrics"));
  // All three spec operations are quiet by now; with a long window only the dead one.
  BOOST_CHECK_EQUAL(d["zombie"].size(), 3u);
  d = inv.diff(*spec, 3600, 100000 + 3600);
  BOOST_REQUIRE_EQUAL(d["zombie"].size(), 1u);
  BOOST_CHECK_EQUAL(d["zombie"][0]["path"], "/legacy/export");
  BOOST_CHECK_EQUAL(d["zombie"][0]["method"], "POST");
  BOOST_CHECK(d["zombie"][0]["last_seen"].is_null());
  BOOST_REQUIRE_EQUAL(d["undocumented_parameters"].size(), 1u);
  BOOST_CHECK_EQUAL(d["undocumented_parameters"][0]["name"], "debug");
  BOOST_CHECK_EQUAL(d["undocumented_parameters"][0]["path"], "/users/{userId}");
  // Shadow marking and events follow the configured spec.
  inv.set_spec(&*spec);
  BOOST_CHECK_EQUAL(inv.totals()["shadow_endpoints"], 2);
  const auto ev = inv.ingest(batch({entry("shop.example.com", "PUT", "/api/orders")}), 100001);
  BOOST_REQUIRE_EQUAL(ev.size(), 1u);
  BOOST_CHECK_EQUAL(ev[0]["type"], "api_shadow_endpoint");
  BOOST_CHECK(inv.ingest(batch({entry("shop.example.com", "GET", "/api/users/7")}), 1).empty());
}

BOOST_AUTO_TEST_SUITE_END()
