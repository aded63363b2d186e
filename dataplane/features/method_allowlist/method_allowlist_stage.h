// The method allow-list on the worker: a request to an endpoint listed in the rule
// files' method_allowlist section (rules/features/method_allowlist/) with a method that
// endpoint does not serve is answered 405 Method Not Allowed, with the Allow header,
// before it reaches the origin (enforce mode), or only reported (monitor mode). One
// `method_not_allowed` event per endpoint and worker a second, with how many since.
// The path is matched as each kind of server behind the box routes it (normalised, raw,
// Tomcat's ;-stripped), against every endpoint it matches. A method override
// (X-HTTP-Method-Override and its kin, `_method` in the query) counts as the method it
// names: each must be served too. A CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) is served when the method it asks about is. Headers
// dropped past the parser's limit could hold an override: such a request is refused.
// Reads r.rules (the section), r.view (the normalised path, the query), r.head (the
// method, target and headers). Stops the request it answers. Per rule set: each
// endpoint's 405 answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dataplane/inspect/stage.h"

namespace bulwark::method_allowlist {

// The stage's part of a rule set: each endpoint's complete 405 answer (wire bytes).
struct Answers : inspect::RulesPart {
  std::vector<std::string> by_endpoint;
};

class MethodAllowlistStage {
 public:
  explicit MethodAllowlistStage(const inspect::StageEnv& env);
  static std::unique_ptr<inspect::RulesPart> prepare(const rules::Bundle& b,
                                                     const inspect::PrepareEnv& env,
                                                     std::string& error);
  inspect::Next on_request_head(inspect::Request& r);
  void on_rules_swapped();

 private:
  // When each endpoint last made an event on this worker (by endpoint index).
  struct EventSlot {
    uint64_t last_tsc = 0;
    uint32_t since = 0;  // requests refused (or reported) since that event
  };

  inspect::Inspector* core_;
  api::WorkerStats* st_;
  unsigned index_;
  uint64_t tsc_hz_;
  std::vector<EventSlot> events_;  // rules::method_allowlist::kMaxEndpoints
};

}  // namespace bulwark::method_allowlist
