// Path templating for API discovery: a corpus of real-world-shaped paths (GitHub-, Stripe-,
// Shopify-, Twitter-like APIs, versions, file names, dates, emails, UUIDs, hashes, junk,
// overlong paths) with the templates they must produce, and the id hash.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

#include "dataplane/api/path_template.h"

using namespace bulwark;
using namespace bulwark::api;

namespace {

std::string tpl(const std::string& path, size_t cap = 1024, Templated* out = nullptr) {
  std::string buf(cap, '\0');
  const Templated t = template_path(path, buf.data(), cap);
  if (out) *out = t;
  return buf.substr(0, t.len);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(path_template)

BOOST_AUTO_TEST_CASE(real_world_corpus) {
  const std::pair<const char*, const char*> cases[] = {
      {"/", "/"},
      {"", ""},
      {"/v1/users/8812", "/v1/users/{id}"},
      {"/v1/users/8812/orders/77", "/v1/users/{id}/orders/{id}"},
      {"/api/v2/items", "/api/v2/items"},
      {"/V3/items/0", "/V3/items/{id}"},
      {"/v10/things/v1.2", "/v10/things/v1.2"},
      {"/8812/profile", "/{id}/profile"},
      {"/users/", "/users/"},
      {"/users//orders", "/users//orders"},
      {"/users/123/", "/users/{id}/"},
      // GitHub
      {"/repos/octocat/hello-world/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e",
       "/repos/octocat/hello-world/commits/{id}"},
      {"/repos/octocat/hello-world/issues/1347/comments",
       "/repos/octocat/hello-world/issues/{id}/comments"},
      {"/users/octocat/repos", "/users/octocat/repos"},
      // Stripe
      {"/v1/customers/cus_NffrFeUfNV2Hib", "/v1/customers/{id}"},
      {"/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15", "/v1/charges/{id}"},
      {"/v1/orders/ord_8f3kQ29xLmN4pQ7rT2", "/v1/orders/{id}"},
      {"/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa/confirm",
       "/v1/payment_intents/{id}/confirm"},
      // Shopify
      {"/admin/api/2024-01/products/632910392.json", "/admin/api/2024-01/products/632910392.json"},
      {"/admin/api/2024-01/orders/450789469/fulfillments",
       "/admin/api/2024-01/orders/{id}/fulfillments"},
      // Twitter
      // All digits is an id even where it is a version ("/2/"): numbers have no exception.
      {"/2/tweets/1460323737035677698/liking_users", "/{id}/tweets/{id}/liking_users"},
      {"/1.1/statuses/show.json", "/1.1/statuses/show.json"},
      // UUIDs, hashes, tokens
      {"/files/550e8400-e29b-41d4-a716-446655440000", "/files/{id}"},
      {"/files/550E8400-E29B-41D4-A716-446655440000/download", "/files/{id}/download"},
      {"/objects/507f1f77bcf86cd799439011", "/objects/{id}"},
      {"/blobs/5f2b9c1e", "/blobs/{id}"},
      {"/words/deadbeef/facade", "/words/deadbeef/facade"},
      {"/session/eyJhbGciOiJIUzI1NiJ9", "/session/{id}"},
      {"/share/MTIzNDU2Nzg5MGFiY2RlZg==", "/share/{id}"},
      {"/watch/dQw4w9WgXcQ", "/watch/{id}"},
      {"/reset/k3j4h5g6f7d8s9a0z1x2", "/reset/{id}"},
      // Dates and emails
      {"/reports/2024-01-15", "/reports/{id}"},
      {"/reports/20240115/summary", "/reports/{id}/summary"},
      {"/reports/2024-13-45", "/reports/2024-13-45"},
      {"/users/jane.doe@example.com", "/users/{id}"},
      {"/users/jane.doe%40example.co.uk/settings", "/users/{id}/settings"},
      {"/users/not@an-email", "/users/not@an-email"},
      // Names that are not ids
      {"/account/order-history", "/account/order-history"},
      {"/user-profile-settings-page", "/user-profile-settings-page"},
      {"/api/getAccountInformation", "/api/getAccountInformation"},
      {"/api/order_history_2023_2024", "/api/order_history_2023_2024"},
      {"/products/iPhone15Pro", "/products/iPhone15Pro"},
      {"/static/app.min.js", "/static/app.min.js"},
      {"/img/logo.png", "/img/logo.png"},
      {"/docs/report-2024.pdf", "/docs/report-2024.pdf"},
      {"/health", "/health"},
      {"/graphql", "/graphql"},
      {"/oauth2/token", "/oauth2/token"},
      {"/.well-known/openid-configuration", "/.well-known/openid-configuration"},
      {"/a1/b2/c3", "/a1/b2/c3"},
      {"/2fa/verify", "/2fa/verify"},
      {"/{id}/already", "/{id}/already"},
      {"*", "*"},
  };
  for (const auto& [in, want] : cases) BOOST_CHECK_EQUAL(tpl(in), want);
}

BOOST_AUTO_TEST_CASE(classification) {
  BOOST_CHECK(classify_segment("8812") == SegmentKind::number);
  BOOST_CHECK(classify_segment("v1") == SegmentKind::literal);
  BOOST_CHECK(classify_segment("v1.2") == SegmentKind::literal);
  BOOST_CHECK(classify_segment("550e8400-e29b-41d4-a716-446655440000") == SegmentKind::uuid);
  BOOST_CHECK(classify_segment("6dcb09b5b57875f334f61aebed695e2e4193db5e") == SegmentKind::hex);
  BOOST_CHECK(classify_segment("2024-02-29") == SegmentKind::date);
  BOOST_CHECK(classify_segment("a@b.io") == SegmentKind::email);
  BOOST_CHECK(classify_segment("cus_NffrFeUfNV2Hib") == SegmentKind::token);
  BOOST_CHECK(classify_segment("") == SegmentKind::literal);
  BOOST_CHECK(classify_segment("orders") == SegmentKind::literal);
}

BOOST_AUTO_TEST_CASE(id_hash) {
  Templated a, b, c, d, n;
  tpl("/users/1/orders/23", 1024, &a);
  tpl("/customers/1/items/23", 1024, &b);
  tpl("/users/12/orders/3", 1024, &c);
  tpl("/users/2/orders/23", 1024, &d);
  tpl("/users/me", 1024, &n);
  BOOST_CHECK_EQUAL(a.ids, 2);
  BOOST_CHECK_EQUAL(a.id_hash, b.id_hash);  // the same ids in the same order
  BOOST_CHECK_NE(a.id_hash, c.id_hash);
  BOOST_CHECK_NE(a.id_hash, d.id_hash);
  BOOST_CHECK_EQUAL(n.ids, 0);
  BOOST_CHECK_EQUAL(n.id_hash, 0u);
}

BOOST_AUTO_TEST_CASE(long_and_deep_paths) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "/s" + std::to_string(i);
  Templated t;
  const std::string out = tpl(deep, 1024, &t);
  BOOST_CHECK(t.truncated);
  BOOST_CHECK(out.size() >= 7 && out.substr(out.size() - 7) == "/{rest}");
  BOOST_CHECK_EQUAL(std::count(out.begin(), out.end(), '/'), 33);

  const std::string longp = "/a/" + std::string(2000, 'x') + "/b";
  const std::string o2 = tpl(longp, 256, &t);
  BOOST_CHECK(t.truncated);
  BOOST_CHECK_EQUAL(o2, "/a/{rest}");

  // Every cap: never more than cap bytes, and a guard byte after them is untouched.
  const std::string p = "/v1/users/8812/orders/550e8400-e29b-41d4-a716-446655440000/items";
  for (size_t cap = 0; cap < p.size() + 4; ++cap) {
    std::string buf(cap + 1, '#');
    const Templated r = template_path(p, buf.data(), cap);
    BOOST_CHECK_LE(r.len, cap);
    BOOST_CHECK_EQUAL(buf[cap], '#');
    if (r.truncated && r.len >= 7) BOOST_CHECK_EQUAL(buf.substr(r.len - 7, 7), "/{rest}");
  }
}

BOOST_AUTO_TEST_CASE(random_junk) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string p;
    const size_t n = rng() % 300;
    for (size_t k = 0; k < n; ++k) p += static_cast<char>(rng() % 256);
    char buf[128], again[128];
    const Templated a = template_path(p, buf, sizeof buf);
    const Templated b = template_path(p, again, sizeof again);
    BOOST_REQUIRE_LE(a.len, sizeof buf);
    BOOST_CHECK_EQUAL(std::string(buf, a.len), std::string(again, b.len));
    BOOST_CHECK_EQUAL(a.id_hash, b.id_hash);
  }
}

BOOST_AUTO_TEST_SUITE_END()
