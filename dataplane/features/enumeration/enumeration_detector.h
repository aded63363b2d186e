// Enumeration and scraping detection on the main lcore: every worker's reads of object
// endpoints arrive here (ObjectRecord over rings), so one token spread over connections
// and workers is counted once. Per endpoint, client key and tumbling window: the
// distinct object ids read (exact to 32, then HyperLogLog) and the current run of ids in
// sequence (n, n+1, ...; repeats neither break nor extend it), and the response body
// bytes served to it (when the entry counts them). A key at any threshold
// gets a decision for the entry's TTL (enforced: into the block list every worker
// reads). A client reading the same few objects again and again never gets near the id
// checks.
// Keys tracked per entry and window are bounded (counted when full).
// Owner: the main lcore (not thread-safe).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/features/enumeration/object_record.h"
#include "dataplane/inspect/decision_list.h"
#include "dataplane/inspect/detector.h"
#include "dataplane/inspect/hll.h"
#include "rules/lang/rule_model.h"

namespace bulwark::enumeration {

class EnumerationDetector final : public inspect::Detector {
 public:
  // inspect::Detector: reads of object endpoints from every worker.
  const char* name() const override { return "objects"; }
  size_t record_size() const override { return sizeof(ObjectRecord); }
  unsigned ring_size() const override { return 65536; }
  void configure(const inspect::ActiveRules& rules) override;
  void add(const void* record, uint64_t now_unix, std::vector<nlohmann::json>& events) override {
    add(*static_cast<const ObjectRecord*>(record), now_unix, events);
  }
  void publish(api::Header& h) override;

  static constexpr size_t kMaxKeys = 50000;  // per entry and window

  // New entries (a new bundle): counting starts again; decisions already made stay.
  // Records of other rule generations are dropped (entries are matched by position).
  void configure(const std::vector<rules::ObjectPolicy>& entries, uint64_t generation = 0);
  void add(const ObjectRecord& r, uint64_t now_unix, std::vector<nlohmann::json>& events);
  inspect::DecisionList& decisions() override { return decisions_; }
  uint64_t reads() const { return reads_; }
  uint64_t untracked() const { return untracked_; }

 private:
  struct Walk {
    inspect::DistinctCounter ids;
    uint64_t last = 0;
    uint32_t run = 0;
    bool has_last = false;
    uint64_t bytes = 0;  // response body bytes served
  };
  struct Entry {
    rules::ObjectPolicy p;
    uint64_t window_start = 0;
    std::unordered_map<inspect::DecisionKey, Walk, inspect::DecisionKeyHash> walks;
  };
  std::vector<Entry> entries_;
  uint32_t generation_ = 0;
  inspect::DecisionList decisions_{uint64_t{1} << 41};
  uint64_t reads_ = 0, untracked_ = 0;
};

}  // namespace bulwark::enumeration
