// Layout of the dataplane's shared-memory stats segment (POSIX shm, default name
// /bulwark-stats). The dataplane creates and writes it; any process may map it
// read-only (bulwark-statsdump, later bulwark-control). Each worker block is written by
// exactly one worker and sits on its own cache lines, so workers never share a written
// line. Counters are monotonic 64-bit values written with relaxed atomic stores; a
// reader sums worker blocks itself. Bump kStatsLayoutVersion on any layout change.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace bulwark::stats {

inline constexpr uint64_t kStatsMagic = 0x3153'4b52'4157'4c42ULL;  // "BLWARKS1"
inline constexpr uint32_t kStatsLayoutVersion = 1;
inline constexpr unsigned kMaxWorkers = 32;
inline constexpr unsigned kPortCount = 2;  // 0: outside, 1: inside
inline constexpr unsigned kParseStatusSlots = 16;
inline constexpr unsigned kTimeoutClassSlots = 8;

// A counter with a single writer. add() is a plain load+store (no lock prefix): only
// the owning thread writes, readers see whole 64-bit values.
struct Counter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n) {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(uint64_t n) { v.store(n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};
static_assert(std::atomic<uint64_t>::is_always_lock_free);

// Packets one worker received from / sent to one port (through its own queue).
struct QueueCounters {
  Counter rx_packets, rx_bytes;  // polled from this worker's RX queue
  Counter tx_packets, tx_bytes;  // sent on this worker's TX queue
  Counter tx_drops;              // TX queue full: freed after the burst
};

// dataplane worker w: rw; every other thread and process: ro.
struct alignas(64) WorkerStats {
  Counter lcore_id;
  QueueCounters port[kPortCount];
  Counter busy_cycles, idle_cycles;  // TSC cycles in polls that found work / found none
  Counter handoff_out, handoff_in;   // packets passed to / taken from other workers
  Counter handoff_drops;             // hand-off ring full
  Counter policy_drops;              // dropped by a policy (e.g. malformed: drop)
  // L2-L4 classification of packets this worker processed (owned packets).
  Counter ipv4, ipv6, non_ip, vlan_tagged, tcp, udp, icmp, other_l4;
  Counter ipv4_fragments, ipv6_fragments;
  Counter malformed[kParseStatusSlots];  // indexed by ParseStatus (slot 0 unused)
  // Flow table.
  Counter flows_active, flows_capacity;
  Counter flows_created, flows_expired, flows_evicted, flows_evicted_established;
  Counter flows_insert_failed, flows_midstream;
  Counter flows_by_class[kTimeoutClassSlots];  // active entries per timeout class
};

// main lcore: rw (from rte_eth_stats_get, about every 100 ms); everyone else: ro.
struct alignas(64) PortStats {
  char role[16];     // "outside" / "inside"
  char device[128];  // device string as given
  Counter port_id, nb_rx_queues, nb_tx_queues, link_up, link_speed_mbps;
  Counter hw_rx_packets, hw_rx_bytes, hw_tx_packets, hw_tx_bytes;
  Counter rx_missed;  // imissed: dropped by the NIC/PMD because no descriptor was free
  Counter rx_errors, tx_errors, rx_nombuf;
};

enum class RunState : uint32_t { starting = 0, running = 1, stopping = 2, stopped = 3 };

// dataplane main lcore: rw; everyone else: ro.
struct alignas(64) Header {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t segment_size;
  std::atomic<uint32_t> state;  // RunState
  uint32_t worker_count;
  uint32_t pid;
  uint32_t flow_entry_bytes;  // measured heap bytes per flow-table slot
  uint64_t tsc_hz;
  uint64_t start_unix_ns;
  Counter heartbeat_unix_ns;  // main lcore refreshes it about every 100 ms
};

struct Segment {
  Header header;
  PortStats ports[kPortCount];
  WorkerStats workers[kMaxWorkers];
};

static_assert(offsetof(Segment, workers) % 64 == 0);
static_assert(sizeof(WorkerStats) % 64 == 0);

}  // namespace bulwark::stats
