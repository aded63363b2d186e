// The counter tables, built from the counter lists (see counter_tables.h). Each entry's
// get/set are captureless lambdas turned into function pointers, so the tables are
// constant data.
#include "dataplane/api/counter_tables.h"

#include <algorithm>

namespace bulwark::api {
namespace {

uint64_t read(const Counter& c) { return c.get(); }
// RulesInfo::generation: acquire, so that the fields written before it are visible.
uint64_t read(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_acquire); }
uint64_t read(uint64_t v) { return v; }

void write(Counter& c, uint64_t v) { c.set(v); }
void write(std::atomic<uint64_t>& a, uint64_t v) { a.store(v, std::memory_order_release); }
void write(uint64_t& f, uint64_t v) { f = v; }
void write(uint32_t& f, uint64_t v) { f = static_cast<uint32_t>(v); }

#define BULWARK_COUNTER(field, ...)                                              \
  {#field, 0, [](const auto& s, unsigned) -> uint64_t { return read(s.field); }, \
   [](auto& s, unsigned, uint64_t v) { write(s.field, v); }, CounterMeta{__VA_ARGS__}},
#define BULWARK_COUNTER_ARRAY(field, slots, ...)                                          \
  {#field, slots, [](const auto& s, unsigned i) -> uint64_t { return read(s.field[i]); }, \
   [](auto& s, unsigned i, uint64_t v) { write(s.field[i], v); }, CounterMeta{__VA_ARGS__}},
#define BULWARK_FIELD(type, field, ...) BULWARK_COUNTER(field, __VA_ARGS__)

constexpr CounterDef<WorkerStats> kWorker[] = {
#include "dataplane/api/counters_worker.h"
};
constexpr CounterDef<QueueCounters> kQueue[] = {
#include "dataplane/api/counters_queue.h"
};
constexpr CounterDef<PortStats> kPort[] = {
#include "dataplane/api/counters_port.h"
};
constexpr CounterDef<Header> kMain[] = {
#include "dataplane/api/counters_main.h"
};
constexpr CounterDef<ControlInfo> kControl[] = {
#include "dataplane/api/counters_control.h"
};
constexpr CounterDef<RulesInfo> kRules[] = {
#include "dataplane/api/counters_rules.h"
};

#undef BULWARK_COUNTER
#undef BULWARK_COUNTER_ARRAY
#undef BULWARK_FIELD

// Every counter has a JSON path and a Prometheus family; arrays name their slots.
template <class G, size_t N>
constexpr bool complete(const CounterDef<G> (&defs)[N]) {
  return std::all_of(defs, defs + N, [](const CounterDef<G>& d) {
    const bool named = d.meta.slot_key != SlotKey::name || d.slots == 0 ||
                       (!d.meta.slot_names.empty() && d.meta.slot_names.size() <= d.slots);
    return d.meta.json && d.meta.series && named && (d.slots == 0 || d.meta.slot_label);
  });
}
static_assert(complete(kWorker) && complete(kQueue) && complete(kPort) && complete(kMain) &&
              complete(kControl) && complete(kRules));

}  // namespace

std::span<const CounterDef<WorkerStats>> worker_counters() { return kWorker; }
std::span<const CounterDef<QueueCounters>> queue_counters() { return kQueue; }
std::span<const CounterDef<PortStats>> port_counters() { return kPort; }
std::span<const CounterDef<Header>> main_counters() { return kMain; }
std::span<const CounterDef<ControlInfo>> control_counters() { return kControl; }
std::span<const CounterDef<RulesInfo>> rules_counters() { return kRules; }

}  // namespace bulwark::api
