// Checks the machine before DPDK starts, so an operator gets a specific message with
// the fix instead of an EAL failure: cores, hugepages, devices.
#pragma once

#include <string>
#include <vector>

#include "dataplane/api/dataplane_config.h"

namespace bulwark::dp {

struct EnvironmentReport {
  std::vector<std::string> errors;    // each stops start-up
  std::vector<std::string> warnings;  // printed, start-up continues
};

EnvironmentReport check_environment(const api::DataplaneConfig& cfg);

// Adds the configured cores to this process's CPU affinity. isolcpus= keeps isolated
// CPUs out of every process's default set (systemd's units included), and the workers'
// cores are meant to be isolated. False if the kernel refuses (a core that does not
// exist, or a cpuset without it): check_environment() then says which core.
bool claim_configured_cores(const api::DataplaneConfig& cfg);

}  // namespace bulwark::dp
