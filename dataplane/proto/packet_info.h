// What the L2-L4 parser learned about one frame. Filled by parse_packet(); read by
// flow tracking, worker hand-off and counters. Offsets are from the start of the frame.
#pragma once

#include <cstdint>

namespace bulwark::proto {

// Why a frame could not be parsed down to L4. A malformed frame is still bridged
// (or dropped, by policy); the reason is counted per worker.
enum class ParseStatus : uint8_t {
  ok = 0,
  truncated_ethernet,   // shorter than an Ethernet header
  truncated_vlan,       // a VLAN tag runs past the frame
  too_many_vlans,       // more stacked tags than kMaxVlanTags
  truncated_ipv4,       // fewer than 20 bytes after L2
  bad_ipv4_version,     // version nibble is not 4
  bad_ipv4_ihl,         // IHL < 5 or header past the frame
  bad_ipv4_length,      // total length < IHL*4 or past the frame
  truncated_ipv6,       // fewer than 40 bytes after L2
  bad_ipv6_version,     // version nibble is not 6
  bad_ipv6_length,      // payload length past the frame
  bad_ipv6_ext_header,  // extension header chain runs past the packet or is too long
  truncated_tcp,        // fewer than 20 bytes of TCP header
  bad_tcp_offset,       // data offset < 5 or past the packet
  truncated_udp,        // fewer than 8 bytes of UDP header
  bad_udp_length,       // UDP length < 8 or past the packet
  // IPv6 that a receiving host discards, so what it carries is never read: hop-by-hop
  // options not first, an option whose type says discard that Linux does not know, or
  // data behind a Mobility, HIP or Shim6 header (final headers to Linux).
  ipv6_not_delivered,
  count_  // number of values; keep last
};

const char* parse_status_name(ParseStatus s);

enum class L3 : uint8_t { none = 0, ipv4 = 4, ipv6 = 6 };

// IANA protocol numbers the dataplane distinguishes.
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;

inline constexpr unsigned kMaxVlanTags = 4;

// TCP flag bits as they appear in byte 13 of the TCP header.
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kNoWindowScale = 0xff;  // PacketInfo::tcp_wscale: no such option
inline constexpr uint8_t kTcpUrg = 0x20;

// No default member initialisers on purpose: workers keep arrays of these on the stack
// per burst, and zeroing them on every poll cost more than parsing (measured). Use
// parse_packet() to fill one, or value-initialise it (PacketInfo p{}).
struct PacketInfo {
  ParseStatus status;
  L3 l3;
  uint8_t vlan_count;
  uint8_t l4_proto;     // IPv4 protocol / IPv6 final next header
  bool fragment;        // any IP fragment (first or later)
  bool later_fragment;  // fragment offset != 0: no L4 header in this frame
  bool has_ports;       // TCP or UDP header parsed (never for later fragments)
  uint8_t tcp_flags;
  uint8_t ttl;          // IPv4 TTL / IPv6 hop limit as the frame arrived
  uint16_t ether_type;  // EtherType after all VLAN tags
  uint16_t outer_vlan;  // VLAN id of the outermost tag (0 when untagged)
  uint16_t l3_offset;
  uint16_t l4_offset;
  uint16_t payload_offset;  // first byte of TCP/UDP payload
  uint16_t payload_len;     // bounded by the IP length, not the frame (padding excluded)
  uint16_t sport;           // host byte order
  uint16_t dport;
  uint32_t tcp_seq;  // host byte order
  uint32_t tcp_ack;
  uint16_t tcp_window;  // the window field as sent (unscaled)
  uint8_t tcp_wscale;   // window scale option (RFC 7323), or kNoWindowScale
  bool tcp_has_ts;      // a timestamps option: tcp_tsval is its TSval
  uint32_t tcp_tsval;
  uint8_t src[16];  // IPv4 uses the first 4 bytes; network byte order
  uint8_t dst[16];
};

// Parses Ethernet, 802.1Q/802.1ad tags, IPv4 (options, fragments), IPv6 (extension
// headers), TCP and UDP from a contiguous frame. Never reads outside [data, data+len).
void parse_packet(const uint8_t* data, uint32_t len, PacketInfo& out);

}  // namespace bulwark::proto
