// The stage interface: how a feature takes part in judging the traffic of one worker.
// A stage is a class with any of the hooks below (the pipeline calls only the hooks a
// stage defines, resolved at compile time: a hook costs nothing where it is absent) and
// a constructor taking a StageEnv. dataplane/features/pipeline.cc lists the stages in
// the order they judge a request; the core calls the pipeline, never a feature.
//
// Hooks (all on the worker, none may allocate, lock or make a syscall):
//   Next on_request_head(Request&)   a request's head, in pipeline order; `stop` when
//                                    the stage stopped the request (cut its connection):
//                                    later stages do not see it
//   void on_request_body(Request&, const uint8_t*, size_t)   its body as it arrives
//   void on_request_end(Request&)
//   void on_response_head(Request&)  a final response's head (1xx other than 101 skipped)
//   void on_response_body(Request&, const uint8_t*, size_t)
//   void on_response_end(Request&)
//   void on_anomaly(Request&, uint32_t anomalies)   HTTP anomalies found outside a head
//   void on_new_rules(Request&)      the rule set changed since this connection's last
//                                    packet (before the packet's bytes are parsed)
//   void on_open(Session&)           a new connection (reset the stage's slot)
//   void on_end(Session&, End, const Request*)   the connection is cut, no longer
//                                    inspected, or gone (Request: nullptr when gone)
//   Next on_tls_start(Request&)      the first packet of a TLS connection
//   void on_tls_bytes(Request&, const uint8_t*, uint32_t)   the client's in-order bytes
//                                    (a stage that parses a ClientHello sets r.hello)
//   Next on_client_hello(Request&)   after a stage set r.hello, in pipeline order
//   bool holds(const Session&, SharedPool) const   the connection holds a buffer of
//                                    the stage's `pool` (the core reclaims idle holders
//                                    when the pool is empty)
//   void on_rules_swapped()          this worker started on a new rule set
//   void publish(uint64_t now_tsc)   housekeeping, about every millisecond
//   bool init(std::string& error)    after construction, before traffic (fallible setup)
//   static std::unique_ptr<RulesPart> prepare(const rules::Bundle&, const PrepareEnv&,
//                                    std::string& error)   per-rule-set state of the stage
//                                    (e.g. per-worker matchers), built off the workers
//                                    with each rule set and read as
//                                    r.rules->part<T>(index)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/inspect/client_shares.h"
#include "dataplane/inspect/event.h"
#include "dataplane/inspect/request.h"
#include "dataplane/inspect/session.h"

namespace bulwark::rules {
struct Bundle;
}  // namespace bulwark::rules

namespace bulwark::inspect {

class Inspector;
class MainParts;

// How a judging hook ends.
enum class Next : uint8_t { go, stop };

// Why a connection's inspection ends.
enum class End : uint8_t {
  cut,      // a stage stopped it (both sides reset, or the client answered)
  bypass,   // it is no longer inspected (a bound was hit; the policy passes it)
  release,  // it is gone (closed, expired, evicted, reused) or inspection is complete
};

// What a stage is built with (one per worker and stage).
struct StageEnv {
  Inspector& core;                  // the worker's inspection core (services: cut, event, ...)
  const api::DataplaneConfig& cfg;  // the dataplane's configuration
  api::WorkerStats& st;             // this worker's counters (written only by it)
  MainParts& parts;                 // the features' main-lcore parts (pipeline.cc)
  unsigned worker = 0;              // this worker's number
  unsigned workers = 1;             // how many workers run
  int socket = 0;                   // NUMA socket for DPDK memory
  uint32_t sessions = 0;            // the session pool's size (slot tables have as many)
  unsigned index = 0;               // the stage's position in the pipeline
};

// Per-connection state of one stage: one slot per pool session, by session index.
// Allocated when the pipeline is built, never after.
template <class T>
class SlotTable {
 public:
  explicit SlotTable(uint32_t sessions) : slots_(sessions) {}
  T& operator[](const Session& s) { return slots_[s.index]; }
  const T& operator[](const Session& s) const { return slots_[s.index]; }
  T& at(uint32_t index) { return slots_[index]; }

 private:
  std::vector<T> slots_;
};

// A stage's state for one rule set (see `prepare` above): built off the workers, freed
// with its rule set after an RCU grace period.
struct RulesPart {
  virtual ~RulesPart() = default;
};

// What `prepare` is given.
struct PrepareEnv {
  unsigned workers = 1;
  unsigned body_streams = 0;  // concurrent body or response streams per worker
  std::string origin;         // names the bundle in errors
};

// A part that is one T per worker, each built from the bundle with a pool of
// env.body_streams streams (T: a signature matcher, a sensitive-data scanner: anything
// with ok() and use_stream_pool()).
template <class T>
struct PerWorker : RulesPart {
  std::vector<std::unique_ptr<T>> by_worker;
  // nullptr and `error` ("<origin>: cannot allocate <what>") if one cannot be made.
  static std::unique_ptr<RulesPart> build(const rules::Bundle& b, const PrepareEnv& env,
                                          const char* what, std::string& error) {
    auto part = std::make_unique<PerWorker>();
    for (unsigned w = 0; w < env.workers; ++w) {
      part->by_worker.push_back(std::make_unique<T>(b));
      if (!part->by_worker.back()->ok()) {
        error = env.origin + ": cannot allocate " + what;
        return nullptr;
      }
      part->by_worker.back()->use_stream_pool(env.body_streams);
    }
    return part;
  }
};

// The challenge service: one feature (challenge) answers challenges and checks
// clearances for every stage that may challenge (block list, login guard, rule
// verdicts, consistency, rate limits). Registered with the core by that feature.
class Challenger {
 public:
  virtual ~Challenger() = default;
  // True if the request carries a valid clearance (checked once per request; the result
  // is kept in r.clearance).
  virtual bool cleared(Request& r) = 0;
  // Answers the request with the page (browsers) or a machine-readable 403/429 and cuts
  // its connection; `report`: write the challenge event.
  virtual void challenge(Request& r, ChallengeCause cause, uint32_t rule, uint32_t retry_s,
                         bool report, const EventDetail& detail) = 0;
};

}  // namespace bulwark::inspect
