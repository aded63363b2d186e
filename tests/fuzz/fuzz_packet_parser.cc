// libFuzzer target: the L2-L4 parser on arbitrary frames, plus the flow key and owner
// hash built from whatever it accepts (both must hold for any input).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "dataplane/flow/flow_key.h"
#include "dataplane/proto/packet_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Copy into an exact-size buffer so ASan sees any read past the frame.
  auto* frame = new uint8_t[size ? size : 1];
  if (size) std::memcpy(frame, data, size);
  bulwark::proto::PacketInfo p;
  bulwark::proto::parse_packet(frame, static_cast<uint32_t>(size), p);
  if (p.status == bulwark::proto::ParseStatus::ok && p.has_ports) {
    if (p.payload_offset + p.payload_len > size) __builtin_trap();
    bulwark::dp::FlowKey a, b;
    const unsigned da = bulwark::dp::make_flow_key(p, a);
    std::swap(p.sport, p.dport);
    uint8_t tmp[16];
    std::memcpy(tmp, p.src, 16);
    std::memcpy(p.src, p.dst, 16);
    std::memcpy(p.dst, tmp, 16);
    const unsigned db = bulwark::dp::make_flow_key(p, b);
    if (std::memcmp(&a, &b, sizeof a) != 0) __builtin_trap();  // both directions, one key
    if (da == db && std::memcmp(a.addr_lo, a.addr_hi, 16) != 0) __builtin_trap();
  }
  delete[] frame;
  return 0;
}
