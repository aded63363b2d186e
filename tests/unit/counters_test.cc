// The counter tables (dataplane/api/counter_tables.h) against what readers get: a stats
// segment whose every counter slot holds a distinct value must show each table entry in
// stats_to_json at its path, and in bulwark-control's Prometheus families under its
// name and labels, with its value (per worker, summed, scaled). A counter added to a list
// without a JSON path or a series does not compile; one the renderers miss fails here.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <new>
#include <set>
#include <string>

#include "control/metrics_collector.h"
#include "dataplane/api/counter_tables.h"
#include "dataplane/api/stats_reader.h"
#include "dataplane/features/challenge/clearance.h"

using namespace bulwark;
using api::CounterDef;
using api::SlotKey;
using nlohmann::json;

namespace {

constexpr unsigned kWorkers = 3;
constexpr uint32_t kRules = 5, kLimits = 3;
constexpr uint64_t kTscHz = 2'000'000'000;

// A stats segment in shared memory (the collector maps it by name, as in production),
// every counter slot of every table filled with its own value.
struct SyntheticSegment {
  std::string name = "/bulwark-unit-counters-" + std::to_string(getpid());
  api::Segment* seg = nullptr;
  uint64_t next = 1000;

  SyntheticSegment() {
    shm_unlink(name.c_str());
    const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(ftruncate(fd, sizeof(api::Segment)) == 0);
    void* p = mmap(nullptr, sizeof(api::Segment), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    BOOST_REQUIRE(p != MAP_FAILED);
    seg = new (p) api::Segment();
    for (unsigned w = 0; w < kWorkers; ++w) {
      fill(api::worker_counters(), seg->workers[w]);
      for (auto& q : seg->workers[w].port) fill(api::queue_counters(), q);
    }
    for (auto& port : seg->ports) fill(api::port_counters(), port);
    fill(api::main_counters(), seg->header);
    fill(api::control_counters(), seg->control);
    fill(api::rules_counters(), seg->rules);  // generation too: a bundle is loaded
    api::Header& h = seg->header;
    h.magic = api::kStatsMagic;
    h.layout_version = api::kStatsLayoutVersion;
    h.segment_size = sizeof(api::Segment);
    h.state = static_cast<uint32_t>(api::RunState::running);
    h.worker_count = kWorkers;
    h.tsc_hz = kTscHz;
    std::strcpy(seg->ports[0].role, "outside");
    std::strcpy(seg->ports[1].role, "inside");
    // The bundle's shape (a table value too, but it bounds the per-rule arrays).
    seg->rules.rule_count = kRules;
    for (uint32_t r = 0; r < kRules; ++r) seg->rules.rule_ids[r] = 100 + r;
    seg->rules.limit_count = kLimits;
    for (uint32_t l = 0; l < kLimits; ++l) seg->rules.limit_ids[l] = 900 + l;
  }
  ~SyntheticSegment() {
    munmap(seg, sizeof(api::Segment));
    shm_unlink(name.c_str());
  }

  template <class G>
  void fill(std::span<const CounterDef<G>> defs, G& g) {
    for (const auto& d : defs)
      for (unsigned s = 0; s < std::max(d.slots, 1u); ++s) d.set(g, s, next++);
  }

  json families(uint32_t top_rules) const {
    control::MetricsCollector c([&](control::ControlMetrics&, std::string& shm, uint32_t& top) {
      shm = name;
      top = top_rules;
    });
    return control::families_to_json(c.Collect());
  }
};

json::json_pointer at(const std::string& prefix, const char* path) {
  std::string p = prefix + "/" + path;
  for (char& c : p)
    if (c == '.') c = '/';
  return json::json_pointer(p);
}

std::string last_key(const char* path) {
  const std::string p = path;
  return p.substr(p.rfind('.') + 1);
}

json as_json(const api::CounterMeta& m, uint64_t v) {
  if (m.json_as == api::JsonAs::boolean) return v != 0;
  if (m.json_as == api::JsonAs::milli) return static_cast<double>(v) / 1000;
  return v;
}

void check_json(const json& j, const json::json_pointer& p, const json& want) {
  BOOST_TEST_CONTEXT(p.to_string()) {
    BOOST_REQUIRE(j.contains(p));
    BOOST_TEST(j.at(p) == want);
  }
}

// The value of `d`'s slot `s` in JSON form at prefix/path (slot key appended for arrays).
template <class G>
void check_slots(const json& j, const std::string& prefix, const CounterDef<G>& d,
                 const std::function<uint64_t(unsigned)>& value) {
  if (d.slots == 0) return check_json(j, at(prefix, d.meta.json), as_json(d.meta, value(0)));
  if (d.meta.slot_key == SlotKey::limit_index) {
    BOOST_TEST(j.at(at(prefix, d.meta.json)).size() == kLimits);
    for (uint32_t l = 0; l < kLimits; ++l)
      check_json(j, at(prefix, d.meta.json) / l, as_json(d.meta, value(l)));
    return;
  }
  BOOST_TEST(j.at(at(prefix, d.meta.json)).size() == d.end() - d.first());
  for (unsigned s = d.first(); s < d.end(); ++s)
    check_json(j, at(prefix, d.meta.json) / d.meta.slot_names[s], as_json(d.meta, value(s)));
}

uint64_t worker_sum(const api::Segment& seg, const CounterDef<api::WorkerStats>& d, unsigned s) {
  uint64_t t = 0;
  for (unsigned w = 0; w < kWorkers; ++w) t += d.get(seg.workers[w], s);
  return t;
}

// Prometheus samples by family, then by their labels (as sorted JSON).
struct Samples {
  std::map<std::string, std::string> type, help;
  std::map<std::string, std::map<std::string, double>> value;

