// Worker run loop (see worker.h).
#include "dataplane/worker/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>

#include "dataplane/flow/flow_table.h"
#include "dataplane/flow/top_talkers.h"
#include "dataplane/inspect/inspector.h"
#include "dataplane/proto/packet_info.h"
#include "dataplane/worker/flow_owner.h"
#include "dataplane/worker/fragment_reassembly.h"

namespace bulwark::dp {
namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kExpireBudget = 64;  // flows expired per housekeeping pass
// Flow-table slots checked for the top-talker list per housekeeping pass (~1 ms): a few
// microseconds, so a full sweep of 65536 slots takes about a quarter of a second.
constexpr unsigned kTopSweepBudget = 256;

// Counters accumulated over one burst, added to the shared block once per burst.
struct BurstCounters {
  uint64_t ipv4 = 0, ipv6 = 0, non_ip = 0, vlan = 0, tcp = 0, udp = 0, icmp = 0, other_l4 = 0;
  uint64_t frag4 = 0, frag6 = 0, midstream = 0, policy_drops = 0, multi_segment = 0;
  uint64_t malformed[api::kParseStatusSlots] = {};
};

class Worker {
 public:
  explicit Worker(WorkerContext& c) : c_(c), s_(*c.stats) {}
  int run();

 private:
  void poll_port(unsigned p, uint64_t now, bool& busy);
  void poll_rings(uint64_t now, bool& busy);
  // Classifies and flow-tracks a batch of owned packets in order. Packets a policy
  // drops are freed; the rest are compacted to the front. Returns how many remain.
  unsigned process_batch(rte_mbuf** pkts, proto::PacketInfo* infos, unsigned n, uint64_t now);
  // Counts one packet; returns false if policy drops it, sets `track` if it has a flow.
  bool classify(const proto::PacketInfo& info, bool& track);
  FlowEntry* track_flow(const proto::PacketInfo& info, const FlowKey& key, unsigned dir,
                        FlowEntry* e, uint32_t frame_len, uint64_t now);
  void send_injected(unsigned in_port, const inspect::Injected& inj);
  static void flow_removed(void* ctx, FlowEntry& e) {
    static_cast<inspect::Inspector*>(ctx)->on_flow_removed(e);
  }
  void transmit(unsigned out_port, rte_mbuf** pkts, unsigned n);
  // A fragment this worker reassembles: the whole datagram (`info` parsed from it) once
  // complete, else nullptr (held or dropped). Anything else: `m` itself.
  rte_mbuf* reassemble(rte_mbuf* m, proto::PacketInfo& info, uint64_t now);
  void flush_handoffs();
  void flush_counters();
  void publish_flow_stats();

