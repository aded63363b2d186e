// bulwark-tuning-check: the checks against fixture /proc and /sys trees (a tuned box, an
// untuned one, lab configs with virtual devices, hostile file contents) and the CPU list
// and mask parsers.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "control/tuning/cpu_list.h"
#include "control/tuning/tuning_checks.h"
#include "dataplane/api/dataplane_config.h"
#include "tests/unit/temp_dir.h"

namespace bulwark::tuning {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& o, Status s) { return o << status_text(s); }
}  // namespace bulwark::tuning

using namespace bulwark;
using namespace bulwark::api;
using namespace bulwark::tuning;
namespace fs = std::filesystem;

namespace {

// A fixture root in a temporary directory, removed at the end.
struct Tree {
  test::TempDir tmp{"bw-tuning"};
  fs::path dir{tmp.path};
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  void mkdir(const std::string& rel) const { fs::create_directories(dir / rel); }
  void link(const std::string& rel, const std::string& target) const {
    fs::create_directories((dir / rel).parent_path());
    std::error_code ec;
    fs::remove(dir / rel, ec);
    fs::create_directory_symlink(target, dir / rel);
  }
  void remove(const std::string& rel) const {
    std::error_code ec;
    fs::remove_all(dir / rel, ec);
  }
  void irq(unsigned n, const std::string& cpus, const std::string& effective = "") const {
    const std::string d = "proc/irq/" + std::to_string(n) + "/";
    write(d + "smp_affinity_list", cpus + "\n");
    write(d + "effective_affinity_list", (effective.empty() ? cpus : effective) + "\n");
  }
};

const char* kPciCmdline =
    "BOOT_IMAGE=/vmlinuz root=/dev/sda1 default_hugepagesz=2M hugepagesz=2M hugepages=256 "
    "isolcpus=managed_irq,domain,1 nohz_full=1 rcu_nocbs=1 irqaffinity=0 intel_iommu=on "
    "iommu=pt\n";

// A box tuned for workers [1], main 0, PCI ports 0000:00:04.0 and 0000:00:05.0.
void tuned_box(const Tree& t) {
  t.write("proc/cmdline", kPciCmdline);
  t.write("sys/devices/system/cpu/isolated", "1\n");
  t.write("sys/devices/system/cpu/nohz_full", "1\n");
  t.write("sys/devices/system/cpu/present", "0-1\n");
  t.write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "256\n");
  t.write("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
  t.write("proc/mounts",
          "proc /proc proc rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n");
  t.mkdir("sys/kernel/iommu_groups/0/devices");
  t.mkdir("sys/kernel/iommu_groups/1/devices");
  t.mkdir("sys/class/iommu/dmar0");
  t.write("sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
  t.mkdir("sys/bus/pci/drivers/vfio-pci");
  t.mkdir("sys/bus/pci/drivers/ixgbe");
  for (const char* a : {"0000:00:04.0", "0000:00:05.0"}) {
    t.mkdir(std::string("sys/bus/pci/devices/") + a);
    t.link(std::string("sys/bus/pci/devices/") + a + "/driver", "../../drivers/vfio-pci");
  }
  for (unsigned n : {0u, 1u, 24u, 25u, 26u}) t.irq(n, "0");
  t.write("proc/irq/default_smp_affinity", "1\n");
  t.write("proc/interrupts",
          "           CPU0       CPU1\n  0:   10   0  IO-APIC   2-edge      timer\n"
          " 24:    1   0  IO-APIC   5-edge      ACPI:Ged\n"
          " 26:    0  15  IO-APIC   4-edge      ttyS0\nNMI: 0 0 Non-maskable interrupts\n");
  t.write("proc/sys/kernel/panic", "10\n");
  t.write("proc/sys/kernel/panic_on_oops", "1\n");
  t.write("proc/sys/vm/swappiness", "0\n");
  t.write("proc/sys/kernel/numa_balancing", "0\n");
  t.write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n");
}

// The same box before tuning.
void untuned_box(const Tree& t) {
  tuned_box(t);
  t.write("proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet\n");
  t.write("sys/devices/system/cpu/isolated", "\n");
  t.write("sys/devices/system/cpu/nohz_full", "(null)\n");
  t.write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
  t.write("proc/mounts", "proc /proc proc rw 0 0\n");
  t.remove("sys/kernel/iommu_groups");
  t.mkdir("sys/kernel/iommu_groups");
  t.remove("sys/class/iommu");
  for (const char* a : {"0000:00:04.0", "0000:00:05.0"})
    t.link(std::string("sys/bus/pci/devices/") + a + "/driver", "../../drivers/ixgbe");
  for (unsigned n : {0u, 1u, 24u, 25u, 26u}) t.irq(n, "0-1", n == 24 ? "0" : "");
  t.write("proc/irq/default_smp_affinity", "3\n");
  t.write("proc/sys/kernel/panic", "0\n");
  t.write("proc/sys/vm/swappiness", "60\n");
  t.write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
}

api::DataplaneConfig config_of(const std::string& yaml) {
  std::string err;
  auto c = api::parse_dataplane_config(yaml, "t.yaml", err);
  BOOST_REQUIRE_MESSAGE(c, err);
  return *c;
}

api::DataplaneConfig pci_config() {
  return config_of(
      "ports: {outside: \"0000:00:04.0\", inside: \"0000:00:05.0\"}\n"
      "cores: {main: 0, workers: [1]}\n");
}

api::DataplaneConfig vdev_config() {
  return config_of(
      "ports: {outside: \"net_af_packet0,iface=out0\", inside: \"net_af_packet1,iface=in0\"}\n"
      "cores: {main: 0, workers: [1]}\n");
}

std::vector<CheckResult> run(const Tree& t, const api::DataplaneConfig& c, uint64_t min_mb = 512) {
  TuningOptions o;
  o.root = t.dir.string();
  o.min_hugepages_mb = min_mb;
  return run_tuning_checks(c, o);
}

const CheckResult& get(const std::vector<CheckResult>& rs, const std::string& name) {
  for (const auto& r : rs)
    if (r.check == name) return r;
  BOOST_FAIL("no check " + name);
  return rs.front();
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tuning_check)

BOOST_AUTO_TEST_CASE(tuned_box_all_ok) {
  Tree t;
  tuned_box(t);
  const auto rs = run(t, pci_config());
  BOOST_TEST(rs.size() == 12u);
  for (const auto& r : rs) BOOST_TEST(r.status == Status::ok, r.check << ": " << r.detail);
  BOOST_TEST(exit_status(rs) == 0);
  BOOST_TEST(has(get(rs, "hugepages").detail, "512 MiB"));
  BOOST_TEST(has(get(rs, "nic-binding").detail, "vfio-pci"));
  const std::string text = format_text(rs);
  BOOST_TEST(has(text, "ok    isolated-cores: "));
  BOOST_TEST(!has(text, "fix:"));
  BOOST_TEST(has(text, "0 FAIL, 0 warn, 12 ok"));
}

BOOST_AUTO_TEST_CASE(untuned_box_fails) {
  Tree t;
  untuned_box(t);
  const auto rs = run(t, pci_config());
  BOOST_TEST(exit_status(rs) == 1);
  for (const char* c : {"hugepages", "hugetlbfs", "isolated-cores", "iommu", "nic-binding",
                        "irq-affinity", "default-irq-affinity"})
    BOOST_TEST(get(rs, c).status == Status::fail, c);
  for (const char* c : {"nohz_full", "rcu_nocbs", "sysctl", "cpu-governor"})
    BOOST_TEST(get(rs, c).status == Status::warn, c);
  BOOST_TEST(get(rs, "main-core").status == Status::ok);
  BOOST_TEST(has(get(rs, "isolated-cores").detail, "worker cores 1 not isolated"));
  BOOST_TEST(has(get(rs, "isolated-cores").fix, "isolcpus=managed_irq,domain,1"));
  const auto& bind = get(rs, "nic-binding");
  BOOST_TEST(has(bind.detail, "ixgbe"));
  BOOST_TEST(has(bind.fix, "dpdk-devbind.py -b vfio-pci 0000:00:04.0"));
  BOOST_TEST(has(bind.fix, "dpdk-devbind.py -b vfio-pci 0000:00:05.0"));
  // IRQ 24's effective affinity is CPU 0 only; the others may run on CPU 1.
  const auto& irq = get(rs, "irq-affinity");
  BOOST_TEST(has(irq.detail, "4 IRQs"), irq.detail);
  BOOST_TEST(has(irq.detail, "0 (timer), 1, 25, 26 (ttyS0)"), irq.detail);
  BOOST_TEST(has(irq.fix, "irqaffinity=0'"), irq.fix);
  BOOST_TEST(has(get(rs, "sysctl").detail, "kernel.panic=0 (want 10)"));
  BOOST_TEST(has(get(rs, "sysctl").detail, "vm.swappiness=60 (want 0)"));
  BOOST_TEST(has(get(rs, "cpu-governor").detail, "cpu1 powersave"));
  const std::string text = format_text(rs);
  BOOST_TEST(has(text, "FAIL  isolated-cores: "));
  BOOST_TEST(has(text, "  fix: dpdk-devbind.py"));
  const auto j = nlohmann::json::parse(format_json(rs));
  BOOST_TEST(j.size() == rs.size());
  BOOST_TEST(j[0]["check"] == "hugepages");
  BOOST_TEST(j[0]["status"] == "fail");
  BOOST_TEST(j[0]["fix"].get<std::string>().size() > 0u);
}

BOOST_AUTO_TEST_CASE(vdev_ports_need_no_iommu_or_binding) {
  Tree t;
  untuned_box(t);
  const auto rs = run(t, vdev_config());
  BOOST_TEST(get(rs, "iommu").status == Status::ok);
  BOOST_TEST(get(rs, "iommu").detail == "not needed (virtual devices)");
  BOOST_TEST(get(rs, "nic-binding").status == Status::ok);
  BOOST_TEST(get(rs, "isolated-cores").status == Status::fail);
}

BOOST_AUTO_TEST_CASE(iommu_and_binding_details) {
  Tree t;
  tuned_box(t);
  t.write("sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
  auto rs = run(t, pci_config());
  BOOST_TEST(get(rs, "iommu").status == Status::warn);
  BOOST_TEST(has(get(rs, "iommu").detail, "no DMA isolation"));
  // Groups alone count as an active IOMMU; a missing device and no driver fail.
  t.remove("sys/class/iommu");
  t.write("sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
  t.remove("sys/bus/pci/devices/0000:00:05.0");
  t.remove("sys/bus/pci/devices/0000:00:04.0/driver");
  rs = run(t, pci_config());
  BOOST_TEST(get(rs, "iommu").status == Status::ok);
  const auto& b = get(rs, "nic-binding");
  BOOST_TEST(b.status == Status::fail);
  BOOST_TEST(has(b.detail, "outside 0000:00:04.0: no driver"), b.detail);
  BOOST_TEST(has(b.detail, "inside 0000:00:05.0: no such PCI device"), b.detail);
  // One PCI port, one virtual device; short PCI addresses and traversal attempts.
  auto c = config_of(
      "ports: {outside: \"00:04.0\", inside: \"net_tap0\"}\ncores: {main: 0, workers: [1]}\n");
  t.link("sys/bus/pci/devices/0000:00:04.0/driver", "../../drivers/vfio-pci");
  rs = run(t, c);
  BOOST_TEST(get(rs, "nic-binding").status == Status::ok, get(rs, "nic-binding").detail);
  c.outside = "../../../../etc";
  rs = run(t, c);
  BOOST_TEST(get(rs, "nic-binding").status == Status::fail);
  BOOST_TEST(has(get(rs, "nic-binding").detail, "neither a PCI address"));
}

BOOST_AUTO_TEST_CASE(isolation_details) {
  Tree t;
  tuned_box(t);
  t.write("sys/devices/system/cpu/isolated", "0-1\n");
  t.write("sys/devices/system/cpu/nohz_full", "0-3\n");
  t.write("proc/cmdline", "ro rcu_nocbs=all -- rcu_nocbs=7\n");
  auto rs = run(t, pci_config());
  BOOST_TEST(get(rs, "isolated-cores").status == Status::ok);
  BOOST_TEST(get(rs, "main-core").status == Status::warn);
  BOOST_TEST(get(rs, "nohz_full").status == Status::ok);
  BOOST_TEST(get(rs, "rcu_nocbs").status == Status::ok);
  t.write("proc/cmdline", "ro rcu_nocbs=2-3\n");
  t.remove("sys/devices/system/cpu/nohz_full");
  rs = run(t, pci_config());
  BOOST_TEST(get(rs, "rcu_nocbs").status == Status::warn);
  BOOST_TEST(get(rs, "nohz_full").status == Status::warn);
  t.remove("sys/devices/system/cpu/isolated");
  rs = run(t, pci_config());
  BOOST_TEST(get(rs, "isolated-cores").status == Status::fail);
}

BOOST_AUTO_TEST_CASE(hugepages_details) {
  Tree t;
  tuned_box(t);
  // 1 GiB pages count; a higher minimum fails.
  t.write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
  t.write("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "1\n");
  auto rs = run(t, pci_config());
  BOOST_TEST(get(rs, "hugepages").status == Status::ok, get(rs, "hugepages").detail);
  rs = run(t, pci_config(), 2048);
  BOOST_TEST(get(rs, "hugepages").status == Status::fail);
  BOOST_TEST(has(get(rs, "hugepages").fix, "hugepages=1024"));
  // Overflowing counts saturate instead of wrapping.
  t.write("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "18446744073709551615\n");
  t.write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "18446744073709551615\n");
  rs = run(t, pci_config());
  BOOST_TEST(get(rs, "hugepages").status == Status::ok);
}

BOOST_AUTO_TEST_CASE(hostile_files_never_crash) {
  Tree t;
  tuned_box(t);
  t.write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "lots\n");
  t.write("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "99999999999999999999999\n");
  t.write("sys/devices/system/cpu/isolated", "1-\n");
  t.write("sys/devices/system/cpu/nohz_full", std::string(100000, '9'));
  t.write("proc/cmdline", std::string("rcu_nocbs=5-2 \x01\xff"));
  t.write("proc/irq/default_smp_affinity", std::string(5000, 'f'));
  t.write("proc/irq/24/effective_affinity_list", "a,b\n");
  t.write("proc/irq/24/smp_affinity_list", "\x7f\n");
  t.write("proc/irq/99999999999999999999/smp_affinity_list", "1\n");
  t.remove("proc/sys/vm/swappiness");
  t.mkdir("proc/sys/vm/swappiness");  // a directory where a file should be
  t.write("proc/sys/kernel/panic", std::string("1\x1b[31m"));
  t.write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "");
  t.remove("proc/mounts");
  t.remove("sys/bus/pci/devices/0000:00:04.0/driver");
  t.write("sys/bus/pci/devices/0000:00:04.0/driver", "not a link");
  std::vector<CheckResult> rs;
  BOOST_CHECK_NO_THROW(rs = run(t, pci_config()));
  BOOST_TEST(get(rs, "hugepages").status == Status::fail);
  BOOST_TEST(has(get(rs, "hugepages").detail, "is not a number"));
  BOOST_TEST(get(rs, "hugetlbfs").status == Status::fail);
  BOOST_TEST(get(rs, "isolated-cores").status == Status::fail);
  BOOST_TEST(get(rs, "nohz_full").status == Status::warn);
  BOOST_TEST(get(rs, "rcu_nocbs").status == Status::warn);
  BOOST_TEST(get(rs, "default-irq-affinity").status == Status::fail);
  BOOST_TEST(get(rs, "irq-affinity").status == Status::warn, get(rs, "irq-affinity").detail);
  BOOST_TEST(get(rs, "sysctl").status == Status::warn);
  BOOST_TEST(get(rs, "cpu-governor").status == Status::warn);
  BOOST_TEST(get(rs, "nic-binding").status == Status::fail);
  for (const auto& r : rs)
    for (char c : r.detail) BOOST_TEST((c >= 0x20 && c < 0x7f), r.check);
  nlohmann::json parsed;
  BOOST_CHECK_NO_THROW(parsed = nlohmann::json::parse(format_json(rs)));
  BOOST_TEST(parsed.is_array());
  // An empty root: everything unreadable, still one line per check.
  Tree empty;
  BOOST_CHECK_NO_THROW(rs = run(empty, pci_config()));
  BOOST_TEST(rs.size() == 12u);
  BOOST_TEST(exit_status(rs) == 1);
}

BOOST_AUTO_TEST_CASE(managed_irqs_on_workers_warn_unmanaged_fail) {
  Tree t;
  tuned_box(t);
  t.irq(30, "1");  // a per-CPU queue of a block device: managed, stays on CPU 1
  t.write("sys/kernel/debug/irq/irqs/30",
          "handler:  handle_edge_irq\ndstate:   0x3660a200\n            IRQD_AFFINITY_MANAGED\n");
  auto rs = run(t, pci_config());
  const auto& r = get(rs, "irq-affinity");
  BOOST_TEST(r.status == Status::warn, r.detail);
  BOOST_TEST(has(r.detail, "1 IRQs the kernel will not move on worker cores 1: 30"), r.detail);
  BOOST_TEST(exit_status(rs) == 0);
  t.irq(31, "0-1");  // an ordinary one beside it: a failure again, naming only it
  rs = run(t, pci_config());
  BOOST_TEST(get(rs, "irq-affinity").status == Status::fail);
  BOOST_TEST(has(get(rs, "irq-affinity").detail, "1 IRQs may run on worker cores 1: 31"),
             get(rs, "irq-affinity").detail);
}

BOOST_AUTO_TEST_CASE(irq_list_is_capped) {
  Tree t;
  tuned_box(t);
  for (unsigned n = 100; n < 130; ++n) t.irq(n, "1");
  const auto rs = run(t, pci_config());
  const auto& r = get(rs, "irq-affinity");
  BOOST_TEST(r.status == Status::fail);
  BOOST_TEST(has(r.detail, "30 IRQs"));
  BOOST_TEST(has(r.detail, "and 20 more"), r.detail);
  BOOST_TEST(r.detail.size() < 300u);
}

BOOST_AUTO_TEST_CASE(cmdline_for_config) {
  Tree t;
  t.write("sys/devices/system/cpu/present", "0-7\n");
  auto c =
      config_of("ports: {outside: net_tap0, inside: net_tap1}\ncores: {main: 0, workers: 2-5}\n");
  BOOST_TEST(expected_cmdline(c, t.dir.string(), 512) ==
             "default_hugepagesz=2M hugepagesz=2M hugepages=256 isolcpus=managed_irq,domain,2-5 "
             "nohz_full=2-5 rcu_nocbs=2-5 irqaffinity=0-1,6-7 intel_iommu=on iommu=pt");
  Tree none;  // no present file: CPUs 0 to the highest configured core
  c = vdev_config();
  BOOST_TEST(expected_cmdline(c, none.dir.string(), 1024) ==
             "default_hugepagesz=2M hugepagesz=2M hugepages=512 isolcpus=managed_irq,domain,1 "
             "nohz_full=1 rcu_nocbs=1 irqaffinity=0 intel_iommu=on iommu=pt");
}

BOOST_AUTO_TEST_CASE(cpu_list_parsing) {
  CpuSet s;
  std::string err;
  BOOST_TEST(parse_cpu_list("0-3,7\n", s, err));
  BOOST_TEST(format_cpu_list(s) == "0-3,7");
  BOOST_TEST(parse_cpu_list(" 1 ", s, err));
  BOOST_TEST(format_cpu_list(s) == "1");
  BOOST_TEST(parse_cpu_list("0,1,2,4,5,9", s, err));
  BOOST_TEST(format_cpu_list(s) == "0-2,4-5,9");
  BOOST_TEST(parse_cpu_list("", s, err));  // sysfs's "nothing"
  BOOST_TEST(s.empty());
  BOOST_TEST(parse_cpu_list("\n", s, err));
  BOOST_TEST(s.empty());
  BOOST_TEST(parse_cpu_list("0-8191", s, err));
  BOOST_TEST(s.size() == 8192u);
  for (const char* bad : {"1-", "-1", "5-2", "99999999999", "a,b", ",", "1,,2", "1-2-3", "8192",
                          "0-99999999999999999999999", "1 2", "0x3", "+1", "1:2/4", "\xff"}) {
    err.clear();
    BOOST_TEST(!parse_cpu_list(bad, s, err), bad);
    BOOST_TEST(!err.empty(), bad);
  }
  BOOST_TEST(format_cpu_list({}) == "");
}

BOOST_AUTO_TEST_CASE(cpu_mask_parsing) {
  CpuSet s;
  std::string err;
  BOOST_TEST(parse_cpu_mask("3\n", s, err));
  BOOST_TEST(format_cpu_list(s) == "0-1");
  BOOST_TEST(parse_cpu_mask("00000000,00000001", s, err));
  BOOST_TEST(format_cpu_list(s) == "0");
  BOOST_TEST(parse_cpu_mask("1,00000000", s, err));
  BOOST_TEST(format_cpu_list(s) == "32");
  BOOST_TEST(parse_cpu_mask("ff,fffffffe", s, err));
  BOOST_TEST(format_cpu_list(s) == "1-39");
  BOOST_TEST(parse_cpu_mask("0", s, err));
  BOOST_TEST(s.empty());
  BOOST_TEST(parse_cpu_mask("A0", s, err));
  BOOST_TEST(format_cpu_list(s) == "5,7");
  // The largest mask the kernel writes (8192 CPUs), all set.
  std::string giant;
  for (int g = 0; g < 256; ++g) giant.append(g ? "," : "").append("ffffffff");
  BOOST_TEST(parse_cpu_mask(giant, s, err));
  BOOST_TEST(s.size() == 8192u);
  std::string zeros(4096, '0');  // long but only zeros beyond the cap... still too long
  for (const std::string& bad :
       {std::string(""), std::string("  \n"), std::string("xyz"), std::string("1,,2"),
        std::string("123456789,0"), std::string(",1"), std::string("1,"), std::string("0x3"),
        std::string(3000, 'f'), giant + ",0", "1" + std::string(2048, '0'), zeros}) {
    err.clear();
    BOOST_TEST(!parse_cpu_mask(bad, s, err), bad.substr(0, 40));
    BOOST_TEST(!err.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
