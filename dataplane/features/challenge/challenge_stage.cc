// Challenges on the worker (see challenge_stage.h).
#include "dataplane/features/challenge/challenge_stage.h"

#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/inspector.h"

namespace bulwark::challenge {
namespace {

static_assert(static_cast<uint8_t>(ClearanceCheck::valid) == inspect::kClearanceValid);
static_assert(static_cast<unsigned>(ClearanceCheck::count_) < inspect::kClearanceUnchecked);
// The stats segment's clearance counters are labelled by api::kClearanceCheckNames.
static_assert(std::size(api::kClearanceCheckNames) == static_cast<size_t>(ClearanceCheck::count_));

// Without rules (a block list only) challenges use the defaults.
const rules::ChallengePolicy kDefaultChallenge;

const char* cause_name(inspect::ChallengeCause c) {
  switch (c) {
    case inspect::ChallengeCause::rule: return "rule";
    case inspect::ChallengeCause::limit: return "rate_limit";
    case inspect::ChallengeCause::consistency: return "consistency";
    case inspect::ChallengeCause::block_list: return "block_list";
    case inspect::ChallengeCause::login_guard: return "login_guard";
  }
  return "unknown";
}

}  // namespace

ChallengeStage::ChallengeStage(const inspect::StageEnv& env)
    : core_(&env.core),
      st_(&env.st),
      keys_(env.parts.find<ClearanceKeyRotation>()),
      rotate_s_(env.cfg.challenge_rotate_s) {}

bool ChallengeStage::init(std::string&) {
  core_->set_challenger(this);
  return true;
}

inspect::Next ChallengeStage::on_request_head(inspect::Request& r) {
  // A challenge rule decides only for requests without a valid clearance; with one, the
  // next enforcing rule (if any) decides.
  inspect::Verdict& v = r.verdict;
  if (r.rules && v.decisive >= 0 &&
      r.rules->bundle->rules[static_cast<size_t>(v.decisive)].action == rules::Action::challenge &&
      cleared(r))
    v.decisive = v.decisive_unchallenged;
  return inspect::Next::go;
}

bool ChallengeStage::cleared(inspect::Request& r) {
  if (r.clearance == inspect::kClearanceUnchecked) {
    const ClearanceKeys* keys = keys_ ? keys_->keys() : nullptr;
    const std::string_view cookie = identity::cookie_value(*r.head, kClearanceCookie);
    const rules::ChallengePolicy& p = r.rules ? r.rules->bundle->challenge : kDefaultChallenge;
    const ClearanceCheck c =
        keys ? check_clearance(*keys, cookie, *r.ident, core_->unix_now(), p.ttl_s, p.difficulty)
        : cookie.empty() ? ClearanceCheck::missing
                         : ClearanceCheck::unknown_key;
    r.clearance = static_cast<uint8_t>(c);
    st_->clearance_checks[r.clearance].add(1);
  }
  return r.clearance == inspect::kClearanceValid;
}

void ChallengeStage::challenge(inspect::Request& r, inspect::ChallengeCause cause, uint32_t rule,
                               uint32_t retry_s, bool report, const inspect::EventDetail& detail) {
  const proto::HttpHead& head = *r.head;
  const ClearanceKeys* keys = keys_ ? keys_->keys() : nullptr;
  const rules::ChallengePolicy& p = r.rules ? r.rules->bundle->challenge : kDefaultChallenge;
  size_t n = 0;
  const uint64_t now = core_->unix_now();
  if (keys && wants_page(head) && now) {
    char stamp[96];
    const uint64_t expiry = stamp_expiry(keys->current(), now, p.ttl_s, rotate_s_);
    const size_t sl =
        make_stamp(keys->current(), *r.ident, expiry, p.difficulty, stamp, sizeof stamp);
    if (sl && expiry > now)
      n = challenge_page(response_, sizeof response_, std::string_view(stamp, sl), p.difficulty,
                         static_cast<uint32_t>(expiry - now));
  }
  const bool page = n != 0;
  const uint16_t status = !page && retry_s ? 429 : 403;
  if (!page) n = challenge_answer(response_, sizeof response_, status, retry_s, cause_name(cause));
  (page ? st_->challenges_page : st_->challenges_api).add(1);
  st_->verdict_challenge.add(1);
  if (report) {
    inspect::EventDetail d = detail;
    d.cause = cause;
    d.page = page;
    core_->event(
        r, inspect::EventType::challenge, rule, static_cast<uint8_t>(rules::Action::challenge),
        static_cast<uint8_t>(rules::Mode::enforce), true, head.anomalies, status, &head, d);
  }
  core_->cut(r, std::string_view(response_, n));
}

}  // namespace bulwark::challenge
