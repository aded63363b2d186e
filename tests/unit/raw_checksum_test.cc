// The dataplane's checksum sum (an AVX2 build of rte_raw_cksum where the CPU has it)
// gives rte_raw_cksum's result for every length and alignment, and at the sum's edges.
#include "dataplane/proto/raw_checksum.h"

#include <rte_ip.h>

#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

using bulwark::proto::raw_checksum;

BOOST_AUTO_TEST_SUITE(raw_checksum_sums)

BOOST_AUTO_TEST_CASE(raw_checksum_is_rte_raw_cksum) {
  std::vector<uint8_t> buf(70000);
  std::mt19937 rng(7);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t len = 0; len <= 2100; ++len)
    for (size_t off = 0; off < 8; ++off)
      BOOST_TEST_REQUIRE(
          raw_checksum(buf.data() + off, len) == rte_raw_cksum(buf.data() + off, len),
          "length " << len << " offset " << off);
  // Every carry taken: all ones, the longest IP datagram; and all zeros.
  std::fill(buf.begin(), buf.end(), 0xff);
  BOOST_TEST(raw_checksum(buf.data() + 1, 65535) == rte_raw_cksum(buf.data() + 1, 65535));
  BOOST_TEST(raw_checksum(buf.data(), 65534) == 0xffff);
  std::fill(buf.begin(), buf.end(), 0);
  BOOST_TEST(raw_checksum(buf.data(), 1500) == 0);
}

// The short fixed parts summed as 32-bit words and folded: rte_raw_cksum's result.
BOOST_AUTO_TEST_CASE(fixed_sums_fold_to_rte_raw_cksum) {
  using bulwark::proto::fold_sum;
  using bulwark::proto::sum_fixed;
  std::mt19937 rng(11);
  uint8_t b[40];
  for (int round = 0; round < 2000; ++round) {
    for (auto& x : b) x = static_cast<uint8_t>(round < 10 ? 0xff : rng());
    BOOST_TEST_REQUIRE(fold_sum(sum_fixed<8>(b + 1)) == rte_raw_cksum(b + 1, 8));
    BOOST_TEST_REQUIRE(fold_sum(sum_fixed<20>(b + 2)) == rte_raw_cksum(b + 2, 20));
    BOOST_TEST_REQUIRE(fold_sum(sum_fixed<32>(b)) == rte_raw_cksum(b, 32));
    // Added to a 16-bit sum as checksum_ok does.
    uint32_t want = uint32_t{rte_raw_cksum(b, 8)} + rte_raw_cksum(b + 8, 31);
    want = (want & 0xffff) + (want >> 16);
    BOOST_TEST_REQUIRE(fold_sum(sum_fixed<8>(b) + raw_checksum(b + 8, 31)) == want);
    // An IPv4 header with and without options: as rte_raw_cksum judges it.
    for (unsigned len : {20u, 24u})
      BOOST_TEST_REQUIRE(bulwark::proto::ipv4_header_sum_ok(b, len) ==
                         (rte_raw_cksum(b, len) == 0xffff));
  }
  // A header whose checksum field is right passes; one flipped bit fails.
  rte_ipv4_hdr h{};
  h.version_ihl = 0x45;
  h.total_length = rte_cpu_to_be_16(40);
  h.time_to_live = 64;
  h.next_proto_id = 6;
  h.src_addr = rte_cpu_to_be_32(0xc6120001);
  h.dst_addr = rte_cpu_to_be_32(0xc6120002);
  h.hdr_checksum = rte_ipv4_cksum(&h);
  BOOST_TEST(bulwark::proto::ipv4_header_sum_ok(&h, sizeof h));
  h.time_to_live ^= 1;
  BOOST_TEST(!bulwark::proto::ipv4_header_sum_ok(&h, sizeof h));
}

BOOST_AUTO_TEST_SUITE_END()
