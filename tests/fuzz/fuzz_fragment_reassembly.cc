// libFuzzer target: IP fragment reassembly (dataplane/worker/fragment_reassembly.h) on
// DPDK's rte_ip_frag with real mbufs. Input: byte 0 bit 0 picks IPv6; then 4-byte
// records, one fragment each: offset in 8-byte units (13 bits of 2 bytes), length in
// 8-byte units (1 byte, at most 185: one 1500-byte frame), flags (bit 0 more fragments,
// bit 1 a second datagram id, bit 2 a bad IPv4 header checksum, bit 3 decoy bytes).
// Every datagram's bytes are a function of their position, decoys differ. Whatever
// arrives: a datagram handed back is one contiguous, re-parsed, unfragmented frame with
// a valid header whose bytes (without decoys) are exactly the datagram's; nothing leaks
// (every mbuf is back in the pool once the table is gone).
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "dataplane/worker/fragment_reassembly.h"

using namespace bulwark;

namespace {

rte_mempool* g_pool = nullptr;
constexpr unsigned kPool = 4096;
constexpr uint32_t kMtu = 1500;  // ports.mtu: larger datagrams are dropped, not handed back

uint8_t content(uint32_t pos, bool decoy) {
  return static_cast<uint8_t>((pos * 7 + 3) ^ (decoy ? 0x55 : 0));
}

rte_mbuf* fragment(bool v6, uint16_t id, uint32_t off8, uint32_t len8, bool more, bool bad,
                   bool decoy) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (m == nullptr) __builtin_trap();
  const uint32_t len = len8 * 8, l3 = v6 ? 48 : 20, frame = 14 + l3 + len;
  uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(frame)));
  std::memset(p, 0, 14 + l3);
  p[12] = v6 ? 0x86 : 0x08;
  p[13] = v6 ? 0xdd : 0x00;
  uint8_t* ip = p + 14;
  if (v6) {
    ip[0] = 0x60;
    ip[4] = static_cast<uint8_t>((8 + len) >> 8);
    ip[5] = static_cast<uint8_t>(8 + len);
    ip[6] = IPPROTO_FRAGMENT;
    ip[7] = 64;
    ip[8] = 0x20;
    ip[24] = 0x20;
    ip[39] = 2;
    uint8_t* fh = ip + 40;
    fh[0] = IPPROTO_TCP;
    const uint16_t fo = static_cast<uint16_t>(off8 << 3 | (more ? 1 : 0));
    fh[2] = static_cast<uint8_t>(fo >> 8);
    fh[3] = static_cast<uint8_t>(fo);
    fh[7] = static_cast<uint8_t>(id);
  } else {
    auto* h = reinterpret_cast<rte_ipv4_hdr*>(ip);
    h->version_ihl = 0x45;
    h->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(20 + len));
    h->packet_id = rte_cpu_to_be_16(id);
    h->fragment_offset = rte_cpu_to_be_16(static_cast<uint16_t>(off8 | (more ? 0x2000 : 0)));
    h->time_to_live = 64;
    h->next_proto_id = IPPROTO_TCP;
    h->src_addr = rte_cpu_to_be_32(0xc6120001);
    h->dst_addr = rte_cpu_to_be_32(0xc6120002);
    h->hdr_checksum = rte_ipv4_cksum(h);
    if (bad) h->hdr_checksum ^= 0x5a;
  }
  for (uint32_t k = 0; k < len; ++k) p[14 + l3 + k] = content(off8 * 8 + k, decoy);
  return m;
}

void check_whole(rte_mbuf* m, const proto::PacketInfo& info, bool v6, bool decoys) {
  if (m->nb_segs != 1 || info.fragment || info.l3 == proto::L3::none) __builtin_trap();
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t dlen = rte_pktmbuf_data_len(m);
  uint32_t hdr;
  if (v6) {
    hdr = 14 + 40;
    if (p[14 + 6] != IPPROTO_TCP) __builtin_trap();  // the fragment header is gone
    if (14 + 40 + (uint32_t{p[18]} << 8 | p[19]) != dlen) __builtin_trap();
  } else {
    const auto* h = reinterpret_cast<const rte_ipv4_hdr*>(p + 14);
    hdr = 14 + 20;
    if (rte_raw_cksum(h, 20) != 0xffff) __builtin_trap();
    if (14u + rte_be_to_cpu_16(h->total_length) != dlen) __builtin_trap();
    if (rte_be_to_cpu_16(h->fragment_offset) & 0x3fff) __builtin_trap();
  }
  if (!decoys)
    for (uint32_t k = hdr; k < dlen; ++k)
      if (p[k] != content(k - hdr, false)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* args[] = {"fuzz",        "--no-huge",   "-m",      "256", "--no-pci",
                        "--no-shconf", "--log-level", "*:error", "-l",  "0"};
  if (rte_eal_init(10, const_cast<char**>(args)) < 0) return 1;
  g_pool = rte_pktmbuf_pool_create("fuzz_frag", kPool, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  return g_pool ? 0 : 1;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool v6 = data[0] & 1;
  static api::WorkerStats st;
  std::string error;
  auto r = dp::FragmentReassembly::create(16, 1000, kMtu, 0, st, error);
  if (!r) __builtin_trap();
  bool decoys[2] = {false, false};
  for (size_t i = 1; i + 4 <= size && i < 1 + 4 * 200; i += 4) {
    const uint32_t off8 = (uint32_t{data[i]} << 8 | data[i + 1]) & 0x1fff;
    const uint32_t len8 = data[i + 2] % 186;
    const uint8_t f = data[i + 3];
    const unsigned id = (f >> 1) & 1;
    decoys[id] = decoys[id] || (f & 8);
    rte_mbuf* m =
        fragment(v6, static_cast<uint16_t>(0x100 + id), off8, len8, f & 1, f & 4 && !v6, f & 8);
    proto::PacketInfo info;
    proto::parse_packet(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), info);
    if (!dp::FragmentReassembly::takes(info, rte_pktmbuf_mtod(m, const uint8_t*))) {
      rte_pktmbuf_free(m);  // not a fragment (offset 0, no more): not taken
      continue;
    }
    if (rte_mbuf* whole = r->add(m, info, i)) {
      if (rte_pktmbuf_pkt_len(whole) - whole->l2_len > kMtu) __builtin_trap();  // forwarded whole
      check_whole(whole, info, v6, decoys[id]);
      rte_pktmbuf_free(whole);
    }
    r->free_dropped();
  }
  r->expire(~uint64_t{0} >> 1);
  r.reset();
  if (rte_mempool_avail_count(g_pool) != kPool) __builtin_trap();  // nothing leaked
  return 0;
}
