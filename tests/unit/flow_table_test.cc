// Flow key symmetry, worker ownership symmetry, TCP states and the flow table
// (insert, lookup, expiry, eviction when full).
#include "dataplane/flow/flow_table.h"

#include <rte_thash.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <random>

#include "dataplane/flow/top_talkers.h"
#include "dataplane/worker/flow_owner.h"
#include "tests/unit/eal_fixture.h"

using namespace bulwark;
using namespace bulwark::dp;
using namespace bulwark::proto;

namespace {

PacketInfo v4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
              uint8_t proto = kProtoTcp) {
  PacketInfo p{};
  p.l3 = L3::ipv4;
  p.l4_proto = proto;
  p.has_ports = true;
  for (int i = 0; i < 4; ++i) {
    p.src[i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    p.dst[i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  p.sport = sport;
  p.dport = dport;
  return p;
}

PacketInfo reversed(const PacketInfo& p) {
  PacketInfo r = p;
  std::memcpy(r.src, p.dst, 16);
  std::memcpy(r.dst, p.src, 16);
  std::swap(r.sport, r.dport);
  return r;
}

FlowKey key_of(const PacketInfo& p) {
  FlowKey k;
  make_flow_key(p, k);
  return k;
}

struct Table {
  explicit Table(uint32_t capacity, uint64_t timeout = 100) {
    test::ensure_eal();
    static int n = 0;
    FlowTableConfig cfg;
    cfg.capacity = capacity;
    cfg.timeout_ticks.fill(timeout);
    std::string err;
    t = FlowTable::create("test_flows_" + std::to_string(n++), cfg, 0, err);
    BOOST_REQUIRE_MESSAGE(t, err);
  }
  FlowEntry* add(uint32_t i, FlowState s, uint64_t now = 0) {
    bool created = false;
    FlowEntry* e =
        t->find_or_create(key_of(v4(0xc6120000 + i, 0xc6120002, 1000, 80)), now, s, 0, created);
    BOOST_REQUIRE(e != nullptr);
    return e;
  }
  FlowEntry* find(uint32_t i) { return t->find(key_of(v4(0xc6120000 + i, 0xc6120002, 1000, 80))); }
  std::unique_ptr<FlowTable> t;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(flow_key)

BOOST_AUTO_TEST_CASE(both_directions_give_one_key) {
  const auto p = v4(0xc6120001, 0xc6120002, 40000, 80);
  FlowKey a, b;
  const unsigned da = make_flow_key(p, a);
  const unsigned db = make_flow_key(reversed(p), b);
  BOOST_TEST(std::memcmp(&a, &b, sizeof a) == 0);
  BOOST_TEST(da != db);
  // Same addresses, ports decide the direction.
  const auto self = v4(0xc6120001, 0xc6120001, 5, 6);
  BOOST_TEST(make_flow_key(self, a) != make_flow_key(reversed(self), b));
  BOOST_TEST(std::memcmp(&a, &b, sizeof a) == 0);
}

BOOST_AUTO_TEST_CASE(vlan_and_protocol_separate_flows) {
  auto p = v4(1, 2, 3, 4);
  auto q = p;
  q.outer_vlan = 7;
  auto u = v4(1, 2, 3, 4, kProtoUdp);
  const auto kp = key_of(p), kq = key_of(q), ku = key_of(u);
  BOOST_TEST(std::memcmp(&kp, &kq, sizeof kp) != 0);
  BOOST_TEST(std::memcmp(&kp, &ku, sizeof kp) != 0);
}

BOOST_AUTO_TEST_CASE(owner_is_symmetric_and_spreads) {
  uint8_t key_be[sizeof kSymmetricRssKey];
  rte_convert_rss_key(reinterpret_cast<const uint32_t*>(kSymmetricRssKey),
                      reinterpret_cast<uint32_t*>(key_be), sizeof kSymmetricRssKey);
  std::mt19937 rng(42);
  for (unsigned workers : {2u, 3u, 4u}) {
    std::vector<unsigned> seen(workers);
    for (int i = 0; i < 2000; ++i) {
      PacketInfo p = v4(rng(), rng(), static_cast<uint16_t>(rng()), static_cast<uint16_t>(rng()));
      if (i % 2) {  // IPv6 half of the time
        p.l3 = L3::ipv6;
        for (auto& b : p.src) b = static_cast<uint8_t>(rng());
        for (auto& b : p.dst) b = static_cast<uint8_t>(rng());
      }
      const unsigned a = flow_owner(p, key_be, workers, 99);
      BOOST_TEST(a == flow_owner(reversed(p), key_be, workers, 99));
      BOOST_REQUIRE(a < workers);
      ++seen[a];
      p.fragment = true;  // fragments hash on addresses: still symmetric
      BOOST_TEST(flow_owner(p, key_be, workers, 99) ==
                 flow_owner(reversed(p), key_be, workers, 99));
    }
    for (unsigned w = 0; w < workers; ++w) BOOST_TEST(seen[w] > 2000 / workers / 2);
  }
  PacketInfo bad{};
  bad.status = ParseStatus::truncated_ipv4;
  BOOST_TEST(flow_owner(bad, key_be, 4, 3) == 3u);  // malformed: stays where it arrived
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tcp_state)

BOOST_AUTO_TEST_CASE(handshake_and_close) {
  uint8_t fin = 0;
  FlowState s = FlowState::syn_sent;  // created by the initiator's SYN (direction 0)
  s = tcp_next_state(s, kTcpSyn | kTcpAck, 0, 0, fin);
  BOOST_TEST((s == FlowState::syn_sent));  // SYN/ACK from the initiator itself: no change
  s = tcp_next_state(s, kTcpSyn | kTcpAck, 1, 0, fin);
  BOOST_TEST((s == FlowState::syn_recv));
  s = tcp_next_state(s, kTcpAck, 0, 0, fin);
  BOOST_TEST((s == FlowState::established));
  s = tcp_next_state(s, kTcpFin | kTcpAck, 0, 0, fin);
  BOOST_TEST((s == FlowState::fin_wait));
  s = tcp_next_state(s, kTcpFin | kTcpAck, 1, 0, fin);
  BOOST_TEST((s == FlowState::closing));
  s = tcp_next_state(s, kTcpAck, 0, 0, fin);
  BOOST_TEST((s == FlowState::closed));
  s = tcp_next_state(s, kTcpSyn, 0, 0, fin);  // port reuse
  BOOST_TEST((s == FlowState::syn_sent));
  BOOST_TEST(fin == 0);
}

BOOST_AUTO_TEST_CASE(reset_closes_from_any_state) {
  for (auto st :
       {FlowState::syn_sent, FlowState::syn_recv, FlowState::established, FlowState::fin_wait}) {
    uint8_t fin = 0;
    BOOST_TEST((tcp_next_state(st, kTcpRst | kTcpAck, 1, 0, fin) == FlowState::closed));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flow_table)

BOOST_AUTO_TEST_CASE(insert_lookup_both_directions) {
  Table t(1024);
  const auto p = v4(0xc6120001, 0xc6120002, 40000, 80);
  bool created = false;
  FlowEntry* e = t.t->find_or_create(key_of(p), 5, FlowState::syn_sent, 0, created);
  BOOST_TEST(created);
  FlowEntry* r = t.t->find_or_create(key_of(reversed(p)), 6, FlowState::syn_recv, 1, created);
  BOOST_TEST(!created);
  BOOST_TEST(r == e);
  BOOST_TEST((r->state == FlowState::syn_sent));
  BOOST_TEST(t.t->active() == 1u);
  BOOST_TEST(t.t->counters().created == 1u);
  BOOST_TEST(t.t->bytes_per_flow() >= sizeof(FlowEntry));
}

BOOST_AUTO_TEST_CASE(full_capacity_is_reachable) {
  Table t(256);
  for (uint32_t i = 0; i < 256; ++i) t.add(i, FlowState::established);
  BOOST_TEST(t.t->active() == 256u);
  BOOST_TEST(t.t->counters().evicted == 0u);
  for (uint32_t i = 0; i < 256; ++i) BOOST_TEST(t.find(i) != nullptr);
}

BOOST_AUTO_TEST_CASE(expiry_per_class_oldest_first) {
  Table t(128, 100);
  FlowEntry* a = t.add(1, FlowState::established, 0);
  t.add(2, FlowState::established, 50);
  t.add(3, FlowState::syn_sent, 10);
  BOOST_TEST(t.t->expire(99, 100) == 0u);
  BOOST_TEST(t.t->expire(120, 100) == 2u);  // 1 (idle 120) and 3 (idle 110); 2 is idle 70
  BOOST_TEST(t.find(1) == nullptr);
  BOOST_TEST(t.find(3) == nullptr);
  BOOST_TEST(t.find(2) != nullptr);
  BOOST_TEST(t.t->counters().expired == 2u);
  // touch() refreshes: an entry seen again does not expire on its old time.
  a = t.add(4, FlowState::established, 100);
  t.t->touch(a, 200);
  BOOST_TEST(t.t->expire(260, 100) == 1u);  // only 2 (last seen 50)
  BOOST_TEST(t.find(4) != nullptr);
  BOOST_TEST(t.t->active() == 1u);
}

BOOST_AUTO_TEST_CASE(expire_respects_budget) {
  Table t(128, 10);
  for (uint32_t i = 0; i < 50; ++i) t.add(i, FlowState::udp, 0);
  BOOST_TEST(t.t->expire(100, 16) == 16u);
  BOOST_TEST(t.t->active() == 34u);
}

BOOST_AUTO_TEST_CASE(eviction_prefers_embryonic_over_established) {
  Table t(64);
  for (uint32_t i = 0; i < 16; ++i) t.add(i, FlowState::established, i);
  for (uint32_t i = 16; i < 64; ++i) t.add(i, FlowState::syn_sent, i);
  // A SYN flood of 1000 new flows: each evicts the oldest embryonic entry.
  for (uint32_t i = 1000; i < 2000; ++i) t.add(i, FlowState::syn_sent, i);
  BOOST_TEST(t.t->active() == 64u);
  BOOST_TEST(t.t->counters().evicted == 1000u);
  BOOST_TEST(t.t->counters().evicted_established == 0u);
  BOOST_TEST(t.t->counters().insert_failed == 0u);
  for (uint32_t i = 0; i < 16; ++i) BOOST_TEST(t.find(i) != nullptr);
  BOOST_TEST(t.find(16) == nullptr);
  BOOST_TEST(t.find(1999) != nullptr);
}

BOOST_AUTO_TEST_CASE(eviction_takes_oldest_established_when_nothing_else) {
  Table t(64);
  for (uint32_t i = 0; i < 64; ++i) t.add(i, FlowState::established, i);
  t.t->touch(t.find(0), 500);  // 0 becomes the most recent
  t.add(100, FlowState::established, 600);
  BOOST_TEST(t.t->counters().evicted_established == 1u);
  BOOST_TEST(t.find(0) != nullptr);
  BOOST_TEST(t.find(1) == nullptr);
}

BOOST_AUTO_TEST_CASE(state_change_moves_class) {
  Table t(64);
  FlowEntry* e = t.add(1, FlowState::syn_sent, 0);
  BOOST_TEST(t.t->class_count(TimeoutClass::embryonic) == 1u);
  e->state = FlowState::established;
  t.t->touch(e, 1);
  BOOST_TEST(t.t->class_count(TimeoutClass::embryonic) == 0u);
  BOOST_TEST(t.t->class_count(TimeoutClass::established) == 1u);
}

BOOST_AUTO_TEST_CASE(too_small_is_refused) {
  test::ensure_eal();
  FlowTableConfig cfg;
  cfg.capacity = 8;
  std::string err;
  BOOST_TEST(!FlowTable::create("tiny", cfg, 0, err));
  BOOST_TEST(err.find("at least 64") != std::string::npos);
}

// Top talkers: after one full sweep the largest flows by bytes, largest first, with
// their endpoints; nothing is published before the sweep is whole; each sweep shows the
// table as it is then.
BOOST_AUTO_TEST_CASE(top_talkers_after_a_full_sweep) {
  Table t(1024);
  for (uint32_t i = 1; i <= 20; ++i) {
    FlowEntry* e = t.add(i, FlowState::established);
    e->bytes[0] = i * 1000;  // from the client (lo: 198.18.0.i < 198.18.0.2 only for i < 2)
    e->bytes[1] = 7;
    e->packets[0] = i;
  }
  TopTalkers top;
  api::TopFlows out{};
  top.sweep(*t.t, 1000, out);  // not yet a whole sweep of the 1024 slots
  BOOST_TEST(out.count == 0u);
  BOOST_TEST(out.seq.load() == 0u);
  top.sweep(*t.t, 25, out);  // wraps: published
  BOOST_TEST(out.seq.load() == 2u);
  BOOST_REQUIRE(out.count == api::kTopFlows);
  for (unsigned k = 0; k < api::kTopFlows; ++k) {
    const uint32_t i = 20 - k;
    BOOST_TEST(out.flows[k].bytes_lo_hi + out.flows[k].bytes_hi_lo == i * 1000u + 7u);
    BOOST_TEST(out.flows[k].family == 4);
    BOOST_TEST(out.flows[k].proto == kProtoTcp);
    const uint8_t* client =
        out.flows[k].addr_lo[3] == i ? out.flows[k].addr_lo : out.flows[k].addr_hi;
    BOOST_TEST(client[3] == i);
  }
  // The next sweep sees the table as it is then.
  t.find(3)->bytes[1] = 1u << 30;
  top.sweep(*t.t, 1024, out);
  BOOST_TEST(out.seq.load() == 4u);
  BOOST_TEST(out.count == api::kTopFlows);
  BOOST_TEST(out.flows[0].bytes_lo_hi + out.flows[0].bytes_hi_lo == 3007u + (1u << 30) - 7u);
  BOOST_TEST(out.flows[1].bytes_lo_hi + out.flows[1].bytes_hi_lo == 20007u);
}

BOOST_AUTO_TEST_SUITE_END()
