// Credential-stuffing defence on the worker (see login_guard_stage.h).
#include "dataplane/features/login_guard/login_guard_stage.h"

#include <rte_cycles.h>

#include <algorithm>
#include <cstring>

#include "dataplane/features/login_guard/login_username.h"
#include "dataplane/features/login_guard/stuffing_detector.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/block_set.h"
#include "dataplane/inspect/inspector.h"
#include "dataplane/inspect/route_match.h"

namespace bulwark::login_guard {

using inspect::Next;

LoginGuardStage::LoginGuardStage(const inspect::StageEnv& env)
    : core_(&env.core),
      st_(&env.st),
      worker_(env.worker),
      tsc_hz_(rte_get_tsc_hz()),
      slots_(env.sessions),
      memory_(size_t{kBuffers} * kBufferBytes) {
  for (unsigned b = 0; b < kBuffers; ++b) free_.push_back(static_cast<uint16_t>(b));
  env.core.size_shared_pool(inspect::SharedPool::logins, kBuffers);
  if (const auto* d = env.parts.find<StuffingDetector>())
    reporter_ = inspect::Reporter<LoginRecord>(d->ring(env.worker));
}

Next LoginGuardStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr || r.rules->bundle->logins.empty()) return Next::go;
  Slot& l = slots_[*r.s];
  if (!start(r, l)) return r.s->cut || r.s->bypass ? Next::stop : Next::go;  // (refused)
  return guard(r, l) ? Next::stop : Next::go;
}

bool LoginGuardStage::start(inspect::Request& r, Slot& l) {
  const rules::Bundle& b = *r.rules->bundle;
  const proto::HttpHead& head = *r.head;
  uint8_t found = Slot::kNone;
  for (size_t i = 0; i < b.logins.size(); ++i)
    if (inspect::route_is(r.view.route, b.logins[i].path) && b.logins[i].method == head.method) {
      found = static_cast<uint8_t>(i);
      break;
    }
  if (found == Slot::kNone) return false;
  st_->login_requests.add(1);
  if (l.endpoint != Slot::kNone) finish(l, LoginOutcome::unknown, 0);
  l.endpoint = found;
  l.generation = r.rules->generation;
  l.len = 0;
  l.seq = r.s->requests_seen - 1;  // the core counted this request already
  l.awaiting = l.scanning = false;
  l.carry_len = 0;
  if (!core_->take_share(*r.s, inspect::SharedPool::logins)) {
    // One client holding its share of the buffers would make its next attempts lose
    // their usernames, which is what counting distinct usernames rests on. (Checked
    // before an idle holder is reclaimed for it: it cannot have others' connections cut.)
    if (core_->integrity(r, api::IntegrityCause::client_share) != api::IntegrityAction::inspect)
      return false;
  } else if (free_.empty() && !core_->reclaim_idle_holder(inspect::SharedPool::logins, r.now)) {
    core_->give_share(*r.s, inspect::SharedPool::logins);
    st_->login_no_buffer.add(1);  // tracked without its username: the box's overload
    if (core_->integrity(r, api::IntegrityCause::body_unscanned) != api::IntegrityAction::inspect)
      return false;
  } else {
    l.buf = free_.back();
    free_.pop_back();  // capacity reserved at start: no allocation
    l.client = r.s->client_slot;
  }
  const identity::ClientIdentity& id = *r.ident;
  LoginRecord& rec = l.rec;
  std::memcpy(rec.ip, id.ip, 16);
  std::memcpy(rec.prefix, id.prefix, 16);
  rec.ip_len = id.ip_len;
  rec.prefix_bits = id.prefix_bits;
  // The detector counts by fingerprint and user agent: their digests are made here, for
  // login requests only (other requests need them only if a limit or the block list does).
  if (id.present(rules::KeyPart::fingerprint))
    std::memcpy(rec.fingerprint, id.fingerprint, 16);
  else if (!id.fingerprint_text.empty())
    identity::digest_bytes(reinterpret_cast<const uint8_t*>(id.fingerprint_text.data()),
                           id.fingerprint_text.size(), rec.fingerprint);
  rec.has_fingerprint = !id.fingerprint_text.empty();
  const std::string_view ua = head.header("user-agent");
  if (id.present(rules::KeyPart::user_agent))
    std::memcpy(rec.user_agent, id.user_agent, 16);
  else if (!ua.empty())
    identity::digest_bytes(reinterpret_cast<const uint8_t*>(ua.data()), ua.size(), rec.user_agent);
  rec.has_user_agent = !ua.empty();
  const size_t n = std::min(id.fingerprint_text.size(), sizeof rec.fingerprint_text - 1);
  if (n) std::memcpy(rec.fingerprint_text, id.fingerprint_text.data(), n);
  rec.fingerprint_text[n] = '\0';
  rec.has_user = 0;
  rec.endpoint = found;
  rec.worker = static_cast<uint8_t>(worker_);
  return true;
}

