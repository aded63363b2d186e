// The stats segment's counters as Prometheus samples, from the counter tables
// (dataplane/api/counter_tables.h): each counter in its family, with its labels, in base
// units, one sample per worker or summed over workers as its table entry says.
#pragma once

#include <cstdint>

#include "control/metric_families.h"
#include "dataplane/api/stats_layout.h"

namespace bulwark::control {

// `top_rules`: how many of the most-matched rules get a sample of their own.
void add_counter_series(Families& f, const api::Segment& seg, uint32_t top_rules);

}  // namespace bulwark::control
