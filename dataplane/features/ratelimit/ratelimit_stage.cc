// Rate limits on the worker (see ratelimit_stage.h).
#include "dataplane/features/ratelimit/ratelimit_stage.h"

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/features/ratelimit/limit_exchange.h"
#include "dataplane/features/ratelimit/limit_key.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/identity_stage.h"
#include "dataplane/inspect/inspector.h"

namespace bulwark::ratelimit {
namespace {

// Keys a worker can report to the others per housekeeping pass (about 1 ms).
constexpr uint32_t kLimitReportSlots = 16384;

}  // namespace

RateLimitStage::RateLimitStage(const inspect::StageEnv& env)
    : core_(&env.core),
      st_(&env.st),
      worker_(env.worker),
      peers_(std::max(1u, env.workers - 1)),
      capacity_(env.cfg.limit_keys),
      socket_(env.socket),
      tsc_hz_(rte_get_tsc_hz()) {
  const LimitExchange* x = env.parts.find<LimitExchange>();
  up_ = x ? x->up(env.worker) : nullptr;
  down_ = x ? x->down(env.worker) : nullptr;
}

bool RateLimitStage::init(std::string& error) {
  if (capacity_ == 0) return true;
  limiter_ = RateLimiter::create("limits_" + std::to_string(worker_), capacity_, kLimitReportSlots,
                                 10 * tsc_hz_, socket_, error);
  if (!limiter_) return false;
  reports_.resize(256);
  st_->limit_capacity.set(capacity_);
  return true;
}

inspect::Next RateLimitStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr || r.verdict.decisive >= 0 || r.verdict.limit_count == 0 || !apply(r))
    return inspect::Next::go;
  // Stopped: the rules that matched are recorded (log and monitor matches; no verdict).
  if (r.verdict.matched_count) inspect::carry_out(*core_, r, r.verdict, r.head, false);
  return inspect::Next::stop;
}

bool RateLimitStage::apply(inspect::Request& r) {
  if (!limiter_) return false;
  const rules::Bundle& b = *r.rules->bundle;
  const proto::HttpHead& head = *r.head;
  const inspect::Verdict& v = r.verdict;
  for (unsigned k = 0; k < v.limit_count; ++k) {
    const uint32_t ri = v.limits[k];
    const rules::CompiledRule& rule = b.rules[ri];
    LimitKey key;
    if (!make_limit_key(rule.id, rule.limit.parts, *r.ident, key)) continue;
    const uint64_t interval =
        std::max<uint64_t>(1, tsc_hz_ * rule.limit.period_s / rule.limit.count);
    const LimitDecision d = limiter_->check(key, interval, interval * rule.limit.burst,
                                            rule.limit.global && up_ != nullptr, r.now);
    const uint32_t slot = rule.limit_index;
    if (slot < api::kMaxLimitSlots) {
      (d.allowed ? st_->limit_allowed : st_->limit_exceeded)[slot].add(1);
      limits_used_ = std::max(limits_used_, slot + 1);
    }
    if (d.allowed) continue;
    const bool enforce = rule.mode == rules::Mode::enforce && rule.action != rules::Action::log;
    const bool challenge = enforce && rule.action == rules::Action::challenge;
    if (challenge && core_->cleared(r)) continue;  // a cleared browser passes this limit
    const uint32_t retry_s = static_cast<uint32_t>((d.retry_after + tsc_hz_ - 1) / tsc_hz_);
    char text[96];
    inspect::EventDetail detail;
    if (d.report) {
      key_text(r, rule, text, sizeof text);
      detail.limit_key = text;
      detail.retry_after_s = retry_s ? retry_s : 1;
      detail.denied = d.denied;
    }
    if (challenge) {  // its challenge event (with the key) stands for the rate_limit one
      core_->challenge(r, inspect::ChallengeCause::limit, ri, retry_s ? retry_s : 1, d.report,
                       detail);
      return true;
    }
    if (d.report)
      core_->event(r, inspect::EventType::rate_limit, ri, static_cast<uint8_t>(rule.action),
                   static_cast<uint8_t>(rule.mode), enforce, head.anomalies, 429, &head, detail);
    if (!enforce) continue;
    if (rule.action == rules::Action::respond) {
      // Machine-readable, with the wait in whole seconds (at least 1).
      const uint32_t wait = retry_s ? retry_s : 1;
      char body[160];
      const int bl = std::snprintf(body, sizeof body,
                                   "{\"error\":\"rate_limited\",\"limit\":%u,\"retry_after\":%u}\n",
                                   rule.id, wait);
      const int n =
          std::snprintf(response_, sizeof response_,
                        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                        "Retry-After: %u\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
                        wait, bl, body);
      st_->verdict_respond.add(1);
      core_->cut(r, std::string_view(response_, static_cast<size_t>(n)));
    } else {
      st_->verdict_block.add(1);
      core_->cut(r, {});
    }
    return true;
  }
  return false;
}

