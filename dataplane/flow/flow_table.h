// Per-worker flow table: bounded, preallocated at start-up, never allocates afterwards.
// Keys live in an rte_hash (single writer, no locks: one table per worker); entries live
// in an array indexed by the hash's key position. Each timeout class keeps an LRU list
// so that expiry and eviction are O(1) per entry and never scan the table.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/flow/flow_key.h"
#include "dataplane/proto/tcp_state.h"

struct rte_hash;

namespace bulwark::dp {

inline constexpr uint32_t kNoFlow = UINT32_MAX;

// One tracked connection. Owner: the worker whose table holds it (rw); nobody else.
struct alignas(64) FlowEntry {
  uint64_t first_seen;  // TSC ticks
  uint64_t last_seen;
  uint64_t bytes[2];   // per direction (0: from the `lo` endpoint of the key)
  uint64_t linked_at;  // when the entry was last (re)linked at its list's tail
  uint32_t packets[2];
  uint32_t lru_prev;
  uint32_t lru_next;
  proto::FlowState state;
  proto::TimeoutClass cls;        // list the entry is on; derived from state at each update
  uint8_t initiator;              // direction that opened the connection
  uint8_t fin_seen;               // bit per direction
  uint32_t session = UINT32_MAX;  // inspection session (inspect/), or none
};
static_assert(sizeof(FlowEntry) == 64, "one cache line per flow entry");

struct FlowTableConfig {
  uint32_t capacity = 65536;
  std::array<uint64_t, proto::kTimeoutClassCount> timeout_ticks{};  // idle timeout per class
  // A flow seen again is moved to its list's tail at most once per `relink_ticks`
  // (unless its class changes): relinking touches two other entries' cache lines, and
  // doing it per packet costs more than the rest of flow tracking. Lists stay ordered
  // to within this granularity, so an idle flow expires at most this late.
  uint64_t relink_ticks = 0;
};

struct FlowTableCounters {
  uint64_t created = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;              // removed early to make room
  uint64_t evicted_established = 0;  // of those, established connections
  uint64_t insert_failed = 0;        // could not make room (should stay 0)
};

class FlowTable {
 public:
  // Allocates everything on `socket`. Returns nullptr and sets `error` on failure.
  static std::unique_ptr<FlowTable> create(const std::string& name, const FlowTableConfig& cfg,
                                           int socket, std::string& error);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  FlowEntry* find(const FlowKey& key);
  // Looks up n <= kBulkMax keys at once (rte_hash_lookup_bulk prefetches buckets and
  // keys across the batch) and prefetches the entries found; out[i] is nullptr on a miss.
  static constexpr unsigned kBulkMax = 64;
  void find_bulk(const FlowKey* const* keys, unsigned n, FlowEntry** out);
  // Finds the flow or inserts it in `initial` state, evicting the oldest entry of the
  // most expendable class when the table is full. Returns nullptr only if the hash
  // itself refuses the key (counted as insert_failed).
  FlowEntry* find_or_create(const FlowKey& key, uint64_t now, proto::FlowState initial,
                            unsigned initiator, bool& created);
  // Records that `e` was seen at `now` (and may have changed state): moves it to the
  // tail of its class list when its class changed or relink_ticks have passed.
  void touch(FlowEntry* e, uint64_t now) {
    e->last_seen = now;
    if (e->cls != proto::timeout_class_of(e->state) || now - e->linked_at >= cfg_.relink_ticks)
      relink(e, now);
  }
  // Called with each entry about to be removed (expiry, eviction), so that state kept
  // elsewhere for it (an inspection session) is released.
  using RemoveHook = void (*)(void* ctx, FlowEntry& e);
  void set_remove_hook(RemoveHook hook, void* ctx) {
    remove_hook_ = hook;
    remove_ctx_ = ctx;
  }
  uint32_t index_of(const FlowEntry* e) const { return static_cast<uint32_t>(e - entries_); }
  // Removes up to `budget` entries idle past their class timeout. Returns how many.
  unsigned expire(uint64_t now, unsigned budget);

  uint32_t active() const { return active_; }
  uint32_t capacity() const { return cfg_.capacity; }
  const FlowTableCounters& counters() const { return counters_; }
  // Heap bytes this table took at creation divided by its capacity (measured, not
  // estimated: includes rte_hash buckets, key store and entry array).
  uint64_t bytes_per_flow() const { return bytes_per_flow_; }
  // Oldest-first walk of a class, for tests and diagnostics.
  uint32_t lru_head(proto::TimeoutClass c) const { return heads_[static_cast<unsigned>(c)]; }
  uint32_t class_count(proto::TimeoutClass c) const {
    return class_count_[static_cast<unsigned>(c)];
  }
  const FlowEntry& entry(uint32_t idx) const { return entries_[idx]; }
  // The key of the flow in slot `idx`, or nullptr if the slot is free (sweeps).
  const FlowKey* key_at(uint32_t idx) const;

 private:
  FlowTable() = default;
  void relink(FlowEntry* e, uint64_t now);
  void link_tail(uint32_t idx);
  void unlink(uint32_t idx);
  void remove(uint32_t idx);
  bool evict_one();

  FlowTableConfig cfg_;
  rte_hash* hash_ = nullptr;
  FlowEntry* entries_ = nullptr;
  std::array<uint32_t, proto::kTimeoutClassCount> heads_{};
  std::array<uint32_t, proto::kTimeoutClassCount> tails_{};
  std::array<uint32_t, proto::kTimeoutClassCount> class_count_{};
  uint32_t active_ = 0;
  uint64_t bytes_per_flow_ = 0;
  FlowTableCounters counters_;
  RemoveHook remove_hook_ = nullptr;
  void* remove_ctx_ = nullptr;
};

}  // namespace bulwark::dp
