// Layout of the dataplane's shared-memory stats segment (POSIX shm, default name
// /bulwark-stats). The dataplane creates and writes it; any process may map it
// read-only (bulwark-statsdump, later bulwark-control). Each worker block is written by
// exactly one worker and sits on its own cache lines, so workers never share a written
// line. Counters are monotonic 64-bit values (or gauges) written with relaxed atomic
// stores; a reader sums worker blocks itself. The counters of each block are declared by
// its counter list (counters_*.h), which also names them for JSON and Prometheus. Bump
// kStatsLayoutVersion on any layout change.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "dataplane/api/counter_labels.h"

namespace bulwark::api {

inline constexpr uint64_t kStatsMagic = 0x3153'4b52'4157'4c42ULL;  // "BLWARKS1"
inline constexpr uint32_t kStatsLayoutVersion = 19;
inline constexpr unsigned kMaxWorkers = 32;
inline constexpr unsigned kPortCount = 2;         // 0: outside, 1: inside
inline constexpr unsigned kMaxRuleSlots = 16384;  // per-rule hit counters (rule index)
inline constexpr unsigned kTopFlows = 8;          // largest flows each worker publishes
inline constexpr unsigned kMaxLimitSlots = 64;    // rate limits per bundle (limit index)

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

// The counter lists (counters_*.h) declare the counters of each block below; the same
// lists name them for JSON and Prometheus (counter_tables.h).
#define BULWARK_COUNTER(field, ...) Counter field;
#define BULWARK_COUNTER_ARRAY(field, slots, ...) Counter field[slots];
#define BULWARK_FIELD(type, field, ...) type field;

// Packets one worker received from / sent to one port (through its own queue).
struct QueueCounters {
#include "dataplane/api/counters_queue.h"
};

// One flow of a worker's top talkers (a copy of its key and counters).
struct TopFlow {
  uint8_t addr_lo[16], addr_hi[16];  // endpoints as in the flow key (lo < hi)
  uint16_t port_lo, port_hi, vlan;
  uint8_t proto, family;              // family 4 or 6
  uint8_t initiator;                  // 0: lo opened the connection, 1: hi
  uint8_t state;                      // FlowState (see kFlowStateNames)
  uint64_t bytes_lo_hi, bytes_hi_lo;  // bytes sent by lo / by hi
  uint64_t packets;
  uint64_t first_seen_tsc;
};

// The largest flows (by bytes) a worker found in its last full sweep of its table.
// Written by the worker with a sequence lock: `seq` is odd while it writes; a reader
// copies, then accepts the copy only if `seq` was even and unchanged around it.
struct TopFlows {
  std::atomic<uint64_t> seq;
  uint32_t count;
  TopFlow flows[kTopFlows];
};

// dataplane worker w: rw; every other thread and process: ro.
struct alignas(64) WorkerStats {
  QueueCounters port[kPortCount];
#include "dataplane/api/counters_worker.h"
  TopFlows top_flows;
};

// main lcore: rw (from rte_eth_stats_get, about every 100 ms); everyone else: ro.
struct alignas(64) PortStats {
  char role[16];     // "outside" / "inside"
  char device[128];  // device string as given
#include "dataplane/api/counters_port.h"
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
#include "dataplane/api/counters_main.h"
};

// The active rule bundle. main lcore: rw when it loads a bundle; everyone else: ro.
// `generation` changes last (release) so a reader that sees it may read the rest.
struct alignas(64) RulesInfo {
#include "dataplane/api/counters_rules.h"
  char sha256[65];
  uint32_t rule_ids[kMaxRuleSlots];  // rule index -> rule id
  uint32_t limit_count;
  uint32_t limit_ids[kMaxLimitSlots];  // limit index -> rule id
};

// The dataplane's control socket. Its control thread: rw; everyone else: ro.
struct alignas(64) ControlInfo {
#include "dataplane/api/counters_control.h"
};

#undef BULWARK_COUNTER
#undef BULWARK_COUNTER_ARRAY
#undef BULWARK_FIELD

struct Segment {
  Header header;
  RulesInfo rules;
  ControlInfo control;
  PortStats ports[kPortCount];
  WorkerStats workers[kMaxWorkers];
};

static_assert(offsetof(Segment, workers) % 64 == 0);
static_assert(sizeof(WorkerStats) % 64 == 0);

}  // namespace bulwark::api
