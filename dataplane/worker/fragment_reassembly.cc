// IP fragment reassembly (see fragment_reassembly.h).
// rte_ip_frag_table_del_expired_entries is still experimental in DPDK 22.11.
#define ALLOW_EXPERIMENTAL_API 1
#include "dataplane/worker/fragment_reassembly.h"

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <new>

#include "dataplane/proto/raw_checksum.h"

namespace bulwark::dp {
namespace {

// Entries per hash bucket: a datagram whose bucket is full is dropped (counted).
constexpr uint32_t kBucketEntries = 4;

}  // namespace

std::unique_ptr<FragmentReassembly> FragmentReassembly::create(uint32_t datagrams,
                                                               uint32_t timeout_ms, uint32_t mtu,
                                                               int socket, api::WorkerStats& st,
                                                               std::string& error) {
  const uint64_t cycles = rte_get_tsc_hz() / 1000 * timeout_ms;
  const uint32_t buckets = (datagrams + kBucketEntries - 1) / kBucketEntries;
  rte_ip_frag_tbl* t = rte_ip_frag_table_create(buckets, kBucketEntries, datagrams, cycles, socket);
  if (t == nullptr) {
    error = "cannot create the IP fragment table for " + std::to_string(datagrams) +
            " datagrams (lower fragments.datagrams or reserve more memory)";
    return nullptr;
  }
  std::unique_ptr<FragmentReassembly> r(new (std::nothrow) FragmentReassembly(t, mtu, st));
  if (!r) {
    rte_ip_frag_table_destroy(t);
    error = "out of memory for IP fragment reassembly";
  }
  return r;
}

FragmentReassembly::~FragmentReassembly() {
  free_dropped();
  rte_ip_frag_table_destroy(tbl_);
}

bool FragmentReassembly::takes(const proto::PacketInfo& info, const uint8_t* frame) {
  if (!info.fragment || info.l4_proto != proto::kProtoTcp) return false;
  if (info.l3 == proto::L3::ipv4) return true;
  // rte_ip_frag handles only a fragment header right after the fixed IPv6 header.
  return info.l3 == proto::L3::ipv6 &&
         reinterpret_cast<const rte_ipv6_hdr*>(frame + info.l3_offset)->proto == IPPROTO_FRAGMENT;
}

void FragmentReassembly::count_dropped() {
  if (dr_.cnt > counted_) st_.ip_fragments_dropped.add(dr_.cnt - counted_);
  counted_ = dr_.cnt;
}

void FragmentReassembly::free_dropped() {
  if (dr_.cnt) rte_ip_frag_free_death_row(&dr_, 0);
  counted_ = 0;
}

void FragmentReassembly::expire(uint64_t now_tsc) {
  rte_ip_frag_table_del_expired_entries(tbl_, &dr_, now_tsc);
  count_dropped();
  free_dropped();
}

rte_mbuf* FragmentReassembly::add(rte_mbuf* m, proto::PacketInfo& info, uint64_t now_tsc) {
  uint8_t* l3 = rte_pktmbuf_mtod_offset(m, uint8_t*, info.l3_offset);
  // The fragment ends where its IP header says: Ethernet padding is not payload, and
  // rte_ip_frag would take it as such.
  uint32_t ip_len;
  if (info.l3 == proto::L3::ipv4)
    ip_len = rte_be_to_cpu_16(reinterpret_cast<rte_ipv4_hdr*>(l3)->total_length);
  else
    ip_len =
        sizeof(rte_ipv6_hdr) + rte_be_to_cpu_16(reinterpret_cast<rte_ipv6_hdr*>(l3)->payload_len);
  const uint32_t frame_len = info.l3_offset + ip_len;
  if (rte_pktmbuf_data_len(m) > frame_len) rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - frame_len);
  m->l2_len = info.l3_offset;
  rte_mbuf* whole;
  if (info.l3 == proto::L3::ipv4) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(l3);
    // A fragment with a bad header checksum never reaches the server's reassembly.
    if (!proto::ipv4_header_sum_ok(ip, rte_ipv4_hdr_len(ip))) {
      rte_pktmbuf_free(m);
      st_.ip_fragments_dropped.add(1);
      return nullptr;
    }
    m->l3_len = rte_ipv4_hdr_len(ip);
    whole = rte_ipv4_frag_reassemble_packet(tbl_, &dr_, m, now_tsc, ip);
  } else {
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(l3);
    rte_ipv6_fragment_ext* fh = rte_ipv6_frag_get_ipv6_fragment_header(ip);
    m->l3_len = sizeof(*ip) + sizeof(*fh);
    whole = rte_ipv6_frag_reassemble_packet(tbl_, &dr_, m, now_tsc, ip, fh);
  }
  count_dropped();
  if (whole == nullptr) return nullptr;
  // Inspection reads one contiguous frame, and the datagram is forwarded whole (the box
  // does not fragment again). One larger than the links' MTU, which no frame of the
  // inside link could carry, or than one buffer, is dropped, counted: the server does not
  // get what was not inspected. (Fragments of it would reach a server behind a plain
  // bridge; a TCP segment larger than the MSS the server announced is what makes one.)
  if (rte_pktmbuf_pkt_len(whole) - whole->l2_len > mtu_ ||
      (whole->nb_segs > 1 && rte_pktmbuf_linearize(whole) != 0)) {
    st_.ip_datagrams_too_large.add(1);
    rte_pktmbuf_free(whole);
    return nullptr;
  }
  uint8_t* frame = rte_pktmbuf_mtod(whole, uint8_t*);
  if (info.l3 == proto::L3::ipv4) {
    // rte_ip_frag leaves the header checksum to TX offload: computed here instead, the
    // ports are not asked to offload anything.
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frame + whole->l2_len);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
  }
  // The first fragment's RX checksum verdicts do not cover the datagram.
  whole->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_RX_IP_CKSUM_MASK |
                       RTE_MBUF_F_RX_L4_CKSUM_MASK);
  proto::parse_packet(frame, rte_pktmbuf_data_len(whole), info);
  st_.ip_datagrams_reassembled.add(1);
  return whole;
}

}  // namespace bulwark::dp
