// Per-worker rate-limit state: one GCRA cell (the "theoretical arrival time" form of a
// token bucket: one timestamp per key) per (limit, client key), in a DPDK rte_hash with
// a fixed capacity. Memory is bounded: cells whose bucket is full again carry no
// information and are swept; when the table is full anyway, the emptiest-bucket cell
// among a few looked at is evicted (counted). Global limits: every allowed request is
// also counted in a per-key "pending" figure that the worker reports every millisecond;
// the aggregator (main lcore) hands each report to the other workers, which charge it to
// their own cell for that key, so a key spread over several workers is held to the
// limit's rate overall within a few milliseconds.
// Owner: one worker (rw). Not thread-safe; nothing is shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct rte_hash;

namespace bulwark::ratelimit {

// rte_hash key: which limit and whose traffic.
struct LimitKey {
  uint32_t rule_id = 0;  // the limit's rule id (a limit keeps counting across reloads)
  uint32_t parts = 0;    // its key parts (a changed key definition starts afresh)
  uint8_t digest[16] = {};
};
static_assert(sizeof(LimitKey) == 24);

// Allowed requests of one key on one worker since its last report, for the others.
struct LimitReport {
  LimitKey key;
  uint32_t count = 0;
  uint32_t worker = 0;     // who sent it
  uint64_t interval = 0;   // TSC ticks per request at the limit's rate
  uint64_t tolerance = 0;  // interval x burst
};
static_assert(sizeof(LimitReport) == 48);

struct LimitCounters {
  uint64_t keys = 0;           // cells in use
  uint64_t expired = 0;        // swept: bucket full again
  uint64_t evicted = 0;        // pushed out by a new key while the table was full
  uint64_t insert_failed = 0;  // no cell for a request (it was allowed)
  uint64_t reports_sent = 0, reports_applied = 0;
  uint64_t reports_dropped = 0;  // more keys active in a millisecond than the report list holds
};

struct LimitDecision {
  bool allowed = true;
  // Denied, and this key's first denial or its first for `event_gap` ticks: worth an
  // event, which says how many requests were denied since the last one (`denied`).
  bool report = false;
  uint32_t denied = 0;
  uint64_t retry_after = 0;  // ticks until a request would be allowed (when denied)
};

class RateLimiter {
 public:
  // `capacity` cells; `report_slots` keys reported per flush at most; a key over a
  // limit is worth an event at most every `event_gap` ticks.
  static std::unique_ptr<RateLimiter> create(const std::string& name, uint32_t capacity,
                                             uint32_t report_slots, uint64_t event_gap, int socket,
                                             std::string& error);
  ~RateLimiter();

  // One request of `key` at `now` against a limit of one request per `interval` ticks
  // with `tolerance` = interval x burst. `global`: remember it for the other workers.
  LimitDecision check(const LimitKey& key, uint64_t interval, uint64_t tolerance, bool global,
                      uint64_t now);
  // Another worker's report: its allowed requests are charged here too.
  void apply(const LimitReport& r, uint64_t now);
  // Moves pending counts into `out` (at most `max`); returns how many.
  unsigned collect(LimitReport* out, unsigned max, uint32_t worker);
  // Removes up to `budget` positions' worth of cells whose bucket is full again.
  void sweep(uint64_t now, unsigned budget);
  const LimitCounters& counters() const { return c_; }
  uint32_t capacity() const { return capacity_; }

 private:
  struct Cell {
    uint64_t tat = 0;  // theoretical arrival time (TSC): the bucket is full when tat <= now
    uint64_t interval = 0, tolerance = 0;  // of the limit that last used the cell
    uint64_t last_event = 0;               // when this key's last event was asked for
    uint32_t pending = 0;                  // allowed since the last report (global limits)
    uint32_t denied = 0;                   // denied since the last event
    bool dirty = false;                    // in the report list
  };
  RateLimiter() = default;
  int32_t cell_for(const LimitKey& key, uint64_t now);
  void evict_one(uint64_t now);
  // The position under `hand` if a key holds it (else -1); moves the hand on.
  int64_t advance(uint32_t& hand) const;
  // Frees the cell if its bucket is full again and nothing is waiting to be reported.
  bool expire_if_idle(uint32_t pos, uint64_t now);
  void remove(uint32_t pos);

  rte_hash* h_ = nullptr;
  uint32_t capacity_ = 0;
  Cell* cells_ = nullptr;        // by rte_hash position (DPDK memory: hugepages)
  std::vector<uint32_t> dirty_;  // positions with pending reports (capacity fixed)
  uint32_t report_slots_ = 0;
  uint64_t event_gap_ = 0;
  uint32_t sweep_hand_ = 0, evict_hand_ = 0;
  LimitCounters c_;
};

}  // namespace bulwark::ratelimit
