// Pre-flight checks of cores, hugepages and devices (see environment_check.h).
#include "dataplane/api/environment_check.h"

#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace bulwark::dp {
namespace fs = std::filesystem;

namespace {

std::string allowed_cpus_text(const cpu_set_t& set) {
  std::ostringstream o;
  bool first = true;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &set)) continue;
    o << (first ? "" : ",") << c;
    first = false;
  }
  return o.str();
}

// Values of `key=` arguments in a vdev string (a key may repeat, e.g. tx_pcap).
std::vector<std::string> vdev_args(const std::string& dev, const std::string& key) {
  std::vector<std::string> out;
  std::stringstream ss(dev);
  std::string part;
  std::getline(ss, part, ',');  // driver name
  while (std::getline(ss, part, ','))
    if (part.rfind(key + "=", 0) == 0) out.push_back(part.substr(key.size() + 1));
  return out;
}

// Receive queues the kernel gives an interface (sysfs of this network namespace).
unsigned kernel_rx_queues(const std::string& ifname) {
  unsigned n = 0;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/sys/class/net/" + ifname + "/queues", ec))
    n += d.path().filename().string().rfind("rx-", 0) == 0;
  return n;
}

// net_af_xdp binds queues [start_queue, start_queue + queue_count) only: frames the
// kernel puts on any other queue bypass the dataplane and are lost (or worse, reach
// the host stack), so an interface with more receive queues than that is refused.
void check_af_xdp_queues(const std::string& role, const std::string& dev, unsigned workers,
                         EnvironmentReport& r) {
  const auto counts = vdev_args(dev, "queue_count");
  const auto starts = vdev_args(dev, "start_queue");
  const auto bound = counts.empty() ? workers : std::strtoul(counts.back().c_str(), nullptr, 10);
  const auto start = starts.empty() ? 0ul : std::strtoul(starts.back().c_str(), nullptr, 10);
  for (const auto& ifname : vdev_args(dev, "iface")) {
    const unsigned long have = kernel_rx_queues(ifname);
    if (have > bound || start != 0)
      r.errors.push_back(role + " device '" + dev + "': interface '" + ifname + "' has " +
                         std::to_string(have) + " receive queue(s) but net_af_xdp binds " +
                         std::to_string(bound) + " starting at " + std::to_string(start) +
                         "; traffic on the others would bypass the dataplane. Fix: 'ethtool -L " +
                         ifname + " combined " + std::to_string(bound) +
                         "' (veth: 'rx N tx N'), or run as many workers as it has queues");
  }
}

void check_device(const std::string& role, const std::string& dev, unsigned workers,
                  EnvironmentReport& r) {
  if (!api::is_vdev(dev)) {
    // PCI address: the device must exist (and, on a real box, be bound to vfio-pci).
    const std::string addr = api::pci_address(dev);
    if (!fs::exists("/sys/bus/pci/devices/" + addr))
      r.errors.push_back(role + " device '" + dev +
                         "' is neither a virtual device (net_...) nor a PCI device present "
                         "on this machine (no /sys/bus/pci/devices/" +
                         addr + ")");
    return;
  }
  static const std::set<std::string> known = {"net_af_packet", "net_af_xdp", "net_pcap",
                                              "net_ring",      "net_null",   "net_tap",
                                              "net_memif",     "net_vhost",  "net_virtio_user"};
  std::string driver = api::device_port_name(dev);
  while (!driver.empty() && std::isdigit(static_cast<unsigned char>(driver.back())))
    driver.pop_back();
  if (!known.count(driver)) {
    r.errors.push_back(role + " device '" + dev + "': unknown virtual driver '" + driver +
                       "' (use net_af_packet, net_af_xdp, net_pcap, net_ring, net_null, ...)");
    return;
  }
  for (const char* key : {"iface", "rx_iface", "tx_iface", "rx_iface_in"})
    for (const auto& ifname : vdev_args(dev, key))
      if (if_nametoindex(ifname.c_str()) == 0)
        r.errors.push_back(role + " device '" + dev + "': interface '" + ifname +
                           "' does not exist in this network namespace");
  if (driver == "net_af_xdp") check_af_xdp_queues(role, dev, workers, r);
  for (const auto& file : vdev_args(dev, "rx_pcap"))
    if (!fs::exists(file))
      r.errors.push_back(role + " device '" + dev + "': capture file '" + file +
                         "' does not exist");
}

uint64_t read_number(const fs::path& p) {
  std::ifstream in(p);
  uint64_t v = 0;
  in >> v;
  return v;
}

void check_hugepages(const api::DataplaneConfig& cfg, EnvironmentReport& r) {
  if (cfg.no_huge) return;
  uint64_t free_bytes = 0;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
    const std::string name = d.path().filename();  // hugepages-2048kB
    const uint64_t kb = std::strtoull(name.c_str() + name.find('-') + 1, nullptr, 10);
    free_bytes += read_number(d.path() / "free_hugepages") * kb * 1024;
  }
  constexpr uint64_t kNeed = 256ull << 20;
  if (free_bytes < kNeed)
    r.errors.push_back("only " + std::to_string(free_bytes >> 20) +
                       " MiB of free hugepages (at least 256 MiB needed). Fix: reserve them with "
                       "'echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages' (or "
                       "'dpdk-hugepages.py --setup 1G'), or run with --no-huge for tests");
}

}  // namespace

bool claim_configured_cores(const api::DataplaneConfig& cfg) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
  std::vector<unsigned> all{cfg.main_core};
  all.insert(all.end(), cfg.worker_cores.begin(), cfg.worker_cores.end());
  for (unsigned c : all) {
    if (c >= CPU_SETSIZE) return false;
    CPU_SET(c, &set);
  }
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

EnvironmentReport check_environment(const api::DataplaneConfig& cfg) {
  EnvironmentReport r;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN); ++c) CPU_SET(static_cast<int>(c), &allowed);
  }
  const unsigned ncpu = static_cast<unsigned>(CPU_COUNT(&allowed));
  std::vector<unsigned> all{cfg.main_core};
  all.insert(all.end(), cfg.worker_cores.begin(), cfg.worker_cores.end());
  for (unsigned c : all)
    if (c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed))
      r.errors.push_back("core " + std::to_string(c) +
                         " is not available: this machine (or this process's CPU set) has "
                         "CPUs " +
                         allowed_cpus_text(allowed));
  if (cfg.worker_cores.size() + 1 > ncpu)
    r.warnings.push_back(std::to_string(cfg.worker_cores.size()) + " workers and a main core on " +
                         std::to_string(ncpu) +
                         " CPUs: lcores share CPUs. Fine for correctness tests, never for "
                         "production or benchmarks");
  std::set<unsigned> seen;
  for (unsigned c : cfg.worker_cores)
    if (!seen.insert(c).second)
      r.warnings.push_back("core " + std::to_string(c) +
                           " runs more than one worker: polling workers on one CPU share it");
  const unsigned workers = static_cast<unsigned>(cfg.worker_cores.size());
  check_device("outside", cfg.outside, workers, r);
  check_device("inside", cfg.inside, workers, r);
  check_hugepages(cfg, r);
  return r;
}

}  // namespace bulwark::dp
