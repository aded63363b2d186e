// The command table from the core's and the features' rows (see command_table.h).
#include "control/command_table.h"

#include "control/core_commands.h"
#include "control/features/control_features.h"

namespace bulwark::control {

const protocol::CommandSet& command_table() {
  static const protocol::CommandSet table = [] {
    protocol::CommandSet t = CoreCommands::commands();
    for_each_control_feature([&]<class C>() {
      const protocol::CommandSet& f = C::commands();
      t.groups.insert(t.groups.end(), f.groups.begin(), f.groups.end());
      t.rows.insert(t.rows.end(), f.rows.begin(), f.rows.end());
    });
    return t;
  }();
  return table;
}

}  // namespace bulwark::control
