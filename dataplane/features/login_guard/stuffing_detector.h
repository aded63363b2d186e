// Credential-stuffing detection on the main lcore (the aggregator): every worker's login
// outcomes arrive here (LoginRecord over rings), so counts are global across workers.
// Per tumbling window: for each client address, prefix, TLS fingerprint and user agent,
// a HyperLogLog of the distinct usernames it failed on; for each username, a
// HyperLogLog of the addresses it failed from; and the window's failure ratio against
// a baseline learned from earlier windows. A key at its threshold gets a decision that
// holds for the policy's TTL: in enforce mode it joins the block list every worker
// reads (so later attempts from it are stopped on every worker), in monitor mode it is
// only reported. Tracked keys per window are bounded (counted when full). Fingerprints
// with a successful (2xx) login in a complete ordinary window are remembered when the
// window after it is ordinary too (bounded); with
// challenge_unknown, an alarm opens a login guard for the TTL: login requests from
// other fingerprints are challenged (see block_set.h).
// Owner: the main lcore (not thread-safe).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dataplane/features/login_guard/login_record.h"
#include "dataplane/inspect/decision_list.h"
#include "dataplane/inspect/detector.h"
#include "dataplane/inspect/hll.h"
#include "rules/lang/rule_model.h"

namespace bulwark::login_guard {

struct StuffingCounters {
  uint64_t attempts = 0, failures = 0, successes = 0, unknown = 0;
  uint64_t decisions = 0;       // made so far (enforced or reported)
  uint64_t untracked = 0;       // keys not counted: a window's tables were full
  uint64_t attack_windows = 0;  // windows whose failure ratio went over the baseline
  double window_ratio = 0, baseline = 0;
  uint32_t baseline_windows = 0;
};

class StuffingDetector final : public inspect::Detector {
 public:
  // inspect::Detector: login outcomes from every worker.
  const char* name() const override { return "logins"; }
  size_t record_size() const override { return sizeof(LoginRecord); }
  unsigned ring_size() const override { return 16384; }
  void configure(const inspect::ActiveRules& rules) override;
  void add(const void* record, uint64_t now_unix, std::vector<nlohmann::json>& events) override {
    add(*static_cast<const LoginRecord*>(record), now_unix, events);
  }
  // Decisions, and the login guard opening, closing or learning fingerprints.
  bool take_changed(uint64_t now_unix) override;
  // Enforced decisions, and the open login guard (`login_guard`).
  void block_list(nlohmann::json& msg, uint64_t now_unix) override;
  uint64_t decisions_made() override { return c_.decisions; }
  void publish(api::Header& h) override;

  static constexpr size_t kMaxKeys = 50000;   // per table and window
  static constexpr size_t kMaxKnown = 10000;  // fingerprints remembered as legitimate

  // A new policy (a new bundle): counting starts again; decisions already made stay.
  void configure(const rules::StuffingPolicy& p, std::vector<std::string> endpoint_names);
  bool enabled() const { return p_.enabled; }
  // One outcome; events it caused are appended to `events`.
  void add(const LoginRecord& r, uint64_t now_unix, std::vector<nlohmann::json>& events);
  // Decisions made (enforced ones go into the block list; see decision_list.h).
  inspect::DecisionList& decisions() override { return decisions_; }
  const StuffingCounters& counters() const { return c_; }
  // The login guard for the block list: {expires_unix, known: [16-byte digests]} while
  // one is open in enforce mode, else null. take_guard_changed: opened, closed, extended
  // or with more known fingerprints since the last call.
  nlohmann::json guard_json(uint64_t now_unix) const;
  bool take_guard_changed(uint64_t now_unix);
  size_t known_fingerprints() const { return known_.size(); }

 private:
  using Key = inspect::DecisionKey;
  using KeyHash = inspect::DecisionKeyHash;
  void roll(uint64_t now_unix, std::vector<nlohmann::json>& events);
  // Counts `value` for `key` in table `t`; the estimate after, or -1 if untracked.
  double count(std::unordered_map<Key, inspect::DistinctCounter, KeyHash>& t, const Key& key,
               uint64_t value);
  void decide(const char* check, const Key& key, uint8_t bits, const std::string& text,
              double distinct, uint32_t threshold, uint64_t now_unix,
              std::vector<nlohmann::json>& events);

  rules::StuffingPolicy p_;
  std::vector<std::string> endpoints_;
  uint64_t window_start_ = 0, window_attempts_ = 0, window_failures_ = 0;
  bool window_alarmed_ = false;
  std::deque<double> ratios_;  // failure ratios of recent complete windows (baseline)
  std::unordered_map<Key, inspect::DistinctCounter, KeyHash> by_ip_, by_prefix_, by_fp_, by_ua_,
      by_user_;
  inspect::DecisionList decisions_;
  StuffingCounters c_;
  // Fingerprint digests (kind 2): known; seen succeeding in the last complete ordinary
  // window (known after one more); in the current window.
  std::unordered_set<Key, KeyHash> known_, pending_known_, window_known_;
  uint64_t guard_until_ = 0;
  uint64_t pushed_until_ = 0;  // as last taken by take_guard_changed (0: closed)
  size_t pushed_known_ = 0;
};

}  // namespace bulwark::login_guard
