// Counters -> Prometheus samples by their tables (see counter_series.h).
#include "control/counter_series.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/api/counter_tables.h"

namespace bulwark::control {
namespace {

using api::CounterDef;
using api::CounterMeta;
using api::SlotKey;

double scaled(const CounterMeta& m, uint64_t v, double tsc_hz) {
  const double d = static_cast<double>(v);
  switch (m.scale) {
    case api::Scale::tsc_to_seconds: return d / tsc_hz;
    case api::Scale::ns_to_seconds: return d / 1e9;
    case api::Scale::milli: return d / 1000;
    case api::Scale::mega: return d * 1e6;
    case api::Scale::none: break;
  }
  return d;
}

class Emitter {
 public:
  Emitter(Families& f, const api::Segment& seg)
      : f_(f), hz_(seg.header.tsc_hz ? static_cast<double>(seg.header.tsc_hz) : 1.0) {}

  // Creates the family even if it gets no sample (e.g. no rate limits in the bundle), so
  // that its help and type are always there.
  void family(const CounterMeta& m) {
    f_.family(m.series, m.help ? m.help : "",
              m.type == api::SeriesType::gauge ? prometheus::MetricType::Gauge
                                               : prometheus::MetricType::Counter);
  }
  // `l`: the position's labels; the entry's fixed label goes last.
  void sample(const CounterMeta& m, uint64_t v, Labels l) {
    if (m.label.name) l.push_back({m.label.name, m.label.value});
    if (m.type == api::SeriesType::gauge)
      f_.gauge(m.series, "", scaled(m, v, hz_), std::move(l));
    else
      f_.counter(m.series, "", scaled(m, v, hz_), std::move(l));
  }

 private:
  Families& f_;
  double hz_;
};

std::string port_role(const api::PortStats& p) {
  return std::string(p.role, strnlen(p.role, sizeof p.role));
}

// The `top` rules with the most hits (summed over workers), most first, then by id.
void top_rule_hits(Emitter& e, const CounterDef<api::WorkerStats>& d, const api::Segment& seg,
                   unsigned n, uint32_t top) {
  const api::RulesInfo& ri = seg.rules;
  std::vector<std::pair<uint64_t, uint32_t>> hits;
  for (uint32_t r = 0; r < ri.rule_count && r < d.slots; ++r) {
    uint64_t s = 0;
    for (unsigned w = 0; w < n; ++w) s += d.get(seg.workers[w], r);
    if (s > 0) hits.emplace_back(s, ri.rule_ids[r]);
  }
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (hits.size() > top) hits.resize(top);
  for (const auto& [count, id] : hits)
    e.sample(d.meta, count, {{d.meta.slot_label, std::to_string(id)}});
}

void worker_series(Emitter& e, const api::Segment& seg, unsigned n, uint32_t top_rules) {
  const api::RulesInfo& ri = seg.rules;
  const bool bundle = ri.generation.load(std::memory_order_acquire) != 0;
  for (const auto& d : api::worker_counters()) {
    const CounterMeta& m = d.meta;
    e.family(m);
    const auto sum = [&](unsigned slot) {
      uint64_t t = 0;
      for (unsigned w = 0; w < n; ++w) t += d.get(seg.workers[w], slot);
      return t;
    };
    if (m.slot_key == SlotKey::rule_index) {
      if (bundle) top_rule_hits(e, d, seg, n, top_rules);
      continue;
    }
    if (m.slot_key == SlotKey::limit_index) {
      for (uint32_t l = 0; bundle && l < ri.limit_count && l < d.slots; ++l)
        e.sample(m, sum(l), {{m.slot_label, std::to_string(ri.limit_ids[l])}});
      continue;
    }
    // A scalar is slot 0 without a slot label; a named array has one per named slot.
    const unsigned first = d.slots ? d.first() : 0, end = d.slots ? d.end() : 1;
    for (unsigned s = first; s < end; ++s) {
      Labels slot;
      if (d.slots) slot.push_back({m.slot_label, m.slot_names[s]});
      if (!m.per_worker) {
        e.sample(m, sum(s), slot);
        continue;
      }
      for (unsigned w = 0; w < n; ++w) {
        Labels l = {{api::kWorkerLabel, std::to_string(w)}};
        l.insert(l.end(), slot.begin(), slot.end());
        e.sample(m, d.get(seg.workers[w], s), std::move(l));
      }
    }
  }
}

// A block with one value per counter (header, control socket, rule bundle).
template <class G>
void single_series(Emitter& e, std::span<const CounterDef<G>> defs, const G& g, bool bundle) {
  for (const auto& d : defs) {
    e.family(d.meta);
    e.sample(d.meta, d.meta.needs_bundle && !bundle ? 0 : d.get(g, 0), {});
  }
}

}  // namespace

void add_counter_series(Families& f, const api::Segment& seg, uint32_t top_rules) {
  Emitter e(f, seg);
  const unsigned n = std::min(seg.header.worker_count, api::kMaxWorkers);
  for (const auto& d : api::port_counters()) {
    e.family(d.meta);
    for (unsigned p = 0; p < api::kPortCount; ++p)
      e.sample(d.meta, d.get(seg.ports[p], 0), {{api::kPortLabel, port_role(seg.ports[p])}});
  }
  for (const auto& d : api::queue_counters()) {
    e.family(d.meta);
    for (unsigned w = 0; w < n; ++w)
      for (unsigned p = 0; p < api::kPortCount; ++p)
        e.sample(
            d.meta, d.get(seg.workers[w].port[p], 0),
            {{api::kPortLabel, port_role(seg.ports[p])}, {api::kQueueLabel, std::to_string(w)}});
  }
  worker_series(e, seg, n, top_rules);
  const bool bundle = seg.rules.generation.load(std::memory_order_acquire) != 0;
  single_series(e, api::main_counters(), seg.header, bundle);
  single_series(e, api::control_counters(), seg.control, bundle);
  single_series(e, api::rules_counters(), seg.rules, bundle);
}

}  // namespace bulwark::control
