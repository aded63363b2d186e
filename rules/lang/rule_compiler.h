// Compiles a rule set into bundle bytes (format in dataplane/detect/bundle.h): every
// pattern test of every rule goes into one Hyperscan database per field (multi-pattern,
// scanned once per request and field; the body's is a streaming database), condition
// trees are flattened, and the content is hashed. Errors name the rule's file and line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/lang/rule_model.h"

namespace bulwark::rules {

struct CompileStats {
  size_t rules = 0, leaves = 0, databases = 0, bundle_bytes = 0;
  std::string sha256;
};

std::optional<std::vector<uint8_t>> compile_bundle(const RuleSet& set, uint64_t version,
                                                   std::string& error,
                                                   CompileStats* stats = nullptr);

}  // namespace bulwark::rules
