// The method allow-list's command (methods): the interface bulwark-control's feature
// implements (method_allowlist_feature.cc), and the row bulwarkctl and the server share
// (method_allowlist_rows.cc).
#pragma once

#include <memory>

#include "control/protocol/command_row.h"
#include "control/protocol/request.h"

namespace bulwark::control {
class ControlFeature;
struct FeatureContext;
}  // namespace bulwark::control

namespace bulwark::control::method_allowlist {

class MethodAllowlistCommands : public protocol::CommandHost {
 public:
  virtual json methods(const Request& r) = 0;

  // The row (method_allowlist_rows.cc).
  static const protocol::CommandSet& commands();
  // bulwark-control's feature (method_allowlist_feature.cc: only the server links it).
  static std::unique_ptr<ControlFeature> make(const FeatureContext& ctx);
};

}  // namespace bulwark::control::method_allowlist
