// libFuzzer target: Suricata rule import. Any text is imported rule by rule (skips
// reported as "file:line: ..." warnings) or refused with a message; whatever imports
// must compile into a bundle that loads, or be refused by the compiler with a message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rules/lang/bundle.h"
#include "rules/lang/rule_compiler.h"
#include "rules/lang/suricata_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  if (size > 4096) return 0;  // bounded: Hyperscan compile time grows with the patterns
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto set = rules::import_suricata_rules(text, "f.rules", error);
  if (!set) {
    if (error.rfind("f.rules:", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const auto& w : set->warnings)
    if (w.rfind("f.rules:", 0) != 0) __builtin_trap();  // every warning says where
  auto bytes = rules::compile_bundle(*set, 1, error);
  if (!bytes) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  if (!rules::Bundle::load(bytes->data(), bytes->size(), error)) __builtin_trap();
  return 0;
}
