// Canonical 5-tuple (+ outer VLAN) key: both directions of a connection produce the same
// key, and `dir` says which side sent this packet (0: the numerically lower endpoint).
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/parse/packet_info.h"

namespace bulwark {

struct FlowKey {
  uint8_t addr_lo[16];  // endpoint with the smaller (address, port)
  uint8_t addr_hi[16];
  uint16_t port_lo;
  uint16_t port_hi;
  uint16_t vlan;  // outer VLAN id: equal tuples in different VLANs are different flows
  uint8_t proto;
  uint8_t family;  // 4 or 6
};
static_assert(sizeof(FlowKey) == 40, "FlowKey is hashed as raw bytes: no padding allowed");

// Builds the key for a packet with ports (TCP/UDP, not a later fragment). Returns the
// direction of the packet: 0 if its source is the `lo` endpoint, 1 otherwise.
inline unsigned make_flow_key(const PacketInfo& p, FlowKey& k) {
  const unsigned alen = p.l3 == L3::ipv4 ? 4 : 16;
  int c = std::memcmp(p.src, p.dst, alen);
  if (c == 0) c = p.sport < p.dport ? -1 : (p.sport > p.dport ? 1 : 0);
  const unsigned dir = c <= 0 ? 0 : 1;
  std::memset(&k, 0, sizeof k);
  std::memcpy(k.addr_lo, dir == 0 ? p.src : p.dst, alen);
  std::memcpy(k.addr_hi, dir == 0 ? p.dst : p.src, alen);
  k.port_lo = dir == 0 ? p.sport : p.dport;
  k.port_hi = dir == 0 ? p.dport : p.sport;
  k.vlan = p.outer_vlan;
  k.proto = p.l4_proto;
  k.family = static_cast<uint8_t>(p.l3);
  return dir;
}

}  // namespace bulwark
