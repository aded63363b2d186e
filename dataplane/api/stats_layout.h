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

namespace bulwark::api {

inline constexpr uint64_t kStatsMagic = 0x3153'4b52'4157'4c42ULL;  // "BLWARKS1"
inline constexpr uint32_t kStatsLayoutVersion = 12;
inline constexpr unsigned kMaxWorkers = 32;
inline constexpr unsigned kPortCount = 2;  // 0: outside, 1: inside
inline constexpr unsigned kParseStatusSlots = 16;
inline constexpr unsigned kTimeoutClassSlots = 8;
inline constexpr unsigned kHttpAnomalySlots = 24;  // indexed by HttpAnomaly bit
inline constexpr unsigned kMethodSlots = 8;        // see kMethodNames
inline constexpr unsigned kMaxRuleSlots = 16384;   // per-rule hit counters (rule index)
inline constexpr unsigned kTopFlows = 8;           // largest flows each worker publishes
inline constexpr unsigned kMaxLimitSlots = 64;     // rate limits per bundle (limit index)
inline constexpr const char* kMethodNames[kMethodSlots] = {"GET",   "POST", "PUT",     "DELETE",
                                                           "PATCH", "HEAD", "OPTIONS", "other"};

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

// One flow of a worker's top talkers (a copy of its key and counters).
struct TopFlow {
  uint8_t addr_lo[16], addr_hi[16];  // endpoints as in the flow key (lo < hi)
  uint16_t port_lo, port_hi, vlan;
  uint8_t proto, family;              // family 4 or 6
  uint8_t initiator;                  // 0: lo opened the connection, 1: hi
  uint8_t state;                      // FlowState
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
  Counter lcore_id;
  QueueCounters port[kPortCount];
  Counter busy_cycles, idle_cycles;  // TSC cycles in polls that found work / found none
  Counter busy_loops;                // poll iterations that found work
  Counter loop_max_cycles;           // longest poll iteration so far
  // Rule swaps as this worker saw them: the first poll iteration that ran entirely on a
  // newly swapped-in rule set (cold caches, new Hyperscan databases) is the swap's cost
  // to the worker; workers never wait for a swap.
  Counter swaps_seen, swap_loop_cycles_last, swap_loop_cycles_max;
  Counter handoff_out, handoff_in;  // packets passed to / taken from other workers
  Counter handoff_drops;            // hand-off ring full
  Counter policy_drops;             // dropped by a policy (e.g. malformed: drop)
  // L2-L4 classification of packets this worker processed (owned packets).
  Counter ipv4, ipv6, non_ip, vlan_tagged, tcp, udp, icmp, other_l4;
  Counter ipv4_fragments, ipv6_fragments;
  Counter malformed[kParseStatusSlots];  // indexed by ParseStatus (slot 0 unused)
  // Flow table.
  Counter flows_active, flows_capacity;
  Counter flows_created, flows_expired, flows_evicted, flows_evicted_established;
  Counter flows_insert_failed, flows_midstream;
  Counter flows_by_class[kTimeoutClassSlots];  // active entries per timeout class

