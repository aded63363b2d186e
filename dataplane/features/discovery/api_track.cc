// API discovery on the worker (see inspector.h): each forwarded request's endpoint (host,
// method, templated path, query parameter names, credentials) is followed to its
// response, whose status, media type and size are noted and whose head and body are
// scanned for sensitive data as they stream past. The finished record goes to the main
// lcore (ring), which batches records for bulwark-control's inventory and counts them
// for the extraction policy. One call followed at a time per connection: a pipelined
// request reports the one before it as it stands. Nothing here allocates.
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "dataplane/api/path_template.h"
#include "dataplane/inspect/inspector.h"

// Inspector member functions until this feature is a stage.
namespace bulwark::inspect {
using namespace bulwark::discovery;

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

void inspect::Inspector::api_request(inspect::HttpSession& s, const proto::HttpHead& head,
                                     const signatures::RequestView& view) {
  const rules::Bundle& b = *cur_.rules->bundle;
  if (!b.discovery.enabled) return;
  inspect::HttpSession::Api& a = s.api;
  if (a.awaiting || a.responding) api_finish(s);  // pipelined: the one before goes as it is
  discovery::ApiRecord& r = a.rec;
  std::memset(&r, 0, sizeof r);
  r.worker = static_cast<uint8_t>(worker_);
  r.generation = static_cast<uint32_t>(cur_.rules->generation);
  copy_text(r.method, sizeof r.method, head.method, false);
  std::string_view host = view.host;
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  copy_text(r.host, sizeof r.host, host, true);
  const api::Templated t = api::template_path(view.path, r.path, sizeof r.path);
  r.ids = t.ids;
  if (t.ids)
    r.id_hash =
        inspect::mix64(t.id_hash ^ std::hash<std::string_view>{}(std::string_view(r.path, t.len)));
  query_names(head.target, r.query, sizeof r.query);
  const rules::IdentityPolicy& id = b.identity;
  if (!head.header("authorization").empty()) r.auth |= discovery::kAuthAuthorization;
  if ((!id.api_key_header.empty() && !head.header(id.api_key_header).empty()) ||
      !head.header("x-api-key").empty())
    r.auth |= discovery::kAuthApiKey;
  if (has_cookie(head.header("cookie"), id.session_cookie)) r.auth |= discovery::kAuthSession;
  const rules::ExtractionPolicy& x = b.discovery.extraction;
  if (x.enabled && ident_.present(x.key))
    r.has_key = client_key(x.key, r.key, r.bits, r.key_text, sizeof r.key_text) ? 1 : 0;
  a.seq = s.requests_seen - 1;  // on_head counted this request already
  a.generation = cur_.rules->generation;
  a.awaiting = true;
  a.responding = false;
}

void inspect::Inspector::api_response_head(inspect::HttpSession& s, const proto::HttpHead& head) {
  inspect::HttpSession::Api& a = s.api;
  if (!a.awaiting || s.responses_seen < a.seq + 1) return;
  a.awaiting = false;
  if (s.responses_seen != a.seq + 1) {  // its answer was missed (pipelining)
    api_finish(s);
    return;
  }
  discovery::ApiRecord& r = a.rec;
  r.status_class = static_cast<uint8_t>(head.status / 100);
  r.status = head.status;
  std::string_view ct = head.header("content-type");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  copy_text(r.content_type, sizeof r.content_type, ct, true);
  a.responding = true;
  a.scanned_bytes = 0;
  const std::string_view enc = head.header("content-encoding");
  const bool compressed = !enc.empty() && !proto::iequals(enc, "identity");
  inspect::ActiveRules* rules = cur_.rules;
  if (!rules || !rules->bundle->discovery.scan || !rules->scanners[worker_]->active()) {
    a.scanning = false;
    return;
  }
  if (rules->generation != a.generation) {  // the classes changed since the request
    a.scanning = false;
    r.unscanned = 1;
    return;
  }
  discovery::SensitiveScanner& sc = *rules->scanners[worker_];
  a.scanning = sc.begin(a.scan);
  if (!a.scanning) {
    r.unscanned = 1;  // no stream free
    return;
  }
  // The header lines go through the same stream as the body, one line each.
  size_t n = 0;
  char* buf = api_head_buffer_.data();
  const size_t cap = api_head_buffer_.size() - 64;  // the rest: slack for Hyperscan's reads
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
  sc.feed(a.scan, reinterpret_cast<const uint8_t*>(buf), n);
  if (compressed) {
    // A compressed body would need inflating to be read: it is counted as unscanned.
    r.unscanned = 1;
    api_stop_scan(s, true);
  } else if (!textual(std::string_view(r.content_type))) {
    api_stop_scan(s, true);  // the head was scanned; a binary body is not
  }
}

void inspect::Inspector::api_response_body(inspect::HttpSession& s, const uint8_t* data,
                                           size_t len) {
  inspect::HttpSession::Api& a = s.api;
  a.rec.response_bytes += len;
  if (!a.scanning) return;
  inspect::ActiveRules* rules = cur_.rules;
  if (!rules || rules->generation != a.generation) {
    // The rules changed mid-response: the stream went with the old set's pool.
    a.scan.stream = nullptr;
    a.scanning = false;
    a.rec.unscanned = 1;
    return;
  }
  const uint64_t room = rules->bundle->discovery.max_scan_bytes - a.scanned_bytes;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(room, len));
  rules->scanners[worker_]->feed(a.scan, data, n);
  a.scanned_bytes += n;
  st_->api_scan_bytes.add(n);
  if (n < len) {  // past max_scan_bytes: the rest passes unscanned
    a.rec.unscanned = 1;
    api_stop_scan(s, true);
  }
}

