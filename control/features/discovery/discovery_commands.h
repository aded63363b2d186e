// The API inventory's commands (api list, show, export, diff): the interface
// bulwark-control's discovery feature implements (discovery_feature.h), and the rows
// bulwarkctl and the server share (discovery_rows.cc).
#pragma once

#include <memory>

#include "control/protocol/command_row.h"
#include "control/protocol/request.h"

namespace bulwark::control {
class ControlFeature;
struct FeatureContext;
}  // namespace bulwark::control

namespace bulwark::control::discovery {

class DiscoveryCommands : public protocol::CommandHost {
 public:
  virtual json api_list(const Request& r) = 0;
  virtual json api_show(const Request& r) = 0;
  virtual json api_export(const Request& r) = 0;
  virtual json api_diff(const Request& r) = 0;

  // The rows and their group (discovery_rows.cc).
  static const protocol::CommandSet& commands();
  // bulwark-control's discovery feature (discovery_feature.cc: only the server links it).
  static std::unique_ptr<ControlFeature> make(const FeatureContext& ctx);
};

}  // namespace bulwark::control::discovery
