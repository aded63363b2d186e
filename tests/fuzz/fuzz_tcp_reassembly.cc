// libFuzzer target: TCP reassembly of one direction against an oracle. Input: 4 bytes
// of initial sequence number, then 5-byte records (offset from the first data byte:
// 12 bits of 2 bytes, length: 1 byte, content seed: 1 byte, flags: 1 byte). Segment bytes are a
// function of (seed, position), so overlapping segments may agree or conflict. The
// oracle keeps, for each position, the first copy that arrived; the reassembler must
// deliver exactly the oracle's bytes, and all of the contiguous prefix unless it
// abandoned the direction or the stream ended. A RST counts only at the next expected
// byte (RFC 5961).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/proto/packet_info.h"
#include "dataplane/proto/tcp_reassembly.h"

namespace {

void sink(void* ctx, const uint8_t* p, uint32_t n) {
  static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(p), n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark::proto;
  if (size < 4) return 0;
  const uint32_t isn = uint32_t{data[0]} << 24 | uint32_t{data[1]} << 16 | data[2] << 8 | data[3];
  static std::vector<Segment> mem(64);  // reused: the pool re-links it every run
  SegmentPool pool(mem.data(), static_cast<uint32_t>(mem.size()));
  ReassemblyLimits lim;
  lim.max_held_segments = 48;
  Reassembler r(pool, lim);
  StreamDir s;
  Reassembler::init(s);
  std::string out;
  r.on_segment(s, isn, nullptr, 0, kTcpSyn, sink, &out);

  std::vector<int> oracle(4096 + 256, -1);
  bool ended = false;
  for (size_t i = 4; i + 5 <= size; i += 5) {
    const uint32_t off = (uint32_t{data[i]} << 8 | data[i + 1]) & 0x0fff;
    const uint32_t len = data[i + 2];
    const uint8_t seed = data[i + 3], flags = data[i + 4];
    uint8_t buf[256];
    for (uint32_t k = 0; k < len; ++k) buf[k] = static_cast<uint8_t>(seed * 31 + (off + k));
    const uint8_t tcp = (flags & 1)   ? (kTcpAck | kTcpRst)
                        : (flags & 2) ? (kTcpAck | kTcpFin)
                                      : kTcpAck;
    const auto o = r.on_segment(s, isn + 1 + off, buf, len, tcp, sink, &out);
    ended = ended || o.ended;
    // Positions the reassembler could have accepted get their first copy (a RST's
    // payload is never stream data).
    if ((!(s.flags & (StreamDir::kEnded | StreamDir::kAbandoned)) || o.ended) && !(tcp & kTcpRst))
      for (uint32_t k = 0; k < len; ++k)
        if (oracle[off + k] < 0) oracle[off + k] = buf[k];
    if (o.delivered > len + s.held_bytes + 65536) __builtin_trap();
  }
  for (size_t k = 0; k < out.size(); ++k)
    if (oracle[k] != static_cast<uint8_t>(out[k])) __builtin_trap();  // not the first copy
  size_t prefix = 0;
  while (prefix < oracle.size() && oracle[prefix] >= 0) ++prefix;
  if (!ended && !(s.flags & StreamDir::kAbandoned) && out.size() != prefix) __builtin_trap();
  if (s.held_segs > lim.max_held_segments) __builtin_trap();
  r.release(s);
  if (pool.available() != pool.capacity()) __builtin_trap();  // nothing leaked
  return 0;
}
