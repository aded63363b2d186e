// A worker lcore: polls its RX queue on both ports, hands packets it does not own to
// their owner over single-producer/single-consumer rings, tracks flows in its own
// table and transmits on its own TX queue of the opposite port. Run to completion;
// no locks, no allocation, no syscalls.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"

struct rte_ring;
struct rte_rcu_qsbr;

namespace bulwark::inspect {
class Inspector;
}  // namespace bulwark::inspect

namespace bulwark::dp {

class FlowTable;
class FragmentReassembly;

// Built by the main lcore before launch; afterwards read-only except where noted.
struct WorkerContext {
  unsigned index = 0;    // worker number, also its TX queue and (if any) RX queue
  unsigned workers = 1;  // total workers
  std::array<uint16_t, api::kPortCount> port_id{};
  std::array<bool, api::kPortCount> polls_rxq{};  // this worker has an RX queue there
  // rings[s][d]: from worker s to worker d (SP/SC). Shared table, each ring has one
  // producer and one consumer.
  rte_ring* const* rings = nullptr;
  FlowTable* flows = nullptr;               // this worker: rw; nobody else touches it
  inspect::Inspector* inspector = nullptr;  // this worker: rw; nullptr: no HTTP inspection
  FragmentReassembly* fragments = nullptr;  // this worker: rw; nullptr: none reassembled
  rte_rcu_qsbr* qsbr = nullptr;             // reports quiescent states (thread id = index)
  api::WorkerStats* stats = nullptr;        // this worker: rw; readers: ro
  api::MalformedPolicy malformed = api::MalformedPolicy::forward;
  const std::atomic<bool>* stop = nullptr;  // main: rw; workers: ro
  uint32_t idle_sleep_us = 0;               // DataplaneConfig::idle_sleep_us
  uint8_t rss_key_be[52] = {};              // kSymmetricRssKey converted for rte_softrss_be
};

// Empty polls in a row before a worker with idle_sleep_us sleeps (a lull, not a gap
// between two bursts).
inline constexpr unsigned kIdlePollsBeforeSleep = 256;

// lcore entry point; `arg` is a WorkerContext*.
int worker_main(void* arg);

inline rte_ring* ring_between(const WorkerContext& c, unsigned from, unsigned to) {
  return c.rings[from * c.workers + to];
}

}  // namespace bulwark::dp