bool LoginGuardStage::guard(inspect::Request& r, Slot& l) {
  const inspect::BlockSet* blocks = r.blocks;
  if (!blocks || !blocks->login_guarded(r.now)) return false;
  const LoginRecord& rec = l.rec;
  if (rec.has_fingerprint && blocks->known_fingerprint(rec.fingerprint)) return false;
  if (core_->cleared(r)) return false;
  end(l);  // it never reaches the origin: no outcome to learn from
  // One event a second per worker, with the number challenged since the last.
  ++guard_stopped_;
  const bool report = guard_last_tsc_ == 0 || r.now - guard_last_tsc_ >= tsc_hz_;
  inspect::EventDetail detail;
  if (report) {
    detail.denied = guard_stopped_;
    guard_last_tsc_ = r.now ? r.now : 1;
    guard_stopped_ = 0;
  }
  core_->challenge(r, inspect::ChallengeCause::login_guard, 0, 0, report, detail);
  return true;
}

void LoginGuardStage::on_request_body(inspect::Request& r, const uint8_t* data, size_t len) {
  Slot& l = slots_[*r.s];
  if (l.buf == UINT16_MAX || l.awaiting) return;
  const size_t room = kBufferBytes - l.len;
  const size_t n = std::min(room, len);
  std::memcpy(memory_.data() + size_t{l.buf} * kBufferBytes + l.len, data, n);
  l.len = static_cast<uint16_t>(l.len + n);
}

void LoginGuardStage::on_request_end(inspect::Request& r) {
  Slot& l = slots_[*r.s];
  if (l.endpoint == Slot::kNone || l.awaiting) return;
  request_end(r, l);
}

void LoginGuardStage::request_end(const inspect::Request& r, Slot& l) {
  if (l.buf != UINT16_MAX && r.rules && r.rules->generation == l.generation &&
      l.endpoint < r.rules->bundle->logins.size()) {
    const rules::LoginEndpoint& e = r.rules->bundle->logins[l.endpoint];
    const std::string_view body(
        reinterpret_cast<const char*>(memory_.data() + size_t{l.buf} * kBufferBytes), l.len);
    char user[256];
    size_t n = 0;
    const bool ok = e.form ? username_from_form(body, e.field, user, sizeof user, n)
                           : username_from_json(body, e.field, user, sizeof user, n);
    if (ok && n > 0) {
      identity::digest_bytes(reinterpret_cast<const uint8_t*>(user), n, l.rec.user);
      l.rec.has_user = 1;
    } else {
      st_->login_no_username.add(1);
    }
  }
  give_buffer(l);
  l.awaiting = true;
}

