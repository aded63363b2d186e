// Shell completion for bulwarkctl (bash), printed by `bulwarkctl completion bash`: the
// global options from the app, the subcommands and each one's options from the command
// table (file names where an option takes a file, and any words a row offers).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "control/protocol/command_row.h"

namespace bulwark::cli {

std::string bash_completion(const CLI::App& app, const control::protocol::CommandSet& table);

}  // namespace bulwark::cli
