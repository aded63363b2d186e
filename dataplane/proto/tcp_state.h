// TCP connection state as seen by a bump in the wire (no sequence validation yet: that
// belongs to reassembly). States map to timeout classes; each class has one LRU list.
#pragma once

#include <cstdint>

namespace bulwark::proto {

enum class FlowState : uint8_t {
  udp = 0,      // UDP "connection": any packet refreshes it
  syn_sent,     // SYN seen from the initiator
  syn_recv,     // SYN/ACK seen from the responder
  established,  // handshake completed, or picked up mid-stream
  fin_wait,     // FIN seen from one side
  closing,      // FIN seen from both sides
  closed,       // RST seen, or the last ACK after both FINs
  count_
};

// Timeout classes: one LRU list and one idle timeout each. Listed in eviction
// order: when the table is full, the oldest entry of the first non-empty class goes.
enum class TimeoutClass : uint8_t { closed = 0, embryonic, closing, udp, established, count_ };

inline constexpr unsigned kTimeoutClassCount = static_cast<unsigned>(TimeoutClass::count_);

inline TimeoutClass timeout_class_of(FlowState s) {
  switch (s) {
    case FlowState::udp: return TimeoutClass::udp;
    case FlowState::syn_sent:
    case FlowState::syn_recv: return TimeoutClass::embryonic;
    case FlowState::established: return TimeoutClass::established;
    case FlowState::fin_wait:
    case FlowState::closing: return TimeoutClass::closing;
    case FlowState::closed:
    case FlowState::count_: break;
  }
  return TimeoutClass::closed;
}

const char* flow_state_name(FlowState s);
const char* timeout_class_name(TimeoutClass c);

// State after a packet with `flags` from direction `dir` (`initiator` is the direction
// that opened the connection). `fin_seen` holds one bit per direction and is updated.
FlowState tcp_next_state(FlowState s, uint8_t flags, unsigned dir, unsigned initiator,
                         uint8_t& fin_seen);

}  // namespace bulwark::proto
