// Credential-stuffing defence on the worker. A request to a configured login endpoint
// is followed from its head (client identity) through its body (the username, from at
// most the first 4 KiB) to its response (failure by status or by a text in the body);
// its outcome (LoginRecord) goes to the main lcore's StuffingDetector, whose decisions
// join the block list. While the detector's login guard is open (after a failure-ratio
// alarm, with challenge_unknown), a login request from a fingerprint not known to log
// in is challenged (one event a second per worker, with how many since).
// Reads r.rules (login endpoints), r.view, r.ident, r.blocks (the login guard), r.head.
// Stops the login request it challenges. Slot: the login attempt being followed.
// Nothing here allocates: body buffers come from the worker's fixed pool, of which one
// client holds at most its share (client_share past it); with none free (overload) the
// attempt is followed without its username (body_unscanned).
#pragma once

#include <vector>

#include "dataplane/features/login_guard/login_record.h"
#include "dataplane/inspect/client_shares.h"
#include "dataplane/inspect/detector.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::login_guard {

class LoginGuardStage {
 public:
  explicit LoginGuardStage(const inspect::StageEnv& env);
  void on_open(inspect::Session& s) { slots_[s] = Slot{}; }
  inspect::Next on_request_head(inspect::Request& r);
  void on_request_body(inspect::Request& r, const uint8_t* data, size_t len);
  void on_request_end(inspect::Request& r);
  void on_response_head(inspect::Request& r);
  void on_response_body(inspect::Request& r, const uint8_t* data, size_t len);
  void on_response_end(inspect::Request& r);
  void on_end(inspect::Session& s, inspect::End why, const inspect::Request* r);
  bool holds(const inspect::Session& s, inspect::SharedPool pool) const;

 private:
  // A request to a login endpoint: its client and username, until its response says
  // whether the login failed. One at a time per connection.
  struct Slot {
    uint8_t endpoint = kNone;             // index in the bundle's logins
    uint16_t buf = UINT16_MAX;            // the worker's capture buffer for the request body
    int32_t client = inspect::kNoClient;  // whose share `buf` counts in (Session::client_slot)
    uint16_t len = 0;                     // bytes captured
    bool awaiting = false;                // request complete, outcome not known yet
    bool scanning = false;                // the response body is searched for the failure text
    uint8_t carry_len = 0;                // tail of the previous body piece (text split over two)
    uint32_t seq = 0;                     // the request's number on the connection
    uint64_t generation = 0;              // rules generation the endpoint index belongs to
    char carry[64];
    LoginRecord rec;
    static constexpr uint8_t kNone = 0xff;
  };
  // A request to a login endpoint starts tracking; true if it is one.
  bool start(inspect::Request& r, Slot& l);
  // The login guard: true if it challenged the request.
  bool guard(inspect::Request& r, Slot& l);
  void request_end(const inspect::Request& r, Slot& l);
  void finish(Slot& l, LoginOutcome outcome, uint16_t status);
  void drop(Slot& l);
  // The capture buffer back to the pool, and the client's share of them.
  void give_buffer(Slot& l);
  // The connection is cut, bypassed or gone: an attempt sent is recorded as unknown,
  // one not sent forgotten; the capture buffer goes back.
  void end(Slot& l);

  static constexpr unsigned kBuffers = 256;
  static constexpr unsigned kBufferBytes = 4096;
  inspect::Inspector* core_;
  api::WorkerStats* st_;
  unsigned worker_;
  uint64_t tsc_hz_;
  inspect::Reporter<LoginRecord> reporter_;
  inspect::SlotTable<Slot> slots_;
  std::vector<uint8_t> memory_;  // kBuffers x kBufferBytes: request bodies
  std::vector<uint16_t> free_;
  // Login-guard challenges: one event per second, with the number challenged since.
  uint64_t guard_last_tsc_ = 0;
  uint32_t guard_stopped_ = 0;
};

}  // namespace bulwark::login_guard
