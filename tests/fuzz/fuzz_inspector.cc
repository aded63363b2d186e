// libFuzzer target: the packets of one TCP connection, written by the fuzzer, through a
// worker's whole inspection (Inspector: checksum and TCP checks as the receiving stack
// makes them, reassembly, the retransmission compare, the HTTP or TLS parser, every
// stage of the pipeline) with a rule set that blocks, answers and reads bodies.
// Input: 1 byte (bit 0: the server port is 443, TLS; else 80), then records of 4 bytes
// and a payload:
//   [0] bit 0: from the server; bits 1-3: flags (see kFlagChoices); bit 4: bad TCP
//       checksum; bit 5: TTL 1; bits 6-7: sequence number (0: next, 1: `[1]` bytes back,
//       2: `[1]` bytes ahead, 3: `[1]` << 24 ahead)
//   [1] the sequence delta
//   [2] bits 0-1: ack (0: all the peer sent, 1: 100 bytes before it, 2: 100 after it,
//       3: 0); bits 2-7: window (times 1024)
//   [3] payload length (the next bytes of the input, as many as are left)
// The connection starts with a valid handshake. Invariants: no fault (ASan, UBSan);
// every mbuf comes back (the segments the inspector injects are freed here); once the
// flow is removed its session is back in the pool.
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/flow/flow_key.h"
#include "dataplane/flow/flow_table.h"
#include "dataplane/inspect/inspection_runtime.h"
#include "dataplane/proto/packet_info.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/rule_parser.h"

using namespace bulwark;

namespace {

constexpr unsigned kPool = 1024;
constexpr uint8_t kFlagChoices[8] = {RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
                                     RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
                                     RTE_TCP_RST_FLAG,
                                     RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG,
                                     RTE_TCP_SYN_FLAG,
                                     RTE_TCP_ACK_FLAG | RTE_TCP_URG_FLAG,
                                     RTE_TCP_PSH_FLAG,  // data without ACK
                                     RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG};

// Rules that act on the head (a respond and a block), on the body (a block) and only
// log, so that every verdict path runs.
constexpr const char* kRules = R"(rules:
  - {id: 1, name: bad bot, action: respond, respond: {status: 403, body: "no\n"},
     match: {field: user_agent, prefix: "BadBot/", nocase: true}}
  - {id: 2, name: admin, action: block, match: {field: path, prefix: /admin}}
  - {id: 3, name: sqli body, action: block, match: {field: body, contains: "' or 1=1", nocase: true}}
  - {id: 4, name: api log, action: log, match: {field: path, prefix: /api}}
)";

rte_mempool* g_pool = nullptr;
api::Segment* g_seg = nullptr;
inspect::InspectionRuntime* g_runtime = nullptr;

struct End {
  uint8_t addr[4];
  uint16_t port;
  uint8_t mac[6];
  uint32_t next = 0;  // next sequence number this end sends
};

