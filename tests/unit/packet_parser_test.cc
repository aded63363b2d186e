// Parser tests: every layer's good case, and truncated / malformed headers.
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "dataplane/proto/packet_info.h"
#include "tests/unit/frame_builder.h"

using namespace bulwark;

using bulwark::test::Frame;

namespace bulwark::proto {
std::ostream& operator<<(std::ostream& o, ParseStatus s) { return o << parse_status_name(s); }
}  // namespace bulwark::proto

namespace {
proto::PacketInfo parse(const Frame& f, size_t len = SIZE_MAX) {
  proto::PacketInfo p;
  proto::parse_packet(f.b.data(), static_cast<uint32_t>(std::min(len, f.size())), p);
  return p;
}
Frame tcp4(uint8_t flags = proto::kTcpSyn, size_t payload = 0) {
  Frame f;
  f.eth(0x0800)
      .ipv4(proto::kProtoTcp, static_cast<uint16_t>(40 + payload))
      .tcp(40000, 80, flags)
      .zeros(payload);
  return f;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(packet_parser)

BOOST_AUTO_TEST_CASE(ipv4_tcp) {
  const auto p = parse(tcp4(proto::kTcpSyn | proto::kTcpAck, 10));
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST((p.l3 == proto::L3::ipv4));
  BOOST_TEST(p.has_ports);
  BOOST_TEST(p.sport == 40000);
  BOOST_TEST(p.dport == 80);
  BOOST_TEST(p.tcp_flags == (proto::kTcpSyn | proto::kTcpAck));
  BOOST_TEST(p.tcp_seq == 1000u);
  BOOST_TEST(p.payload_offset == 54);
  BOOST_TEST(p.payload_len == 10);
  BOOST_TEST(p.src[0] == 198);
  BOOST_TEST(p.dst[3] == 2);
}

BOOST_AUTO_TEST_CASE(ethernet_padding_is_not_payload) {
  Frame f = tcp4();
  f.zeros(6);  // 54-byte frame padded to 60 on the wire
  const auto p = parse(f);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST(p.payload_len == 0);
}

BOOST_AUTO_TEST_CASE(ipv4_options_are_skipped) {
  Frame f;
  f.eth(0x0800)
      .ipv4(proto::kProtoUdp, 24 + 8 + 4, 0xc6120001, 0xc6120002, 6)
      .udp(53, 5353, 12)
      .zeros(4);
  const auto p = parse(f);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST(p.l4_offset == 14 + 24);
  BOOST_TEST(p.sport == 53);
  BOOST_TEST(p.payload_len == 4);
}

BOOST_AUTO_TEST_CASE(vlan_and_qinq) {
  Frame f;
  f.bytes({2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
      .vlan(0x88a8, 100)
      .vlan(0x8100, 0x2000 | 200)
      .u16(0x0800);
  f.ipv4(proto::kProtoTcp, 40).tcp(1, 2, proto::kTcpAck);
  const auto p = parse(f);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST(p.vlan_count == 2);
  BOOST_TEST(p.outer_vlan == 100);
  BOOST_TEST(p.l3_offset == 22);
  BOOST_TEST(p.has_ports);
}

BOOST_AUTO_TEST_CASE(too_many_vlan_tags) {
  Frame f;
  f.bytes({2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
  for (int i = 0; i < 5; ++i) f.vlan(0x8100, 1);
  f.u16(0x0800).ipv4(proto::kProtoTcp, 40).tcp(1, 2, 0);
  BOOST_TEST(parse(f).status == proto::ParseStatus::too_many_vlans);
}

BOOST_AUTO_TEST_CASE(truncated_ethernet_and_vlan) {
  Frame f;
  f.eth(0x8100).u8(0);
  BOOST_TEST(parse(f, 13).status == proto::ParseStatus::truncated_ethernet);
  BOOST_TEST(parse(f).status == proto::ParseStatus::truncated_vlan);
}

BOOST_AUTO_TEST_CASE(non_ip_is_ok_without_l3) {
  Frame f;
  f.eth(0x0806).zeros(28);
  const auto p = parse(f);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST((p.l3 == proto::L3::none));
  BOOST_TEST(p.ether_type == 0x0806);
}

BOOST_AUTO_TEST_CASE(bad_ihl) {
  Frame small;
  small.eth(0x0800).ipv4(proto::kProtoTcp, 40, 1, 2, 4).tcp(1, 2, 0);
  BOOST_TEST(parse(small).status == proto::ParseStatus::bad_ipv4_ihl);
  Frame big;  // IHL 15 = 60 bytes, frame has 40 after L2
  big.eth(0x0800).ipv4(proto::kProtoTcp, 40).tcp(1, 2, 0);
  big.b[14] = 0x4f;
  BOOST_TEST(parse(big).status == proto::ParseStatus::bad_ipv4_ihl);
}

BOOST_AUTO_TEST_CASE(ipv4_lengths) {
  Frame past;
  past.eth(0x0800).ipv4(proto::kProtoTcp, 400).tcp(1, 2, 0);
  BOOST_TEST(parse(past).status == proto::ParseStatus::bad_ipv4_length);
  Frame below;
  below.eth(0x0800).ipv4(proto::kProtoTcp, 19).tcp(1, 2, 0);
  BOOST_TEST(parse(below).status == proto::ParseStatus::bad_ipv4_length);
  Frame version;
  version.eth(0x0800).ipv4(proto::kProtoTcp, 40).tcp(1, 2, 0);
  version.b[14] = 0x55;
  BOOST_TEST(parse(version).status == proto::ParseStatus::bad_ipv4_version);
  BOOST_TEST(parse(tcp4(), 14 + 19).status == proto::ParseStatus::truncated_ipv4);
}

BOOST_AUTO_TEST_CASE(zero_length_tcp_header) {
  Frame f;
  f.eth(0x0800).ipv4(proto::kProtoTcp, 40).tcp(1, 2, proto::kTcpSyn, 0);
  const auto p = parse(f);
  BOOST_TEST(p.status == proto::ParseStatus::bad_tcp_offset);
  BOOST_TEST(!p.has_ports);
}

BOOST_AUTO_TEST_CASE(tcp_offset_past_packet) {
  Frame f;
  f.eth(0x0800)
      .ipv4(proto::kProtoTcp, 40)
      .tcp(1, 2, proto::kTcpSyn, 15);  // claims 60 bytes; IP has 20
  f.b.resize(14 + 40);
  BOOST_TEST(parse(f).status == proto::ParseStatus::bad_tcp_offset);
}

BOOST_AUTO_TEST_CASE(truncated_tcp_inside_ip_length) {
  Frame f;
  f.eth(0x0800).ipv4(proto::kProtoTcp, 30).tcp(1, 2, 0);  // IP total length cuts the TCP header
  BOOST_TEST(parse(f).status == proto::ParseStatus::truncated_tcp);
}

BOOST_AUTO_TEST_CASE(udp_lengths) {
  Frame ok;
  ok.eth(0x0800).ipv4(proto::kProtoUdp, 28 + 5).udp(1, 2, 13).zeros(5);
  BOOST_TEST(parse(ok).payload_len == 5);
  Frame past;
  past.eth(0x0800).ipv4(proto::kProtoUdp, 28).udp(1, 2, 100);
  BOOST_TEST(parse(past).status == proto::ParseStatus::bad_udp_length);
  Frame small;
  small.eth(0x0800).ipv4(proto::kProtoUdp, 28).udp(1, 2, 7);
  BOOST_TEST(parse(small).status == proto::ParseStatus::bad_udp_length);
  Frame trunc;
  trunc.eth(0x0800).ipv4(proto::kProtoUdp, 24).zeros(4);
  BOOST_TEST(parse(trunc).status == proto::ParseStatus::truncated_udp);
}

BOOST_AUTO_TEST_CASE(ipv4_fragments) {
  Frame first;  // MF set, offset 0: ports present, UDP length covers the whole datagram
  first.eth(0x0800).ipv4(proto::kProtoUdp, 28 + 8, 1, 2, 5, 0x2000).udp(7, 9, 3000).zeros(8);
  auto p = parse(first);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST(p.fragment);
  BOOST_TEST(!p.later_fragment);
  BOOST_TEST(p.has_ports);
  Frame later;
  later.eth(0x0800).ipv4(proto::kProtoUdp, 20 + 16, 1, 2, 5, 185).zeros(16);
  p = parse(later);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST(p.later_fragment);
  BOOST_TEST(!p.has_ports);
}

BOOST_AUTO_TEST_CASE(ipv6_extension_headers) {
  Frame f;
  // hop-by-hop (8 bytes) -> destination options (16 bytes) -> routing (8) -> TCP
  f.eth(0x86dd).ipv6(0, 8 + 16 + 8 + 20);
  f.u8(60).u8(0).zeros(6);
  f.u8(43).u8(1).zeros(14);
  f.u8(proto::kProtoTcp).u8(0).u8(0).u8(0).zeros(4);
  f.tcp(443, 50000, proto::kTcpAck);
  const auto p = parse(f);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST((p.l3 == proto::L3::ipv6));
  BOOST_TEST(p.l4_proto == proto::kProtoTcp);
  BOOST_TEST(p.l4_offset == 14 + 40 + 32);
  BOOST_TEST(p.sport == 443);
  BOOST_TEST(p.src[15] == 1);
}

BOOST_AUTO_TEST_CASE(ipv6_fragments) {
  Frame first;
  first.eth(0x86dd).ipv6(44, 8 + 8).u8(proto::kProtoUdp).u8(0).u16(0x0001).u32(7).udp(1, 2, 2000);
  auto p = parse(first);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST(p.fragment);
  BOOST_TEST(p.has_ports);
  Frame later;
  later.eth(0x86dd).ipv6(44, 8 + 8).u8(proto::kProtoUdp).u8(0).u16(0x0100).u32(7).zeros(8);
  p = parse(later);
  BOOST_TEST(p.later_fragment);
  BOOST_TEST(!p.has_ports);
  BOOST_TEST(p.l4_proto == proto::kProtoUdp);
}

// The options a receiving stack acts on: window scale (SYN) and timestamps (PAWS).
BOOST_AUTO_TEST_CASE(tcp_window_scale_and_timestamps) {
  // A TCP header with options: ports, seq, ack, data offset, flags, window, csum, urg.
  const auto header = [](Frame& f, uint8_t words, uint8_t flags) -> Frame& {
    return f.u16(1234)
        .u16(80)
        .u32(1)
        .u32(0)
        .u8(static_cast<uint8_t>(words << 4))
        .u8(flags)
        .u16(512)
        .u16(0)
        .u16(0);
  };
  Frame f;
  header(f.eth(0x0800).ipv4(proto::kProtoTcp, 20 + 40), 10, proto::kTcpSyn)
      .bytes({2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 8, 10})
      .u32(0x01020304)
      .u32(0)
      .zeros(8);
  auto p = parse(f);
  BOOST_TEST_REQUIRE(p.status == proto::ParseStatus::ok);
  BOOST_TEST(p.tcp_wscale == 7u);
  BOOST_TEST(p.tcp_has_ts);
  BOOST_TEST(p.tcp_tsval == 0x01020304u);
  BOOST_TEST(p.tcp_window == 512u);
  Frame bare;
  bare.eth(0x0800).ipv4(proto::kProtoTcp, 40).tcp(1234, 80, proto::kTcpAck);
  p = parse(bare);
  BOOST_TEST(p.tcp_wscale == proto::kNoWindowScale);
  BOOST_TEST(!p.tcp_has_ts);
  // A malformed option (length 0) ends the walk: what follows is not taken.
  Frame bad;
  header(bad.eth(0x0800).ipv4(proto::kProtoTcp, 20 + 32), 8, proto::kTcpAck)
      .bytes({3, 0, 8, 10})
      .zeros(8);
  p = parse(bad);
  BOOST_TEST(p.status == proto::ParseStatus::ok);
  BOOST_TEST(!p.tcp_has_ts);
}

BOOST_AUTO_TEST_CASE(ipv6_malformed) {
  Frame len;
  len.eth(0x86dd).ipv6(proto::kProtoTcp, 500).tcp(1, 2, 0);
  BOOST_TEST(parse(len).status == proto::ParseStatus::bad_ipv6_length);
  Frame ext;  // hop-by-hop claiming 2048 bytes
  ext.eth(0x86dd).ipv6(0, 8).u8(proto::kProtoTcp).u8(255).zeros(6);
  BOOST_TEST(parse(ext).status == proto::ParseStatus::bad_ipv6_ext_header);
  Frame loop;  // a chain of extension headers that runs off the end of the packet
  loop.eth(0x86dd).ipv6(60, 8 * 12);
  for (int i = 0; i < 12; ++i) loop.u8(60).u8(0).zeros(6);
  BOOST_TEST(parse(loop).status == proto::ParseStatus::bad_ipv6_ext_header);
  // A long chain before TCP is what Linux takes: so does the parser (no count bound, or
  // one header past it would hide the connection from inspection).
  Frame chain;
  chain.eth(0x86dd).ipv6(60, 8 * 40 + 20);
  for (int i = 0; i < 40; ++i) chain.u8(i == 39 ? proto::kProtoTcp : 60).u8(0).zeros(6);
  chain.tcp(1234, 80, 0);
  const auto c = parse(chain);
  BOOST_TEST(c.status == proto::ParseStatus::ok);
  BOOST_TEST(c.dport == 80);
  // An atomic fragment (offset 0, no more fragments: RFC 6946) is a whole packet.
  Frame atomic;
  atomic.eth(0x86dd).ipv6(44, 8 + 20).u8(proto::kProtoTcp).u8(0).u16(0).u32(9).tcp(1234, 80, 0);
  const auto a = parse(atomic);
  BOOST_TEST(a.status == proto::ParseStatus::ok);
  BOOST_TEST(!a.fragment);
  BOOST_TEST(a.dport == 80);
  Frame ver;
  ver.eth(0x86dd).ipv6(proto::kProtoTcp, 20).tcp(1, 2, 0);
  ver.b[14] = 0x40;
  BOOST_TEST(parse(ver).status == proto::ParseStatus::bad_ipv6_version);
  BOOST_TEST(parse(ver, 14 + 39).status == proto::ParseStatus::truncated_ipv6);
}

// IPv6 a receiving Linux host discards is not parsed to its TCP (dropped by the default
// malformed policy): what it carries would be a decoy the server never reads.
BOOST_AUTO_TEST_CASE(ipv6_the_server_discards_is_not_delivered) {
  auto status = [](std::initializer_list<uint8_t> ext, uint8_t first) {
    Frame f;
    f.eth(0x86dd).ipv6(first, static_cast<uint16_t>(ext.size() + 20)).bytes(ext).tcp(1234, 80, 0);
    return parse(f).status;
  };
  using S = proto::ParseStatus;
  // Hop-by-hop options after another header.
  BOOST_TEST(status({0, 0, 0, 0, 0, 0, 0, 0, proto::kProtoTcp, 0, 1, 4, 0, 0, 0, 0}, 60) ==
             S::ipv6_not_delivered);
  // An unknown option whose type says discard (0x80: discard, 0x40 likewise), in
  // destination options or hop-by-hop; a known one (PadN, router alert, jumbo) is fine.
  BOOST_TEST(status({proto::kProtoTcp, 0, 0x80, 2, 0, 0, 1, 0}, 60) == S::ipv6_not_delivered);
  BOOST_TEST(status({proto::kProtoTcp, 0, 0x4d, 4, 0, 0, 0, 0}, 0) == S::ipv6_not_delivered);
  BOOST_TEST(status({proto::kProtoTcp, 0, 0x3e, 4, 0, 0, 0, 0}, 60) == S::ok);  // skip type
  BOOST_TEST(status({proto::kProtoTcp, 0, 5, 2, 0, 0, 1, 0}, 0) == S::ok);
  BOOST_TEST(status({proto::kProtoTcp, 0, 1, 4, 0, 0, 0, 0}, 60) == S::ok);
  // An option running past its header is discarded too.
  BOOST_TEST(status({proto::kProtoTcp, 0, 1, 9, 0, 0, 0, 0}, 60) == S::ipv6_not_delivered);
  // TCP behind Mobility, HIP or Shim6 (final headers to Linux); a Mobility header with
  // no next header is ordinary.
  for (uint8_t h : {135, 139, 140})
    BOOST_TEST(status({proto::kProtoTcp, 0, 0, 0, 0, 0, 0, 0}, h) == S::ipv6_not_delivered);
  Frame mh;
  mh.eth(0x86dd).ipv6(135, 8).bytes({59, 0, 0, 0, 0, 0, 0, 0});
  BOOST_TEST(parse(mh).status == S::ok);
}

// Every prefix of valid frames parses without reading past the end (ASan checks the
// reads) and never claims L4 ports it could not see.
BOOST_AUTO_TEST_CASE(every_truncation_is_safe) {
  Frame v6;
  v6.eth(0x86dd).ipv6(0, 8 + 20).u8(proto::kProtoTcp).u8(0).zeros(6).tcp(1, 2, proto::kTcpSyn);
  Frame q;
  q.bytes({2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
      .vlan(0x8100, 5)
      .u16(0x0800)
      .ipv4(proto::kProtoUdp, 28)
      .udp(1, 2, 8);
  for (const Frame* f : {&v6, &q}) {
    for (size_t n = 0; n < f->size(); ++n) {
      std::vector<uint8_t> copy(f->b.begin(), f->b.begin() + static_cast<long>(n));
      proto::PacketInfo p;
      proto::parse_packet(copy.data(), static_cast<uint32_t>(n), p);
      BOOST_TEST(!(p.status == proto::ParseStatus::ok && p.has_ports), "prefix " << n);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
