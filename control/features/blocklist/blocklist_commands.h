// The block list's commands (block add, remove, list): the interface bulwark-control's
// block list feature implements (blocklist_feature.h), and the rows bulwarkctl and the
// server share (blocklist_rows.cc).
#pragma once

#include <memory>

#include "control/protocol/command_row.h"
#include "control/protocol/request.h"

namespace bulwark::control {
class ControlFeature;
struct FeatureContext;
}  // namespace bulwark::control

namespace bulwark::control::blocklist {

class BlocklistCommands : public protocol::CommandHost {
 public:
  virtual json block_add(const Request& r) = 0;
  virtual json block_remove(const Request& r) = 0;
  virtual json block_list(const Request& r) = 0;

  // The rows and their group (blocklist_rows.cc).
  static const protocol::CommandSet& commands();
  // bulwark-control's block list feature (blocklist_feature.cc: only the server links it).
  static std::unique_ptr<ControlFeature> make(const FeatureContext& ctx);
};

}  // namespace bulwark::control::blocklist
