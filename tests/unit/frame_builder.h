// Builds test frames byte by byte (Ethernet, VLAN, IPv4/IPv6, TCP/UDP) so parser tests
// state exactly which bytes they feed in. Checksums are not computed: the parser does
// not validate them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace bulwark::test {

struct Frame {
  std::vector<uint8_t> b;
  Frame& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Frame& u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v)); }
  Frame& u32(uint32_t v) {
    return u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v));
  }
  Frame& bytes(std::initializer_list<uint8_t> v) {
    b.insert(b.end(), v);
    return *this;
  }
  Frame& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
  // Ethernet header with `type` (MACs fixed).
  Frame& eth(uint16_t type) {
    bytes({2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
    return u16(type);
  }
  Frame& vlan(uint16_t tpid, uint16_t id) { return u16(tpid).u16(id); }  // before the type
  // IPv4 header; `ihl` in 32-bit words, options zero-filled.
  Frame& ipv4(uint8_t proto, uint16_t total_len, uint32_t src = 0xc6120001,
              uint32_t dst = 0xc6120002, uint8_t ihl = 5, uint16_t frag = 0) {
    u8(static_cast<uint8_t>(0x40 | ihl))
        .u8(0)
        .u16(total_len)
        .u16(1)
        .u16(frag)
        .u8(64)
        .u8(proto)
        .u16(0);
    u32(src).u32(dst);
    return zeros(ihl > 5 ? (ihl - 5) * 4u : 0);
  }
  Frame& ipv6(uint8_t next, uint16_t payload_len, uint8_t src_last = 1, uint8_t dst_last = 2) {
    u32(0x60000000).u16(payload_len).u8(next).u8(64);
    bytes({0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}).u8(src_last);
    bytes({0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}).u8(dst_last);
    return *this;
  }
  Frame& tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint8_t data_offset_words = 5) {
    u16(sport).u16(dport).u32(1000).u32(2000);
    u8(static_cast<uint8_t>(data_offset_words << 4)).u8(flags).u16(65535).u16(0).u16(0);
    return zeros(data_offset_words > 5 ? (data_offset_words - 5) * 4u : 0);
  }
  Frame& udp(uint16_t sport, uint16_t dport, uint16_t len) {
    return u16(sport).u16(dport).u16(len).u16(0);
  }
  size_t size() const { return b.size(); }
};

}  // namespace bulwark::test
