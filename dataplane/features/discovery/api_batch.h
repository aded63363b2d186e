// The main lcore's fold of observed API calls between two sends to bulwark-control
// (about once a second): one line per host + method + templated path with counts,
// status classes, media types, size summaries, query parameter names, credentials and
// sensitive-data classes. Bounded: past kMaxEndpoints lines a call is folded into one
// overflow line per batch and counted. The line format is what control/inventory ingests
// ({"type": "api_observations", ...}; see inventory.h).
// Owner: the main lcore (not thread-safe).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/features/discovery/api_record.h"

namespace bulwark::discovery {

class ApiBatch {
 public:
  static constexpr size_t kMaxEndpoints = 4096;
  static constexpr size_t kMaxTypes = 8;    // media types per line
  static constexpr size_t kMaxParams = 32;  // query names per line

  // Class names of the rules generation records must carry to have their sensitive
  // counts used (others are taken as unscanned).
  void set_classes(const std::vector<std::string>& names, uint64_t generation);
  void add(const ApiRecord& r);
  bool empty() const { return lines_.empty() && overflow_ == 0; }
  bool full() const { return lines_.size() >= kMaxEndpoints; }
  // The batch as one JSON text, and starts a new one.
  std::string take(uint64_t now_unix);
  size_t lines() const { return lines_.size(); }
  uint64_t overflow() const { return overflow_; }

 private:
  struct Size {
    uint64_t min = UINT64_MAX, max = 0, sum = 0;
    void add(uint64_t v);
  };
  struct Line {
    std::string host, method, path;
    uint64_t count = 0, first = 0, last = 0, unscanned = 0;
    uint64_t not_found = 0;   // calls answered 404
    uint64_t status[6] = {};  // none, 1xx .. 5xx
    std::map<std::string, uint64_t> types;
    Size request, response;
    std::set<std::string> query;
    uint64_t auth[4] = {};  // authorization, api_key, session, none
    uint64_t records[kMaxClasses] = {}, responses[kMaxClasses] = {};
  };
  std::unordered_map<std::string, Line> lines_;
  uint64_t overflow_ = 0;
  std::vector<std::string> classes_;
  uint32_t generation_ = 0;
};

}  // namespace bulwark::discovery