void RateLimitStage::key_text(const inspect::Request& r, const rules::CompiledRule& limit,
                              char* out, size_t cap) const {
  using rules::KeyPart;
  const identity::ClientIdentity& id = *r.ident;
  size_t n = 0;
  out[0] = '\0';
  auto put = [&](const char* name, const char* value) {
    const int w = std::snprintf(out + n, cap - n, "%s%s=%s", n ? "," : "", name, value);
    if (w > 0) n = std::min(cap - 1, n + static_cast<size_t>(w));
  };
  for (unsigned p = 0; p < static_cast<unsigned>(KeyPart::count_); ++p) {
    if (!(limit.limit.parts & (1u << p))) continue;
    const KeyPart part = static_cast<KeyPart>(p);
    char text[64];
    char hex[17];
    switch (part) {
      case KeyPart::client_ip:
      case KeyPart::prefix: {
        const uint8_t* a = part == KeyPart::client_ip ? id.ip : id.prefix;
        inet_ntop(id.ip_len == 4 ? AF_INET : AF_INET6, a, text, sizeof text);
        if (part == KeyPart::prefix) {
          const size_t l = std::strlen(text);
          std::snprintf(text + l, sizeof text - l, "/%u", id.prefix_bits);
        }
        put(rules::key_part_name(part), text);
        break;
      }
      case KeyPart::api_key:
        identity::digest_hex(id.api_key, hex);
        put("api_key_sha256", hex);
        break;
      case KeyPart::session:
        identity::digest_hex(id.session, hex);
        put("session_sha256", hex);
        break;
      case KeyPart::fingerprint: {
        const size_t l = std::min(id.fingerprint_text.size(), sizeof text - 1);
        if (l) std::memcpy(text, id.fingerprint_text.data(), l);
        text[l] = '\0';
        put("fingerprint", text);
        break;
      }
      case KeyPart::user_agent:
        identity::digest_hex(id.user_agent, hex);
        put("user_agent_sha256", hex);
        break;
      case KeyPart::count_: break;
    }
  }
}

void RateLimitStage::exchange_reports(uint64_t now) {
  // Other workers' allowed requests first, so this worker's cells are current: up to
  // 1024 reports per other worker per pass (what each collects below), so the ring
  // drains as fast as the others fill it.
  for (unsigned round = 0; round < 4 * peers_; ++round) {
    const unsigned n =
        rte_ring_sc_dequeue_burst_elem(down_, reports_.data(), sizeof(LimitReport),
                                       static_cast<unsigned>(reports_.size()), nullptr);
    for (unsigned k = 0; k < n; ++k) limiter_->apply(reports_[k], now);
    if (n < reports_.size()) break;
  }
  for (unsigned round = 0; round < 4; ++round) {
    const unsigned n =
        limiter_->collect(reports_.data(), static_cast<unsigned>(reports_.size()), worker_);
    if (n == 0) break;
    const unsigned sent =
        rte_ring_sp_enqueue_burst_elem(up_, reports_.data(), sizeof(LimitReport), n, nullptr);
    lost_reports_ += n - sent;
  }
}

void RateLimitStage::on_rules_swapped() {
  for (uint32_t l = 0; l < limits_used_; ++l) {
    st_->limit_allowed[l].set(0);
    st_->limit_exceeded[l].set(0);
  }
  limits_used_ = 0;
}

void RateLimitStage::publish(uint64_t now) {
  if (!limiter_) return;
  if (up_ && down_) exchange_reports(now);
  limiter_->sweep(now, 256);
  const LimitCounters& l = limiter_->counters();
  st_->limit_keys.set(l.keys);
  st_->limit_expired.set(l.expired);
  st_->limit_evicted.set(l.evicted);
  st_->limit_insert_failed.set(l.insert_failed);
  st_->limit_reports_sent.set(l.reports_sent);
  st_->limit_reports_applied.set(l.reports_applied);
  st_->limit_reports_dropped.set(l.reports_dropped + lost_reports_);
}

}  // namespace bulwark::ratelimit
