// Compiles the discovery policy into its part of a bundle: the settings, the class
// table and one Hyperscan streaming database of every class's patterns.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "rules/lang/rule_model.h"

namespace bulwark::rules::discovery {

// nullopt and "file:line: reason" if a pattern does not compile or the policy needs
// what the identity section does not provide.
std::optional<nlohmann::json> compile_discovery(const rules::RuleSet& set, std::string& error);

}  // namespace bulwark::rules::discovery
