// IP fragment reassembly for one worker, with DPDK's rte_ip_frag (a bounded table per
// worker, a timeout, overlapping or duplicate fragments drop the whole datagram). TCP
// datagrams are made whole before flow tracking and inspection, so what is inspected is
// the segment the server's stack assembles; the whole datagram is what is forwarded, so
// the server receives exactly the bytes that were inspected (the box normalises).
// Fragments of one datagram reach one worker: flow_owner() hashes them on addresses.
// Owner: the worker that created it (rw); nobody else.
#pragma once

#include <rte_ip_frag.h>

#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/api/stats_layout.h"
#include "dataplane/proto/packet_info.h"

struct rte_mbuf;

namespace bulwark::dp {

class FragmentReassembly {
 public:
  // nullptr and `error` if DPDK cannot allocate the table. `datagrams`: datagrams in
  // reassembly at once; `timeout_ms`: how long an incomplete one is kept; `mtu`: the
  // links' MTU (ports.mtu), the largest datagram that can be forwarded whole.
  static std::unique_ptr<FragmentReassembly> create(uint32_t datagrams, uint32_t timeout_ms,
                                                    uint32_t mtu, int socket, api::WorkerStats& st,
                                                    std::string& error);
  ~FragmentReassembly();
  FragmentReassembly(const FragmentReassembly&) = delete;
  FragmentReassembly& operator=(const FragmentReassembly&) = delete;

  // True for a fragment this takes: TCP over IPv4, or over IPv6 with the fragment header
  // straight after the fixed header (others are left to the fragment integrity policy).
  static bool takes(const proto::PacketInfo& info, const uint8_t* frame);
  // Takes one fragment (`info` parsed from it). Returns the whole datagram in one
  // contiguous mbuf, with `info` parsed again from it; or nullptr when the fragment is
  // held (datagram incomplete) or was dropped (counted).
  rte_mbuf* add(rte_mbuf* m, proto::PacketInfo& info, uint64_t now_tsc);
  // Frees what add() and expire() dropped: once per burst, outside the per-packet loop.
  void free_dropped();
  // Drops datagrams incomplete past the timeout (housekeeping).
  void expire(uint64_t now_tsc);

 private:
  FragmentReassembly(rte_ip_frag_tbl* t, uint32_t mtu, api::WorkerStats& st)
      : tbl_(t), mtu_(mtu), st_(st) {}
  void count_dropped();

  rte_ip_frag_tbl* tbl_;
  uint32_t mtu_;
  api::WorkerStats& st_;
  rte_ip_frag_death_row dr_{};
  uint32_t counted_ = 0;  // dr_ entries already counted as dropped
};

}  // namespace bulwark::dp
