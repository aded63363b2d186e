// TCP state transitions for flow tracking, modelled on a loose conntrack: mid-stream
// pickup is allowed (an appliance may be inserted under live traffic).
#include "dataplane/proto/tcp_state.h"

#include "dataplane/proto/packet_info.h"

namespace bulwark::proto {

FlowState tcp_next_state(FlowState s, uint8_t flags, unsigned dir, unsigned initiator,
                         uint8_t& fin_seen) {
  const bool syn = flags & kTcpSyn, ack = flags & kTcpAck;
  if (flags & kTcpRst) return FlowState::closed;
  if (syn && !ack) {
    // A fresh SYN on a finished connection is port reuse: start over.
    if (s == FlowState::closed || s == FlowState::closing) {
      fin_seen = 0;
      return FlowState::syn_sent;
    }
    return s;
  }
  if (flags & kTcpFin) {
    fin_seen = static_cast<uint8_t>(fin_seen | (1u << dir));
    return fin_seen == 3 ? FlowState::closing : FlowState::fin_wait;
  }
  switch (s) {
    case FlowState::syn_sent: return (syn && ack && dir != initiator) ? FlowState::syn_recv : s;
    case FlowState::syn_recv: return (ack && !syn && dir == initiator) ? FlowState::established : s;
    case FlowState::closing:
      // The ACK of the second FIN ends the connection.
      return ack ? FlowState::closed : s;
    default: return s;
  }
}

const char* flow_state_name(FlowState s) {
  switch (s) {
    case FlowState::udp: return "udp";
    case FlowState::syn_sent: return "syn_sent";
    case FlowState::syn_recv: return "syn_recv";
    case FlowState::established: return "established";
    case FlowState::fin_wait: return "fin_wait";
    case FlowState::closing: return "closing";
    case FlowState::closed: return "closed";
    case FlowState::count_: break;
  }
  return "unknown";
}

const char* timeout_class_name(TimeoutClass c) {
  switch (c) {
    case TimeoutClass::closed: return "closed";
    case TimeoutClass::embryonic: return "embryonic";
    case TimeoutClass::closing: return "closing";
    case TimeoutClass::udp: return "udp";
    case TimeoutClass::established: return "established";
    case TimeoutClass::count_: break;
  }
  return "unknown";
}

}  // namespace bulwark::proto
