// Canonical 5-tuple (+ outer VLAN) key: both directions of a connection produce the same
// key, and `dir` says which side sent this packet (0: the numerically lower endpoint).
#pragma once

#include <rte_hash_crc.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/proto/packet_info.h"

namespace bulwark::dp {

struct FlowKey {
  uint8_t addr_lo[16];  // endpoint with the smaller (address, port)
  uint8_t addr_hi[16];
  uint16_t port_lo;
  uint16_t port_hi;
  uint16_t vlan;  // outer VLAN id: equal tuples in different VLANs are different flows
  uint8_t proto;
  uint8_t family;  // 4 or 6
  // Zero. 48 bytes lets rte_hash compare keys with its SIMD k48 routine instead of
  // calling memcmp through a pointer (measured: memcmp was 10% of the worker's time).
  uint8_t reserved[8];
};
static_assert(sizeof(FlowKey) == 48, "FlowKey is hashed as raw bytes: no implicit padding");

// Orders the packet's source and destination endpoints (address, then port): <0, 0, >0.
// Compares big-endian words rather than calling memcmp with a run-time length, which
// cost 5% of a worker's time as a libc call per packet (measured with perf).
inline int compare_endpoints(const proto::PacketInfo& p, unsigned alen) {
  for (unsigned i = 0; i < alen; i += 4) {
    uint32_t a, b;
    std::memcpy(&a, p.src + i, 4);
    std::memcpy(&b, p.dst + i, 4);
    if (a != b) return __builtin_bswap32(a) < __builtin_bswap32(b) ? -1 : 1;
  }
  return p.sport < p.dport ? -1 : (p.sport > p.dport ? 1 : 0);
}

// Builds the key for a packet with ports (TCP/UDP, not a later fragment). Returns the
// direction of the packet: 0 if its source is the `lo` endpoint, 1 otherwise.
inline unsigned make_flow_key(const proto::PacketInfo& p, FlowKey& k) {
  const bool v4 = p.l3 == proto::L3::ipv4;
  const unsigned dir = compare_endpoints(p, v4 ? 4 : 16) <= 0 ? 0 : 1;
  const uint8_t* lo = dir == 0 ? p.src : p.dst;
  const uint8_t* hi = dir == 0 ? p.dst : p.src;
  std::memset(&k, 0, sizeof k);
  // Fixed-size copies per family: a run-time length would be a libc call per packet.
  if (v4) {
    std::memcpy(k.addr_lo, lo, 4);
    std::memcpy(k.addr_hi, hi, 4);
  } else {
    std::memcpy(k.addr_lo, lo, 16);
    std::memcpy(k.addr_hi, hi, 16);
  }
  k.port_lo = dir == 0 ? p.sport : p.dport;
  k.port_hi = dir == 0 ? p.dport : p.sport;
  k.vlan = p.outer_vlan;
  k.proto = p.l4_proto;
  k.family = static_cast<uint8_t>(p.l3);
  return dir;
}

// The flow table's hash of a key: CRC32-C over the 40 bytes that can be non-zero,
// inlined. rte_hash would otherwise call rte_hash_crc through a function pointer for
// all 48 bytes of every key (measured: 7% of a worker's instructions).
inline uint32_t flow_hash(const FlowKey& k) {
  static_assert(offsetof(FlowKey, reserved) == 40);
  const auto* b = reinterpret_cast<const uint8_t*>(&k);
  uint32_t h = 0;
  for (unsigned i = 0; i < 40; i += 8) {
    uint64_t w;
    std::memcpy(&w, b + i, 8);
    h = rte_hash_crc_8byte(w, h);
  }
  return h;
}

}  // namespace bulwark::dp
