// Inspection state of one TCP connection on an inspected port: both directions'
// reassembly and HTTP parsers, the queue that pairs responses with requests, and what
// the core knows about the connection. Stages keep their own per-connection state in
// their slot tables (stage.h), indexed by `index`. Sessions live in a per-worker pool
// (preallocated); a flow entry points at its session by index.
// Owner: the worker that owns the flow (rw); nobody else.
#pragma once

#include <cstdint>

#include "dataplane/inspect/tcp_view.h"
#include "dataplane/proto/http_parser.h"
#include "dataplane/proto/tcp_reassembly.h"

namespace bulwark::inspect {

inline constexpr uint32_t kNoSession = UINT32_MAX;        // not decided yet
inline constexpr uint32_t kSkipSession = UINT32_MAX - 1;  // not inspected
// The connection was cut with no session left to say so (its session was reclaimed, or
// none was free under policy cut): its packets are dropped.
inline constexpr uint32_t kCutSession = UINT32_MAX - 2;
// The connection's session was reclaimed (idle, pool empty) without resetting it: its
// packets are dropped until the flow ends (a SYN does not revive it: the server's side of
// it may still be open). Real session indexes are below this.
inline constexpr uint32_t kReclaimedSession = UINT32_MAX - 3;
// The connection was passed by policy, or inspected to its end (a TLS connection after
// its ClientHello): its packets are forwarded without a session, but a new connection
// on the same tuple (a SYN) is inspected again.
inline constexpr uint32_t kPassedSession = UINT32_MAX - 4;

// A flow entry's `session` names a session of the pool (not one of the markers above).
inline constexpr bool is_session(uint32_t v) { return v < kPassedSession; }

// What events about a request need once its head is gone (body rules decide later).
struct RequestSummary {
  char method[16];
  char host[96];
  char path[256];
  char user_agent[192];
};

struct Session {
  explicit Session(const proto::HttpLimits& limits)
      : requests(true, limits), responses(false, limits) {}

  proto::StreamDir stream[2];  // by flow direction (0: the key's `lo` endpoint)
  TcpEnd tcp[2];               // what each end's stack accepts (by flow direction)
  proto::HttpParser requests;  // client -> server bytes
  proto::HttpParser responses;
  uint32_t index = 0;  // in the worker's pool; stages' slot tables use it
  uint32_t next_free = kNoSession;
  uint64_t generation = 0;         // rules generation at this connection's last packet
  uint8_t client_dir = 0;          // flow direction of client -> server packets
  uint8_t client_port = 0;         // port index (0 outside, 1 inside) the client is behind
  int32_t client_slot = -1;        // the client's entry in ClientShares (kNoClient: none)
  uint32_t shared_segments = 0;    // out-of-order segments held, counted in the client's share
  bool tls = false;                // a TLS port: the client's bytes go to the TLS hooks
  bool tls_started = false;        // TLS: its first packet went through the tls_start hooks
  bool cut = false;                // the connection was stopped: drop everything else
  bool bypass = false;             // no longer inspected (a bound was hit; policy pass)
  bool finished = false;           // a stage saw all there is to inspect (TLS: the ClientHello)
  bool responses_stopped = false;  // responses are no longer parsed (response_parse)
  // Highest IPv4 TTL / IPv6 hop limit seen in each direction (0: none yet): a segment
  // that arrives with less may expire before the server (insertion). The highest, not
  // the first: a first packet sent to expire on the way must not set the bar.
  uint8_t ttl[2] = {0, 0};
  // Methods of requests awaiting their response (pipelining), oldest first. Past this
  // many in flight responses can no longer be paired (the response_parse cause).
  static constexpr unsigned kPending = 64;
  uint8_t pending[kPending];  // 0: other, 1: HEAD, 2: CONNECT
  uint8_t pending_head = 0, pending_count = 0;
  // Least-recently-active order of the worker's sessions (indexes; kNoSession at the
  // ends): when the pool is empty the oldest idle one is reclaimed.
  uint32_t lru_prev = kNoSession, lru_next = kNoSession;
  uint64_t last_tsc = 0;  // TSC of the connection's last packet
  void* flow = nullptr;   // the dp::FlowEntry pointing here (stable while it does)
  uint32_t requests_seen = 0, responses_seen = 0;  // final responses, for pairing
  RequestSummary summary;                          // filled when the request's body is scanned

  // The port the sender of a packet of flow direction `dir` is behind.
  unsigned port_of(unsigned dir) const {
    return dir == client_dir ? client_port : client_port ^ 1u;
  }
};

}  // namespace bulwark::inspect
