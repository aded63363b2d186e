// Per-worker rate-limit cells (see rate_limiter.h).
#include "dataplane/features/ratelimit/rate_limiter.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <algorithm>
#include <new>

namespace bulwark::ratelimit {
namespace {
constexpr unsigned kEvictLook = 32;  // cells looked at to choose one to evict
}

std::unique_ptr<RateLimiter> RateLimiter::create(const std::string& name, uint32_t capacity,
                                                 uint32_t report_slots, uint64_t event_gap,
                                                 int socket, std::string& error) {
  std::unique_ptr<RateLimiter> l(new (std::nothrow) RateLimiter());
  if (!l) {
    error = "out of memory for rate limiting";
    return nullptr;
  }
  rte_hash_parameters hp{};
  hp.name = name.c_str();
  hp.entries = capacity;
  hp.key_len = sizeof(LimitKey);
  hp.hash_func = rte_jhash;
  // Keys hold client-chosen values (user agents, addresses): a secret seed keeps clients
  // from aiming their keys at one bucket chain.
  hp.hash_func_init_val = static_cast<uint32_t>(rte_rand());
  hp.socket_id = socket;
  hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;  // exactly `capacity` keys, one writer
  l->h_ = rte_hash_create(&hp);
  if (l->h_ == nullptr) {
    error = "cannot create rate-limit table '" + name + "' for " + std::to_string(capacity) +
            " keys: " + rte_strerror(rte_errno) + " (lower inspect.limit_keys)";
    return nullptr;
  }
  l->capacity_ = capacity;
  // Cells are touched at random like the table's own buckets: hugepages spare the TLB.
  l->cells_ = static_cast<Cell*>(
      rte_zmalloc_socket(name.c_str(), sizeof(Cell) * (size_t{capacity} + 1), 64, socket));
  if (l->cells_ == nullptr) {
    error = "cannot allocate " + std::to_string(capacity) + " rate-limit cells for '" + name +
            "' (not enough hugepage memory? lower inspect.limit_keys)";
    return nullptr;
  }
  try {
    l->dirty_.reserve(report_slots);
  } catch (const std::bad_alloc&) {
    error = "out of memory for rate-limit reports";
    return nullptr;
  }
  l->report_slots_ = report_slots;
  l->event_gap_ = event_gap;
  return l;
}

RateLimiter::~RateLimiter() {
  if (h_) rte_hash_free(h_);
  rte_free(cells_);
}

void RateLimiter::remove(uint32_t pos) {
  LimitKey key;
  void* k = nullptr;
  if (rte_hash_get_key_with_position(h_, static_cast<int32_t>(pos), &k) != 0) return;
  key = *static_cast<const LimitKey*>(k);
  rte_hash_del_key(h_, &key);
  cells_[pos] = Cell{};  // a stale entry in the report list sees dirty == false
  --c_.keys;
}

int64_t RateLimiter::advance(uint32_t& hand) const {
  const uint32_t pos = hand;
  hand = hand + 1 >= capacity_ ? 0 : hand + 1;
  void* k = nullptr;
  if (rte_hash_get_key_with_position(h_, static_cast<int32_t>(pos), &k) != 0) return -1;
  return pos;
}

bool RateLimiter::expire_if_idle(uint32_t pos, uint64_t now) {
  const Cell& c = cells_[pos];
  if (c.tat > now || c.dirty) return false;
  remove(pos);
  ++c_.expired;
  return true;
}

// The table is full: frees one cell, preferring one whose bucket is full again, else
// the one with the most tokens left (the least information lost).
void RateLimiter::evict_one(uint64_t now) {
  int64_t best = -1;
  uint64_t best_tat = UINT64_MAX;
  for (unsigned i = 0; i < kEvictLook; ++i) {
    const int64_t pos = advance(evict_hand_);
    if (pos < 0) continue;
    if (expire_if_idle(static_cast<uint32_t>(pos), now)) return;
    const Cell& c = cells_[pos];
    if (c.tat < best_tat) {
      best_tat = c.tat;
      best = pos;
    }
  }
  if (best >= 0) {
    remove(static_cast<uint32_t>(best));
    ++c_.evicted;
  }
}

int32_t RateLimiter::cell_for(const LimitKey& key, uint64_t now) {
  int32_t pos = rte_hash_lookup(h_, &key);
  if (pos >= 0) return pos;
  pos = rte_hash_add_key(h_, &key);
  if (pos == -ENOSPC) {
    evict_one(now);
    pos = rte_hash_add_key(h_, &key);
  }
  if (pos < 0) {
    ++c_.insert_failed;
    return -1;
  }
  cells_[static_cast<uint32_t>(pos)] = Cell{};
  ++c_.keys;
  return pos;
}

LimitDecision RateLimiter::check(const LimitKey& key, uint64_t interval, uint64_t tolerance,
                                 bool global, uint64_t now) {
  LimitDecision d;
  const int32_t pos = cell_for(key, now);
  if (pos < 0) return d;  // no memory for it: allowed (counted)
  Cell& c = cells_[static_cast<uint32_t>(pos)];
  c.interval = interval;
  c.tolerance = tolerance;
  const uint64_t tat = std::max(c.tat, now) + interval;
  if (tat - now > tolerance) {  // over the limit: the request takes no token
    d.allowed = false;
    d.retry_after = tat - tolerance - now;
    ++c.denied;
    if (c.last_event == 0 || now - c.last_event >= event_gap_) {
      d.report = true;
      d.denied = c.denied;
      c.denied = 0;
      c.last_event = now ? now : 1;
    }
    return d;
  }
  c.tat = tat;
  if (global) {
    ++c.pending;
    if (!c.dirty) {
      if (dirty_.size() < report_slots_) {
        c.dirty = true;
        dirty_.push_back(static_cast<uint32_t>(pos));  // capacity reserved: no allocation
      } else {
        ++c_.reports_dropped;
      }
    }
  }
  return d;
}

void RateLimiter::apply(const LimitReport& r, uint64_t now) {
  const int32_t pos = cell_for(r.key, now);
  if (pos < 0) return;
  Cell& c = cells_[static_cast<uint32_t>(pos)];
  c.interval = r.interval;
  c.tolerance = r.tolerance;
  c.tat = std::max(c.tat, now) + r.interval * r.count;
  ++c_.reports_applied;
}

unsigned RateLimiter::collect(LimitReport* out, unsigned max, uint32_t worker) {
  unsigned n = 0;
  while (!dirty_.empty() && n < max) {
    const uint32_t pos = dirty_.back();
    dirty_.pop_back();
    Cell& c = cells_[pos];
    if (!c.dirty) continue;  // removed since
    c.dirty = false;
    void* k = nullptr;
    if (rte_hash_get_key_with_position(h_, static_cast<int32_t>(pos), &k) != 0) continue;
    LimitReport& r = out[n++];
    r.key = *static_cast<const LimitKey*>(k);
    r.count = c.pending;
    r.worker = worker;
    r.interval = c.interval;
    r.tolerance = c.tolerance;
    c.pending = 0;
  }
  c_.reports_sent += n;
  return n;
}

void RateLimiter::sweep(uint64_t now, unsigned budget) {
  for (unsigned i = 0; i < budget && c_.keys > 0; ++i) {
    const int64_t pos = advance(sweep_hand_);
    if (pos >= 0) expire_if_idle(static_cast<uint32_t>(pos), now);
  }
}

}  // namespace bulwark::ratelimit
