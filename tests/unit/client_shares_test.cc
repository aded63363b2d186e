// Client shares of a worker's inspection pools: each pool (sessions, head buffers, body
// scans, login buffers, segments) stops at its share per client, also for several at
// once; clients (IPv4 address, IPv6 /64) are counted apart; an entry stays while its
// client holds anything and is made again after; a pool sized later gets its share.
#include "dataplane/inspect/client_shares.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/unit/eal_fixture.h"

using namespace bulwark;
using namespace bulwark::inspect;

BOOST_AUTO_TEST_SUITE(client_shares)

BOOST_AUTO_TEST_CASE(each_pool_stops_at_the_clients_share) {
  test::ensure_eal();
  std::string error;
  PoolSizes sizes;
  sizes.sessions = 40;
  sizes.pools[static_cast<unsigned>(SharedPool::heads)] = 16;
  sizes.pools[static_cast<unsigned>(SharedPool::bodies)] = 8;
  sizes.pools[static_cast<unsigned>(SharedPool::segments)] = 100;
  auto s = ClientShares::create(7, sizes, 25, -1, error);  // 25%: 10, 4, 2, 25
  BOOST_TEST_REQUIRE(s != nullptr, error);
  BOOST_TEST(s->max_sessions() == 10u);
  BOOST_TEST(s->max(SharedPool::heads) == 4u);
  BOOST_TEST(s->max(SharedPool::bodies) == 2u);
  BOOST_TEST(s->max(SharedPool::segments) == 25u);
  BOOST_TEST(s->max(SharedPool::logins) == 1u);  // not sized yet: at least one
  s->size_pool(SharedPool::logins, 256);
  BOOST_TEST(s->max(SharedPool::logins) == 64u);

  const uint8_t a[4] = {198, 18, 0, 1}, b[4] = {198, 18, 0, 2};
  const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  uint8_t a6_other[16];
  std::copy(a6, a6 + 16, a6_other);
  a6_other[15] = 99;  // same /64: the same client
  const int32_t sa = s->acquire_session(a, proto::L3::ipv4);
  const int32_t sb = s->acquire_session(b, proto::L3::ipv4);
  BOOST_TEST_REQUIRE(sa >= 0);
  BOOST_TEST_REQUIRE(sb >= 0);
  BOOST_TEST(sa != sb);
  BOOST_TEST(s->acquire_session(a6, proto::L3::ipv6) ==
             s->acquire_session(a6_other, proto::L3::ipv6));

  BOOST_TEST(s->acquire(sa, SharedPool::bodies));
  BOOST_TEST(s->acquire(sa, SharedPool::bodies));
  BOOST_TEST(!s->acquire(sa, SharedPool::bodies));  // a's share is taken
  BOOST_TEST(s->acquire(sb, SharedPool::bodies));   // b's is its own
  BOOST_TEST(s->acquire(sa, SharedPool::segments, 20));
  BOOST_TEST(!s->acquire(sa, SharedPool::segments, 6));  // 26 > 25: nothing taken
  BOOST_TEST(s->acquire(sa, SharedPool::segments, 5));
  // The session goes while its bodies and segments are held: the entry stays.
  s->release_session(sa);
  BOOST_TEST(!s->acquire(sa, SharedPool::bodies));
  s->release(sa, SharedPool::bodies);
  BOOST_TEST(s->acquire(sa, SharedPool::bodies));
  s->release(sa, SharedPool::bodies, 2);
  s->release(sa, SharedPool::segments, 25);  // a holds nothing now: its entry is gone
  const int32_t again = s->acquire_session(a, proto::L3::ipv4);
  BOOST_TEST_REQUIRE(again >= 0);
  BOOST_TEST(s->acquire(again, SharedPool::segments, 25));
  BOOST_TEST(!s->acquire(again, SharedPool::segments));
  // Slots below 0 (not counted) are never refused.
  BOOST_TEST(s->acquire(kUncounted, SharedPool::segments, 1000));
}

BOOST_AUTO_TEST_SUITE_END()
