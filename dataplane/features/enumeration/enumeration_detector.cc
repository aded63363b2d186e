// Enumeration detection (see enumeration_detector.h).
#include "dataplane/features/enumeration/enumeration_detector.h"

#include <cstring>

#include "dataplane/inspect/active_rules.h"

namespace bulwark::enumeration {

void EnumerationDetector::configure(const std::vector<rules::ObjectPolicy>& entries,
                                    uint64_t generation) {
  generation_ = static_cast<uint32_t>(generation);
  // Entries are matched by position: a new set starts with no decisions (an entry
  // removed or turned to monitor mode must stop blocking).
  decisions_.clear();
  entries_.clear();
  for (const auto& p : entries) entries_.push_back(Entry{p, 0, {}});
}

void EnumerationDetector::add(const ObjectRecord& r, uint64_t now,
                              std::vector<nlohmann::json>& events) {
  if (r.endpoint >= entries_.size() || r.generation != generation_)
    return;  // records of a replaced bundle
  if (!r.volume) ++reads_;
  Entry& e = entries_[r.endpoint];
  if (!e.window_start || now >= e.window_start + e.p.window_s) {
    e.window_start = now;
    e.walks.clear();
  }
  auto it = e.walks.find(r.key);
  if (it == e.walks.end()) {
    if (e.walks.size() >= kMaxKeys) {
      ++untracked_;
      return;
    }
    it = e.walks.emplace(r.key, Walk()).first;
  }
  Walk& w = it->second;
  if (r.volume)
    w.bytes += r.bytes;
  else
    w.ids.add(r.id_hash);
  if (r.numeric && !r.volume) {
    if (w.has_last && r.id_value == w.last + 1)
      ++w.run;
    else if (!w.has_last || r.id_value != w.last)
      w.run = 1;
    w.last = r.id_value;
    w.has_last = true;
  }
  const double distinct = w.ids.estimate();
  const char* check = nullptr;
  if (e.p.sequential && w.run >= e.p.sequential)
    check = "sequential_ids";
  else if (e.p.max_ids && distinct >= e.p.max_ids)
    check = "distinct_ids";
  else if (e.p.max_bytes && w.bytes >= e.p.max_bytes)
    check = "response_bytes";
  if (!check) return;
  inspect::Decision d;
  d.policy = "enumeration";
  d.check = check;
  d.text = std::string(rules::key_part_name(e.p.key)) + "=" +
           std::string(r.key_text, strnlen(r.key_text, sizeof r.key_text));
  d.key = r.key;
  d.bits = r.bits;
  d.action = e.p.action;
  d.decoy = static_cast<uint16_t>(1 + r.endpoint);
  d.expires_unix = now + e.p.ttl_s;
  d.enforced = e.p.mode == rules::Mode::enforce;
  const inspect::Decision* made = decisions_.add(std::move(d));
  if (!made) return;
  events.push_back({{"type", "decision"},
                    {"policy", "enumeration"},
                    {"endpoint", e.p.name},
                    {"check", check},
                    {"key", made->text},
                    {"distinct_ids", static_cast<uint64_t>(distinct + 0.5)},
                    {"sequential_run", w.run},
                    {"max_ids", e.p.max_ids},
                    {"sequential", e.p.sequential},
                    {"response_bytes", w.bytes},
                    {"max_bytes", e.p.max_bytes},
                    {"window_s", e.p.window_s},
                    {"action", rules::action_name(e.p.action)},
                    {"mode", rules::mode_name(e.p.mode)},
                    {"enforced", made->enforced},
                    {"ttl_s", e.p.ttl_s},
                    {"decision_id", made->id}});
}

void EnumerationDetector::configure(const inspect::ActiveRules& rules) {
  configure(rules.bundle->objects, rules.generation);
}

void EnumerationDetector::publish(api::Header& h) {
  h.enumeration_reads.set(reads_);
  h.enumeration_untracked.set(untracked_);
}

}  // namespace bulwark::enumeration