  explicit Samples(const json& families) {
    for (const auto& f : families) {
      type[f["name"]] = f["type"];
      help[f["name"]] = f["help"];
      for (const auto& m : f["metrics"]) value[f["name"]][m["labels"].dump()] = m["value"];
    }
  }
};

// What the test expects: family -> labels -> value, and each family's type.
struct Expected {
  std::map<std::string, std::map<std::string, double>> value;
  std::map<std::string, std::string> type;

  void add(const api::CounterMeta& m, json labels, uint64_t stored) {
    if (m.label.name) labels[m.label.name] = m.label.value;
    const double v = static_cast<double>(stored);
    double scaled = v;
    switch (m.scale) {
      case api::Scale::tsc_to_seconds: scaled = v / static_cast<double>(kTscHz); break;
      case api::Scale::ns_to_seconds: scaled = v / 1e9; break;
      case api::Scale::milli: scaled = v / 1000; break;
      case api::Scale::mega: scaled = v * 1e6; break;
      case api::Scale::none: break;
    }
    const std::string key = labels.is_null() ? json::object().dump() : labels.dump();
    BOOST_TEST_CONTEXT(m.series << key) {
      BOOST_TEST(value[m.series].count(key) == 0u);  // no two counters on one sample
    }
    value[m.series][key] = scaled;
    type[m.series] = m.type == api::SeriesType::gauge ? "gauge" : "counter";
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(counters)

BOOST_AUTO_TEST_CASE(every_counter_in_json) {
  SyntheticSegment s;
  const api::Segment& seg = *s.seg;
  const json j = api::stats_to_json(seg);
  for (const auto& d : api::worker_counters()) {
    BOOST_TEST_CONTEXT(d.field) {
      if (d.meta.slot_key == SlotKey::rule_index) {
        // Summed over workers, by rule id.
        BOOST_TEST(j.at(at("", d.meta.json)).size() == kRules);
        for (uint32_t r = 0; r < kRules; ++r)
          check_json(j, at("", d.meta.json) / std::to_string(100 + r), worker_sum(seg, d, r));
        continue;
      }
      for (unsigned w = 0; w < kWorkers; ++w)
        check_slots(j, "/worker/" + std::to_string(w), d,
                    [&](unsigned slot) { return d.get(seg.workers[w], slot); });
      if (d.meta.in_total)
        check_slots(j, "/total", d, [&](unsigned slot) { return worker_sum(seg, d, slot); });
      else
        BOOST_TEST(!j.contains(at("/total", d.meta.json)));
      if (d.meta.slot_key == SlotKey::limit_index)
        for (uint32_t l = 0; l < kLimits; ++l)
          check_json(
              j,
              json::json_pointer("/limits/by_id") / std::to_string(900 + l) / last_key(d.meta.json),
              worker_sum(seg, d, l));
    }
  }
  for (const auto& d : api::queue_counters())
    for (unsigned p = 0; p < api::kPortCount; ++p) {
      const std::string q = "/queues/" + std::to_string(p);
      uint64_t sum = 0;
      for (unsigned w = 0; w < kWorkers; ++w) {
        const uint64_t v = d.get(seg.workers[w].port[p], 0);
        check_json(j, at("/worker/" + std::to_string(w) + q, d.meta.json), v);
        sum += v;
      }
      check_json(j, at("/total" + q, d.meta.json), sum);
    }
  for (const auto& d : api::port_counters())
    for (unsigned p = 0; p < api::kPortCount; ++p)
      check_json(j, at("/ports/" + std::to_string(p), d.meta.json),
                 as_json(d.meta, d.get(seg.ports[p], 0)));
  for (const auto& d : api::main_counters())
    check_json(j, at("", d.meta.json), as_json(d.meta, d.get(seg.header, 0)));
  for (const auto& d : api::control_counters())
    check_json(j, at("", d.meta.json), as_json(d.meta, d.get(seg.control, 0)));
  for (const auto& d : api::rules_counters())
    check_json(j, at("", d.meta.json), as_json(d.meta, d.get(seg.rules, 0)));
}

BOOST_AUTO_TEST_CASE(every_counter_in_prometheus) {
  SyntheticSegment s;
  const api::Segment& seg = *s.seg;
  Expected want;
  const auto worker_label = [](unsigned w) { return json{{api::kWorkerLabel, std::to_string(w)}}; };
  for (const auto& d : api::worker_counters()) {
    const auto& m = d.meta;
    if (m.slot_key == SlotKey::rule_index) {
      for (uint32_t r = 0; r < kRules; ++r)
        want.add(m, {{m.slot_label, std::to_string(100 + r)}}, worker_sum(seg, d, r));
    } else if (m.slot_key == SlotKey::limit_index) {
      for (uint32_t l = 0; l < kLimits; ++l)
        want.add(m, {{m.slot_label, std::to_string(900 + l)}}, worker_sum(seg, d, l));
    } else {
      const unsigned first = d.slots ? d.first() : 0, end = d.slots ? d.end() : 1;
      for (unsigned slot = first; slot < end; ++slot) {
        const json slot_label = d.slots ? json{{m.slot_label, m.slot_names[slot]}} : json::object();
        if (!m.per_worker) {
          want.add(m, slot_label, worker_sum(seg, d, slot));
          continue;
        }
        for (unsigned w = 0; w < kWorkers; ++w) {
          json l = worker_label(w);
          l.update(slot_label);
          want.add(m, l, d.get(seg.workers[w], slot));
        }
      }
    }
  }
  const std::string roles[] = {"outside", "inside"};
  for (const auto& d : api::queue_counters())
    for (unsigned w = 0; w < kWorkers; ++w)
      for (unsigned p = 0; p < api::kPortCount; ++p)
        want.add(d.meta, {{api::kPortLabel, roles[p]}, {api::kQueueLabel, std::to_string(w)}},
                 d.get(seg.workers[w].port[p], 0));
  for (const auto& d : api::port_counters())
    for (unsigned p = 0; p < api::kPortCount; ++p)
      want.add(d.meta, {{api::kPortLabel, roles[p]}}, d.get(seg.ports[p], 0));
  for (const auto& d : api::main_counters()) want.add(d.meta, json::object(), d.get(seg.header, 0));
  for (const auto& d : api::control_counters())
    want.add(d.meta, json::object(), d.get(seg.control, 0));
  for (const auto& d : api::rules_counters()) want.add(d.meta, json::object(), d.get(seg.rules, 0));

  const Samples got(s.families(kRules));
  for (const auto& [family, samples] : want.value) {
    BOOST_TEST_CONTEXT(family) {
      BOOST_REQUIRE_MESSAGE(got.type.count(family) == 1u, "family missing from the scrape");
      BOOST_TEST(got.type.at(family) == want.type.at(family));
      BOOST_TEST(!got.help.at(family).empty());
      // Exactly the expected samples: none missing, none extra.
      BOOST_TEST(got.value.at(family).size() == samples.size());
      for (const auto& [labels, v] : samples) {
        BOOST_TEST_CONTEXT(labels) {
          BOOST_REQUIRE(got.value.at(family).count(labels) == 1u);
          BOOST_TEST(std::abs(got.value.at(family).at(labels) - v) <= 1e-9 * std::abs(v));
        }
      }
    }
  }
}

// Without a bundle, the bundle's series read 0 and per-rule and per-limit numbers are
// absent (their ids mean nothing).
BOOST_AUTO_TEST_CASE(no_bundle) {
  SyntheticSegment s;
  s.seg->rules.generation.store(0);
  const json j = api::stats_to_json(*s.seg);
  BOOST_TEST(j.at("limits").at("by_id").empty());
  BOOST_TEST(j.at("worker").at(0).at("limits").at("allowed").empty());
  Samples got(s.families(kRules));
  BOOST_TEST(got.value["bulwark_rate_limit_requests_total"].empty());
  BOOST_TEST(got.value["bulwark_rule_hits_total"].empty());
  for (const auto& d : api::rules_counters())
    if (d.meta.needs_bundle) BOOST_TEST(got.value.at(d.meta.series).at("{}") == 0.0);
}

// Paths and series that bulwarkctl, the lab tests and dashboards read: a table edit that
// moves one fails here.
BOOST_AUTO_TEST_CASE(paths_others_read) {
  SyntheticSegment s;
  const json j = api::stats_to_json(*s.seg);
  for (const char* p : {"/total/http/verdicts/pass",
                        "/total/http/requests",
                        "/total/reassembly/limit_hits",
                        "/total/reassembly/overlap_conflicts",
                        "/total/queues/1/tx_packets",
                        "/total/flows/active",
                        "/total/flows/evicted_established",
                        "/total/tls/blocked",
                        "/total/handoff_drops",
                        "/total/limits/reports_applied",
                        "/worker/0/flows/evicted_established",
                        "/worker/1/blocklist_hits/fingerprint",
                        "/worker/1/limits/exceeded/0",
                        "/worker/0/loop/swap_cycles_last",
                        "/worker/0/objects/reads",
                        "/worker/0/api/calls_lost",
                        "/logins/attempts",
                        "/logins/window_failure_ratio",
                        "/limits/by_id/900/allowed",
                        "/limits/merge_dropped",
                        "/control/events_dropped",
                        "/rules/reloads",
                        "/rules/hits/100",
                        "/ports/0/rx_missed",
                        "/heartbeat_unix_ns"})
    BOOST_TEST(j.contains(json::json_pointer(p)), p);
  Samples got(s.families(kRules));
  for (const auto& [family, labels] : std::initializer_list<std::pair<const char*, json>>{
           {"bulwark_http_request_verdicts_total", {{"verdict", "pass"}}},
           {"bulwark_rule_matches_by_kind_total", {{"kind", "monitor"}}},
           {"bulwark_blocklist_hits_total", {{"matched", "fingerprint"}}},
           {"bulwark_rate_limit_requests_total", {{"limit", "901"}, {"result", "exceeded"}}},
           {"bulwark_clearance_checks_total", {{"result", "bad_mac"}}},
           {"bulwark_consistency_signals_total", {{"signal", "http10"}}},
           {"bulwark_http_anomalies_total", {{"anomaly", "cl_and_te"}}},
           {"bulwark_http_requests_total", {{"method", "OPTIONS"}}},
           {"bulwark_queue_rx_packets_total", {{"port", "inside"}, {"queue", "2"}}},
           {"bulwark_flows_active", {{"worker", "1"}}},
           {"bulwark_login_attempts_total", {{"result", "unknown"}}},
           {"bulwark_events_dropped_total", {{"where", "control_link"}}},
           {"bulwark_rule_hits_total", {{"rule", "104"}}},
           {"bulwark_rules_reloads_total", json::object()}})
    BOOST_TEST(got.value[family].count(labels.dump()) == 1u, family << labels.dump());
}

// The clearance names are spelled in challenge/clearance.h too (its *_name() function
// predates the api table): both must agree.
BOOST_AUTO_TEST_CASE(clearance_names_agree) {
  for (unsigned c = 0; c < std::size(api::kClearanceCheckNames); ++c)
    BOOST_TEST(std::string(challenge::clearance_check_name(
                   static_cast<challenge::ClearanceCheck>(c))) == api::kClearanceCheckNames[c]);
}

BOOST_AUTO_TEST_SUITE_END()
