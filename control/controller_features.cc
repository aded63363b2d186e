// The features' objects and the command rows bound to them: the core's rows to the
// Controller, each feature's to its own object (see control_feature.h and
// features/control_features.h).
#include <stdexcept>

#include "control/controller.h"
#include "control/features/control_features.h"

namespace bulwark::control {

bool Controller::make_features(std::string& error) {
  const FeatureContext ctx{link_,
                           events_,
                           opts_.state_dir,
                           opts_.version,
                           [this] { return config(); },
                           [this](uint64_t& version, std::string& error) {
                             version = store_.active();
                             return rules::Bundle::load_file(store_.bundle_path(version), error);
                           },
                           [this](std::string& error) { return stats_json(error); }};
  try {
    dispatch_.bind<CoreCommands>(*this);
    for_each_control_feature([&]<class C>() {
      std::unique_ptr<ControlFeature> f = C::make(ctx);
      // The feature's object implements both interfaces.
      dispatch_.bind<C>(dynamic_cast<C&>(*f));
      features_.push_back(std::move(f));
    });
  } catch (const std::exception& e) {
    error = std::string("cannot set up the commands: ") + e.what();
    return false;
  }
  return true;
}

}  // namespace bulwark::control
