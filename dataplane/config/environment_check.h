// Checks the machine before DPDK starts, so an operator gets a specific message with
// the fix instead of an EAL failure: cores, hugepages, devices.
#pragma once

#include <string>
#include <vector>

#include "dataplane/config/dataplane_config.h"

namespace bulwark {

struct EnvironmentReport {
  std::vector<std::string> errors;    // each stops start-up
  std::vector<std::string> warnings;  // printed, start-up continues
};

EnvironmentReport check_environment(const DataplaneConfig& cfg);

// Adds the configured cores to this process's CPU affinity. isolcpus= keeps isolated
// CPUs out of every process's default set (systemd's units included), and the workers'
// cores are meant to be isolated. False if the kernel refuses (a core that does not
// exist, or a cpuset without it): check_environment() then says which core.
bool claim_configured_cores(const DataplaneConfig& cfg);

// True if `dev` names a virtual device ("net_xxx..."), false for a PCI address.
bool is_vdev(const std::string& dev);
// The DPDK port name of a device string: the part before the first comma.
std::string device_port_name(const std::string& dev);
// The full PCI address (0000:01:00.0) of a PCI device string (01:00.0,devargs).
std::string pci_address(const std::string& dev);

}  // namespace bulwark
