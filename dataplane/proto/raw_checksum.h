// The one's-complement sum of the Internet checksum (RFC 1071) over a buffer: DPDK's
// own rte_raw_cksum, compiled once for the build's baseline CPU and once with AVX2, and
// picked at start by the CPU (GCC target_clones). DPDK 22.11 inlines it with the
// build's -march=corei7 (SSE4); on ports without RX checksum offload every received
// segment is summed before it is inspected, and the AVX2 build of the same loop takes
// about a third fewer instructions on the 400-byte segments of an API mix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace bulwark::proto {

// rte_raw_cksum(buf, len): the sum folded to 16 bits, not complemented.
uint16_t raw_checksum(const void* buf, size_t len);

// The same sum over N bytes (a multiple of 4) known at compile time, as 32-bit words
// into 64 bits, to be folded by fold_sum: for the short fixed parts (addresses, a
// 20-byte IPv4 header), where a vectorised loop's set-up costs more than the sum.
// (Native-order words of any width give the same folded sum: RFC 1071 2(B).)
template <size_t N>
inline uint64_t sum_fixed(const void* p) {
  static_assert(N % 4 == 0);
  uint32_t w[N / 4];
  std::memcpy(w, p, N);
  uint64_t s = 0;
  for (uint32_t x : w) s += x;
  return s;
}

// A 64-bit sum of native-order words folded to 16 bits with the end-around carries
// (what rte_raw_cksum returns: not complemented).
inline uint16_t fold_sum(uint64_t s) {
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// An IPv4 header of `len` bytes (its IHL) sums to 0xffff, checksum field included:
// the usual 20 bytes as fixed words, options through raw_checksum.
inline bool ipv4_header_sum_ok(const void* ip, unsigned len) {
  return (len == 20 ? fold_sum(sum_fixed<20>(ip)) : raw_checksum(ip, len)) == 0xffff;
}

}  // namespace bulwark::proto
