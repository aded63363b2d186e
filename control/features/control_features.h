// Every feature of bulwark-control, one line each (and its include). bulwark-control
// makes each feature's object and binds the feature's rows to it (controller.cc); the
// command table both binaries use takes each feature's rows from here
// (command_table.cc). A new feature: its folder under features/, its line here, its name
// in features/meson.build.
#pragma once

#include "control/features/blocklist/blocklist_commands.h"
#include "control/features/discovery/discovery_commands.h"
#include "control/features/method_allowlist/method_allowlist_commands.h"

namespace bulwark::control {

// Calls visit.template operator()<Commands>() with each feature's command interface, in
// bulwarkctl's order.
template <class Visit>
void for_each_control_feature(Visit&& visit) {
  visit.template operator()<blocklist::BlocklistCommands>();
  visit.template operator()<discovery::DiscoveryCommands>();
  visit.template operator()<method_allowlist::MethodAllowlistCommands>();
}

}  // namespace bulwark::control
