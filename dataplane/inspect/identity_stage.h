// The core's judging stages around the features (listed in features/pipeline.cc):
// IdentityStage resolves who sent the request; NormaliseStage builds the normalised view
// the rule-driven stages read (only with rules); VerdictStage carries out the rules'
// verdict when no stage before it stopped the request. carry_out() is the verdict's
// action, also used for body rules at the request's end and to record the matches of a
// request another stage stopped.
#pragma once

#include <vector>

#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::inspect {

// Reads r.head, r.pkt, r.rules, r.blocks. Writes r.ident.
// Stops (as a pass) a request when there are neither rules nor a block list.
class IdentityStage {
 public:
  explicit IdentityStage(const StageEnv& env) : st_(env.st) {}
  Next on_request_head(Request& r);

 private:
  api::WorkerStats& st_;
  identity::ClientIdentity ident_;
};

// With rules: counts how the client was identified (forwarding headers) and writes
// r.view (normalised path, query, host). Reads r.head, r.ident, r.rules.
class NormaliseStage {
 public:
  explicit NormaliseStage(const StageEnv& env);
  Next on_request_head(Request& r);

 private:
  api::WorkerStats& st_;
  std::vector<char> path_buffer_;  // kPathBufferBytes: the view's path and normalised URI
};

// Reads r.rules, r.verdict, r.body_scan, r.body_unscanned, r.view, r.head. Writes the
// session's request summary (events of body rules). Last in the request pipeline.
class VerdictStage {
 public:
  explicit VerdictStage(const StageEnv& env) : core_(env.core), st_(env.st) {}
  Next on_request_head(Request& r);

 private:
  Inspector& core_;
  api::WorkerStats& st_;
};

// Records every matched rule of `v` (counters, events) and carries out the decisive one
// (respond, decoy, challenge, block). `final`: this is the request's verdict (its pass
// is counted); `head`: nullptr at the end of a body.
void carry_out(Inspector& core, Request& r, const Verdict& v, const proto::HttpHead* head,
               bool final);

}  // namespace bulwark::inspect
