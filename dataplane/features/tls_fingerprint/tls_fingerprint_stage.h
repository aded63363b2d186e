// TLS fingerprinting on the worker: on a TLS port the client's in-order bytes (from
// reassembly, so a ClientHello split over segments, reordered or retransmitted arrives
// whole) are parsed in place when one delivery holds the whole ClientHello, otherwise
// gathered in one of the worker's preallocated hello buffers (64 of 20 KiB; one held
// more than a second for the rest of its hello may be reclaimed). The parsed hello gives
// the connection's JA3 and JA4 (inspect.tls_events: one event each); the stages after
// this one judge it in their client_hello hooks (block list, fingerprint rules). After
// the hello the connection is no longer inspected (the rest is encrypted).
// Writes r.hello, r.ja3, r.ja4 for the client_hello hooks. Slot: the hello buffer in use.
#pragma once

#include <vector>

#include "dataplane/inspect/stage.h"
#include "dataplane/proto/client_hello.h"
#include "dataplane/proto/tls_fingerprint.h"

namespace bulwark::tls_fingerprint {

class TlsFingerprintStage {
 public:
  explicit TlsFingerprintStage(const inspect::StageEnv& env);
  void on_open(inspect::Session& s) {
    if (s.tls) slots_[s] = Slot{};
  }
  void on_tls_bytes(inspect::Request& r, const uint8_t* data, uint32_t len);
  void on_end(inspect::Session& s, inspect::End why, const inspect::Request* r);

 private:
  struct Slot {
    bool done = false;          // the ClientHello was parsed (or given up on)
    uint16_t need = 0;          // buffered bytes the next parse needs to progress
    uint16_t buf = UINT16_MAX;  // index of a hello buffer, if one is in use
    uint16_t len = 0;           // bytes in it
  };
  bool take_buffer(inspect::Request& r, inspect::Session& s, Slot& slot);
  void release_buffer(Slot& slot);
  // `status`: a proto::HelloStatus, or -1 when no buffer was free (already counted).
  // With a parsed hello, sets r.hello for the client_hello hooks.
  void finish(inspect::Request* r, inspect::Session& s, Slot& slot, int status,
              const proto::ClientHello* hello);

  static constexpr unsigned kBuffers = 64;
  static constexpr size_t kBufferBytes = 20480;  // 16 KiB of hello plus record headers
  inspect::Inspector* core_;
  api::WorkerStats* st_;
  bool events_;          // inspect.tls_events
  uint64_t hold_ticks_;  // a buffer may be reclaimed after this long (1 s)
  inspect::SlotTable<Slot> slots_;
  std::vector<uint8_t> memory_;
  std::vector<uint16_t> free_;
  std::vector<uint64_t> since_;   // [buffer]: TSC when taken
  std::vector<uint32_t> owner_;   // [buffer]: session index
  std::vector<uint8_t> scratch_;  // the parser joins record fragments here
  proto::ClientHello hello_;      // the hello being judged (views into the bytes)
  proto::Ja3 ja3_text_;           // 4 KiB of text: not on the worker's stack
  char ja3_[33];
  char ja4_[37];
};

}  // namespace bulwark::tls_fingerprint
