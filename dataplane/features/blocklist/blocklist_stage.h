// The block list on the worker: a request (or TLS connection) whose client matches a
// live entry — the operator's (bulwark-control's block list) or a detector's decision —
// is stopped as the entry says: reset, 403, a decoy answer, or a challenge (which a
// valid clearance passes). TLS connections are checked by address at their first packet
// and by address and fingerprint (JA4, JA3) at their ClientHello; they cannot be
// answered, so challenge and decoy entries do not stop them. One event per entry and
// worker every 10 s, saying how many requests it stopped since.
// Reads r.blocks, r.ident, r.head, r.rules (decoy answers), r.hello, r.ja3, r.ja4.
// Stops the request or connection it blocks.
#pragma once

#include "dataplane/inspect/block_set.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::blocklist {

class BlocklistStage {
 public:
  explicit BlocklistStage(const inspect::StageEnv& env);
  inspect::Next on_request_head(inspect::Request& r);
  inspect::Next on_tls_start(inspect::Request& r);
  inspect::Next on_client_hello(inspect::Request& r);

 private:
  // Stops the request or connection `b` matched; `tls`: a TLS connection.
  void enforce(inspect::Request& r, const inspect::BlockMatch& b, bool tls);

  inspect::Inspector& core_;
  api::WorkerStats& st_;
  uint64_t tsc_hz_;
  char response_[512];  // a 403 answer, written per request
  // When each block-list entry last made an event (direct-mapped by entry id).
  struct EventSlot {
    uint64_t id = 0, last_tsc = 0;
    uint32_t stopped = 0;  // requests stopped since that event
  };
  static constexpr unsigned kEventSlots = 256;
  EventSlot events_[kEventSlots];
};

}  // namespace bulwark::blocklist