void inspect::Inspector::api_stop_scan(inspect::HttpSession& s, bool count) {
  inspect::HttpSession::Api& a = s.api;
  if (!a.scanning) return;
  a.scanning = false;
  inspect::ActiveRules* rules =
      shared_.rules ? shared_.rules->load(std::memory_order_acquire) : nullptr;
  if (!rules || rules->generation != a.generation) {
    // Its pool belongs to the replaced rule set (freed with it): forgotten, and the
    // response counts as unscanned.
    a.scan.stream = nullptr;
    a.rec.unscanned = 1;
    return;
  }
  discovery::SensitiveScanner& sc = *rules->scanners[worker_];
  if (count)
    sc.end(a.scan);
  else
    sc.abort(a.scan);
  if (count) {
    discovery::ApiRecord& r = a.rec;
    uint32_t matches = 0;
    for (size_t c = 0; c < discovery::kMaxClasses; ++c) {
      r.sensitive[c] = a.scan.counts[c];
      matches += a.scan.counts[c];
    }
    r.scanned = 1;
    st_->sensitive_matches.add(matches);
  }
}

void inspect::Inspector::api_finish(inspect::HttpSession& s) {
  inspect::HttpSession::Api& a = s.api;
  if (!a.awaiting && !a.responding) return;
  api_stop_scan(s, true);
  a.awaiting = a.responding = false;
  discovery::ApiRecord& r = a.rec;
  r.unix_s = unix_now();
  if (r.unscanned)
    st_->api_unscanned.add(1);
  else if (r.scanned)
    st_->api_scanned.add(1);
  if (!shared_.api || rte_ring_sp_enqueue_elem(shared_.api[worker_], &r, sizeof r) != 0)
    st_->api_records_dropped.add(1);
  else
    st_->api_records.add(1);
}

void inspect::Inspector::api_drop(inspect::HttpSession& s) {
  inspect::HttpSession::Api& a = s.api;
  // Only the request being stopped is dropped: a call before it (pipelined, stopped
  // before this one was followed) did reach the origin.
  if (a.responding || (a.awaiting && a.seq + 1 != s.requests_seen)) {
    api_finish(s);
    return;
  }
  api_stop_scan(s, false);
  a.awaiting = a.responding = false;
}

}  // namespace bulwark::inspect
