// Read-only view of the dataplane's stats segment, and its JSON rendering (per port,
// per queue, per worker, and totals). Used by bulwark-statsdump, tests and, later,
// bulwark-control's /metrics.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "dataplane/api/stats_layout.h"

namespace bulwark::api {

class StatsReader {
 public:
  StatsReader() = default;
  ~StatsReader();
  StatsReader(const StatsReader&) = delete;
  StatsReader& operator=(const StatsReader&) = delete;

  // Maps segment `name` read-only and checks magic and layout version.
  bool open(const std::string& name, std::string& error);
  const api::Segment& segment() const { return *seg_; }

 private:
  const api::Segment* seg_ = nullptr;
};

nlohmann::json stats_to_json(const api::Segment& seg);

}  // namespace bulwark::api
