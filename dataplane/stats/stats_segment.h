// Creates the shared-memory stats segment and owns its lifetime (unlinked at exit
// unless keep() was called).
#pragma once

#include <string>

#include "dataplane/api/stats_layout.h"

namespace bulwark::dp {

class StatsSegment {
 public:
  StatsSegment() = default;
  ~StatsSegment();
  StatsSegment(const StatsSegment&) = delete;
  StatsSegment& operator=(const StatsSegment&) = delete;

  // Creates (or replaces a stale) segment `name` (e.g. "/bulwark-stats") readable by
  // all local users, zeroed, with the header filled in. Returns false and sets `error`.
  bool create(const std::string& name, unsigned workers, std::string& error);
  api::Segment* get() { return seg_; }
  // Leave the segment in place at exit so final counters can be read afterwards.
  void keep() { keep_ = true; }

 private:
  std::string name_;
  api::Segment* seg_ = nullptr;
  bool keep_ = false;
};

}  // namespace bulwark::dp
