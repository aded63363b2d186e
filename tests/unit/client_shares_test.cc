// Client shares of a worker's inspection pools: each resource (sessions, head buffers,
// body scans) stops at its share per client; clients (IPv4 address, IPv6 /64) are
// counted apart; an entry stays while its client holds anything and is reused after.
#include "dataplane/inspect/client_shares.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/unit/eal_fixture.h"

using namespace bulwark;
using namespace bulwark::inspect;

BOOST_AUTO_TEST_SUITE(client_shares)

BOOST_AUTO_TEST_CASE(each_pool_stops_at_the_clients_share) {
  test::ensure_eal();
  std::string error;
  // 25% of 40 sessions, 16 heads, 8 body scans: 10, 4, 2.
  auto s = ClientShares::create(7, 40, 16, 8, 25, -1, error);
  BOOST_TEST_REQUIRE(s != nullptr, error);
  BOOST_TEST(s->max_sessions() == 10u);
  BOOST_TEST(s->max_heads() == 4u);
  BOOST_TEST(s->max_bodies() == 2u);
  const uint8_t a[4] = {198, 18, 0, 1}, b[4] = {198, 18, 0, 2};
  const int32_t sa = s->acquire_session(a, proto::L3::ipv4);
  const int32_t sb = s->acquire_session(b, proto::L3::ipv4);
  BOOST_TEST_REQUIRE(sa >= 0);
  BOOST_TEST_REQUIRE(sb >= 0);
  BOOST_TEST(sa != sb);
  BOOST_TEST(s->acquire_body(sa));
  BOOST_TEST(s->acquire_body(sa));
  BOOST_TEST(!s->acquire_body(sa));  // a's share is taken
  BOOST_TEST(s->acquire_body(sb));   // b's is its own
  // The session goes while its bodies are held: the entry stays, the count with it.
  s->release_session(sa);
  BOOST_TEST(!s->acquire_body(sa));
  s->release_body(sa);
  BOOST_TEST(s->acquire_body(sa));
  s->release_body(sa);
  s->release_body(sa);  // a holds nothing now: its entry is gone
  const int32_t again = s->acquire_session(a, proto::L3::ipv4);
  BOOST_TEST_REQUIRE(again >= 0);
  BOOST_TEST(s->acquire_body(again));
  BOOST_TEST(s->acquire_body(again));
  BOOST_TEST(!s->acquire_body(again));
  // Slots below 0 (not counted) are never refused.
  BOOST_TEST(s->acquire_body(kUncounted));
}

BOOST_AUTO_TEST_SUITE_END()
