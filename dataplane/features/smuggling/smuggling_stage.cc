// The smuggling policy (see smuggling_stage.h).
#include "dataplane/features/smuggling/smuggling_stage.h"

#include "dataplane/inspect/inspector.h"
#include "dataplane/proto/http_message.h"

namespace bulwark::smuggling {
namespace {

// Signs that a chain of parsers could disagree about where a request ends: what the
// smuggling policy acts on.
constexpr uint32_t kSmugglingSigns =
    proto::kHttpCLandTE | proto::kHttpDuplicateCL | proto::kHttpConflictingCL | proto::kHttpBadCL |
    proto::kHttpBadTE | proto::kHttpBadChunkSize | proto::kHttpBareLF | proto::kHttpNulInHead |
    proto::kHttpLongLine | proto::kHttpHeadTooLarge | proto::kHttpObsFold |
    proto::kHttpSpaceBeforeColon | proto::kHttpBadChunkEnd;

}  // namespace

SmugglingStage::SmugglingStage(const inspect::StageEnv& env)
    : core_(env.core), st_(env.st), block_(env.cfg.smuggling == api::AnomalyPolicy::block) {}

inspect::Next SmugglingStage::on_request_head(inspect::Request& r) {
  if (!(r.head->anomalies & kSmugglingSigns)) return inspect::Next::go;
  apply(r, r.head->anomalies, r.head);
  return r.s->cut ? inspect::Next::stop : inspect::Next::go;
}

void SmugglingStage::on_anomaly(inspect::Request& r, uint32_t anomalies) {
  apply(r, anomalies, nullptr);
}

void SmugglingStage::apply(inspect::Request& r, uint32_t anomalies, const proto::HttpHead* head) {
  const uint32_t signs = anomalies & kSmugglingSigns;
  if (!signs || !r.to_server) return;
  core_.event(r, inspect::EventType::smuggling, 0, block_ ? 0 : 2, 0, block_, signs, 0, head);
  if (block_) {
    st_.anomaly_blocks.add(1);
    core_.cut(r, {});
  }
}

}  // namespace bulwark::smuggling
