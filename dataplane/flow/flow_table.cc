// Flow table implementation: rte_hash for keys, an entry array for state, and one
// intrusive doubly linked LRU list per timeout class.
#include "dataplane/flow/flow_table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include <cerrno>
#include <cstring>

namespace bulwark::dp {
namespace {

// rte_hash's own hash function, for the calls that hash internally (delete): must agree
// with the signatures the table computes with flow_hash().
uint32_t flow_hash_func(const void* key, uint32_t /*len*/, uint32_t /*init*/) {
  return flow_hash(*static_cast<const FlowKey*>(key));
}

uint64_t heap_allocated(int socket) {
  rte_malloc_socket_stats st{};
  if (rte_malloc_get_socket_stats(socket, &st) != 0) return 0;
  return st.heap_allocsz_bytes;
}

}  // namespace

std::unique_ptr<FlowTable> FlowTable::create(const std::string& name, const FlowTableConfig& cfg,
                                             int socket, std::string& error) {
  if (cfg.capacity < 64) {
    error = "flow table capacity must be at least 64";
    return nullptr;
  }
  std::unique_ptr<FlowTable> t(new FlowTable());
  t->cfg_ = cfg;
  t->heads_.fill(kNoFlow);
  t->tails_.fill(kNoFlow);
  const int heap_socket = socket < 0 ? 0 : socket;
  const uint64_t before = heap_allocated(heap_socket);

  rte_hash_parameters hp{};
  hp.name = name.c_str();
  hp.entries = cfg.capacity;
  hp.key_len = sizeof(FlowKey);
  hp.hash_func = flow_hash_func;
  hp.hash_func_init_val = 0;
  hp.socket_id = socket;
  // Extendable buckets: the table holds exactly `capacity` keys whatever their hashes,
  // so "full" is a count, not a cuckoo-path accident. No concurrency flags: one writer.
  hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  t->hash_ = rte_hash_create(&hp);
  if (t->hash_ == nullptr) {
    error = "cannot create flow hash '" + name + "': " + rte_strerror(rte_errno);
    return nullptr;
  }
  t->entries_ = static_cast<FlowEntry*>(
      rte_zmalloc_socket(name.c_str(), sizeof(FlowEntry) * cfg.capacity, 64, socket));
  if (t->entries_ == nullptr) {
    error = "cannot allocate " + std::to_string(cfg.capacity) + " flow entries for '" + name +
            "' (not enough hugepage memory?)";
    return nullptr;
  }
  const uint64_t after = heap_allocated(heap_socket);
  t->bytes_per_flow_ = after > before ? (after - before) / cfg.capacity : 0;
  return t;
}

FlowTable::~FlowTable() {
  rte_hash_free(hash_);
  rte_free(entries_);
}

void FlowTable::link_tail(uint32_t idx) {
  FlowEntry& e = entries_[idx];
  const unsigned c = static_cast<unsigned>(e.cls);
  e.lru_next = kNoFlow;
  e.lru_prev = tails_[c];
  if (tails_[c] != kNoFlow)
    entries_[tails_[c]].lru_next = idx;
  else
    heads_[c] = idx;
  tails_[c] = idx;
  ++class_count_[c];
}

void FlowTable::unlink(uint32_t idx) {
  FlowEntry& e = entries_[idx];
  const unsigned c = static_cast<unsigned>(e.cls);
  if (e.lru_prev != kNoFlow)
    entries_[e.lru_prev].lru_next = e.lru_next;
  else
    heads_[c] = e.lru_next;
  if (e.lru_next != kNoFlow)
    entries_[e.lru_next].lru_prev = e.lru_prev;
  else
    tails_[c] = e.lru_prev;
  --class_count_[c];
}

void FlowTable::remove(uint32_t idx) {
  if (remove_hook_) remove_hook_(remove_ctx_, entries_[idx]);
  unlink(idx);
  FlowKey key;
  void* kp = nullptr;
  if (rte_hash_get_key_with_position(hash_, static_cast<int32_t>(idx), &kp) == 0) {
    std::memcpy(&key, kp, sizeof key);
    rte_hash_del_key(hash_, &key);
  }
  --active_;
}

bool FlowTable::evict_one() {
  for (unsigned c = 0; c < proto::kTimeoutClassCount; ++c) {
    const uint32_t victim = heads_[c];
    if (victim == kNoFlow) continue;
    if (entries_[victim].state == proto::FlowState::established) ++counters_.evicted_established;
    remove(victim);
    ++counters_.evicted;
    return true;
  }
  return false;
}

const FlowKey* FlowTable::key_at(uint32_t idx) const {
  void* key = nullptr;
  if (idx >= cfg_.capacity ||
      rte_hash_get_key_with_position(hash_, static_cast<int32_t>(idx), &key) != 0)
    return nullptr;
  return static_cast<const FlowKey*>(key);
}

FlowEntry* FlowTable::find(const FlowKey& key) {
  const int32_t pos = rte_hash_lookup_with_hash(hash_, &key, flow_hash(key));
  return pos >= 0 ? &entries_[pos] : nullptr;
}

void FlowTable::find_bulk(const FlowKey* const* keys, unsigned n, FlowEntry** out) {
  int32_t pos[kBulkMax];
  hash_sig_t sig[kBulkMax];
  for (unsigned i = 0; i < n; ++i) sig[i] = flow_hash(*keys[i]);
  rte_hash_lookup_with_hash_bulk(
      hash_, reinterpret_cast<const void**>(const_cast<const FlowKey**>(keys)), sig, n, pos);
  for (unsigned i = 0; i < n; ++i) {
    out[i] = pos[i] >= 0 ? &entries_[pos[i]] : nullptr;
    if (out[i]) rte_prefetch0(out[i]);
  }
}

FlowEntry* FlowTable::find_or_create(const FlowKey& key, uint64_t now, proto::FlowState initial,
                                     unsigned initiator, bool& created) {
  created = false;
  const hash_sig_t sig = flow_hash(key);
  int32_t pos = rte_hash_lookup_with_hash(hash_, &key, sig);
  if (pos >= 0) return &entries_[pos];
  if (active_ >= cfg_.capacity) evict_one();
  pos = rte_hash_add_key_with_hash(hash_, &key, sig);
  if (pos == -ENOSPC && evict_one()) pos = rte_hash_add_key_with_hash(hash_, &key, sig);
  if (pos < 0) {
    ++counters_.insert_failed;
    return nullptr;
  }
  FlowEntry& e = entries_[pos];
  e = FlowEntry{};
  e.first_seen = now;
  e.last_seen = now;
  e.linked_at = now;
  e.state = initial;
  e.cls = proto::timeout_class_of(initial);
  e.initiator = static_cast<uint8_t>(initiator);
  link_tail(static_cast<uint32_t>(pos));
  ++active_;
  ++counters_.created;
  created = true;
  return &e;
}

void FlowTable::relink(FlowEntry* e, uint64_t now) {
  const uint32_t idx = index_of(e);
  unlink(idx);
  e->cls = proto::timeout_class_of(e->state);
  e->linked_at = now;
  link_tail(idx);
}

unsigned FlowTable::expire(uint64_t now, unsigned budget) {
  unsigned done = 0;
  for (unsigned c = 0; c < proto::kTimeoutClassCount && done < budget; ++c) {
    const uint64_t timeout = cfg_.timeout_ticks[c];
    while (done < budget && heads_[c] != kNoFlow) {
      const uint32_t idx = heads_[c];
      // Lists are ordered by link time; an entry's last_seen is at most relink_ticks
      // newer than that, so stopping at the first live head is late by at most that.
      if (now - entries_[idx].last_seen < timeout) break;
      remove(idx);
      ++counters_.expired;
      ++done;
    }
  }
  return done;
}

}  // namespace bulwark::dp
