// Inspection state of one TCP connection on an inspected port: both directions'
// reassembly and HTTP parsers, the queue that pairs responses with requests, and what
// the core knows about the connection. Stages keep their own per-connection state in
// their slot tables (stage.h), indexed by `index`. Sessions live in a per-worker pool
// (preallocated); a flow entry points at its session by index.
// Owner: the worker that owns the flow (rw); nobody else.
#pragma once

#include <cstdint>

#include "dataplane/proto/http_parser.h"
#include "dataplane/proto/tcp_reassembly.h"

namespace bulwark::inspect {

inline constexpr uint32_t kNoSession = UINT32_MAX;        // not decided yet
inline constexpr uint32_t kSkipSession = UINT32_MAX - 1;  // not inspected

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
  proto::HttpParser requests;  // client -> server bytes
  proto::HttpParser responses;
  uint32_t index = 0;  // in the worker's pool; stages' slot tables use it
  uint32_t next_free = kNoSession;
  uint64_t generation = 0;   // rules generation at this connection's last packet
  uint8_t client_dir = 0;    // flow direction of client -> server packets
  bool tls = false;          // a TLS port: the client's bytes go to the TLS hooks
  bool tls_started = false;  // TLS: its first packet went through the tls_start hooks
  bool cut = false;          // the connection was stopped: drop everything else
  bool bypass = false;       // no longer inspected (a bound was hit; policy pass)
  bool finished = false;     // a stage saw all there is to inspect (TLS: the ClientHello)
  // Methods of requests awaiting their response (pipelining), oldest first.
  static constexpr unsigned kPending = 16;
  uint8_t pending[kPending];  // 0: other, 1: HEAD, 2: CONNECT
  uint8_t pending_head = 0, pending_count = 0;
  uint32_t requests_seen = 0, responses_seen = 0;  // final responses, for pairing
  RequestSummary summary;                          // filled when the request's body is scanned
};

}  // namespace bulwark::inspect
