// Inspector: challenges and consistency scoring. A request that a challenge rule, a
// limit with action challenge, or the consistency policy would stop passes if it carries
// a valid clearance (see behave/clearance.h); otherwise a browser navigating gets the
// proof-of-work page and everything else a machine-readable 403 (429 with Retry-After
// for limits). Nothing here allocates: answers are written into a per-worker buffer.
#include <rte_ring.h>

#include "dataplane/inspect/inspector.h"

// Inspector member functions until this feature is a stage.
namespace bulwark::inspect {
using namespace bulwark::challenge;
namespace {

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

bool inspect::Inspector::clearance_ok(const proto::HttpHead& head) {
  if (cur_.clearance == challenge::ClearanceCheck::count_) {
    const challenge::ClearanceKeys* keys =
        shared_.keys ? shared_.keys->load(std::memory_order_acquire) : nullptr;
    const std::string_view cookie = identity::cookie_value(head, challenge::kClearanceCookie);
    const rules::ChallengePolicy& p =
        cur_.rules ? cur_.rules->bundle->challenge : kDefaultChallenge;
    cur_.clearance =
        keys ? challenge::check_clearance(*keys, cookie, ident_, unix_now(), p.ttl_s, p.difficulty)
        : cookie.empty() ? challenge::ClearanceCheck::missing
                         : challenge::ClearanceCheck::unknown_key;
    st_->clearance_checks[static_cast<unsigned>(cur_.clearance)].add(1);
  }
  return cur_.clearance == challenge::ClearanceCheck::valid;
}

void inspect::Inspector::send_challenge(const proto::HttpHead& head, inspect::ChallengeCause cause,
                                        uint32_t rule, uint32_t retry_s, bool report) {
  const challenge::ClearanceKeys* keys =
      shared_.keys ? shared_.keys->load(std::memory_order_acquire) : nullptr;
  const rules::ChallengePolicy& p = cur_.rules ? cur_.rules->bundle->challenge : kDefaultChallenge;
  size_t n = 0;
  const uint64_t now = unix_now();
  if (keys && challenge::wants_page(head) && now) {
    char stamp[96];
    const uint64_t expiry = challenge::stamp_expiry(keys->current(), now, p.ttl_s, rotate_s_);
    const size_t sl =
        challenge::make_stamp(keys->current(), ident_, expiry, p.difficulty, stamp, sizeof stamp);
    if (sl && expiry > now)
      n = challenge::challenge_page(challenge_response_, sizeof challenge_response_,
                                    std::string_view(stamp, sl), p.difficulty,
                                    static_cast<uint32_t>(expiry - now));
  }
  const bool page = n != 0;
  const uint16_t status = !page && retry_s ? 429 : 403;
  if (!page)
    n = challenge::challenge_answer(challenge_response_, sizeof challenge_response_, status,
                                    retry_s, cause_name(cause));
  (page ? st_->challenges_page : st_->challenges_api).add(1);
  st_->verdict_challenge.add(1);
  if (report) {
    cur_.cause = cause;
    cur_.page = page;
    event(inspect::EventType::challenge, rule, static_cast<uint8_t>(rules::Action::challenge),
          static_cast<uint8_t>(rules::Mode::enforce), true, head.anomalies, status, &head);
  }
  cut(std::string_view(challenge_response_, n));
}

bool inspect::Inspector::guard_login(inspect::HttpSession& s, const proto::HttpHead& head,
                                     const blocklist::BlockSet* blocks) {
  if (!blocks || !blocks->login_guarded(cur_.now)) return false;
  const login_guard::LoginRecord& r = s.login.rec;
  if (r.has_fingerprint && blocks->known_fingerprint(r.fingerprint)) return false;
  if (clearance_ok(head)) return false;
  end_login(s);  // it never reaches the origin: no outcome to learn from
  end_scan(s);
  // One event a second per worker, with the number challenged since the last.
  ++guard_events_.stopped;
  const bool report = guard_events_.last_tsc == 0 || cur_.now - guard_events_.last_tsc >= tsc_hz_;
  if (report) {
    cur_.limit_denied = guard_events_.stopped;
    guard_events_.last_tsc = cur_.now ? cur_.now : 1;
    guard_events_.stopped = 0;
  }
  send_challenge(head, inspect::ChallengeCause::login_guard, 0, 0, report);
  cur_.limit_denied = 0;
  return true;
}

bool inspect::Inspector::apply_consistency(const proto::HttpHead& head) {
  const rules::ConsistencyPolicy& p = cur_.rules->bundle->consistency;
  const consistency::ConsistencyScore sc =
      consistency::score_request(p, head, ident_.fingerprint_text);
  if (!sc.browser) return false;
  st_->scored_requests.add(1);
  for (unsigned b = 0; b < static_cast<unsigned>(rules::Signal::count_); ++b)
    if (sc.signals & (1u << b)) st_->score_signals[b].add(1);
  if (sc.score < p.threshold) return false;
  st_->scored_over.add(1);
  const bool enforce = p.mode == rules::Mode::enforce && p.action != rules::Action::log;
  cur_.score = &sc;
  bool stopped = false;
  if (enforce && p.action == rules::Action::challenge) {
    if (!clearance_ok(head)) {
      send_challenge(head, inspect::ChallengeCause::consistency, 0, 0, true);
      stopped = true;
    }
  } else {
    event(inspect::EventType::consistency, 0, static_cast<uint8_t>(p.action),
          static_cast<uint8_t>(p.mode), enforce, head.anomalies,
          enforce && p.action == rules::Action::respond ? 403 : 0, &head);
    // Log and monitor: reported only (counted by scored_over, not as rule matches).
    if (enforce && p.action == rules::Action::respond) {
      static constexpr char kAnswer[] =
          "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 45\r\n"
          "Connection: close\r\n\r\n{\"error\":\"forbidden\",\"reason\":\"consistency\"}\n";
      static_assert(sizeof("{\"error\":\"forbidden\",\"reason\":\"consistency\"}\n") - 1 == 45);
      st_->verdict_respond.add(1);
      cut(std::string_view(kAnswer, sizeof kAnswer - 1));
      stopped = true;
    } else if (enforce) {
      st_->verdict_block.add(1);
      cut({});
      stopped = true;
    }
  }
  cur_.score = nullptr;
  return stopped;
}

}  // namespace bulwark::inspect
