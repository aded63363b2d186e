// Credential-stuffing detection (see stuffing_detector.h).
#include "dataplane/features/login_guard/stuffing_detector.h"

#include <arpa/inet.h>

#include <algorithm>

#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"

namespace bulwark::login_guard {
namespace {

constexpr size_t kBaselineWindows = 10;

uint64_t hash_of(const uint8_t* digest) {
  uint64_t h;
  std::memcpy(&h, digest, 8);
  return h;
}

uint64_t address_hash(const uint8_t* a) {
  uint64_t lo, hi;
  std::memcpy(&lo, a, 8);
  std::memcpy(&hi, a + 8, 8);
  return inspect::mix64(lo ^ inspect::mix64(hi + 0x9e3779b97f4a7c15ULL));
}

// A digest's first 8 bytes as hex, as events show digests (client_identity's digest_hex).
std::string hex16(const uint8_t (&d)[16]) {
  char out[17];
  identity::digest_hex(d, out);
  return out;
}

std::string address_text(const uint8_t* a, uint8_t len) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(len == 4 ? AF_INET : AF_INET6, a, buf, sizeof buf);
  return buf;
}

}  // namespace

void StuffingDetector::configure(const rules::StuffingPolicy& p, std::vector<std::string> names) {
  // Decisions hold across reloads of the same policy, not once it is off or monitoring.
  if (!p.enabled || p.mode != rules::Mode::enforce || p.action != p_.action) decisions_.clear();
  if (!p.enabled || p.mode != rules::Mode::enforce || !p.challenge_unknown) guard_until_ = 0;
  p_ = p;
  endpoints_ = std::move(names);
  window_start_ = 0;
  window_known_.clear();  // a partial window teaches nothing
  by_ip_.clear();
  by_prefix_.clear();
  by_fp_.clear();
  by_ua_.clear();
  by_user_.clear();
}

void StuffingDetector::roll(uint64_t now, std::vector<nlohmann::json>& events) {
  if (window_start_ && now < window_start_ + p_.window_s) return;
  if (window_start_ && window_attempts_ >= p_.ratio_min_attempts && !window_alarmed_) {
    // Only ordinary windows teach the baseline: an attack must not become normal.
    ratios_.push_back(static_cast<double>(window_failures_) /
                      static_cast<double>(window_attempts_));
    if (ratios_.size() > kBaselineWindows) ratios_.pop_front();
  }
  // Fingerprints that logged in (2xx) in a complete ordinary window with enough attempts
  // become known one window later, if that window is ordinary too: an attack's ramp-up
  // (the window before its alarm) teaches nothing.
  const bool taught =
      window_start_ && window_attempts_ >= p_.ratio_min_attempts && !window_alarmed_;
  if (taught)
    for (const Key& k : pending_known_) {
      if (known_.size() >= kMaxKnown) break;
      known_.insert(k);
    }
  pending_known_.clear();
  if (taught) pending_known_.swap(window_known_);
  window_known_.clear();
  (void)events;
  window_start_ =
      window_start_ ? window_start_ + (now - window_start_) / p_.window_s * p_.window_s : now;
  window_attempts_ = window_failures_ = 0;
  c_.window_ratio = 0;
  window_alarmed_ = false;
  by_ip_.clear();
  by_prefix_.clear();
  by_fp_.clear();
  by_ua_.clear();
  by_user_.clear();
  double sum = 0;
  for (double r : ratios_) sum += r;
  c_.baseline = ratios_.empty() ? 0 : sum / static_cast<double>(ratios_.size());
  c_.baseline_windows = static_cast<uint32_t>(ratios_.size());
}

double StuffingDetector::count(std::unordered_map<Key, inspect::DistinctCounter, KeyHash>& t,
                               const Key& key, uint64_t value) {
  auto it = t.find(key);
  if (it == t.end()) {
    if (t.size() >= kMaxKeys) {
      ++c_.untracked;
      return -1;
    }
    it = t.emplace(key, inspect::DistinctCounter()).first;
  }
  it->second.add(value);
  return it->second.estimate();
}

