// Enumeration defence on the worker (see enumeration_stage.h).
#include "dataplane/features/enumeration/enumeration_stage.h"

#include <cstring>
#include <functional>

#include "dataplane/features/enumeration/enumeration_detector.h"
#include "dataplane/identity/client_identity.h"
#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/route_match.h"

namespace bulwark::enumeration {

using inspect::Next;

EnumerationStage::EnumerationStage(const inspect::StageEnv& env)
    : st_(&env.st), worker_(env.worker), slots_(env.sessions) {
  if (const auto* d = env.parts.find<EnumerationDetector>())
    reporter_ = inspect::Reporter<ObjectRecord>(d->ring(env.worker));
}

Next EnumerationStage::on_request_head(inspect::Request& r) {
  if (r.rules == nullptr || r.rules->bundle->objects.empty()) return Next::go;
  const rules::Bundle& b = *r.rules->bundle;
  for (size_t i = 0; i < b.objects.size(); ++i) {
    const rules::ObjectPolicy& p = b.objects[i];
    std::string_view id;
    if (r.head->method != p.method ||
        !inspect::route_template(r.view.route, p.prefix, p.suffix, id))
      continue;                              // another endpoint, or another shape of path
    if (!r.ident->present(p.key)) continue;  // e.g. no API key
    ObjectRecord rec;
    std::memset(&rec, 0, sizeof rec);
    rec.endpoint = static_cast<uint8_t>(i);
    rec.generation = static_cast<uint32_t>(r.rules->generation);
    rec.worker = static_cast<uint8_t>(worker_);
    rec.id_hash = inspect::mix64(std::hash<std::string_view>{}(id));
    rec.numeric = !id.empty() && id.size() <= 18 &&
                  id.find_first_not_of("0123456789") == std::string_view::npos;
    for (char c : rec.numeric ? id : std::string_view())
      rec.id_value = rec.id_value * 10 + static_cast<uint64_t>(c - '0');
    if (!inspect::client_key(*r.ident, p.key, rec.key, rec.bits, rec.key_text, sizeof rec.key_text))
      continue;
    if (!reporter_.report(rec))
      st_->object_reads_dropped.add(1);
    else
      st_->object_reads.add(1);
    if (p.max_bytes) {  // the response's size follows when it has ended
      Slot& v = slots_[*r.s];
      if (v.counting) volume_end(v);  // one tracked at a time: report it
      v.rec = rec;
      v.rec.volume = 1;
      v.seq = r.s->requests_seen - 1;  // the core counted this request already
      v.awaiting = true;
      v.counting = false;
      v.bytes = 0;
    }
  }
  return Next::go;
}

void EnumerationStage::on_response_head(inspect::Request& r) {
  Slot& v = slots_[*r.s];
  if (!v.awaiting || r.s->responses_seen < v.seq + 1) return;
  v.awaiting = false;
  v.counting = r.s->responses_seen == v.seq + 1;  // else its answer was missed (pipelining)
}

void EnumerationStage::on_response_body(inspect::Request& r, const uint8_t*, size_t len) {
  Slot& v = slots_[*r.s];
  if (v.counting) v.bytes += len;
}

void EnumerationStage::on_response_end(inspect::Request& r) { volume_end(slots_[*r.s]); }

void EnumerationStage::on_end(inspect::Session& s, inspect::End, const inspect::Request*) {
  volume_end(slots_[s]);  // what was served before the end counts
}

void EnumerationStage::volume_end(Slot& v) {
  if (!v.counting) return;
  v.counting = false;
  v.rec.bytes = v.bytes;
  if (!reporter_.report(v.rec)) st_->object_reads_dropped.add(1);
}

}  // namespace bulwark::enumeration
