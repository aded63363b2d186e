// Compile-time checks that the label tables of the stats segment's array counters
// (dataplane/api/counter_labels.h) have one name per value of the enum that indexes each
// array. The enums stay with their code (proto/, features/, rules/lang/); the api cannot
// include those, so the check lives here, on the dataplane side.
#include <iterator>

#include "dataplane/api/counter_labels.h"
#include "dataplane/api/integrity_policy.h"
#include "dataplane/api/stats_layout.h"
#include "dataplane/inspect/block_set.h"
#include "dataplane/inspect/inspector.h"
#include "dataplane/proto/http_message.h"
#include "dataplane/proto/http_normalize.h"
#include "dataplane/proto/packet_info.h"
#include "dataplane/proto/tcp_state.h"
#include "rules/lang/rule_model.h"

namespace bulwark::dp {

template <class Enum, unsigned N>
constexpr bool one_name_each(const char* const (&)[N]) {
  return N == static_cast<unsigned>(Enum::count_);
}

static_assert(one_name_each<proto::ParseStatus>(api::kParseStatusNames));
static_assert(one_name_each<proto::TimeoutClass>(api::kTimeoutClassNames));
static_assert(one_name_each<proto::FlowState>(api::kFlowStateNames));
static_assert(one_name_each<inspect::BlockKind>(api::kBlocklistKindNames));
static_assert(rules::kMaxLimits <= api::kMaxLimitSlots);  // a stats slot per limit
static_assert(one_name_each<rules::Signal>(api::kConsistencySignalNames));
// HttpAnomaly is a bit set: one name per bit, the last bit the last name.
static_assert(std::size(api::kHttpAnomalyNames) == proto::kHttpAnomalyCount);
static_assert(proto::kHttpBadVersion == 1u << (proto::kHttpAnomalyCount - 1));
static_assert(one_name_each<api::IntegrityCause>(api::kIntegrityCauseNames));
static_assert(one_name_each<inspect::SegmentReject>(api::kSegmentRejectNames));
static_assert(std::size(api::kPathSignNames) == proto::kPathFlagCount);

}  // namespace bulwark::dp
