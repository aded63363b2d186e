// TCP state transitions for flow tracking, modelled on a loose conntrack: mid-stream
// pickup is allowed (an appliance may be inserted under live traffic).
#include "dataplane/proto/tcp_state.h"

#include "dataplane/api/counter_labels.h"
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

// Names from the stats segment's label tables (see counter_labels_check.cc).
const char* flow_state_name(FlowState s) {
  return api::label_name(api::kFlowStateNames, static_cast<unsigned>(s));
}

const char* timeout_class_name(TimeoutClass c) {
  return api::label_name(api::kTimeoutClassNames, static_cast<unsigned>(c));
}

}  // namespace bulwark::proto
