// Bulk extraction of personal data, on the main lcore: every worker's observed API calls
// arrive here (discover::ApiRecord over rings), so one client spread over connections
// and workers is counted once. Per client key and tumbling window: the sensitive
// records its responses carried (per response, the largest count of any one class: a
// page of 50 customers with e-mail, phone and card is 50 records) and the distinct
// objects it read (endpoint template + id values; exact to 32, then HyperLogLog). A key
// over either limit gets a decision for the policy's TTL (enforced ones go into the
// block list every worker reads) and an `extraction` event.
// Keys tracked per window are bounded (counted when full).
// Owner: the main lcore (not thread-safe).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "dataplane/features/discovery/api_record.h"
#include "dataplane/inspect/decision_list.h"
#include "dataplane/inspect/hll.h"
#include "rules/lang/rule_model.h"

namespace bulwark::discovery {

class ExtractionDetector {
 public:
  static constexpr size_t kMaxKeys = 50000;  // per window

  // A new bundle: counting starts again; decisions are dropped (the policy may have been
  // turned off or to monitor mode). Records of other generations are not counted.
  void configure(const rules::ExtractionPolicy& p, uint64_t generation);
  void add(const discovery::ApiRecord& r, uint64_t now_unix, std::vector<nlohmann::json>& events);
  inspect::DecisionList& decisions() { return decisions_; }
  uint64_t untracked() const { return untracked_; }

  // Records in one response: the largest count of any class.
  static uint32_t records_of(const discovery::ApiRecord& r);

 private:
  struct Reader {
    uint64_t records = 0;
    inspect::DistinctCounter objects;
  };
  rules::ExtractionPolicy p_;
  uint32_t generation_ = 0;
  uint64_t window_start_ = 0;
  std::unordered_map<inspect::DecisionKey, Reader, inspect::DecisionKeyHash> readers_;
  inspect::DecisionList decisions_{uint64_t{1} << 42};
  uint64_t untracked_ = 0;
};

}  // namespace bulwark::discovery
