// Incremental top-talker sweep (see top_talkers.h).
#include "dataplane/flow/top_talkers.h"

#include <cstring>

#include "dataplane/flow/flow_table.h"

namespace bulwark::dp {

void TopTalkers::consider(const FlowTable& table, uint32_t idx) {
  const FlowKey* k = table.key_at(idx);
  if (k == nullptr) return;
  const FlowEntry& e = table.entry(idx);
  const uint64_t bytes = e.bytes[0] + e.bytes[1];
  // Insertion into a short sorted array: kTopFlows is 8.
  unsigned pos = count_;
  while (pos > 0 && best_[pos - 1].bytes_lo_hi + best_[pos - 1].bytes_hi_lo < bytes) --pos;
  if (pos >= api::kTopFlows) return;
  const unsigned last = count_ < api::kTopFlows ? count_ : api::kTopFlows - 1;
  for (unsigned i = last; i > pos; --i) best_[i] = best_[i - 1];
  if (count_ < api::kTopFlows) ++count_;
  api::TopFlow& t = best_[pos];
  std::memcpy(t.addr_lo, k->addr_lo, sizeof t.addr_lo);
  std::memcpy(t.addr_hi, k->addr_hi, sizeof t.addr_hi);
  t.port_lo = k->port_lo;
  t.port_hi = k->port_hi;
  t.vlan = k->vlan;
  t.proto = k->proto;
  t.family = k->family;
  t.initiator = e.initiator;
  t.state = static_cast<uint8_t>(e.state);
  t.bytes_lo_hi = e.bytes[0];
  t.bytes_hi_lo = e.bytes[1];
  t.packets = uint64_t{e.packets[0]} + e.packets[1];
  t.first_seen_tsc = e.first_seen;
}

void TopTalkers::publish(api::TopFlows& out) {
  const uint64_t seq = out.seq.load(std::memory_order_relaxed);
  out.seq.store(seq + 1, std::memory_order_relaxed);  // odd: being written
  std::atomic_thread_fence(std::memory_order_release);
  out.count = count_;
  std::memcpy(out.flows, best_.data(), sizeof(api::TopFlow) * count_);
  out.seq.store(seq + 2, std::memory_order_release);
  count_ = 0;
}

void TopTalkers::sweep(const FlowTable& table, unsigned budget, api::TopFlows& out) {
  const uint32_t cap = table.capacity();
  for (unsigned i = 0; i < budget; ++i) {
    if (cursor_ >= cap) {
      cursor_ = 0;
      publish(out);
    }
    consider(table, cursor_++);
  }
}

}  // namespace bulwark::dp
