// Fair shares of a worker's inspection pools: how much of each pool (sessions, head
// buffers, body scans, login capture buffers, out-of-order segments) each client (an
// IPv4 address, an IPv6 /64: one host can choose any address in its /64) holds, and the
// most one client may hold, so that one source cannot exhaust a pool that every
// client's inspection depends on (the pool's own overload fails open).
// Counts live in an rte_hash keyed by the client, touched when a connection takes or
// gives back a session or a buffer, or holds segments out of order, never per packet
// otherwise.
// Owner: the worker that owns the inspector (rw); nobody else.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/proto/packet_info.h"

struct rte_hash;

namespace bulwark::inspect {

inline constexpr int32_t kNoClient = -1;
// A session whose client could not be counted (no table entry left): not limited.
inline constexpr int32_t kUncounted = -2;

// The pools a client's connections draw from besides sessions.
enum class SharedPool : uint8_t {
  heads,     // head buffers: a request head arriving in pieces
  bodies,    // body scans (signature rules' body slots)
  logins,    // the login guard's capture buffers (a login request's body)
  segments,  // reassembly segments held out of order
  count_
};
inline constexpr unsigned kSharedPools = static_cast<unsigned>(SharedPool::count_);

// How large each pool of a worker is (what the shares are taken of).
struct PoolSizes {
  uint32_t sessions = 0;
  std::array<uint32_t, kSharedPools> pools{};  // by SharedPool
};

class ClientShares {
 public:
  // `percent` of each pool one client may hold (at least one of each).
  static std::unique_ptr<ClientShares> create(unsigned worker, const PoolSizes& sizes,
                                              uint32_t percent, int socket, std::string& error);
  ~ClientShares();
  ClientShares(const ClientShares&) = delete;
  ClientShares& operator=(const ClientShares&) = delete;

  // A session for the client at `addr` (info.src or info.dst of a packet of family
  // `l3`): its slot (kUncounted: not counted), or kNoClient when it holds its share
  // already. Slots below 0 are accepted by the other calls and count nothing.
  int32_t acquire_session(const uint8_t* addr, proto::L3 l3);
  void release_session(int32_t slot);
  // `n` more of `pool` for the client in `slot`: false (nothing taken) when that would
  // exceed its share.
  bool acquire(int32_t slot, SharedPool pool, uint32_t n = 1);
  void release(int32_t slot, SharedPool pool, uint32_t n = 1);

  // Sets (at start, before traffic) the size of a pool its owner makes: a feature's.
  void size_pool(SharedPool pool, uint32_t n);

  uint32_t max_sessions() const { return max_sessions_; }
  uint32_t max(SharedPool pool) const { return max_[static_cast<unsigned>(pool)]; }

 private:
  struct Key {
    uint8_t addr[16];  // IPv4: 4 bytes; IPv6: the /64; the last byte the family (4, 6)
  };
  struct Held {
    uint32_t sessions = 0;
    std::array<uint32_t, kSharedPools> pools{};
    Key key{};
  };
  ClientShares() = default;
  void forget_if_idle(int32_t slot);
  uint32_t share_of(uint32_t pool_size) const;  // percent_ of it, at least one

  rte_hash* h_ = nullptr;
  std::vector<Held> held_;  // by rte_hash key position
  uint32_t percent_ = 100;
  uint32_t max_sessions_ = 0;
  std::array<uint32_t, kSharedPools> max_{};
};

}  // namespace bulwark::inspect
