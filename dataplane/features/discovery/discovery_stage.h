// API discovery on the worker: each forwarded request's endpoint (host, method,
// templated path, query parameter names, credentials) is followed to its response,
// whose status, media type and size are noted and whose head and body are scanned for
// sensitive data as they stream past. The finished record (ApiRecord) goes to the main
// lcore's ApiObserver (api_observer.h), which batches records for bulwark-control's
// inventory and counts them for the extraction policy. One call followed at a time per
// connection: a pipelined request reports the one before it as it stands.
// Reads r.rules (the discovery policy), r.head, r.view, r.ident. Writes nothing other
// stages read. Slot: the call being followed and its response scan.
// Per rule set: one sensitive-data scanner per worker, each with a pool of streams.
// Nothing here allocates.
#pragma once

#include <memory>
#include <vector>

#include "dataplane/features/discovery/api_observer.h"
#include "dataplane/features/discovery/api_record.h"
#include "dataplane/features/discovery/sensitive_scanner.h"
#include "dataplane/inspect/detector.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::discovery {

// The discovery stage's part of a rule set: one scanner per worker (one response stream
// per concurrent response being scanned, as for request bodies).
using Scanners = inspect::PerWorker<SensitiveScanner>;

class DiscoveryStage {
 public:
  explicit DiscoveryStage(const inspect::StageEnv& env);
  static std::unique_ptr<inspect::RulesPart> prepare(const rules::Bundle& b,
                                                     const inspect::PrepareEnv& env,
                                                     std::string& error) {
    return Scanners::build(b, env, "Hyperscan scratch space for the sensitive-data database",
                           error);
  }
  void on_open(inspect::Session& s) { slots_[s] = Slot{}; }
  inspect::Next on_request_head(inspect::Request& r);
  void on_request_body(inspect::Request& r, const uint8_t* data, size_t len);
  void on_response_head(inspect::Request& r);
  void on_response_body(inspect::Request& r, const uint8_t* data, size_t len);
  void on_response_end(inspect::Request& r);
  void on_end(inspect::Session& s, inspect::End why, const inspect::Request* r);

 private:
  struct Slot {
    bool awaiting = false;    // request seen, response head not yet
    bool responding = false;  // its response is being followed
    bool scanning = false;    // ... and scanned for sensitive data
    uint32_t seq = 0;         // the request's number on the connection
    uint64_t generation = 0;  // rules generation the scan stream belongs to
    uint64_t scanned_bytes = 0;
    ApiRecord rec;
    SensitiveScan scan;
  };
  SensitiveScanner* scanner(const inspect::ActiveRules* rules) const;
  // Ends the scan (`count`: its matches count) and returns the stream.
  void stop_scan(Slot& a, bool count);
  // Reports the call followed, as far as it got.
  void finish(Slot& a);
  // Forgets it (the request was stopped: the origin never answers it).
  void drop(inspect::Session& s, Slot& a);

  inspect::Inspector* core_;
  api::WorkerStats* st_;
  unsigned worker_;
  unsigned index_;
  inspect::Reporter<ApiRecord> reporter_;
  inspect::SlotTable<Slot> slots_;
  std::vector<char> head_buffer_;  // a response's header lines, for the sensitive-data scan
};

}  // namespace bulwark::discovery
