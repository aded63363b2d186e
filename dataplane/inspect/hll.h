// HyperLogLog distinct counter (Flajolet et al. 2007) with 256 one-byte registers (about
// 6.5% standard error) and linear counting for small counts, where it is nearly exact —
// the thresholds it is compared with (10, 50 usernames) are small. Hand-written: Debian
// has no C/C++ HyperLogLog library (only Perl, Go and a PostgreSQL extension). Input
// values are already uniform 64-bit hashes (digest bytes), so no hashing here.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace bulwark::inspect {

struct Hll {
  static constexpr unsigned kBits = 8, kRegisters = 1u << kBits;
  uint8_t reg[kRegisters];

  Hll() { std::memset(reg, 0, sizeof reg); }
  void add(uint64_t hash) {
    const unsigned idx = static_cast<unsigned>(hash >> (64 - kBits));
    const uint64_t rest = hash << kBits | (uint64_t{1} << (kBits - 1));  // never all zero
    const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    if (rank > reg[idx]) reg[idx] = rank;
  }
  double estimate() const {
    double sum = 0;
    unsigned zeros = 0;
    for (uint8_t r : reg) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    const double m = kRegisters, alpha = 0.7213 / (1 + 1.079 / m);
    const double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros) return m * std::log(m / zeros);  // linear counting
    return e;
  }
};

// Exact for the first kSmall distinct values (32-bit fingerprints of them, like the
// sparse form of HyperLogLog++), then a HyperLogLog: the small thresholds policies use
// (10 usernames per address) are decided exactly, large counts stay bounded in memory.
struct DistinctCounter {
  static constexpr unsigned kSmall = 32;
  uint32_t small[kSmall];
  uint8_t n = 0;
  bool dense = false;
  Hll hll;

  void add(uint64_t hash) {
    hll.add(hash);  // always: the switch needs no replay
    if (dense) return;
    const auto f = static_cast<uint32_t>(hash >> 32);
    for (unsigned i = 0; i < n; ++i)
      if (small[i] == f) return;
    if (n < kSmall)
      small[n++] = f;
    else
      dense = true;
  }
  double estimate() const { return dense ? std::max(hll.estimate(), double{kSmall}) : n; }
};

}  // namespace bulwark::inspect
