// Builds TCP segments that the dataplane injects into a connection it is cutting:
// RSTs towards either side and an HTTP response towards the client. The new frame
// copies the handled packet's L2 header (VLAN tags kept; MACs swapped when it goes
// back the way the packet came) and sets fresh IPv4/IPv6 and TCP headers with correct
// checksums (DPDK's rte_ipv4/ipv6_udptcp_cksum).
#pragma once

#include <cstdint>

#include "dataplane/proto/packet_info.h"

struct rte_mbuf;

namespace bulwark::inspect {

struct TcpSegmentSpec {
  bool reverse = false;  // towards the handled packet's sender (swap addresses, ports, MACs)
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;  // kTcpRst | kTcpAck ...
  uint16_t window = 0;
  const uint8_t* payload = nullptr;
  uint16_t payload_len = 0;
};

// Fills `m` (an empty mbuf with enough tailroom) from the handled frame `frame`, parsed
// as `info` (must be TCP over IPv4 or IPv6). Returns false if it does not fit.
bool build_tcp_segment(rte_mbuf* m, const uint8_t* frame, const proto::PacketInfo& info,
                       const TcpSegmentSpec& spec);

}  // namespace bulwark::inspect
