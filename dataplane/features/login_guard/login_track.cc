// Login tracking for credential-stuffing detection (see inspector.h): a request to a
// configured login endpoint is followed from its head (client identity) through its
// body (the username, from at most the first 4 KiB) to its response (failure by status
// or by a text in the body), and its outcome goes to the main lcore over the worker's
// login ring. Nothing here allocates: buffers come from the worker's fixed pool.
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <cstring>

#include "dataplane/features/login_guard/login_username.h"
#include "dataplane/inspect/inspector.h"

// Inspector member functions until this feature is a stage.
namespace bulwark::inspect {
using namespace bulwark::login_guard;

void inspect::Inspector::end_login(inspect::HttpSession& s) {
  if (s.login.awaiting && !s.login.scanning)
    finish_login(s, login_guard::LoginOutcome::unknown, 0);  // sent, never answered
  else if (s.login.scanning)
    finish_login(s, login_guard::LoginOutcome::unknown, s.login.rec.status);  // body unseen
  else
    drop_login(s);
}

void inspect::Inspector::drop_login(inspect::HttpSession& s) {
  if (s.login.buf != UINT16_MAX) free_logins_.push_back(s.login.buf);
  s.login.buf = UINT16_MAX;
  s.login.endpoint = inspect::HttpSession::Login::kNone;
  s.login.awaiting = s.login.scanning = false;
}

bool inspect::Inspector::start_login(inspect::HttpSession& s, const proto::HttpHead& head,
                                     std::string_view path) {
  const rules::Bundle& b = *cur_.rules->bundle;
  uint8_t found = inspect::HttpSession::Login::kNone;
  for (size_t i = 0; i < b.logins.size(); ++i)
    if (b.logins[i].path == path && b.logins[i].method == head.method) {
      found = static_cast<uint8_t>(i);
      break;
    }
  if (found == inspect::HttpSession::Login::kNone) return false;
  st_->login_requests.add(1);
  if (s.login.endpoint != inspect::HttpSession::Login::kNone)
    finish_login(s, login_guard::LoginOutcome::unknown, 0);
  inspect::HttpSession::Login& l = s.login;
  l.endpoint = found;
  l.generation = cur_.rules->generation;
  l.len = 0;
  l.seq = s.requests_seen - 1;  // on_head counted this request already
  l.awaiting = l.scanning = false;
  l.carry_len = 0;
  if (!free_logins_.empty()) {
    l.buf = free_logins_.back();
    free_logins_.pop_back();  // capacity reserved at start: no allocation
  } else {
    st_->login_no_buffer.add(1);  // tracked without its username
  }
  login_guard::LoginRecord& r = l.rec;
  std::memcpy(r.ip, ident_.ip, 16);
  std::memcpy(r.prefix, ident_.prefix, 16);
  r.ip_len = ident_.ip_len;
  r.prefix_bits = ident_.prefix_bits;
  // The detector counts by fingerprint and user agent: their digests are made here, for
  // login requests only (other requests need them only if a limit or the block list does).
  if (ident_.present(rules::KeyPart::fingerprint))
    std::memcpy(r.fingerprint, ident_.fingerprint, 16);
  else if (!ident_.fingerprint_text.empty())
    identity::digest_bytes(reinterpret_cast<const uint8_t*>(ident_.fingerprint_text.data()),
                           ident_.fingerprint_text.size(), r.fingerprint);
  r.has_fingerprint = !ident_.fingerprint_text.empty();
  const std::string_view ua = head.header("user-agent");
  if (ident_.present(rules::KeyPart::user_agent))
    std::memcpy(r.user_agent, ident_.user_agent, 16);
  else if (!ua.empty())
    identity::digest_bytes(reinterpret_cast<const uint8_t*>(ua.data()), ua.size(), r.user_agent);
  r.has_user_agent = !ua.empty();
  const size_t n = std::min(ident_.fingerprint_text.size(), sizeof r.fingerprint_text - 1);
  if (n) std::memcpy(r.fingerprint_text, ident_.fingerprint_text.data(), n);
  r.fingerprint_text[n] = '\0';
  r.has_user = 0;
  r.endpoint = found;
  r.worker = static_cast<uint8_t>(worker_);
  return true;
}

void inspect::Inspector::login_body(inspect::HttpSession& s, const uint8_t* data, size_t len) {
  inspect::HttpSession::Login& l = s.login;
  if (l.buf == UINT16_MAX || l.awaiting) return;
  const size_t room = kLoginBufferBytes - l.len;
  const size_t n = std::min(room, len);
  std::memcpy(login_memory_.data() + size_t{l.buf} * kLoginBufferBytes + l.len, data, n);
  l.len = static_cast<uint16_t>(l.len + n);
}

void inspect::Inspector::login_request_end(inspect::HttpSession& s) {
  inspect::HttpSession::Login& l = s.login;
  if (l.endpoint == inspect::HttpSession::Login::kNone || l.awaiting) return;
  if (l.buf != UINT16_MAX && cur_.rules && cur_.rules->generation == l.generation &&
      l.endpoint < cur_.rules->bundle->logins.size()) {
    const rules::LoginEndpoint& e = cur_.rules->bundle->logins[l.endpoint];
    const std::string_view body(
        reinterpret_cast<const char*>(login_memory_.data() + size_t{l.buf} * kLoginBufferBytes),
        l.len);
    char user[256];
    size_t n = 0;
    const bool ok = e.form ? login_guard::username_from_form(body, e.field, user, sizeof user, n)
                           : login_guard::username_from_json(body, e.field, user, sizeof user, n);
    if (ok && n > 0) {
      identity::digest_bytes(reinterpret_cast<const uint8_t*>(user), n, l.rec.user);
      l.rec.has_user = 1;
    } else {
      st_->login_no_username.add(1);
    }
  }
  if (l.buf != UINT16_MAX) free_logins_.push_back(l.buf);
  l.buf = UINT16_MAX;
  l.awaiting = true;
}

void inspect::Inspector::login_response_head(inspect::HttpSession& s, const proto::HttpHead& head) {
  const uint16_t status = head.status;
  inspect::HttpSession::Login& l = s.login;
  if (!l.awaiting || l.scanning || s.responses_seen != l.seq + 1) return;  // not its answer
  if (!cur_.rules || cur_.rules->generation != l.generation ||
      l.endpoint >= cur_.rules->bundle->logins.size()) {
    finish_login(s, login_guard::LoginOutcome::unknown, status);
    return;
  }
  const rules::LoginEndpoint& e = cur_.rules->bundle->logins[l.endpoint];
  if (std::find(e.failure_status.begin(), e.failure_status.end(), status) !=
      e.failure_status.end()) {
    finish_login(s, login_guard::LoginOutcome::failure, status);
  } else if (!e.failure_body.empty() && !head.header("content-encoding").empty() &&
             !proto::iequals(head.header("content-encoding"), "identity")) {
    // The body decides but is compressed (nothing here decompresses): not known.
    st_->login_body_encoded.add(1);
    finish_login(s, login_guard::LoginOutcome::unknown, status);
  } else if (!e.failure_body.empty()) {
    l.scanning = true;  // the body decides
    l.carry_len = 0;
    l.rec.status = status;
  } else {
    finish_login(s, login_guard::LoginOutcome::success, status);
  }
}

void inspect::Inspector::login_response_body(inspect::HttpSession& s, const uint8_t* data,
                                             size_t len) {
  inspect::HttpSession::Login& l = s.login;
  if (!l.scanning) return;
  if (!cur_.rules || cur_.rules->generation != l.generation ||
      l.endpoint >= cur_.rules->bundle->logins.size() ||
      cur_.rules->bundle->logins[l.endpoint].failure_body.empty()) {
    finish_login(s, login_guard::LoginOutcome::unknown,
                 l.rec.status);  // the rules changed meanwhile
    return;
  }
  const std::string& needle = cur_.rules->bundle->logins[l.endpoint].failure_body;
  // The text may straddle two pieces: the previous piece's tail is searched with the
  // start of this one.
  char joined[128];
  const size_t head = std::min(len, needle.size() - 1);
  std::memcpy(joined, l.carry, l.carry_len);
  std::memcpy(joined + l.carry_len, data, head);
  const std::string_view hay(reinterpret_cast<const char*>(data), len);
  if (std::string_view(joined, l.carry_len + head).find(needle) != std::string_view::npos ||
      hay.find(needle) != std::string_view::npos) {
    finish_login(s, login_guard::LoginOutcome::failure, l.rec.status);
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

void inspect::Inspector::finish_login(inspect::HttpSession& s, login_guard::LoginOutcome outcome,
                                      uint16_t status) {
  inspect::HttpSession::Login& l = s.login;
  l.rec.outcome = outcome;
  l.rec.status = status;
  if (shared_.logins &&
      rte_ring_sp_enqueue_elem(shared_.logins[worker_], &l.rec, sizeof l.rec) != 0)
    st_->login_dropped.add(1);
  drop_login(s);
}

}  // namespace bulwark::inspect
