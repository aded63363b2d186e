// The command table: the core's rows, then each feature's (features/control_features.h),
// in bulwarkctl's order. Both binaries use it: bulwarkctl builds its subcommands, bash
// completion and output from it, bulwark-control's dispatch binds the same rows to the
// objects that answer them.
#pragma once

#include "control/protocol/command_row.h"

namespace bulwark::control {

const protocol::CommandSet& command_table();

}  // namespace bulwark::control