  // HTTP inspection.
  Counter sessions_active, sessions_created, sessions_exhausted;  // inspected connections
  Counter http_requests, http_responses;
  Counter requests_by_method[kMethodSlots];
  // Decisions on requests: no rule or only log rules (pass), enforced block / respond,
  // log-action matches, monitor-mode matches (what would have been done).
  Counter verdict_pass, verdict_block, verdict_respond, verdict_log, verdict_monitor;
  Counter verdict_challenge, verdict_decoy;              // challenged; answered with a decoy
  Counter anomalies[kHttpAnomalySlots];                  // requests/responses showing each anomaly
  Counter anomaly_blocks;                                // requests blocked by the smuggling policy
  Counter rule_hits_total;                               // matched rules, all actions and modes
  Counter resets_sent, responses_sent, inject_failures;  // injected segments
  Counter flows_blocked_packets;  // packets dropped because their connection was cut
  Counter inspection_bypassed;    // connections no longer inspected (bound hit, policy pass)
  Counter events_dropped;         // event ring full
  Counter body_unscanned;         // requests whose body could not be scanned (stream pool empty)
  // TLS ClientHellos on TLS ports, by outcome: fingerprinted; not TLS; broken; larger
  // than 16 KiB; connection ended or bypassed first; no buffer free for a hello that
  // spans segments.
  Counter tls_sessions, tls_hellos, tls_not_tls, tls_malformed, tls_too_large, tls_incomplete,
      tls_no_buffer;
  Counter tls_blocked;  // connections cut by a fingerprint rule at their ClientHello
  // TCP reassembly (both directions of inspected connections).
  Counter reasm_delivered_bytes, reasm_in_order, reasm_out_of_order, reasm_retransmissions;
  Counter reasm_partial_retransmissions, reasm_overlap_conflicts, reasm_limit_hits;
  Counter reasm_pool_exhausted, reasm_out_of_window, reasm_midstream;
  TopFlows top_flows;
  // Client identity: forwarding headers used, ignored (peer not a trusted proxy), cut
  // short at an unusable hop.
  Counter forwarded_used, forwarded_untrusted, forwarded_malformed;
  // Rate limits, by limit index in the active bundle (see RulesInfo::limit_ids): requests
  // within the limit and over it (enforced or, in monitor mode, not).
  Counter limit_allowed[kMaxLimitSlots], limit_exceeded[kMaxLimitSlots];
  Counter limit_keys, limit_capacity;  // cells in use / available on this worker
  Counter limit_expired, limit_evicted, limit_insert_failed;
  // Global limits: reports sent to / applied from the other workers, reports lost
  // (too many keys in a millisecond, or the ring to the aggregator full).
  Counter limit_reports_sent, limit_reports_applied, limit_reports_dropped;
  // Requests (and TLS connections) stopped by the block list (manual entries and
  // decisions), by what matched: address or prefix, TLS fingerprint, API key, user agent.
  Counter blocklist_hits[5];
  // Login endpoints: requests seen, without a free capture buffer, without a username
  // in their body, outcomes lost (ring to the main lcore full).
  Counter login_requests, login_no_buffer, login_no_username, login_dropped;
  Counter login_body_encoded;  // outcome unknown: the failure text is in a compressed body
  // Challenges answered with the page / the machine-readable 403 or 429; clearance
  // cookies checked, by result (behave::ClearanceCheck: valid, missing, malformed,
  // unknown key, expired, bad MAC, not enough work).
  Counter challenges_page, challenges_api;
  Counter clearance_checks[8];
  // Consistency: requests claiming a browser (scored), those at or over the threshold,
  // and each contradiction seen (rules::Signal).
  Counter scored_requests, scored_over;
  Counter score_signals[8];
  // Reads of enumeration-watched object endpoints reported to the main lcore / lost.
  Counter object_reads, object_reads_dropped;
  // API discovery: calls reported to the main lcore / lost (ring full); responses whose
  // body was scanned for sensitive data / not (compressed, no stream, too large), body
  // bytes scanned, and confirmed sensitive-data matches (all classes).
  Counter api_records, api_records_dropped, api_scanned, api_unscanned, api_scan_bytes;
  Counter sensitive_matches;
  Counter rule_hits[kMaxRuleSlots];  // by rule index in the active bundle (see RulesInfo)
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
  // Rate-limit reports the aggregator (main lcore) passed between workers, and those
  // lost because a worker's ring was full.
  Counter limit_merged, limit_merge_dropped;
  // The block list pushed by bulwark-control: live entries, lists loaded.
  Counter blocklist_entries, blocklist_loads;
  // Credential stuffing (the main lcore's detector): login outcomes from all workers,
  // decisions made and holding, windows whose failure ratio went over the baseline,
  // keys not counted (a window's tables full), the current window's failure ratio and
  // the learned baseline (x1000).
  Counter login_attempts, login_failures, login_successes, login_unknown;
  Counter decisions_total, decisions_active, login_attack_windows, login_untracked;
  Counter login_failure_ratio_milli, login_baseline_milli;
  // Enumeration: object reads counted, keys not tracked (tables full).
  Counter enumeration_reads, enumeration_untracked;
  // API discovery (main lcore): inventory batches sent to bulwark-control, endpoint
  // lines in them, calls folded into an overflow line (a batch's table full); the
  // extraction detector's keys not tracked (tables full).
  Counter api_batches, api_batch_endpoints, api_batch_overflow, extraction_untracked;
};

// The active rule bundle. main lcore: rw when it loads a bundle; everyone else: ro.
// `generation` changes last (release) so a reader that sees it may read the rest.
struct alignas(64) RulesInfo {
  std::atomic<uint64_t> generation;  // 0: no bundle
  uint64_t version;
  uint64_t loaded_unix_ns;
  uint64_t load_duration_ns;
  uint64_t reloads;  // successful loads after the first
  uint64_t reload_failures;
  uint32_t rule_count;
  char sha256[65];
  uint32_t rule_ids[kMaxRuleSlots];  // rule index -> rule id
  uint32_t limit_count;
  uint32_t limit_ids[kMaxLimitSlots];  // limit index -> rule id
};

// The dataplane's control socket. Its control thread: rw; everyone else: ro.
struct alignas(64) ControlInfo {
  Counter connected;              // 1 while bulwark-control is connected
  Counter connections;            // accepted connections so far
  Counter pushes, push_failures;  // bundles received over the socket, loaded / refused
  Counter bad_messages;           // frames that were not valid messages (connection closed)
  Counter events_sent;            // event lines sent to bulwark-control
  Counter events_dropped;         // event lines lost because the queue to control was full
};

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
