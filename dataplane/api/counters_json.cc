// Counters -> JSON by their tables (see counters_json.h).
#include "dataplane/api/counters_json.h"

#include <string>

#include "dataplane/api/counter_tables.h"

namespace bulwark::api {
namespace {

using nlohmann::json;

// "a.b.c" -> /a/b/c (table paths hold no '/' or '~').
json::json_pointer pointer(const char* path) {
  std::string p = std::string("/") + path;
  for (char& c : p)
    if (c == '.') c = '/';
  return json::json_pointer(p);
}

// The last key of a table path.
std::string leaf(const char* path) {
  const std::string p = path;
  return p.substr(p.rfind('.') + 1);
}

json as_json(const CounterMeta& m, uint64_t v) {
  switch (m.json_as) {
    case JsonAs::boolean: return v != 0;
    case JsonAs::milli: return static_cast<double>(v) / 1000;
    case JsonAs::number: break;
  }
  return v;
}

// Puts counter `d` under `j` at its path; value(slot) reads one slot. Per-rule arrays
// have no per-worker value (see put_segment_counters).
template <class G, class Value>
void put(json& j, const CounterDef<G>& d, uint32_t limits, Value value) {
  const CounterMeta& m = d.meta;
  if (d.slots == 0) {
    j[pointer(m.json)] = as_json(m, value(0));
  } else if (m.slot_key == SlotKey::name) {
    json named = json::object();
    for (unsigned s = d.first(); s < d.end(); ++s) named[m.slot_names[s]] = as_json(m, value(s));
    j[pointer(m.json)] = named;
  } else if (m.slot_key == SlotKey::limit_index) {
    json by_index = json::array();
    for (uint32_t l = 0; l < limits && l < d.slots; ++l) by_index.push_back(as_json(m, value(l)));
    j[pointer(m.json)] = by_index;
  }
}

template <class G>
void put_all(json& j, std::span<const CounterDef<G>> defs, const G& g) {
  for (const auto& d : defs) put(j, d, 0, [&](unsigned s) { return d.get(g, s); });
}

// Slot `s` of worker counter `d` summed over workers [0, n).
uint64_t sum(const Segment& seg, unsigned n, const CounterDef<WorkerStats>& d, unsigned s) {
  uint64_t t = 0;
  for (unsigned w = 0; w < n; ++w) t += d.get(seg.workers[w], s);
  return t;
}

}  // namespace

json worker_counters_json(const WorkerStats& w, uint32_t limits) {
  json j;
  for (const auto& d : worker_counters())
    if (d.meta.slot_key != SlotKey::rule_index)
      put(j, d, limits, [&](unsigned s) { return d.get(w, s); });
  for (unsigned p = 0; p < kPortCount; ++p) {
    json q;
    put_all(q, queue_counters(), w.port[p]);
    j["queues"].push_back(q);
  }
  return j;
}

json total_counters_json(const Segment& seg, unsigned n, uint32_t limits) {
  json j;
  for (const auto& d : worker_counters())
    if (d.meta.in_total && d.meta.slot_key != SlotKey::rule_index)
      put(j, d, limits, [&](unsigned s) { return sum(seg, n, d, s); });
  for (unsigned p = 0; p < kPortCount; ++p) {
    json q;
    for (const auto& d : queue_counters())
      put(q, d, 0, [&](unsigned s) {
        uint64_t t = 0;
        for (unsigned w = 0; w < n; ++w) t += d.get(seg.workers[w].port[p], s);
        return t;
      });
    j["queues"].push_back(q);
  }
  return j;
}

void put_port_counters(json& port, const PortStats& p) { put_all(port, port_counters(), p); }

void put_segment_counters(json& j, const Segment& seg, unsigned n, uint32_t limits) {
  put_all(j, main_counters(), seg.header);
  put_all(j, control_counters(), seg.control);
  put_all(j, rules_counters(), seg.rules);
  const RulesInfo& ri = seg.rules;
  j["limits"]["by_id"] = json::object();
  for (const auto& d : worker_counters()) {
    if (d.meta.slot_key == SlotKey::rule_index) {
      // Rules that matched, by id (rule_count without a bundle is 0).
      json hits = json::object();
      for (uint32_t r = 0; r < ri.rule_count && r < d.slots; ++r)
        if (const uint64_t v = sum(seg, n, d, r)) hits[std::to_string(ri.rule_ids[r])] = v;
      j[pointer(d.meta.json)] = hits;
    } else if (d.meta.slot_key == SlotKey::limit_index) {
      for (uint32_t l = 0; l < limits && l < d.slots; ++l)
        j["limits"]["by_id"][std::to_string(ri.limit_ids[l])][leaf(d.meta.json)] =
            sum(seg, n, d, l);
    }
  }
}

}  // namespace bulwark::api
