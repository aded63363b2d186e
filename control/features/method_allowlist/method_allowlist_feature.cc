// bulwark-control's method allow-list feature: answers `methods` from the active rule
// version's method_allowlist section (rules/features/method_allowlist/) and the
// dataplane's counters. It keeps no state of its own: the rules are the configuration.
#include "control/control_feature.h"
#include "control/features/method_allowlist/method_allowlist_commands.h"
#include "rules/features/method_allowlist/method_allowlist_section.h"

namespace bulwark::control::method_allowlist {

using protocol::Error;
using protocol::json;
using protocol::reply_error;
using protocol::reply_ok;
namespace section = rules::method_allowlist;

namespace {

class MethodAllowlistFeature : public ControlFeature, public MethodAllowlistCommands {
 public:
  explicit MethodAllowlistFeature(const FeatureContext& ctx) : ctx_(ctx) {}
  bool start(const ControlConfig&, std::string&) override { return true; }

  json methods(const Request&) override {
    uint64_t version = 0;
    std::string error;
    const auto bundle = ctx_.active_bundle(version, error);
    if (!bundle)
      return reply_error(Error::not_found,
                         "active rules version " + std::to_string(version) + ": " + error);
    json out = {{"version", version}, {"endpoints", json::array()}};
    if (const auto* s = bundle->sections.get<section::MethodAllowlist>(section::kSection)) {
      out["mode"] = s->mode == rules::Mode::monitor ? "monitor" : "enforce";
      for (const auto& e : s->endpoints)
        out["endpoints"].push_back(
            {{"path", e.path}, {"methods", e.methods}, {"allow", e.allow}, {"origin", e.origin}});
    }
    if (const auto stats = ctx_.stats(error)) {
      const json& t = (*stats)["total"]["method_allowlist"];
      out["requests"] = {{"refused", t.value("refused", uint64_t{0})},
                         {"monitored", t.value("monitored", uint64_t{0})}};
    } else {
      out["requests_error"] = error;
    }
    return reply_ok(out);
  }

 private:
  FeatureContext ctx_;
};

}  // namespace

std::unique_ptr<ControlFeature> MethodAllowlistCommands::make(const FeatureContext& ctx) {
  return std::make_unique<MethodAllowlistFeature>(ctx);
}

}  // namespace bulwark::control::method_allowlist
