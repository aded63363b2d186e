// Which worker owns a packet: symmetric Toeplitz hash (rte_thash, same key and RETA map
// as the NIC) of the IP addresses and, for unfragmented TCP/UDP, the ports.
#pragma once

#include <rte_byteorder.h>
#include <rte_thash.h>

#include "dataplane/port/port_setup.h"
#include "dataplane/proto/packet_info.h"

namespace bulwark::dp {

inline uint32_t be32_at(const uint8_t* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return rte_be_to_cpu_32(v);
}

// Returns the owning worker, or `self` for frames without an IP flow (non-IP and
// malformed frames are forwarded by whichever worker received them).
inline unsigned flow_owner(const proto::PacketInfo& p, const uint8_t* rss_key_be, unsigned workers,
                           unsigned self) {
  // A first fragment too short for its TCP header still has its addresses: it must meet
  // its datagram's other fragments on their worker.
  if (workers == 1 || p.l3 == proto::L3::none ||
      (p.status != proto::ParseStatus::ok && !p.fragment))
    return self;
  // Fragments hash on addresses only, like a NIC's IPV4_FRAG/IPV6_FRAG types, so all
  // fragments of a datagram stay on one worker.
  const bool l4 = p.has_ports && !p.fragment;
  uint32_t tuple[RTE_THASH_V6_L4_LEN];
  uint32_t n = 0;
  const unsigned words = p.l3 == proto::L3::ipv4 ? 1 : 4;
  for (unsigned i = 0; i < words; ++i) tuple[n++] = be32_at(p.src + 4 * i);
  for (unsigned i = 0; i < words; ++i) tuple[n++] = be32_at(p.dst + 4 * i);
  if (l4) tuple[n++] = (uint32_t{p.sport} << 16) | p.dport;
  return owner_of_hash(rte_softrss_be(tuple, n, rss_key_be), workers);
}

}  // namespace bulwark::dp
