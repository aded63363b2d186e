// Inspection state of one HTTP connection: both directions' reassembly and parsers, the
// request being evaluated, and the queue that pairs responses with requests. A TLS
// connection uses the same session for its client's ClientHello. Sessions
// live in a per-worker pool (preallocated); a flow entry points at its session.
// Owner: the worker that owns the flow (rw); nobody else.
#pragma once

#include <cstdint>

#include "dataplane/features/discovery/api_record.h"
#include "dataplane/features/discovery/sensitive_scanner.h"
#include "dataplane/features/enumeration/object_record.h"
#include "dataplane/features/login_guard/login_record.h"
#include "dataplane/features/signatures/matcher.h"
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

struct HttpSession {
  HttpSession(const proto::HttpLimits& limits) : requests(true, limits), responses(false, limits) {}

  proto::StreamDir stream[2];  // by flow direction (0: the key's `lo` endpoint)
  proto::HttpParser requests;  // client -> server bytes
  proto::HttpParser responses;
  signatures::RequestScan scan;
  uint64_t generation = 0;  // rules generation `scan` belongs to
  uint8_t client_dir = 0;   // flow direction of client -> server packets
  bool scan_open = false;   // a request's body is being scanned
  bool cut = false;         // the connection was blocked: drop everything else
  bool bypass = false;      // no longer inspected (a bound was hit; policy pass)
  // Methods of requests awaiting their response (pipelining), oldest first.
  static constexpr unsigned kPending = 16;
  uint8_t pending[kPending];  // 0: other, 1: HEAD, 2: CONNECT
  uint8_t pending_head = 0, pending_count = 0;
  uint32_t next_free = kNoSession;
  RequestSummary summary;  // filled when the request's body is scanned
  // TLS connections (a TLS port): the client's first bytes until its ClientHello is
  // parsed, then the connection's fingerprints.
  bool tls = false;
  bool hello_done = false;
  bool address_checked = false;     // TLS: the client's address was looked up in the block list
  uint32_t index = 0;               // in the worker's session pool
  uint16_t hello_need = 0;          // buffered bytes the next parse needs to progress
  uint16_t hello_buf = UINT16_MAX;  // index of a hello buffer, if one is in use
  uint16_t hello_len = 0;           // bytes in it
  char ja3[33];
  char ja4[37];
  // A request to a login endpoint: its client and username, until its response says
  // whether the login failed. One at a time per connection.
  struct Login {
    uint8_t endpoint = kNone;   // index in the bundle's logins
    uint16_t buf = UINT16_MAX;  // the worker's capture buffer for the request body
    uint16_t len = 0;           // bytes captured
    bool awaiting = false;      // request complete, outcome not known yet
    bool scanning = false;      // the response body is searched for the failure text
    uint8_t carry_len = 0;      // tail of the previous body piece (text split over two)
    uint32_t seq = 0;           // the request's number on the connection
    uint64_t generation = 0;    // rules generation the endpoint index belongs to
    char carry[64];
    login_guard::LoginRecord rec;
    static constexpr uint8_t kNone = 0xff;
  } login;
  uint32_t requests_seen = 0, responses_seen = 0;  // final responses, for pairing
  // A read of an enumeration entry that counts response bytes, until its response has
  // ended (then reported again with the body's size). One at a time per connection.
  struct Volume {
    enumeration::ObjectRecord rec;
    uint32_t seq = 0;  // the request's number on the connection
    uint64_t bytes = 0;
    bool awaiting = false;  // request seen, response not yet
    bool counting = false;  // its response's body is being counted
  } volume;
  // An API call followed for discovery (api_track.cc), until its response has ended.
  struct Api {
    bool awaiting = false;    // request seen, response head not yet
    bool responding = false;  // its response is being followed
    bool scanning = false;    // ... and scanned for sensitive data
    uint32_t seq = 0;         // the request's number on the connection
    uint64_t generation = 0;  // rules generation the scan stream belongs to
    uint64_t scanned_bytes = 0;
    discovery::ApiRecord rec;
    discovery::SensitiveScan scan;
  } api;
};

}  // namespace bulwark::inspect
