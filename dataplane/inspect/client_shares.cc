// Fair shares of the inspection pools (see client_shares.h).
#include "dataplane/inspect/client_shares.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace bulwark::inspect {

std::unique_ptr<ClientShares> ClientShares::create(unsigned worker, const PoolSizes& sizes,
                                                   uint32_t percent, int socket,
                                                   std::string& error) {
  const uint32_t sessions = sizes.sessions;
  std::unique_ptr<ClientShares> s(new (std::nothrow) ClientShares());
  if (!s) {
    error = "out of memory for the client shares";
    return nullptr;
  }
  const std::string name = "client_shares_" + std::to_string(worker);
  rte_hash_parameters p{};
  p.name = name.c_str();
  // A client is in the table while it holds a session: at most `sessions` of them, plus
  // the one asking for a session when the pool is full (then reclaim or sessions_full).
  p.entries = sessions + 16;
  p.key_len = sizeof(Key);
  p.hash_func = rte_jhash;
  p.socket_id = socket;
  p.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;  // never full while entries suffice
  s->h_ = rte_hash_create(&p);
  if (s->h_ == nullptr) {
    error = "cannot create the client share table: " + std::string(rte_strerror(rte_errno));
    return nullptr;
  }
  try {
    s->held_.resize(static_cast<size_t>(rte_hash_max_key_id(s->h_)) + 1);
  } catch (const std::bad_alloc&) {
    error = "out of memory for the client shares";
    return nullptr;
  }
  s->percent_ = percent;
  s->max_sessions_ = s->share_of(sessions);
  for (unsigned p = 0; p < kSharedPools; ++p)
    s->size_pool(static_cast<SharedPool>(p), sizes.pools[p]);
  return s;
}

uint32_t ClientShares::share_of(uint32_t n) const {
  return std::max<uint32_t>(1, static_cast<uint32_t>(uint64_t{n} * percent_ / 100));
}

void ClientShares::size_pool(SharedPool pool, uint32_t n) {
  max_[static_cast<unsigned>(pool)] = share_of(n);
}

ClientShares::~ClientShares() { rte_hash_free(h_); }

int32_t ClientShares::acquire_session(const uint8_t* addr, proto::L3 l3) {
  Key k{};
  if (l3 == proto::L3::ipv6) {
    std::memcpy(k.addr, addr, 8);
    k.addr[15] = 6;
  } else {
    std::memcpy(k.addr, addr, 4);
    k.addr[15] = 4;
  }
  int32_t slot = rte_hash_lookup(h_, &k);
  if (slot < 0) {
    slot = rte_hash_add_key(h_, &k);
    if (slot < 0) return kUncounted;  // the table is sized so that this cannot happen
    held_[slot] = Held{};
    held_[slot].key = k;
  }
  Held& h = held_[slot];
  if (h.sessions >= max_sessions_) {
    forget_if_idle(slot);
    return kNoClient;
  }
  ++h.sessions;
  return slot;
}

void ClientShares::forget_if_idle(int32_t slot) {
  const Held& h = held_[slot];
  if (h.sessions != 0) return;
  for (uint32_t n : h.pools)
    if (n != 0) return;
  rte_hash_del_key(h_, &h.key);
}

void ClientShares::release_session(int32_t slot) {
  if (slot < 0) return;
  --held_[slot].sessions;
  forget_if_idle(slot);
}

bool ClientShares::acquire(int32_t slot, SharedPool pool, uint32_t n) {
  if (slot < 0) return true;
  uint32_t& held = held_[slot].pools[static_cast<unsigned>(pool)];
  if (n > max_[static_cast<unsigned>(pool)] - held) return false;  // held <= max always
  held += n;
  return true;
}

void ClientShares::release(int32_t slot, SharedPool pool, uint32_t n) {
  if (slot < 0) return;
  held_[slot].pools[static_cast<unsigned>(pool)] -= n;
  forget_if_idle(slot);
}

}  // namespace bulwark::inspect
