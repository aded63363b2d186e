// Consistency scoring on the worker (see consistency_stage.h).
#include "dataplane/features/consistency/consistency_stage.h"

#include "dataplane/features/consistency/consistency.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/identity_stage.h"
#include "dataplane/inspect/inspector.h"

namespace bulwark::consistency {

inspect::Next ConsistencyStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr || r.verdict.decisive >= 0 || !r.rules->bundle->consistency.enabled ||
      !apply(r))
    return inspect::Next::go;
  // Stopped: the rules that matched are recorded (log and monitor matches; no verdict).
  if (r.verdict.matched_count) inspect::carry_out(*core_, r, r.verdict, r.head, false);
  return inspect::Next::stop;
}

bool ConsistencyStage::apply(inspect::Request& r) {
  const rules::ConsistencyPolicy& p = r.rules->bundle->consistency;
  const proto::HttpHead& head = *r.head;
  const ConsistencyScore sc = score_request(p, head, r.ident->fingerprint_text);
  if (!sc.browser) return false;
  st_->scored_requests.add(1);
  for (unsigned b = 0; b < static_cast<unsigned>(rules::Signal::count_); ++b)
    if (sc.signals & (1u << b)) st_->score_signals[b].add(1);
  if (sc.score < p.threshold) return false;
  st_->scored_over.add(1);
  const bool enforce = p.mode == rules::Mode::enforce && p.action != rules::Action::log;
  inspect::EventDetail detail;
  detail.score = sc.score;
  detail.signals = sc.signals;
  if (enforce && p.action == rules::Action::challenge) {
    if (core_->cleared(r)) return false;
    core_->challenge(r, inspect::ChallengeCause::consistency, 0, 0, true, detail);
    return true;
  }
  core_->event(r, inspect::EventType::consistency, 0, static_cast<uint8_t>(p.action),
               static_cast<uint8_t>(p.mode), enforce, head.anomalies,
               enforce && p.action == rules::Action::respond ? 403 : 0, &head, detail);
  // Log and monitor: reported only (counted by scored_over, not as rule matches).
  if (enforce && p.action == rules::Action::respond) {
    static constexpr char kAnswer[] =
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 45\r\n"
        "Connection: close\r\n\r\n{\"error\":\"forbidden\",\"reason\":\"consistency\"}\n";
    static_assert(sizeof("{\"error\":\"forbidden\",\"reason\":\"consistency\"}\n") - 1 == 45);
    st_->verdict_respond.add(1);
    core_->cut(r, std::string_view(kAnswer, sizeof kAnswer - 1));
    return true;
  }
  if (enforce) {
    st_->verdict_block.add(1);
    core_->cut(r, {});
    return true;
  }
  return false;
}

}  // namespace bulwark::consistency
