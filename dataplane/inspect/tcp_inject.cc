// TCP segment construction for injected RSTs and responses (see tcp_inject.h).
#include "dataplane/inspect/tcp_inject.h"

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <cstring>

namespace bulwark::inspect {

bool build_tcp_segment(rte_mbuf* m, const uint8_t* frame, const proto::PacketInfo& info,
                       const TcpSegmentSpec& spec) {
  const bool v4 = info.l3 == proto::L3::ipv4;
  const uint16_t l2 = info.l3_offset;
  const uint16_t l3 = v4 ? 20 : 40;
  const uint32_t len = l2 + l3 + 20u + spec.payload_len;
  const uint32_t frame_len = len < 60 ? 60 : len;  // Ethernet minimum (without FCS)
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(frame_len));
  if (p == nullptr) return false;
  auto* out = reinterpret_cast<uint8_t*>(p);
  std::memset(out, 0, frame_len);
  std::memcpy(out, frame, l2);
  if (spec.reverse) {  // swap destination and source MAC
    std::memcpy(out, frame + 6, 6);
    std::memcpy(out + 6, frame, 6);
  }
  const uint8_t* src = spec.reverse ? info.dst : info.src;
  const uint8_t* dst = spec.reverse ? info.src : info.dst;
  auto* tcp = reinterpret_cast<rte_tcp_hdr*>(out + l2 + l3);
  tcp->src_port = rte_cpu_to_be_16(spec.reverse ? info.dport : info.sport);
  tcp->dst_port = rte_cpu_to_be_16(spec.reverse ? info.sport : info.dport);
  tcp->sent_seq = rte_cpu_to_be_32(spec.seq);
  tcp->recv_ack = rte_cpu_to_be_32(spec.ack);
  tcp->data_off = 5 << 4;
  tcp->tcp_flags = spec.flags;
  tcp->rx_win = rte_cpu_to_be_16(spec.window);
  tcp->cksum = 0;
  tcp->tcp_urp = 0;
  if (spec.payload_len) std::memcpy(out + l2 + l3 + 20, spec.payload, spec.payload_len);
  if (v4) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(out + l2);
    ip->version_ihl = 0x45;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(l3 + 20 + spec.payload_len));
    ip->packet_id = 0;
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = 64;
    ip->next_proto_id = proto::kProtoTcp;
    std::memcpy(&ip->src_addr, src, 4);
    std::memcpy(&ip->dst_addr, dst, 4);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
  } else {
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(out + l2);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(20 + spec.payload_len));
    ip->proto = proto::kProtoTcp;
    ip->hop_limits = 64;
    std::memcpy(ip->src_addr, src, 16);
    std::memcpy(ip->dst_addr, dst, 16);
    tcp->cksum = rte_ipv6_udptcp_cksum(ip, tcp);
  }
  return true;
}

}  // namespace bulwark::inspect