// One frame from `from` to `to` (Ethernet, IPv4, TCP without options, payload).
rte_mbuf* frame(const End& from, const End& to, uint32_t seq, uint32_t ack, uint8_t flags,
                uint16_t window, uint8_t ttl, bool bad_sum, const uint8_t* payload, uint16_t len) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (m == nullptr) __builtin_trap();  // every mbuf is given back: the pool never runs dry
  const uint16_t total = sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_tcp_hdr) + len;
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, total));
  auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
  std::memcpy(eth->dst_addr.addr_bytes, to.mac, 6);
  std::memcpy(eth->src_addr.addr_bytes, from.mac, 6);
  eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
  std::memset(ip, 0, sizeof *ip);
  ip->version_ihl = 0x45;
  ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(total - sizeof(rte_ether_hdr)));
  ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
  ip->time_to_live = ttl;
  ip->next_proto_id = proto::kProtoTcp;
  std::memcpy(&ip->src_addr, from.addr, 4);
  std::memcpy(&ip->dst_addr, to.addr, 4);
  ip->hdr_checksum = rte_ipv4_cksum(ip);
  auto* tcp = reinterpret_cast<rte_tcp_hdr*>(ip + 1);
  std::memset(tcp, 0, sizeof *tcp);
  tcp->src_port = rte_cpu_to_be_16(from.port);
  tcp->dst_port = rte_cpu_to_be_16(to.port);
  tcp->sent_seq = rte_cpu_to_be_32(seq);
  tcp->recv_ack = rte_cpu_to_be_32(ack);
  tcp->data_off = 5 << 4;
  tcp->tcp_flags = flags;
  tcp->rx_win = rte_cpu_to_be_16(window);
  tcp->tcp_urp = (flags & RTE_TCP_URG_FLAG) ? rte_cpu_to_be_16(1) : 0;
  if (len) std::memcpy(tcp + 1, payload, len);
  tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
  if (bad_sum) tcp->cksum ^= 0x0101;
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* args[] = {"fuzz",        "--no-huge",   "-m",      "512", "--no-pci",
                        "--no-shconf", "--log-level", "*:error", "-l",  "0"};
  if (rte_eal_init(10, const_cast<char**>(args)) < 0) return 1;
  g_pool = rte_pktmbuf_pool_create("fuzz_inspector", kPool, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  if (g_pool == nullptr) return 1;
  api::DataplaneConfig cfg;
  cfg.http_sessions = 64;  // small pools: sessions, head buffers and body scans run out
  cfg.reassembly_segments = 256;
  cfg.limit_keys = 4096;
  g_seg = new api::Segment{};
  g_runtime = new inspect::InspectionRuntime;
  std::string error;
  if (!g_runtime->start(cfg, 1, g_pool, *g_seg, error)) __builtin_trap();
  auto set = rules::parse_rules_yaml(kRules, "fuzz.yaml", error);
  if (!set) __builtin_trap();
  auto bytes = rules::compile_bundle(*set, 1, error);
  inspect::LoadReport report;
  if (!bytes || !g_runtime->load_bytes(*bytes, report, error)) __builtin_trap();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  inspect::Inspector& in = *g_runtime->inspector(0);
  End client{{198, 18, 0, 1}, 40000, {2, 0, 0, 0, 0, 1}, 1000};
  End server{
      {198, 18, 0, 2}, static_cast<uint16_t>(data[0] & 1 ? 443 : 80), {2, 0, 0, 0, 0, 2}, 900000};
  dp::FlowEntry e{};
  uint64_t now = 1'000'000'000;
  // One packet through the inspector, as the worker hands it over; whatever it sends is
  // freed (nothing is transmitted here).
  auto send = [&](bool from_server, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
                  uint8_t ttl, bool bad_sum, const uint8_t* payload, uint16_t len) {
    const End& a = from_server ? server : client;
    const End& b = from_server ? client : server;
    rte_mbuf* m = frame(a, b, seq, ack, flags, window, ttl, bad_sum, payload, len);
    m->port = from_server ? 1 : 0;
    proto::PacketInfo info;
    proto::parse_packet(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), info);
    dp::FlowKey key;
    const unsigned dir = dp::make_flow_key(info, key);
    inspect::Injected inj;
    in.on_packet(e, info, m, dir, m->port, now, inj);
    for (unsigned i = 0; i < inj.n; ++i) rte_pktmbuf_free(inj.m[i]);
    rte_pktmbuf_free(m);
    now += 1000;
  };
  // The handshake.
  send(false, client.next++, 0, RTE_TCP_SYN_FLAG, 65535, 64, false, nullptr, 0);
  send(true, server.next++, client.next, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 65535, 64, false,
       nullptr, 0);
  send(false, client.next, server.next, RTE_TCP_ACK_FLAG, 64, 64, false, nullptr, 0);
  for (size_t i = 1; i + 4 <= size;) {
    const uint8_t k = data[i], delta = data[i + 1], a = data[i + 2];
    const size_t len = std::min<size_t>(data[i + 3], size - (i + 4));
    const uint8_t* payload = data + i + 4;
    i += 4 + len;
    const bool from_server = k & 1;
    End& me = from_server ? server : client;
    const End& peer = from_server ? client : server;
    const uint8_t flags = kFlagChoices[(k >> 1) & 7];
    uint32_t seq = me.next;
    switch (k >> 6) {
      case 1: seq -= delta; break;
      case 2: seq += delta; break;
      case 3: seq += uint32_t{delta} << 24; break;
      default: break;
    }
    uint32_t ack = peer.next;
    switch (a & 3) {
      case 1: ack -= 100; break;
      case 2: ack += 100; break;
      case 3: ack = 0; break;
      default: break;
    }
    send(from_server, seq, ack, flags, static_cast<uint16_t>((a >> 2) * 1024), k & 0x20 ? 1 : 64,
         k & 0x10, payload, static_cast<uint16_t>(len));
    // The sender's stream moves on by what it sent at its next byte.
    if (seq == me.next)
      me.next += static_cast<uint32_t>(len) + ((flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
  }
  in.on_flow_removed(e);
  g_runtime->poll();  // events, the features' main-lcore work
  in.publish();
  if (g_seg->workers[0].sessions_active.get() != 0) __builtin_trap();  // a session kept
  if (rte_mempool_avail_count(g_pool) != kPool) __builtin_trap();      // an mbuf kept
  return 0;
}