  WorkerContext& c_;
  api::WorkerStats& s_;
  TopTalkers top_;
  BurstCounters bc_;
  rte_mbuf* handoff_[api::kMaxWorkers][kBurst];
  unsigned handoff_n_[api::kMaxWorkers] = {};
};

void Worker::flush_counters() {
  s_.ipv4.add(bc_.ipv4);
  s_.ipv6.add(bc_.ipv6);
  s_.non_ip.add(bc_.non_ip);
  s_.vlan_tagged.add(bc_.vlan);
  s_.tcp.add(bc_.tcp);
  s_.udp.add(bc_.udp);
  s_.icmp.add(bc_.icmp);
  s_.other_l4.add(bc_.other_l4);
  s_.ipv4_fragments.add(bc_.frag4);
  s_.ipv6_fragments.add(bc_.frag6);
  s_.flows_midstream.add(bc_.midstream);
  s_.policy_drops.add(bc_.policy_drops);
  s_.multi_segment_dropped.add(bc_.multi_segment);
  for (unsigned i = 1; i < api::kParseStatusSlots; ++i)
    if (bc_.malformed[i]) s_.malformed[i].add(bc_.malformed[i]);
  bc_ = BurstCounters{};
}

void Worker::publish_flow_stats() {
  const FlowTable& t = *c_.flows;
  const auto& fc = t.counters();
  s_.flows_active.set(t.active());
  s_.flows_created.set(fc.created);
  s_.flows_expired.set(fc.expired);
  s_.flows_evicted.set(fc.evicted);
  s_.flows_evicted_established.set(fc.evicted_established);
  s_.flows_insert_failed.set(fc.insert_failed);
  for (unsigned c = 0; c < proto::kTimeoutClassCount; ++c)
    s_.flows_by_class[c].set(t.class_count(static_cast<proto::TimeoutClass>(c)));
}

FlowEntry* Worker::track_flow(const proto::PacketInfo& info, const FlowKey& key, unsigned dir,
                              FlowEntry* e, uint32_t frame_len, uint64_t now) {
  if (e == nullptr) {
    proto::FlowState initial = proto::FlowState::udp;
    unsigned initiator = dir;
    bool midstream = false;
    if (info.l4_proto == proto::kProtoTcp) {
      const uint8_t f = info.tcp_flags;
      if (f & proto::kTcpRst)
        return nullptr;  // a reset for a connection we do not know creates nothing
      if ((f & proto::kTcpSyn) && !(f & proto::kTcpAck)) {
        initial = proto::FlowState::syn_sent;
      } else if (f & proto::kTcpSyn) {
        initial = proto::FlowState::syn_recv;  // we missed the SYN: the other side initiated
        initiator = dir ^ 1u;
      } else {
        initial = proto::FlowState::established;  // picked up mid-stream
        midstream = true;
      }
    }
    bool created = false;
    e = c_.flows->find_or_create(key, now, initial, initiator, created);
    if (e == nullptr) return nullptr;
    if (created)
      bc_.midstream += midstream;
    else if (info.l4_proto == proto::kProtoTcp)  // created earlier in this same burst
      e->state = proto::tcp_next_state(e->state, info.tcp_flags, dir, e->initiator, e->fin_seen);
  } else if (info.l4_proto == proto::kProtoTcp) {
    e->state = proto::tcp_next_state(e->state, info.tcp_flags, dir, e->initiator, e->fin_seen);
  }
  e->packets[dir] += 1;
  e->bytes[dir] += frame_len;
  c_.flows->touch(e, now);
  return e;
}

void Worker::send_injected(unsigned in_port, const inspect::Injected& inj) {
  for (unsigned i = 0; i < inj.n; ++i) {
    rte_mbuf* m = inj.m[i];
    transmit(inj.reverse[i] ? in_port : in_port ^ 1u, &m, 1);
  }
}

bool Worker::classify(const proto::PacketInfo& info, bool& track) {
  track = false;
  if (info.vlan_count) ++bc_.vlan;
  if (info.status != proto::ParseStatus::ok) {
    ++bc_.malformed[static_cast<unsigned>(info.status)];
    // A first fragment too short for the TCP header (RFC 1858's tiny fragment): its
    // ports and flags would only exist after reassembly, past inspection. Never sent by
    // a real stack; always dropped.
    if (info.fragment && info.l4_proto == proto::kProtoTcp &&
        (info.status == proto::ParseStatus::truncated_tcp ||
         info.status == proto::ParseStatus::bad_tcp_offset)) {
      ++bc_.policy_drops;
      return false;
    }
    if (c_.malformed == api::MalformedPolicy::drop) {
      ++bc_.policy_drops;
      return false;
    }
    return true;
  }
  if (info.l3 == proto::L3::none) {
    ++bc_.non_ip;
    return true;
  }
  if (info.l3 == proto::L3::ipv4) {
    ++bc_.ipv4;
    bc_.frag4 += info.fragment;
  } else {
    ++bc_.ipv6;
    bc_.frag6 += info.fragment;
  }
  switch (info.l4_proto) {
    case proto::kProtoTcp: ++bc_.tcp; break;
    case proto::kProtoUdp: ++bc_.udp; break;
    case proto::kProtoIcmp:
    case proto::kProtoIcmpv6: ++bc_.icmp; break;
    default: ++bc_.other_l4; break;
  }
  track = info.has_ports && !info.later_fragment;
  return true;
}

unsigned Worker::process_batch(rte_mbuf** pkts, proto::PacketInfo* infos, unsigned n,
                               uint64_t now) {
  FlowKey keys[kBurst];
  const FlowKey* key_ptrs[kBurst];
  FlowEntry* found[kBurst];
  uint8_t dir[kBurst];
  uint8_t slot[kBurst];  // index into keys, or kNoSlot
  constexpr uint8_t kNoSlot = 0xff;
  unsigned nkeys = 0, kept = 0;
  for (unsigned i = 0; i < n; ++i) {
    bool track;
    if (!classify(infos[i], track)) {
      rte_pktmbuf_free(pkts[i]);
      slot[i] = kNoSlot;
      pkts[i] = nullptr;
      continue;
    }
    slot[i] = kNoSlot;
    if (track) {
      dir[i] = static_cast<uint8_t>(make_flow_key(infos[i], keys[nkeys]));
      key_ptrs[nkeys] = &keys[nkeys];
      slot[i] = static_cast<uint8_t>(nkeys++);
    }
  }
  if (nkeys) c_.flows->find_bulk(key_ptrs, nkeys, found);
  // A flow created in this batch may evict an entry that a later packet's lookup found:
  // once anything was evicted, look the remaining packets up again one by one.
  const uint64_t evicted_before = c_.flows->counters().evicted;
  for (unsigned i = 0; i < n; ++i) {
    if (pkts[i] == nullptr) continue;
    if (slot[i] != kNoSlot) {
      const FlowKey& k = keys[slot[i]];
      FlowEntry* e = found[slot[i]];
      if (c_.flows->counters().evicted != evicted_before) e = c_.flows->find(k);
      FlowEntry* const before = e;
      const auto state = e ? e->state : proto::FlowState{};
      const auto fin_seen = e ? e->fin_seen : decltype(e->fin_seen){};
      e = track_flow(infos[i], k, dir[i], e, rte_pktmbuf_pkt_len(pkts[i]), now);
      if (e && c_.inspector && infos[i].l4_proto == proto::kProtoTcp) {
        inspect::Injected inj;
        const unsigned in_port = pkts[i]->port == c_.port_id[0] ? 0u : 1u;
        const bool forward =
            c_.inspector->on_packet(*e, infos[i], pkts[i], dir[i], in_port, now, inj);
        // A segment the receiving stack ignores (a forged RST or FIN) must not move the
        // flow towards closed: that would shorten its timeout and lose its session.
        if (inj.rejected && e == before) {
          e->state = state;
          e->fin_seen = fin_seen;
        }
        if (inj.n) send_injected(in_port, inj);
        if (!forward) {
          rte_pktmbuf_free(pkts[i]);
          continue;
        }
      }
    }
    pkts[kept++] = pkts[i];
  }
  return kept;
}

void Worker::transmit(unsigned out_port, rte_mbuf** pkts, unsigned n) {
  if (n == 0) return;
  const uint16_t sent = rte_eth_tx_burst(c_.port_id[out_port], static_cast<uint16_t>(c_.index),
                                         pkts, static_cast<uint16_t>(n));
  uint64_t bytes = 0;
  for (unsigned i = 0; i < sent; ++i) bytes += rte_pktmbuf_pkt_len(pkts[i]);
  auto& q = s_.port[out_port];
  q.tx_packets.add(sent);
  q.tx_bytes.add(bytes);
  if (sent < n) {
    q.tx_drops.add(n - sent);
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  }
}

void Worker::poll_port(unsigned p, uint64_t now, bool& busy) {
  rte_mbuf* rx[kBurst];
  proto::PacketInfo infos[kBurst];
  const uint16_t n = rte_eth_rx_burst(c_.port_id[p], static_cast<uint16_t>(c_.index), rx, kBurst);
  if (n == 0) return;
  busy = true;
  uint64_t bytes = 0;
  unsigned own = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = rx[i];
    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void*));
    bytes += rte_pktmbuf_pkt_len(m);
    // A frame in several buffers (a driver that scatters) is joined into its first, sized
    // for ports.mtu: the parser and inspection read one contiguous frame. One that does
    // not fit is larger than the links allow and is dropped.
    if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
      ++bc_.multi_segment;
      rte_pktmbuf_free(m);
      continue;
    }
    proto::PacketInfo& info = infos[own];
    proto::parse_packet(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), info);
    unsigned owner = flow_owner(info, c_.rss_key_be, c_.workers, c_.index);
    if (owner == c_.index && info.fragment) {
      // Fragments hash on addresses; the whole datagram on its ports, maybe elsewhere.
      if ((m = reassemble(m, info, now)) == nullptr) continue;
      owner = flow_owner(info, c_.rss_key_be, c_.workers, c_.index);
    }
    if (owner != c_.index)
      handoff_[owner][handoff_n_[owner]++] = m;
    else
      rx[own++] = m;
  }
  s_.port[p].rx_packets.add(n);
  s_.port[p].rx_bytes.add(bytes);
  transmit(p ^ 1u, rx, process_batch(rx, infos, own, now));
  flush_handoffs();
  flush_counters();
}