void LoginGuardStage::on_response_head(inspect::Request& r) {
  Slot& l = slots_[*r.s];
  const uint16_t status = r.head->status;
  if (!l.awaiting || l.scanning || r.s->responses_seen != l.seq + 1) return;  // not its answer
  if (!r.rules || r.rules->generation != l.generation ||
      l.endpoint >= r.rules->bundle->logins.size()) {
    finish(l, LoginOutcome::unknown, status);
    return;
  }
  const rules::LoginEndpoint& e = r.rules->bundle->logins[l.endpoint];
  const std::string_view encoding = r.head->header("content-encoding");
  if (std::find(e.failure_status.begin(), e.failure_status.end(), status) !=
      e.failure_status.end()) {
    finish(l, LoginOutcome::failure, status);
  } else if (!e.failure_body.empty() && !encoding.empty() &&
             !proto::iequals(encoding, "identity")) {
    // The body decides but is compressed (nothing here decompresses): not known.
    st_->login_body_encoded.add(1);
    finish(l, LoginOutcome::unknown, status);
  } else if (!e.failure_body.empty()) {
    l.scanning = true;  // the body decides
    l.carry_len = 0;
    l.rec.status = status;
  } else {
    finish(l, LoginOutcome::success, status);
  }
}

void LoginGuardStage::on_response_body(inspect::Request& r, const uint8_t* data, size_t len) {
  Slot& l = slots_[*r.s];
  if (!l.scanning) return;
  if (!r.rules || r.rules->generation != l.generation ||
      l.endpoint >= r.rules->bundle->logins.size() ||
      r.rules->bundle->logins[l.endpoint].failure_body.empty()) {
    finish(l, LoginOutcome::unknown, l.rec.status);  // the rules changed meanwhile
    return;
  }
  const std::string& needle = r.rules->bundle->logins[l.endpoint].failure_body;
  // The text may straddle two pieces: the previous piece's tail is searched with the
  // start of this one.
  char joined[128];
  const size_t head = std::min(len, needle.size() - 1);
  std::memcpy(joined, l.carry, l.carry_len);
  std::memcpy(joined + l.carry_len, data, head);
  const std::string_view hay(reinterpret_cast<const char*>(data), len);
  if (std::string_view(joined, l.carry_len + head).find(needle) != std::string_view::npos ||
      hay.find(needle) != std::string_view::npos) {
    finish(l, LoginOutcome::failure, l.rec.status);
    return;
  }
  const size_t keep = std::min(len, needle.size() - 1);
  if (keep + l.carry_len > sizeof l.carry || len >= needle.size() - 1) {
    std::memcpy(l.carry, data + len - keep, keep);
    l.carry_len = static_cast<uint8_t>(keep);
  } else {
    std::memcpy(l.carry + l.carry_len, data, len);
    l.carry_len = static_cast<uint8_t>(l.carry_len + len);
  }
}

void LoginGuardStage::on_response_end(inspect::Request& r) {
  Slot& l = slots_[*r.s];
  if (l.scanning) finish(l, LoginOutcome::success, l.rec.status);  // no failure text
}

void LoginGuardStage::on_end(inspect::Session& s, inspect::End, const inspect::Request*) {
  end(slots_[s]);
}

void LoginGuardStage::end(Slot& l) {
  if (l.awaiting && !l.scanning)
    finish(l, LoginOutcome::unknown, 0);  // sent, never answered
  else if (l.scanning)
    finish(l, LoginOutcome::unknown, l.rec.status);  // body unseen
  else
    drop(l);
}

bool LoginGuardStage::holds(const inspect::Session& s, inspect::SharedPool pool) const {
  return pool == inspect::SharedPool::logins && slots_[s].buf != UINT16_MAX;
}

void LoginGuardStage::give_buffer(Slot& l) {
  if (l.buf == UINT16_MAX) return;
  free_.push_back(l.buf);
  l.buf = UINT16_MAX;
  core_->give_share(l.client, inspect::SharedPool::logins);
  l.client = inspect::kNoClient;
}

void LoginGuardStage::drop(Slot& l) {
  give_buffer(l);
  l.endpoint = Slot::kNone;
  l.awaiting = l.scanning = false;
}

void LoginGuardStage::finish(Slot& l, LoginOutcome outcome, uint16_t status) {
  l.rec.outcome = outcome;
  l.rec.status = status;
  if (!reporter_.report(l.rec)) st_->login_dropped.add(1);
  drop(l);
}

}  // namespace bulwark::login_guard
