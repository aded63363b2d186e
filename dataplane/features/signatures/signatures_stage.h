// Signature rules on the worker: each request's head is evaluated against the active
// bundle's rules by this worker's matcher (one Hyperscan scan per field; matcher.h),
// giving the request's verdict; a request with body rules has its body streamed through
// the body database and its verdict completed at its end. TLS connections: fingerprint
// rules (ja3, ja4, client_ip) are evaluated on the ClientHello; an enforced match cuts
// the connection there.
// A body scan is taken within the client's share of them (client_share past it); a
// request with body rules that gets none is the body_unscanned integrity cause.
// Reads r.view, r.rules, r.hello, r.ja3, r.ja4. Writes r.verdict, r.body_scan,
// r.body_unscanned. Slot: the request's body scan (from its head to its end).
// Per rule set: one matcher per worker, each with a pool of body streams.
#pragma once

#include <memory>
#include <vector>

#include "dataplane/features/signatures/matcher.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::signatures {

// The signatures stage's part of a rule set: one matcher per worker.
using Matchers = inspect::PerWorker<Matcher>;

class SignaturesStage {
 public:
  explicit SignaturesStage(const inspect::StageEnv& env)
      : core_(&env.core),
        st_(&env.st),
        worker_(env.worker),
        index_(env.index),
        slots_(env.sessions) {}
  static std::unique_ptr<inspect::RulesPart> prepare(const rules::Bundle& b,
                                                     const inspect::PrepareEnv& env,
                                                     std::string& error) {
    return Matchers::build(b, env, "Hyperscan scratch space", error);
  }
  void on_open(inspect::Session& s) { slots_[s] = Slot{}; }
  inspect::Next on_request_head(inspect::Request& r);
  void on_request_body(inspect::Request& r, const uint8_t* data, size_t len);
  void on_request_end(inspect::Request& r);
  void on_new_rules(inspect::Request& r);
  void on_end(inspect::Session& s, inspect::End why, const inspect::Request* r);
  inspect::Next on_client_hello(inspect::Request& r);
  bool holds(const inspect::Session& s, inspect::SharedPool pool) const;

 private:
  struct Slot {
    RequestScan scan;
    uint64_t generation = 0;  // rules generation `scan` belongs to
    bool open = false;        // a request's body is being scanned
    bool share = false;       // holds one of the client's body-scan shares
  };
  Matcher* matcher(const inspect::ActiveRules* rules) const;
  // Closes the body scan (back to the matcher's pool, or forgotten if its rule set was
  // replaced: the pool went with it).
  void end_scan(inspect::Session& s, Slot& slot);
  // Gives back the client's body-scan share the slot holds, if any.
  void give_share(inspect::Session& s, Slot& slot);

  inspect::Inspector* core_;
  api::WorkerStats* st_;
  unsigned worker_;
  unsigned index_;
  inspect::SlotTable<Slot> slots_;
};

}  // namespace bulwark::signatures
