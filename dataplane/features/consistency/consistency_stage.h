// Consistency scoring on the worker: a request whose user agent claims a browser is
// scored by what contradicts the claim (consistency.h); at or over the policy's
// threshold its action applies — challenge (a valid clearance passes), block, 403, or
// log — unless a rule already decides the request. Monitor mode only reports.
// Reads r.rules (the policy), r.verdict (applies when nothing decides), r.head, r.ident
// (the fingerprint's text). Stops the request it challenges or blocks (its matched
// rules are recorded first).
#pragma once

#include "dataplane/inspect/stage.h"

namespace bulwark::consistency {

class ConsistencyStage {
 public:
  explicit ConsistencyStage(const inspect::StageEnv& env) : core_(&env.core), st_(&env.st) {}
  inspect::Next on_request_head(inspect::Request& r);

 private:
  // Scores the request and carries out the policy; true if it stopped the request.
  bool apply(inspect::Request& r);

  inspect::Inspector* core_;
  api::WorkerStats* st_;
};

}  // namespace bulwark::consistency
