// API discovery on the worker (see discovery_stage.h).
#include "dataplane/features/discovery/discovery_stage.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "dataplane/api/path_template.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/inspector.h"

namespace bulwark::discovery {

using inspect::Next;

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Copies `v` (lower-cased if `fold`) into out[cap], NUL-terminated, truncated.
void copy_text(char* out, size_t cap, std::string_view v, bool fold) {
  const size_t n = std::min(v.size(), cap - 1);
  for (size_t i = 0; i < n; ++i) out[i] = fold ? lower(v[i]) : v[i];
  out[n] = '\0';
}

// The query's parameter names, '&' between them, each once, whole names only.
void query_names(std::string_view target, char* out, size_t cap) {
  out[0] = '\0';
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  const size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t used = 0;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    std::string_view name = pair.substr(0, pair.find('='));
    if (name.empty() || name.size() > 64) continue;
    // Already listed?
    const std::string_view have(out, used);
    bool dup = false;
    for (size_t at = 0; at <= have.size() && !dup;) {
      const size_t end = std::min(have.find('&', at), have.size());
      dup = have.substr(at, end - at) == name;
      at = end + 1;
    }
    if (dup) continue;
    const size_t need = name.size() + (used ? 1 : 0);
    if (used + need >= cap) break;
    if (used) out[used++] = '&';
    std::memcpy(out + used, name.data(), name.size());
    used += name.size();
    out[used] = '\0';
  }
}

// True if a body of this media type can carry personal data as text: JSON, XML, HTML,
// plain text, CSV, forms, scripts, or a type not given. Images, video, archives and
// other binary types are not scanned (their bytes would cost time and find noise).
bool textual(std::string_view type) {
  if (type.empty() || type.substr(0, 5) == "text/") return true;
  for (std::string_view t :
       {"json", "xml", "javascript", "x-www-form-urlencoded", "csv", "graphql", "yaml", "x-ndjson"})
    if (type.find(t) != std::string_view::npos) return true;
  return false;
}

// True if the Cookie header has a cookie called `name` (any cookie if `name` is empty).
bool has_cookie(std::string_view cookies, std::string_view name) {
  if (cookies.empty()) return false;
  if (name.empty()) return true;
  while (!cookies.empty()) {
    const size_t semi = cookies.find(';');
    std::string_view c = cookies.substr(0, semi);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    if (c.size() > name.size() && c.compare(0, name.size(), name) == 0 && c[name.size()] == '=')
      return true;
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return false;
}

}  // namespace

DiscoveryStage::DiscoveryStage(const inspect::StageEnv& env)
    : core_(&env.core),
      st_(&env.st),
      worker_(env.worker),
      index_(env.index),
      slots_(env.sessions),
      // 64 bytes more than used: Hyperscan's AVX512VBMI matcher may read a little past the
      // data (see tests/fuzz/fuzz_discovery_scan.cc); packet buffers have room after them.
      head_buffer_(8192 + 64) {
  if (const auto* observer = env.parts.find<ApiObserver>())
    reporter_ = inspect::Reporter<ApiRecord>(observer->ring(env.worker));
}

SensitiveScanner* DiscoveryStage::scanner(const inspect::ActiveRules* rules) const {
  const Scanners* s = rules ? rules->part<Scanners>(index_) : nullptr;
  return s ? s->by_worker[worker_].get() : nullptr;
}

Next DiscoveryStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr || !r.rules->bundle->discovery.enabled) return Next::go;
  const rules::Bundle& b = *r.rules->bundle;
  const proto::HttpHead& head = *r.head;
  const inspect::RequestView& view = r.view;
  Slot& a = slots_[*r.s];
  if (a.awaiting || a.responding) finish(a);  // pipelined: the one before goes as it is
  ApiRecord& rec = a.rec;
  std::memset(&rec, 0, sizeof rec);
  rec.worker = static_cast<uint8_t>(worker_);
  rec.generation = static_cast<uint32_t>(r.rules->generation);
  copy_text(rec.method, sizeof rec.method, head.method, false);
  std::string_view host = view.host;
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  copy_text(rec.host, sizeof rec.host, host, true);
  const api::Templated t = api::template_path(view.path, rec.path, sizeof rec.path);
  rec.ids = t.ids;
  if (t.ids)
    rec.id_hash = inspect::mix64(t.id_hash ^
                                 std::hash<std::string_view>{}(std::string_view(rec.path, t.len)));
  query_names(head.target, rec.query, sizeof rec.query);
  const rules::IdentityPolicy& id = b.identity;
  if (!head.header("authorization").empty()) rec.auth |= kAuthAuthorization;
  if ((!id.api_key_header.empty() && !head.header(id.api_key_header).empty()) ||
      !head.header("x-api-key").empty())
    rec.auth |= kAuthApiKey;
  if (has_cookie(head.header("cookie"), id.session_cookie)) rec.auth |= kAuthSession;
  const rules::ExtractionPolicy& x = b.discovery.extraction;
  if (x.enabled && r.ident->present(x.key))
    rec.has_key =
        inspect::client_key(*r.ident, x.key, rec.key, rec.bits, rec.key_text, sizeof rec.key_text)
            ? 1
            : 0;
  a.seq = r.s->requests_seen - 1;  // the core counted this request already
  a.generation = r.rules->generation;
  a.awaiting = true;
  a.responding = false;
  return Next::go;
}

void DiscoveryStage::on_request_body(inspect::Request& r, const uint8_t*, size_t len) {
  Slot& a = slots_[*r.s];
  if (a.awaiting) a.rec.request_bytes += len;
}