void StuffingDetector::decide(const char* check, const Key& key, uint8_t bits,
                              const std::string& text, double distinct, uint32_t threshold,
                              uint64_t now, std::vector<nlohmann::json>& events) {
  inspect::Decision d;
  d.policy = "credential_stuffing";
  d.check = check;
  d.text = text;
  d.key = key;
  d.bits = bits;
  d.action = p_.action;
  d.expires_unix = now + p_.ttl_s;
  d.enforced = p_.mode == rules::Mode::enforce;
  const inspect::Decision* made = decisions_.add(std::move(d));
  if (!made) return;
  ++c_.decisions;
  events.push_back({{"type", "decision"},
                    {"policy", "credential_stuffing"},
                    {"check", check},
                    {"key", text},
                    {"distinct_usernames", static_cast<uint64_t>(distinct + 0.5)},
                    {"threshold", threshold},
                    {"window_s", p_.window_s},
                    {"action", rules::action_name(p_.action)},
                    {"mode", rules::mode_name(p_.mode)},
                    {"enforced", made->enforced},
                    {"ttl_s", p_.ttl_s},
                    {"decision_id", made->id}});
}

void StuffingDetector::add(const LoginRecord& r, uint64_t now,
                           std::vector<nlohmann::json>& events) {
  ++c_.attempts;
  if (r.outcome == LoginOutcome::success) ++c_.successes;
  if (r.outcome == LoginOutcome::unknown) ++c_.unknown;
  if (!p_.enabled) {
    if (r.outcome == LoginOutcome::failure) ++c_.failures;
    return;
  }
  roll(now, events);
  if (r.outcome == LoginOutcome::unknown) return;
  ++window_attempts_;
  if (r.outcome == LoginOutcome::success && r.status >= 200 && r.status < 300 &&
      r.has_fingerprint && window_known_.size() < kMaxKnown) {
    Key k{};
    k[0] = 2;
    std::memcpy(k.data() + 2, r.fingerprint, 16);
    window_known_.insert(k);
  }
  if (r.outcome != LoginOutcome::failure) return;
  ++c_.failures;
  ++window_failures_;
  // The window's failure ratio against the baseline of earlier windows.
  c_.window_ratio = static_cast<double>(window_failures_) / static_cast<double>(window_attempts_);
  if (!window_alarmed_ && c_.baseline_windows > 0 && window_attempts_ >= p_.ratio_min_attempts &&
      c_.window_ratio > p_.ratio_factor * std::max(c_.baseline, 0.01)) {
    window_alarmed_ = true;
    ++c_.attack_windows;
    pending_known_.clear();  // the window before may have been the attack's start
    const bool guard = p_.challenge_unknown;
    if (guard && p_.mode == rules::Mode::enforce) guard_until_ = now + p_.ttl_s;
    events.push_back({{"type", "login_attack"},
                      {"challenge_unknown", guard},
                      {"known_fingerprints", known_.size()},
                      {"enforced", guard && p_.mode == rules::Mode::enforce},
                      {"guard_until_unix", guard ? now + p_.ttl_s : 0},
                      {"failure_ratio", c_.window_ratio},
                      {"baseline", c_.baseline},
                      {"baseline_windows", c_.baseline_windows},
                      {"baseline_window_s", p_.window_s},
                      {"factor", p_.ratio_factor},
                      {"attempts", window_attempts_},
                      {"window_s", p_.window_s}});
  }
  if (!r.has_user) return;
  const uint64_t user = hash_of(r.user);
  auto key_of = [](uint8_t kind, const uint8_t* v, uint8_t len) {
    Key k{};
    k[0] = kind;
    k[1] = len;
    std::memcpy(k.data() + 2, v, 16);
    return k;
  };
  struct Check {
    const char* name;
    std::unordered_map<Key, inspect::DistinctCounter, KeyHash>* table;
    uint32_t threshold;
    bool present;
    Key key;
    uint8_t bits;
  };
  const Check checks[] = {
      {"client_ip", &by_ip_, p_.ip_users, true, key_of(0, r.ip, r.ip_len),
       static_cast<uint8_t>(r.ip_len * 8)},
      {"prefix", &by_prefix_, p_.prefix_users, true, key_of(1, r.prefix, r.ip_len), r.prefix_bits},
      {"fingerprint", &by_fp_, p_.fingerprint_users, r.has_fingerprint != 0,
       key_of(2, r.fingerprint, 0), 0},
      {"user_agent", &by_ua_, p_.user_agent_users, r.has_user_agent != 0,
       key_of(3, r.user_agent, 0), 0},
  };
  for (const Check& c : checks) {
    if (!c.threshold || !c.present) continue;
    const double distinct = count(*c.table, c.key, user);
    if (distinct < c.threshold) continue;
    std::string text;  // only when deciding: formatting is not free
    switch (c.key[0]) {
      case 0: text = "client_ip=" + address_text(r.ip, r.ip_len); break;
      case 1:
        text = "prefix=" + address_text(r.prefix, r.ip_len) + "/" + std::to_string(r.prefix_bits);
        break;
      case 2:
        text = "fingerprint=" + std::string(r.fingerprint_text,
                                            strnlen(r.fingerprint_text, sizeof r.fingerprint_text));
        break;
      default: text = "user_agent_sha256=" + hex16(r.user_agent);
    }
    decide(c.name, c.key, c.bits, text, distinct, c.threshold, now, events);
  }
  if (p_.username_ips) {
    const Key uk = key_of(5, r.user, 0);
    const double ips = count(by_user_, uk, address_hash(key_of(0, r.ip, r.ip_len).data() + 2));
    if (ips >= p_.username_ips) {
      // A targeted account: reported (blocking the account would lock its owner out).
      inspect::Decision d;
      d.policy = "credential_stuffing";
      d.check = "username_ips";
      d.text = "username_sha256=" + hex16(r.user);
      d.key = uk;
      d.expires_unix = now + p_.ttl_s;
      if (decisions_.add(std::move(d))) {
        ++c_.decisions;
        events.push_back({{"type", "account_attack"},
                          {"policy", "credential_stuffing"},
                          {"key", "username_sha256=" + hex16(r.user)},
                          {"distinct_ips", static_cast<uint64_t>(ips + 0.5)},
                          {"threshold", p_.username_ips},
                          {"window_s", p_.window_s}});
      }
    }
  }
}

