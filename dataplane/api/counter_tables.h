// The counter tables: one CounterDef (counter_def.h) per counter of each block of the
// stats segment, generated from the block's counter list (counters_*.h), in layout
// order. stats_to_json, bulwark-control's /metrics, bulwark-counters-doc and the unit
// tests walk these tables instead of naming counters themselves.
#pragma once

#include <span>

#include "dataplane/api/counter_def.h"
#include "dataplane/api/stats_layout.h"

namespace bulwark::api {

std::span<const CounterDef<WorkerStats>> worker_counters();
std::span<const CounterDef<QueueCounters>> queue_counters();
std::span<const CounterDef<PortStats>> port_counters();
std::span<const CounterDef<Header>> main_counters();
std::span<const CounterDef<ControlInfo>> control_counters();
std::span<const CounterDef<RulesInfo>> rules_counters();

}  // namespace bulwark::api