void DiscoveryStage::on_response_head(inspect::Request& r) {
  Slot& a = slots_[*r.s];
  const inspect::Session& s = *r.s;
  if (!a.awaiting || s.responses_seen < a.seq + 1) return;
  a.awaiting = false;
  if (s.responses_seen != a.seq + 1) {  // its answer was missed (pipelining)
    finish(a);
    return;
  }
  const proto::HttpHead& head = *r.head;
  ApiRecord& rec = a.rec;
  rec.status_class = static_cast<uint8_t>(head.status / 100);
  rec.status = head.status;
  std::string_view ct = head.header("content-type");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  copy_text(rec.content_type, sizeof rec.content_type, ct, true);
  a.responding = true;
  a.scanned_bytes = 0;
  const std::string_view enc = head.header("content-encoding");
  const bool compressed = !enc.empty() && !proto::iequals(enc, "identity");
  const inspect::ActiveRules* rules = r.rules;
  SensitiveScanner* sc = scanner(rules);
  if (!rules || !rules->bundle->discovery.scan || !sc || !sc->active()) {
    a.scanning = false;
    return;
  }
  if (rules->generation != a.generation) {  // the classes changed since the request
    a.scanning = false;
    rec.unscanned = 1;
    return;
  }
  a.scanning = sc->begin(a.scan);
  if (!a.scanning) {
    rec.unscanned = 1;  // no stream free
    return;
  }
  // The header lines go through the same stream as the body, one line each.
  size_t n = 0;
  char* buf = head_buffer_.data();
  const size_t cap = head_buffer_.size() - 64;  // the rest: slack for Hyperscan's reads
  for (unsigned h = 0; h < head.header_count; ++h) {
    const proto::HttpHeader& hd = head.headers[h];
    const size_t need = hd.name.size() + 2 + hd.value.size() + 1;
    if (n + need > cap) break;
    std::memcpy(buf + n, hd.name.data(), hd.name.size());
    n += hd.name.size();
    buf[n++] = ':';
    buf[n++] = ' ';
    std::memcpy(buf + n, hd.value.data(), hd.value.size());
    n += hd.value.size();
    buf[n++] = '\n';
  }
  sc->feed(a.scan, reinterpret_cast<const uint8_t*>(buf), n);
  if (compressed) {
    // A compressed body would need inflating to be read: it is counted as unscanned.
    rec.unscanned = 1;
    stop_scan(a, true);
  } else if (!textual(std::string_view(rec.content_type))) {
    stop_scan(a, true);  // the head was scanned; a binary body is not
  }
}

void DiscoveryStage::on_response_body(inspect::Request& r, const uint8_t* data, size_t len) {
  Slot& a = slots_[*r.s];
  if (!a.responding) return;
  a.rec.response_bytes += len;
  if (!a.scanning) return;
  const inspect::ActiveRules* rules = r.rules;
  if (!rules || rules->generation != a.generation) {
    // The rules changed mid-response: the stream went with the old set's pool.
    a.scan.stream = nullptr;
    a.scanning = false;
    a.rec.unscanned = 1;
    return;
  }
  const uint64_t room = rules->bundle->discovery.max_scan_bytes - a.scanned_bytes;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(room, len));
  scanner(rules)->feed(a.scan, data, n);
  a.scanned_bytes += n;
  st_->api_scan_bytes.add(n);
  if (n < len) {  // past max_scan_bytes: the rest passes unscanned
    a.rec.unscanned = 1;
    stop_scan(a, true);
  }
}

void DiscoveryStage::on_response_end(inspect::Request& r) {
  Slot& a = slots_[*r.s];
  if (a.responding) finish(a);
}

void DiscoveryStage::on_end(inspect::Session& s, inspect::End why, const inspect::Request* r) {
  Slot& a = slots_[s];
  // A request stopped on its way never reached the origin; one cut while its answer
  // streams did (as far as it got).
  if (why == inspect::End::cut && r && r->to_server)
    drop(s, a);
  else
    finish(a);
}

void DiscoveryStage::stop_scan(Slot& a, bool count) {
  if (!a.scanning) return;
  a.scanning = false;
  const inspect::ActiveRules* rules = core_->current_rules();
  if (!rules || rules->generation != a.generation) {
    // Its pool belongs to the replaced rule set (freed with it): forgotten, and the
    // response counts as unscanned.
    a.scan.stream = nullptr;
    a.rec.unscanned = 1;
    return;
  }
  SensitiveScanner& sc = *scanner(rules);
  if (count)
    sc.end(a.scan);
  else
    sc.abort(a.scan);
  if (count) {
    ApiRecord& rec = a.rec;
    uint32_t matches = 0;
    for (size_t c = 0; c < kMaxClasses; ++c) {
      rec.sensitive[c] = a.scan.counts[c];
      matches += a.scan.counts[c];
    }
    rec.scanned = 1;
    st_->sensitive_matches.add(matches);
  }
}

void DiscoveryStage::finish(Slot& a) {
  if (!a.awaiting && !a.responding) return;
  stop_scan(a, true);
  a.awaiting = a.responding = false;
  ApiRecord& rec = a.rec;
  rec.unix_s = core_->unix_now();
  if (rec.unscanned)
    st_->api_unscanned.add(1);
  else if (rec.scanned)
    st_->api_scanned.add(1);
  if (!reporter_.report(rec))
    st_->api_records_dropped.add(1);
  else
    st_->api_records.add(1);
}

void DiscoveryStage::drop(inspect::Session& s, Slot& a) {
  // Only the request being stopped is dropped: a call before it (pipelined, stopped
  // before this one was followed) did reach the origin.
  if (a.responding || (a.awaiting && a.seq + 1 != s.requests_seen)) {
    finish(a);
    return;
  }
  stop_scan(a, false);
  a.awaiting = a.responding = false;
}

}  // namespace bulwark::discovery
