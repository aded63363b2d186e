// See eal_fixture.h.
#include "tests/unit/eal_fixture.h"

#include <rte_eal.h>

#include <cstdio>
#include <cstdlib>

namespace bulwark::test {

void ensure_eal() {
  static const bool ok = [] {
    const char* argv[] = {
        "bulwark-unit-tests", "--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--no-telemetry",
        "--log-level",        "*:error",   "-l", "0"};
    if (rte_eal_init(static_cast<int>(sizeof argv / sizeof *argv), const_cast<char**>(argv)) < 0) {
      std::fprintf(stderr, "EAL init failed\n");
      std::abort();
    }
    return true;
  }();
  (void)ok;
}

}  // namespace bulwark::test
