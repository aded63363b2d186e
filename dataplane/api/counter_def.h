// What one counter of the stats segment is called outside it: its place in the JSON of
// stats_to_json and its Prometheus series. One CounterDef per counter (or array of
// counters), generated from the counter lists (counters_*.h) by counter_tables.cc; the
// JSON renderer, bulwark-control's /metrics, docs/counters.md and the unit tests all
// read these tables, so a counter is spelled once.
#pragma once

#include <cstdint>
#include <span>

namespace bulwark::api {

enum class SeriesType : uint8_t { counter, gauge };

// Stored unit -> Prometheus base unit.
enum class Scale : uint8_t {
  none,
  tsc_to_seconds,  // TSC cycles / the header's tsc_hz
  ns_to_seconds,
  milli,  // stored x1000 (ratios)
  mega,   // Mbit/s -> bit/s
};

// How the stored value appears in JSON.
enum class JsonAs : uint8_t { number, boolean, milli /* value / 1000, a double */ };

// What the slots of an array counter stand for.
enum class SlotKey : uint8_t {
  name,  // slot i is slot_names[i]: a JSON key and the value of label `slot_label`
  // Rate-limit index in the active bundle: a JSON array by index (and "limits.by_id" by
  // the limit's rule id, summed over workers); label `slot_label` = the limit's rule id.
  limit_index,
  // Rule index in the active bundle: only summed over workers, at `json` by rule id
  // (non-zero only); Prometheus has the top N by hits, label `slot_label` = the rule id.
  rule_index,
};

// Labels the position of a sample adds, besides the table's: a port's role (port and
// queue counters), the worker's index (queue counters; worker counters kept per worker).
inline constexpr const char* kPortLabel = "port";
inline constexpr const char* kQueueLabel = "queue";
inline constexpr const char* kWorkerLabel = "worker";

struct Label {
  const char* name = nullptr;
  const char* value = nullptr;
};

// Written with designated initializers in the counter lists, in this order.
struct CounterMeta {
  // Path of the JSON value, '.' between keys: under the worker object (and "total") for
  // worker counters, under a queue object for queue counters, under a port object for
  // port counters, from the top for the others.
  const char* json = nullptr;
  JsonAs json_as = JsonAs::number;
  bool in_total = true;          // worker counters: also summed into "total" (not maxima, ids)
  const char* series = nullptr;  // Prometheus family name
  SeriesType type = SeriesType::counter;
  Label label{};  // fixed label: tells this counter from the others of a shared family
  // Worker counters: one sample per worker (label "worker") instead of the sum.
  bool per_worker = false;
  Scale scale = Scale::none;
  bool needs_bundle = false;  // the series reads 0 while no rule bundle is loaded
  // Array counters only.
  SlotKey slot_key = SlotKey::name;
  const char* slot_label = nullptr;
  std::span<const char* const> slot_names{};
  unsigned first_slot = 0;  // slots below are not reported
  // The family's help; one entry of each family carries it, the others leave it empty.
  const char* help = nullptr;
};

// One counter of group `Group` (WorkerStats, QueueCounters, PortStats, Header,
// ControlInfo, RulesInfo).
template <class Group>
struct CounterDef {
  const char* field;  // member name in the layout
  unsigned slots;     // 0: a scalar; else the array's length in the layout
  uint64_t (*get)(const Group&, unsigned slot);
  void (*set)(Group&, unsigned slot, uint64_t value);  // for tests and tools that fill one
  CounterMeta meta;

  // The reported slots of a named array: [first_slot, number of names).
  unsigned first() const { return meta.first_slot; }
  unsigned end() const { return static_cast<unsigned>(meta.slot_names.size()); }
};

}  // namespace bulwark::api
