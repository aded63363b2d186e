// bulwark-tuning-check's checks: does a running box have the boot-time tuning the
// appliance image sets for the dataplane (hugepages, isolated worker cores, IOMMU and
// vfio-pci, IRQs kept off the workers, sysctls, CPU governor)? Everything is read from
// files under a root directory ("/" on a box; a fixture tree in tests), and any content
// of those files gives an ok/warn/FAIL result, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"

namespace bulwark::tuning {

enum class Status { ok, warn, fail };

// "ok", "warn", "FAIL" (the text of the human output).
const char* status_text(Status s);

struct CheckResult {
  std::string check;  // short name, e.g. "isolated-cores"
  Status status = Status::ok;
  std::string detail;  // what was found
  std::string fix;     // what to do (empty when ok)
};

struct TuningOptions {
  std::string root = "/";           // /proc and /sys are read under this directory
  uint64_t min_hugepages_mb = 512;  // hugepage memory reserved at least
};

// A sysctl the image sets in /etc/sysctl.d/60-bulwark.conf.
struct ExpectedSysctl {
  const char* key;    // e.g. "vm.swappiness"
  const char* value;  // e.g. "0"
  bool optional;      // skipped where the kernel has no such file
};
extern const std::vector<ExpectedSysctl> kExpectedSysctls;

// Runs every check, in a fixed order.
std::vector<CheckResult> run_tuning_checks(const api::DataplaneConfig& cfg,
                                           const TuningOptions& opt);

// 1 if any result is FAIL, else 0.
int exit_status(const std::vector<CheckResult>& results);

// One line per result ("FAIL  check: detail", then "  fix: ..." when not ok) and a summary.
std::string format_text(const std::vector<CheckResult>& results);
// A JSON array of {check, status ("ok"/"warn"/"fail"), detail, fix}.
std::string format_json(const std::vector<CheckResult>& results);

// The kernel command line the image uses for this configuration. irqaffinity= lists the
// CPUs present under `root` (/sys/devices/system/cpu/present) minus the workers; where
// that file cannot be read, CPUs 0 up to the highest configured core.
std::string expected_cmdline(const api::DataplaneConfig& cfg, const std::string& root,
                             uint64_t min_hugepages_mb);

}  // namespace bulwark::tuning
