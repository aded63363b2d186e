// The core's command set: its rows in bulwarkctl's order and the groups they form.
#include "control/core_commands.h"

namespace bulwark::control {

const protocol::CommandSet& CoreCommands::commands() {
  static const protocol::CommandSet set = [] {
    protocol::CommandSet s;
    s.groups = {{"rules", "detection rules of the active version"},
                {"config", "configuration versions"}};
    for (auto part : {status_rows(), rules_rows(), config_rows(), events_rows()})
      for (auto& row : part) s.rows.push_back(std::move(row));
    return s;
  }();
  return set;
}

}  // namespace bulwark::control
