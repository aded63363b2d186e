// The smuggling policy (inspect.smuggling in dataplane.yaml: block or log): a request
// showing signs that a chain of parsers could disagree about where it ends (CL and TE,
// duplicate or bad Content-Length, bad chunking, bare LF, obsolete folding, ...) is
// stopped, or only reported. First in the request pipeline.
// Reads r.head (request heads) and the anomalies found outside heads. Writes nothing
// other stages read; stops the request when it blocks.
#pragma once

#include "dataplane/inspect/stage.h"

namespace bulwark::smuggling {

class SmugglingStage {
 public:
  explicit SmugglingStage(const inspect::StageEnv& env);
  inspect::Next on_request_head(inspect::Request& r);
  void on_anomaly(inspect::Request& r, uint32_t anomalies);

 private:
  // Acts on the smuggling signs among `anomalies` (requests only).
  void apply(inspect::Request& r, uint32_t anomalies, const proto::HttpHead* head);

  inspect::Inspector& core_;
  api::WorkerStats& st_;
  bool block_;
};

}  // namespace bulwark::smuggling