nlohmann::json StuffingDetector::guard_json(uint64_t now) const {
  if (guard_until_ <= now) return nullptr;
  nlohmann::json known = nlohmann::json::array();
  for (const Key& k : known_)
    known.push_back(nlohmann::json::binary(std::vector<uint8_t>(k.begin() + 2, k.end())));
  return {{"expires_unix", guard_until_}, {"known", std::move(known)}};
}

bool StuffingDetector::take_guard_changed(uint64_t now) {
  // Opened, closed, extended by a later alarm, or more fingerprints known while open.
  const uint64_t until = guard_until_ > now ? guard_until_ : 0;
  const size_t known = until ? known_.size() : 0;
  if (until == pushed_until_ && known == pushed_known_) return false;
  pushed_until_ = until;
  pushed_known_ = known;
  return true;
}

void StuffingDetector::configure(const inspect::ActiveRules& rules) {
  std::vector<std::string> names;
  for (const auto& l : rules.bundle->logins) names.push_back(l.name);
  configure(rules.bundle->stuffing, std::move(names));
}

bool StuffingDetector::take_changed(uint64_t now_unix) {
  // Both are taken (each resets its flag): no short-circuit.
  const bool decisions = decisions_.take_changed();
  const bool guard = take_guard_changed(now_unix);
  return decisions || guard;
}

void StuffingDetector::block_list(nlohmann::json& msg, uint64_t now_unix) {
  inspect::Detector::block_list(msg, now_unix);
  nlohmann::json guard = guard_json(now_unix);
  if (!guard.is_null()) msg["login_guard"] = std::move(guard);
}

void StuffingDetector::publish(api::Header& h) {
  h.login_attempts.set(c_.attempts);
  h.login_failures.set(c_.failures);
  h.login_successes.set(c_.successes);
  h.login_unknown.set(c_.unknown);
  h.login_attack_windows.set(c_.attack_windows);
  h.login_untracked.set(c_.untracked);
  h.login_failure_ratio_milli.set(static_cast<uint64_t>(c_.window_ratio * 1000));
  h.login_baseline_milli.set(static_cast<uint64_t>(c_.baseline * 1000));
}

}  // namespace bulwark::login_guard
