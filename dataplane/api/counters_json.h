// The stats segment's counters as JSON, from the counter tables (counter_tables.h):
// each counter at its table path, with the shapes stats_to_json has always had.
#pragma once

#include <nlohmann/json.hpp>

#include "dataplane/api/stats_layout.h"

namespace bulwark::api {

// One worker's counters (its queues included; not its top flows). `limits`: rate limits
// of the active bundle (0 without one), the length of the per-limit arrays.
nlohmann::json worker_counters_json(const WorkerStats& w, uint32_t limits);
// The same summed over workers [0, n), without what does not add up (maxima, ids).
nlohmann::json total_counters_json(const Segment& seg, unsigned n, uint32_t limits);
// A port's counters, into its object.
void put_port_counters(nlohmann::json& port, const PortStats& p);
// The header's, the control socket's and the rule bundle's counters, per-rule hits
// ("rules.hits" by rule id) and per-limit requests ("limits.by_id"), summed over
// workers [0, n), into the top object.
void put_segment_counters(nlohmann::json& j, const Segment& seg, unsigned n, uint32_t limits);

}  // namespace bulwark::api
