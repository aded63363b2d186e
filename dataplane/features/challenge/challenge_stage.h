// Challenges on the worker. As the core's challenge service (inspect::Challenger) it
// checks a request's bw_clear cookie (once per request) and answers a request that a
// challenge rule, a limit with action challenge, the consistency policy, a block-list
// entry or the login guard would stop: a browser navigating gets the proof-of-work page,
// everything else a machine-readable 403 (429 with Retry-After for limits); the
// connection is then cut. As a stage (after signatures) it lets a request with a valid
// clearance pass a challenge rule: the next enforcing rule, if any, decides.
// Reads r.verdict, r.ident, r.head, r.rules (the challenge policy). Writes
// r.verdict.decisive, r.clearance. Nothing here allocates: answers are written into a
// per-worker buffer.
#pragma once

#include "dataplane/features/challenge/clearance_keys.h"
#include "dataplane/inspect/stage.h"

namespace bulwark::challenge {

class ChallengeStage final : public inspect::Challenger {
 public:
  explicit ChallengeStage(const inspect::StageEnv& env);
  ChallengeStage(ChallengeStage&&) = default;
  // Registers this stage (at its final address) as the core's challenge service.
  bool init(std::string& error);
  inspect::Next on_request_head(inspect::Request& r);

  bool cleared(inspect::Request& r) override;
  void challenge(inspect::Request& r, inspect::ChallengeCause cause, uint32_t rule,
                 uint32_t retry_s, bool report, const inspect::EventDetail& detail) override;

 private:
  inspect::Inspector* core_;
  api::WorkerStats* st_;
  const ClearanceKeyRotation* keys_;  // nullptr: no keys (every check fails)
  uint32_t rotate_s_;
  char response_[1500];  // the challenge page or answer, written per request
};

}  // namespace bulwark::challenge
