// libFuzzer target: the update-bundle manifest parser (bytes from a bundle of unknown
// origin; the signature is checked over them first, but the parser must hold anyway).
// Any input parses or gives an error; a parsed manifest re-serialises to one that parses
// to the same packages.
#include <cstddef>
#include <cstdint>
#include <string>

#include "control/update/update_manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark::update;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto m = parse_manifest(text, error);
  if (!m) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  auto again = parse_manifest(manifest_json(*m), error);
  if (!again || again->version != m->version || again->packages.size() != m->packages.size())
    __builtin_trap();
  for (size_t i = 0; i < m->packages.size(); ++i)
    if (again->packages[i].file != m->packages[i].file ||
        again->packages[i].sha256 != m->packages[i].sha256)
      __builtin_trap();
  return 0;
}
