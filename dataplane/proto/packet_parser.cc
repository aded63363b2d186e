// Zero-copy L2-L4 parser for the packet path. Hand-written because it must run per
// packet without allocation on a plain byte range (rte_net_get_ptype() classifies but
// does not validate lengths or walk every IPv6 extension header, and needs an mbuf).
#include "dataplane/api/counter_labels.h"
#include "dataplane/proto/packet_info.h"

namespace bulwark::proto {
namespace {

inline uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t rd32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

constexpr uint16_t kEthIpv4 = 0x0800;
constexpr uint16_t kEthIpv6 = 0x86dd;
constexpr uint16_t kEthVlan = 0x8100;
constexpr uint16_t kEthQinQ = 0x88a8;
constexpr uint16_t kEthQinQOld = 0x9100;

// IPv6 extension headers walked to find the upper-layer protocol (RFC 8200 4.1, RFC 7045).
constexpr uint8_t kIp6HopByHop = 0;
constexpr uint8_t kIp6Routing = 43;
constexpr uint8_t kIp6Fragment = 44;
constexpr uint8_t kIp6Ah = 51;
constexpr uint8_t kIp6DestOpts = 60;
constexpr uint8_t kIp6Mobility = 135;
constexpr uint8_t kIp6Hip = 139;
constexpr uint8_t kIp6Shim6 = 140;
constexpr uint8_t kIp6NoNext = 59;

bool fail(PacketInfo& out, ParseStatus s) {
  out.status = s;
  return false;
}

// True if Linux, receiving it, processes the hop-by-hop or destination options at `h`
// (hlen bytes) and goes on: every option it does not know whose type's two high bits
// say "discard" (RFC 8200 4.2) drops the packet; it knows the jumbo payload (0xc2) and
// home address (0xc9) options (and 00-type ones are skipped). A malformed list is
// discarded too.
bool options_delivered(const uint8_t* h, uint32_t hlen) {
  for (uint32_t i = 2; i < hlen;) {
    const uint8_t type = h[i];
    if (type == 0) {  // Pad1
      ++i;
      continue;
    }
    if (i + 2 > hlen || i + 2 + h[i + 1] > hlen) return false;
    if ((type & 0xc0) != 0 && type != 0xc2 && type != 0xc9) return false;
    i += 2 + h[i + 1];
  }
  return true;
}

// Parses TCP/UDP at l4 within an IP packet ending at ip_end.
void parse_l4(const uint8_t* data, uint32_t l4, uint32_t ip_end, PacketInfo& out) {
  out.l4_offset = static_cast<uint16_t>(l4);
  const uint32_t avail = ip_end - l4;
  const uint8_t* p = data + l4;
  if (out.l4_proto == kProtoTcp) {
    if (avail < 20) return void(fail(out, ParseStatus::truncated_tcp));
    const uint32_t hlen = static_cast<uint32_t>(p[12] >> 4) * 4;
    if (hlen < 20 || hlen > avail) return void(fail(out, ParseStatus::bad_tcp_offset));
    out.sport = rd16(p);
    out.dport = rd16(p + 2);
    out.tcp_seq = rd32(p + 4);
    out.tcp_ack = rd32(p + 8);
    out.tcp_flags = p[13];
    out.tcp_window = rd16(p + 14);
    out.tcp_wscale = kNoWindowScale;
    // The options a receiving stack acts on before taking data: window scale (its SYN)
    // and timestamps (PAWS). Anything malformed ends the walk, as in Linux.
    for (uint32_t i = 20; i < hlen;) {
      const uint8_t kind = p[i];
      if (kind == 0) break;
      if (kind == 1) {
        ++i;
        continue;
      }
      if (i + 1 >= hlen || p[i + 1] < 2 || i + p[i + 1] > hlen) break;
      if (kind == 3 && p[i + 1] == 3) out.tcp_wscale = p[i + 2] > 14 ? 14 : p[i + 2];
      if (kind == 8 && p[i + 1] == 10) {
        out.tcp_has_ts = true;
        out.tcp_tsval = rd32(p + i + 2);
      }
      i += p[i + 1];
    }
    out.has_ports = true;
    out.payload_offset = static_cast<uint16_t>(l4 + hlen);
    out.payload_len = static_cast<uint16_t>(avail - hlen);
  } else if (out.l4_proto == kProtoUdp) {
    if (avail < 8) return void(fail(out, ParseStatus::truncated_udp));
    const uint32_t ulen = rd16(p + 4);
    // A fragmented datagram's UDP length covers all fragments: only check it when whole.
    if (!out.fragment && (ulen < 8 || ulen > avail))
      return void(fail(out, ParseStatus::bad_udp_length));
    out.sport = rd16(p);
    out.dport = rd16(p + 2);
    out.has_ports = true;
    out.payload_offset = static_cast<uint16_t>(l4 + 8);
    out.payload_len = static_cast<uint16_t>((out.fragment ? avail : ulen) - 8);
  }
}

void parse_ipv4(const uint8_t* data, uint32_t off, uint32_t len, PacketInfo& out) {
  if (len - off < 20) return void(fail(out, ParseStatus::truncated_ipv4));
  const uint8_t* ip = data + off;
  if ((ip[0] >> 4) != 4) return void(fail(out, ParseStatus::bad_ipv4_version));
  const uint32_t ihl = uint32_t{ip[0] & 0x0fu} * 4;
  if (ihl < 20 || ihl > len - off) return void(fail(out, ParseStatus::bad_ipv4_ihl));
  const uint32_t total = rd16(ip + 2);
  if (total < ihl || total > len - off) return void(fail(out, ParseStatus::bad_ipv4_length));
  out.l3 = L3::ipv4;
  out.l4_proto = ip[9];
  out.ttl = ip[8];
  __builtin_memcpy(out.src, ip + 12, 4);
  __builtin_memcpy(out.dst, ip + 16, 4);
  const uint16_t frag = rd16(ip + 6);
  const bool more_fragments = frag & 0x2000;
  const uint16_t frag_offset = frag & 0x1fff;
  out.fragment = more_fragments || frag_offset != 0;
  out.later_fragment = frag_offset != 0;
  if (out.later_fragment) return;
  parse_l4(data, off + ihl, off + total, out);
}

void parse_ipv6(const uint8_t* data, uint32_t off, uint32_t len, PacketInfo& out) {
  if (len - off < 40) return void(fail(out, ParseStatus::truncated_ipv6));
  const uint8_t* ip = data + off;
  if ((ip[0] >> 4) != 6) return void(fail(out, ParseStatus::bad_ipv6_version));
  const uint32_t end = off + 40 + rd16(ip + 4);
  if (end > len) return void(fail(out, ParseStatus::bad_ipv6_length));
  out.l3 = L3::ipv6;
  out.ttl = ip[7];
  __builtin_memcpy(out.src, ip + 8, 16);
  __builtin_memcpy(out.dst, ip + 24, 16);
  uint8_t next = ip[6];
  uint32_t pos = off + 40;
  // No count bound (Linux has none: a chain past one would be a packet the server takes
  // and inspection does not); each header is at least 8 bytes, so the frame bounds it.
  for (;;) {
    const bool ext = next == kIp6HopByHop || next == kIp6Routing || next == kIp6Fragment ||
                     next == kIp6Ah || next == kIp6DestOpts || next == kIp6Mobility ||
                     next == kIp6Hip || next == kIp6Shim6;
    if (!ext) break;
    if (end - pos < 8) return void(fail(out, ParseStatus::bad_ipv6_ext_header));
    const uint8_t* h = data + pos;
    uint32_t hlen;
    if (next == kIp6Fragment) {
      hlen = 8;
      const uint16_t frag_offset = rd16(h + 2) >> 3;
      // An atomic fragment (offset 0, no more) is the whole packet (RFC 6946).
      out.fragment = out.fragment || frag_offset != 0 || (h[3] & 1);
      if (frag_offset != 0) out.later_fragment = true;
    } else if (next == kIp6Ah) {
      hlen = (uint32_t{h[1]} + 2) * 4;
    } else {
      hlen = (uint32_t{h[1]} + 1) * 8;
    }
    if (hlen > end - pos) return void(fail(out, ParseStatus::bad_ipv6_ext_header));
    // What the server's stack would discard is never inspected (it would be a decoy).
    const bool options = next == kIp6HopByHop || next == kIp6DestOpts;
    if ((next == kIp6HopByHop && pos != off + 40) || (options && !options_delivered(h, hlen)) ||
        ((next == kIp6Mobility || next == kIp6Hip || next == kIp6Shim6) && h[0] != kIp6NoNext))
      return void(fail(out, ParseStatus::ipv6_not_delivered));
    next = h[0];
    pos += hlen;
    if (out.later_fragment) break;
  }
  out.l4_proto = next;
  if (out.later_fragment) return;
  parse_l4(data, pos, end, out);
}

}  // namespace

void parse_packet(const uint8_t* data, uint32_t len, PacketInfo& out) {
  out = PacketInfo{};
  if (len < 14) return void(fail(out, ParseStatus::truncated_ethernet));
  uint32_t off = 12;
  uint16_t type = rd16(data + off);
  while (type == kEthVlan || type == kEthQinQ || type == kEthQinQOld) {
    if (out.vlan_count == kMaxVlanTags) return void(fail(out, ParseStatus::too_many_vlans));
    if (len - off < 6) return void(fail(out, ParseStatus::truncated_vlan));
    if (out.vlan_count == 0) out.outer_vlan = rd16(data + off + 2) & 0x0fff;
    ++out.vlan_count;
    off += 4;
    type = rd16(data + off);
  }
  off += 2;
  out.ether_type = type;
  out.l3_offset = static_cast<uint16_t>(off);
  if (type == kEthIpv4)
    parse_ipv4(data, off, len, out);
  else if (type == kEthIpv6)
    parse_ipv6(data, off, len, out);
}

// The stats segment's label table names each status (see counter_labels_check.cc).
const char* parse_status_name(ParseStatus s) {
  return api::label_name(api::kParseStatusNames, static_cast<unsigned>(s));
}

}  // namespace bulwark::proto
