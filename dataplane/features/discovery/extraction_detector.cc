// Extraction detection (see extraction_detector.h).
#include "dataplane/features/discovery/extraction_detector.h"

#include <cstring>

namespace bulwark::discovery {

void ExtractionDetector::configure(const rules::ExtractionPolicy& p, uint64_t generation) {
  p_ = p;
  generation_ = static_cast<uint32_t>(generation);
  window_start_ = 0;
  readers_.clear();
  decisions_.clear();
}

uint32_t ExtractionDetector::records_of(const discovery::ApiRecord& r) {
  uint32_t most = 0;
  for (uint16_t n : r.sensitive) most = n > most ? n : most;
  return most;
}

void ExtractionDetector::add(const discovery::ApiRecord& r, uint64_t now,
                             std::vector<nlohmann::json>& events) {
  if (!p_.enabled || !r.has_key || r.generation != generation_) return;
  const uint32_t records = records_of(r);
  if (records == 0 && r.ids == 0) return;  // nothing this policy counts
  if (!window_start_ || now >= window_start_ + p_.window_s) {
    window_start_ = now;
    readers_.clear();
  }
  auto it = readers_.find(r.key);
  if (it == readers_.end()) {
    if (readers_.size() >= kMaxKeys) {
      ++untracked_;
      return;
    }
    it = readers_.emplace(r.key, Reader()).first;
  }
  Reader& rd = it->second;
  rd.records += records;
  if (r.ids) rd.objects.add(r.id_hash);
  const double objects = rd.objects.estimate();
  const char* check = nullptr;
  if (p_.max_records && rd.records > p_.max_records)
    check = "sensitive_records";
  else if (p_.max_objects && objects > p_.max_objects)
    check = "distinct_objects";
  if (!check) return;
  inspect::Decision d;
  d.policy = "extraction";
  d.check = check;
  d.text = std::string(rules::key_part_name(p_.key)) + "=" +
           std::string(r.key_text, strnlen(r.key_text, sizeof r.key_text));
  d.key = r.key;
  d.bits = r.bits;
  d.action = p_.action;
  d.expires_unix = now + p_.ttl_s;
  d.enforced = p_.mode == rules::Mode::enforce && p_.action != rules::Action::log;
  const inspect::Decision* made = decisions_.add(std::move(d));
  if (!made) return;
  events.push_back({{"type", "extraction"},
                    {"policy", "extraction"},
                    {"check", check},
                    {"key", made->text},
                    {"records", rd.records},
                    {"max_records", p_.max_records},
                    {"objects", static_cast<uint64_t>(objects + 0.5)},
                    {"max_objects", p_.max_objects},
                    {"window_s", p_.window_s},
                    {"method", std::string(r.method, strnlen(r.method, sizeof r.method))},
                    {"host", std::string(r.host, strnlen(r.host, sizeof r.host))},
                    {"path", std::string(r.path, strnlen(r.path, sizeof r.path))},
                    {"action", rules::action_name(p_.action)},
                    {"mode", rules::mode_name(p_.mode)},
                    {"enforced", made->enforced},
                    {"ttl_s", p_.ttl_s},
                    {"decision_id", made->id}});
}

}  // namespace bulwark::discovery
