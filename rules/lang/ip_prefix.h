// Address prefix tests and masking on raw address bytes (4 or 16), shared by rule
// evaluation (client_ip in [...]) and client identity (trusted proxies, /24 and /64).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace bulwark::rules {

inline bool in_prefix(const uint8_t* ip, unsigned len, const std::vector<uint8_t>& net,
                      unsigned bits) {
  if (len != net.size()) return false;
  const unsigned full = bits / 8, rest = bits % 8;
  if (std::memcmp(ip, net.data(), full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff00 >> rest);
  return (ip[full] & mask) == (net[full] & mask);
}

// `out` (16 bytes) = the first `bits` bits of `ip` (`len` bytes), the rest zero.
inline void mask_prefix(const uint8_t* ip, unsigned len, unsigned bits, uint8_t* out) {
  std::memset(out, 0, 16);
  if (bits > len * 8) bits = len * 8;
  const unsigned full = bits / 8, rest = bits % 8;
  std::memcpy(out, ip, full);
  if (rest) out[full] = static_cast<uint8_t>(ip[full] & (0xff00 >> rest));
}

}  // namespace bulwark::rules
