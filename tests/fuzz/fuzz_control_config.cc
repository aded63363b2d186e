// libFuzzer target: bulwark-control's configuration parser (what `config edit` stages).
// Any input must parse or give an error naming a line; never crash or throw.
#include <cstddef>
#include <cstdint>
#include <string>

#include "control/control_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (!bulwark::control::parse_control_config(text, "fuzz.yaml", error) &&
      error.rfind("fuzz.yaml:", 0) != 0)
    __builtin_trap();
  return 0;
}
