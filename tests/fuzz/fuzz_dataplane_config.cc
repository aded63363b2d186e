// libFuzzer target: the dataplane's YAML configuration parser and validator. Any
// input must either parse or produce an error naming a line; never crash or throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto cfg = bulwark::parse_dataplane_config(text, "fuzz.yaml", error);
  if (!cfg) {
    if (error.rfind("fuzz.yaml:", 0) != 0) __builtin_trap();
    return 0;
  }
  bulwark::validate_dataplane_config(*cfg, error);
  std::vector<unsigned> cores;
  bulwark::parse_core_list(text.substr(0, 64), cores);
  return 0;
}
