// Reads of object endpoints for enumeration detection (see inspector.h): a request whose
// path matches an entry's template (/api/v1/customers/{id}) is reported to the main lcore
// with its client key and object id. Nothing here allocates.
#include <arpa/inet.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>

#include "dataplane/features/enumeration/object_record.h"
#include "dataplane/inspect/inspector.h"

// Inspector member functions until this feature is a stage.
namespace bulwark::inspect {
using namespace bulwark::enumeration;

// The client key `key` of the current request (ident_) as a decision key, with the
// prefix length for addresses and a text for events. false if it is not a key here.
bool inspect::Inspector::client_key(rules::KeyPart key, inspect::DecisionKey& out, uint8_t& bits,
                                    char* text, size_t cap) const {
  out.fill(0);
  bits = 0;
  text[0] = '\0';
  char hex[17];
  switch (key) {
    case rules::KeyPart::client_ip:
    case rules::KeyPart::prefix: {
      const bool pfx = key == rules::KeyPart::prefix;
      out[0] = pfx ? 1 : 0;
      out[1] = ident_.ip_len;
      std::memcpy(out.data() + 2, pfx ? ident_.prefix : ident_.ip, 16);
      bits = pfx ? ident_.prefix_bits : static_cast<uint8_t>(ident_.ip_len * 8);
      inet_ntop(ident_.ip_len == 4 ? AF_INET : AF_INET6, out.data() + 2, text,
                static_cast<socklen_t>(cap));
      if (pfx) {
        const size_t l = std::strlen(text);
        std::snprintf(text + l, cap - l, "/%u", bits);
      }
      break;
    }
    case rules::KeyPart::fingerprint: {
      out[0] = 2;
      std::memcpy(out.data() + 2, ident_.fingerprint, 16);
      const size_t n = std::min(ident_.fingerprint_text.size(), cap - 1);
      if (n) std::memcpy(text, ident_.fingerprint_text.data(), n);
      break;
    }
    case rules::KeyPart::user_agent:
    case rules::KeyPart::api_key:
    case rules::KeyPart::session: {
      const bool ua = key == rules::KeyPart::user_agent;
      const bool session = key == rules::KeyPart::session;
      out[0] = ua ? 3 : session ? 6 : 4;
      const identity::Digest& d = ua        ? ident_.user_agent
                                  : session ? ident_.session
                                            : ident_.api_key;
      std::memcpy(out.data() + 2, d, 16);
      identity::digest_hex(d, hex);
      std::snprintf(text, cap, "sha256:%s", hex);
      break;
    }
    default: return false;
  }
  return true;
}

void inspect::Inspector::observe_objects(const proto::HttpHead& head, std::string_view path) {
  const rules::Bundle& b = *cur_.rules->bundle;
  for (size_t i = 0; i < b.objects.size(); ++i) {
    const rules::ObjectPolicy& p = b.objects[i];
    if (head.method != p.method || path.size() <= p.prefix.size() + p.suffix.size() ||
        path.compare(0, p.prefix.size(), p.prefix) != 0 ||
        path.compare(path.size() - p.suffix.size(), p.suffix.size(), p.suffix) != 0)
      continue;
    const std::string_view id =
        path.substr(p.prefix.size(), path.size() - p.prefix.size() - p.suffix.size());
    if (id.find('/') != std::string_view::npos) continue;  // another shape of path
    if (!ident_.present(p.key)) continue;                  // e.g. no API key
    enumeration::ObjectRecord r;
    std::memset(&r, 0, sizeof r);
    r.endpoint = static_cast<uint8_t>(i);
    r.generation = static_cast<uint32_t>(cur_.rules->generation);
    r.worker = static_cast<uint8_t>(worker_);
    r.id_hash = inspect::mix64(std::hash<std::string_view>{}(id));
    r.numeric = !id.empty() && id.size() <= 18 &&
                id.find_first_not_of("0123456789") == std::string_view::npos;
    for (char c : r.numeric ? id : std::string_view())
      r.id_value = r.id_value * 10 + static_cast<uint64_t>(c - '0');
    if (!client_key(p.key, r.key, r.bits, r.key_text, sizeof r.key_text)) continue;
    if (!shared_.objects || rte_ring_sp_enqueue_elem(shared_.objects[worker_], &r, sizeof r) != 0)
      st_->object_reads_dropped.add(1);
    else
      st_->object_reads.add(1);
    if (p.max_bytes) {  // the response's size follows when it has ended
      inspect::HttpSession::Volume& v = cur_.s->volume;
      if (v.counting) volume_response_end(*cur_.s);  // one tracked at a time: report it
      v.rec = r;
      v.rec.volume = 1;
      v.seq = cur_.s->requests_seen - 1;  // on_head counted this request already
      v.awaiting = true;
      v.counting = false;
      v.bytes = 0;
    }
  }
}

void inspect::Inspector::volume_response_head(inspect::HttpSession& s) {
  inspect::HttpSession::Volume& v = s.volume;
  if (!v.awaiting || s.responses_seen < v.seq + 1) return;
  v.awaiting = false;
  v.counting = s.responses_seen == v.seq + 1;  // else its answer was missed (pipelining)
}

void inspect::Inspector::volume_response_end(inspect::HttpSession& s) {
  inspect::HttpSession::Volume& v = s.volume;
  if (!v.counting) return;
  v.counting = false;
  v.rec.bytes = v.bytes;
  if (!shared_.objects ||
      rte_ring_sp_enqueue_elem(shared_.objects[worker_], &v.rec, sizeof v.rec) != 0)
    st_->object_reads_dropped.add(1);
}

}  // namespace bulwark::inspect
