// Fair shares of a worker's inspection pools: how many sessions, head buffers and body
// scans each
// client (an IPv4 address, an IPv6 /64: one host can choose any address in its /64)
// holds, and the most one client may hold, so that one source cannot exhaust a pool
// that every client's inspection depends on (the pool's own overload fails open).
// Counts live in an rte_hash keyed by the client, touched when a connection takes or
// gives back a session, a head buffer or a body scan, never per packet.
// Owner: the worker that owns the inspector (rw); nobody else.
#pragma once

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

class ClientShares {
 public:
  // `percent` of `sessions`, of `heads` and of `bodies` one client may hold (at least
  // one each).
  static std::unique_ptr<ClientShares> create(unsigned worker, uint32_t sessions, uint32_t heads,
                                              uint32_t bodies, uint32_t percent, int socket,
                                              std::string& error);
  ~ClientShares();
  ClientShares(const ClientShares&) = delete;
  ClientShares& operator=(const ClientShares&) = delete;

  // A session for the client at `addr` (info.src or info.dst of a packet of family
  // `l3`): its slot (kUncounted: not counted), or kNoClient when it holds its share
  // already. Slots below 0 are accepted by the other calls and count nothing.
  int32_t acquire_session(const uint8_t* addr, proto::L3 l3);
  void release_session(int32_t slot);
  // A head buffer for the client in `slot`: false when it holds its share already.
  bool acquire_head(int32_t slot);
  void release_head(int32_t slot);
  // A body scan (signature rules' body slot) for the client in `slot`: false when it
  // holds its share already.
  bool acquire_body(int32_t slot);
  void release_body(int32_t slot);

  uint32_t max_sessions() const { return max_sessions_; }
  uint32_t max_heads() const { return max_heads_; }
  uint32_t max_bodies() const { return max_bodies_; }

 private:
  struct Key {
    uint8_t addr[16];  // IPv4: 4 bytes; IPv6: the /64; the last byte the family (4, 6)
  };
  struct Held {
    uint32_t sessions = 0, heads = 0, bodies = 0;
    Key key{};
  };
  ClientShares() = default;
  void forget_if_idle(int32_t slot);

  rte_hash* h_ = nullptr;
  std::vector<Held> held_;  // by rte_hash key position
  uint32_t max_sessions_ = 0, max_heads_ = 0, max_bodies_ = 0;
};

}  // namespace bulwark::inspect
