// libFuzzer target: the dataplane's YAML configuration parser and validator, and its
// CPU- and port-list parsers. Any input must either parse or produce an error naming a
// line; never crash or throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"
#include "dataplane/api/port_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto cfg = bulwark::api::parse_dataplane_config(text, "fuzz.yaml", error);
  if (!cfg) {
    if (error.rfind("fuzz.yaml:", 0) != 0) __builtin_trap();
    return 0;
  }
  bulwark::api::validate_dataplane_config(*cfg, error);
  std::vector<unsigned> cores;
  bulwark::api::parse_core_list(text.substr(0, 64), cores);
  std::vector<uint16_t> ports;
  bulwark::api::parse_port_list(text.substr(0, 64), ports, error);
  return 0;
}
