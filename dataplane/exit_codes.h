// bulwark-dataplane exit codes (documented in docs/cli.md#bulwark-dataplane; keep them stable).
#pragma once

namespace bulwark::dp {

enum ExitCode : int {
  kExitOk = 0,           // stopped by SIGINT/SIGTERM after forwarding
  kExitRuntime = 1,      // failure while running (a worker failed)
  kExitUsage = 2,        // bad command line or configuration file
  kExitEnvironment = 3,  // machine not ready: cores, hugepages, devices
  kExitDpdk = 4,         // DPDK initialisation or port bring-up failed
};

}  // namespace bulwark::dp
