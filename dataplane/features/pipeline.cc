// The features this dataplane runs: the one file that names every feature. The request
// pipeline below is the order in which a request is judged; each stage's header says
// what it reads and writes of the request context (inspect/request.h). The main-lcore
// parts are what the features run once per dataplane (detectors, exchanges, key
// rotation). Adding a feature: its folder, one line here.
#include "dataplane/features/blocklist/blocklist_stage.h"
#include "dataplane/features/challenge/challenge_stage.h"
#include "dataplane/features/challenge/clearance_keys.h"
#include "dataplane/features/consistency/consistency_stage.h"
#include "dataplane/features/discovery/api_observer.h"
#include "dataplane/features/discovery/discovery_stage.h"
#include "dataplane/features/enumeration/enumeration_detector.h"
#include "dataplane/features/enumeration/enumeration_stage.h"
#include "dataplane/features/login_guard/login_guard_stage.h"
#include "dataplane/features/login_guard/stuffing_detector.h"
#include "dataplane/features/method_allowlist/method_allowlist_stage.h"
#include "dataplane/features/ratelimit/limit_exchange.h"
#include "dataplane/features/ratelimit/ratelimit_stage.h"
#include "dataplane/features/signatures/signatures_stage.h"
#include "dataplane/features/smuggling/smuggling_stage.h"
#include "dataplane/features/tls_fingerprint/tls_fingerprint_stage.h"
#include "dataplane/inspect/identity_stage.h"
#include "dataplane/inspect/stage_list.h"

namespace bulwark::inspect {
namespace {

using Stages = StageList<tls_fingerprint::TlsFingerprintStage,  // TLS ports: JA3/JA4 for the
                                                                // client_hello hooks
                         smuggling::SmugglingStage,  // request smuggling signs: the anomaly policy
                         IdentityStage,              // who the client is (through trusted proxies)
                         blocklist::BlocklistStage,  // the operator's block list and the decisions
                         NormaliseStage,             // the normalised request the rules read
                         method_allowlist::MethodAllowlistStage,  // methods each endpoint serves
                         discovery::DiscoveryStage,      // each call followed for the API inventory
                         login_guard::LoginGuardStage,   // login outcomes; the login guard
                         enumeration::EnumerationStage,  // reads of object endpoints
                         signatures::SignaturesStage,    // signature rules: the request's verdict
                         challenge::ChallengeStage,  // a valid clearance passes a challenge rule
                         consistency::ConsistencyStage,  // browser claims scored
                         ratelimit::RateLimitStage,      // rate limits
                         VerdictStage>;                  // the verdict carried out

class Features final : public FeatureSet {
 public:
  Features() {
    parts_.add<challenge::ClearanceKeyRotation>();
    parts_.add<ratelimit::LimitExchange>();
    parts_.add<login_guard::StuffingDetector>();
    parts_.add<enumeration::EnumerationDetector>();
    parts_.add<discovery::ApiObserver>();
  }
  MainParts& parts() override { return parts_; }
  std::unique_ptr<Pipeline> make_pipeline(const StageEnv& env) override {
    return std::make_unique<Stages>(env);
  }
  bool prepare(ActiveRules& rules, const PrepareEnv& env, std::string& error) override {
    return Stages::prepare(rules, env, error);
  }

 private:
  MainParts parts_;
};

}  // namespace

std::unique_ptr<FeatureSet> make_features() { return std::make_unique<Features>(); }

}  // namespace bulwark::inspect