rte_mbuf* Worker::reassemble(rte_mbuf* m, proto::PacketInfo& info, uint64_t now) {
  if (c_.fragments == nullptr ||
      !FragmentReassembly::takes(info, rte_pktmbuf_mtod(m, const uint8_t*)))
    return m;
  // Counted as the fragment it arrived as (classify() sees only the datagram).
  ++(info.l3 == proto::L3::ipv4 ? bc_.frag4 : bc_.frag6);
  return c_.fragments->add(m, info, now);
}

void Worker::flush_handoffs() {
  if (c_.fragments) c_.fragments->free_dropped();
  for (unsigned w = 0; w < c_.workers; ++w) {
    const unsigned k = handoff_n_[w];
    if (k == 0) continue;
    handoff_n_[w] = 0;
    const unsigned q = rte_ring_sp_enqueue_burst(
        ring_between(c_, c_.index, w), reinterpret_cast<void* const*>(handoff_[w]), k, nullptr);
    s_.handoff_out.add(q);
    if (q < k) {
      s_.handoff_drops.add(k - q);
      rte_pktmbuf_free_bulk(handoff_[w] + q, k - q);
    }
  }
}

void Worker::poll_rings(uint64_t now, bool& busy) {
  for (unsigned from = 0; from < c_.workers; ++from) {
    if (from == c_.index) continue;
    rte_mbuf* in[kBurst];
    proto::PacketInfo infos[kBurst];
    const unsigned n = rte_ring_sc_dequeue_burst(ring_between(c_, from, c_.index),
                                                 reinterpret_cast<void**>(in), kBurst, nullptr);
    if (n == 0) continue;
    busy = true;
    s_.handoff_in.add(n);
    unsigned own = 0;
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = in[i];
      proto::PacketInfo& info = infos[own];
      proto::parse_packet(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), info);
      if (info.fragment) {  // handed here to be reassembled
        if ((m = reassemble(m, info, now)) == nullptr) continue;
        const unsigned owner = flow_owner(info, c_.rss_key_be, c_.workers, c_.index);
        if (owner != c_.index) {
          handoff_[owner][handoff_n_[owner]++] = m;
          continue;
        }
      }
      in[own++] = m;
    }
    const unsigned kept = process_batch(in, infos, own, now);
    // Hand-offs from both ports share a ring: send each to the port it did not come from.
    rte_mbuf* out[api::kPortCount][kBurst];
    unsigned nout[api::kPortCount] = {};
    for (unsigned i = 0; i < kept; ++i) {
      const unsigned out_port = in[i]->port == c_.port_id[0] ? 1u : 0u;
      out[out_port][nout[out_port]++] = in[i];
    }
    for (unsigned p = 0; p < api::kPortCount; ++p) transmit(p, out[p], nout[p]);
    flush_handoffs();
    flush_counters();
  }
}

int Worker::run() {
  s_.lcore_id.set(rte_lcore_id());
  if (c_.inspector) c_.flows->set_remove_hook(&Worker::flow_removed, c_.inspector);
  if (c_.qsbr) {
    rte_rcu_qsbr_thread_register(c_.qsbr, c_.index);
    rte_rcu_qsbr_thread_online(c_.qsbr, c_.index);
  }
  s_.flows_capacity.set(c_.flows->capacity());
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t housekeeping_every = hz / 1000;  // about 1 ms
  uint64_t next_housekeeping = 0;
  uint64_t busy_cycles = 0, idle_cycles = 0, busy_loops = 0, loop_max = 0;
  uint64_t swaps = 0, swap_max = 0;
  uint64_t generation = c_.inspector ? c_.inspector->rules_generation() : 0;
  unsigned idle_polls = 0;
  uint64_t t0 = rte_rdtsc();
  while (!c_.stop->load(std::memory_order_relaxed)) {
    bool busy = false;
    // An iteration that starts on a rule set this worker has not used yet measures what
    // the swap costs it (the swap itself never makes it wait).
    bool first_on_new_rules = false;
    if (c_.inspector) {
      const uint64_t g = c_.inspector->rules_generation();
      first_on_new_rules = g != generation && generation != 0;
      if (g != generation) c_.inspector->rules_swapped();
      generation = g;
    }
    for (unsigned p = 0; p < api::kPortCount; ++p)
      if (c_.polls_rxq[p]) poll_port(p, t0, busy);
    if (c_.workers > 1) poll_rings(t0, busy);
    // Nothing from the rule set is held across iterations: a swap may retire it now.
    if (c_.qsbr) rte_rcu_qsbr_quiescent(c_.qsbr, c_.index);
    const uint64_t t1 = rte_rdtsc();
    const uint64_t dt = t1 - t0;
    (busy ? busy_cycles : idle_cycles) += dt;
    busy_loops += busy;
    loop_max = std::max(loop_max, dt);
    if (first_on_new_rules) {
      ++swaps;
      swap_max = std::max(swap_max, dt);
      s_.swap_loop_cycles_last.set(dt);
      s_.swap_loop_cycles_max.set(swap_max);
      s_.swaps_seen.set(swaps);
    }
    t0 = t1;
    // Opt-in (idle_sleep_us): after a lull the worker gives its CPU back for a moment.
    // Never with a packet in hand: the sleep is between polls that found nothing.
    idle_polls = busy ? 0 : idle_polls + 1;
    if (c_.idle_sleep_us != 0 && idle_polls >= kIdlePollsBeforeSleep) {
      rte_delay_us_sleep(c_.idle_sleep_us);
      idle_polls = 0;
      t0 = rte_rdtsc();  // the sleep is idle time, counted as such
      idle_cycles += t0 - t1;
    }
    if (t1 >= next_housekeeping) {
      next_housekeeping = t1 + housekeeping_every;
      c_.flows->expire(t1, kExpireBudget);
      if (c_.fragments) c_.fragments->expire(t1);
      top_.sweep(*c_.flows, kTopSweepBudget, s_.top_flows);
      publish_flow_stats();
      if (c_.inspector) c_.inspector->publish();
      s_.busy_cycles.set(busy_cycles);
      s_.idle_cycles.set(idle_cycles);
      s_.busy_loops.set(busy_loops);
      s_.loop_max_cycles.set(loop_max);
    }
  }
  publish_flow_stats();
  if (c_.inspector) c_.inspector->publish();
  s_.busy_cycles.set(busy_cycles);
  s_.idle_cycles.set(idle_cycles);
  s_.busy_loops.set(busy_loops);
  s_.loop_max_cycles.set(loop_max);
  if (c_.qsbr) {
    rte_rcu_qsbr_thread_offline(c_.qsbr, c_.index);
    rte_rcu_qsbr_thread_unregister(c_.qsbr, c_.index);
  }
  return 0;
}

}  // namespace

int worker_main(void* arg) {
  Worker w(*static_cast<WorkerContext*>(arg));
  return w.run();
}

}  // namespace bulwark::dp
