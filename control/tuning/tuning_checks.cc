// The tuning checks of bulwark-tuning-check (see tuning_checks.h).
#include "control/tuning/tuning_checks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "control/tuning/cpu_list.h"
#include "dataplane/api/environment_check.h"

namespace bulwark::tuning {
namespace fs = std::filesystem;

const std::vector<ExpectedSysctl> kExpectedSysctls = {
    {"kernel.panic", "10", false},
    {"kernel.panic_on_oops", "1", false},
    {"vm.swappiness", "0", false},
    {"kernel.numa_balancing", "0", true},
};

const char* status_text(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::warn: return "warn";
    case Status::fail: return "FAIL";
  }
  return "?";
}

namespace {

constexpr size_t kSmallFile = 64 * 1024;
constexpr size_t kIrqListCap = 10;  // IRQs named in a detail line
constexpr size_t kMaxIrqDirs = 65536;

// Files under the root directory. Paths are relative ("proc/cmdline").
class Root {
 public:
  explicit Root(const std::string& dir) : dir_(dir.empty() ? "/" : dir) {}
  fs::path path(const std::string& rel) const { return dir_ / rel; }
  std::string shown(const std::string& rel) const {
    return dir_ == fs::path("/") ? "/" + rel : path(rel).string();
  }
  // Reads at most `limit` bytes. False (with errno text in `error`) if it cannot.
  bool read(const std::string& rel, std::string& out, std::string& error,
            size_t limit = kSmallFile) const {
    out.clear();
    // O_NONBLOCK: a FIFO in a hostile tree must not hang the check.
    const int fd = ::open(path(rel).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
      error = std::strerror(errno);
      return false;
    }
    char buf[8192];
    while (out.size() < limit) {
      const ssize_t n = ::read(fd, buf, std::min(sizeof buf, limit - out.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        error = std::strerror(errno);
        ::close(fd);
        return false;
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return true;
  }
  bool read(const std::string& rel, std::string& out) const {
    std::string ignored;
    return read(rel, out, ignored);
  }
  // True if the kernel refuses to give an IRQ the affinity it already has: EIO, its
  // answer for IRQs whose affinity it owns (managed queues, per-CPU IRQs). The value
  // written is the one read. Only on the live system (never into a --root tree, whose
  // files may point anywhere), as root (otherwise EACCES, and false).
  bool refuses_affinity(const std::string& irq_dir, const std::string& current) const {
    if (dir_ != "/") return false;
    const int fd = ::open(path(irq_dir + "smp_affinity_list").c_str(),
                          O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
    if (fd < 0) return false;
    const bool eio = ::write(fd, current.data(), current.size()) < 0 && errno == EIO;
    ::close(fd);
    return eio;
  }
  bool exists(const std::string& rel) const {
    std::error_code ec;
    return fs::exists(path(rel), ec);
  }
  // Names in a directory (empty if it cannot be read), at most `cap` of them.
  std::vector<std::string> list(const std::string& rel, size_t cap = kMaxIrqDirs) const {
    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it(path(rel), ec), end;
    for (; !ec && it != end && out.size() < cap; it.increment(ec))
      out.push_back(it->path().filename().string());
    return out;
  }

 private:
  fs::path dir_;
};

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

// Text from a file, made safe to print in one line (short, no control characters).
std::string printable(std::string_view s, size_t cap = 64) {
  std::string out;
  for (char c : s.substr(0, cap)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > cap) out += "...";
  return out;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

CpuSet workers_of(const api::DataplaneConfig& cfg) {
  CpuSet w;
  for (unsigned c : cfg.worker_cores)
    if (c < kMaxCpus) w.insert(c);
  return w;
}

CpuSet intersect(const CpuSet& a, const CpuSet& b) {
  CpuSet out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}
CpuSet minus(const CpuSet& a, const CpuSet& b) {
  CpuSet out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

// Kernel parameters of /proc/cmdline (those before "--", which go to init).
std::map<std::string, std::string> cmdline_params(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string tok;
  while (in >> tok) {
    if (tok == "--") break;
    const size_t eq = tok.find('=');
    if (eq == std::string::npos)
      out[tok] = "";
    else
      out[tok.substr(0, eq)] = tok.substr(eq + 1);  // the last one counts
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

CheckResult result(std::string check, Status s, std::string detail, std::string fix = {}) {
  return CheckResult{std::move(check), s, std::move(detail), s == Status::ok ? "" : std::move(fix)};
}

// 1. Hugepages reserved, and a hugetlbfs to map them from.
void check_hugepages(const Root& root, const TuningOptions& opt, std::vector<CheckResult>& out) {
  uint64_t total_mb = 0;
  std::vector<std::string> parts, problems;
  std::vector<std::string> dirs = root.list("sys/kernel/mm/hugepages", 64);
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    // hugepages-2048kB, hugepages-1048576kB
    if (d.rfind("hugepages-", 0) != 0 || d.size() < 13 || d.substr(d.size() - 2) != "kB") continue;
    uint64_t kb = 0;
    if (!parse_u64(std::string_view(d).substr(10, d.size() - 12), kb)) continue;
    if (kb != 2048 && kb != 1048576) continue;
    const std::string size = kb == 2048 ? "2M" : "1G";
    std::string text, err;
    uint64_t n = 0;
    if (!root.read("sys/kernel/mm/hugepages/" + d + "/nr_hugepages", text, err)) {
      problems.push_back(size + " pages: cannot read nr_hugepages (" + err + ")");
      continue;
    }
    if (!parse_u64(trim(text), n)) {
      problems.push_back(size + " pages: nr_hugepages '" + printable(trim(text)) +
                         "' is not a number");
      continue;
    }
    const uint64_t mb_per = kb / 1024;
    const uint64_t mb = n > UINT64_MAX / mb_per ? UINT64_MAX : n * mb_per;
    total_mb = mb > UINT64_MAX - total_mb ? UINT64_MAX : total_mb + mb;
    parts.push_back(std::to_string(n) + " x " + size);
  }
  std::string found = parts.empty() ? "no 2M or 1G hugepage pools" : "";
  found += join(parts, ", ");
  if (!parts.empty()) found += " = " + std::to_string(total_mb) + " MiB";
  for (const auto& p : problems) found += "; " + p;
  const std::string want = std::to_string(opt.min_hugepages_mb);
  const std::string fix = "add 'default_hugepagesz=2M hugepagesz=2M hugepages=" +
                          std::to_string((opt.min_hugepages_mb + 1) / 2) +
                          "' to the kernel command line (now: echo N > "
                          "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)";
  if (total_mb >= opt.min_hugepages_mb && problems.empty())
    out.push_back(result("hugepages", Status::ok, found + " (at least " + want + " MiB)"));
  else if (total_mb >= opt.min_hugepages_mb)
    out.push_back(result("hugepages", Status::warn, found + " (at least " + want + " MiB)",
                         "check the hugepage pools under /sys/kernel/mm/hugepages"));
  else
    out.push_back(result("hugepages", Status::fail, found + ", fewer than " + want + " MiB", fix));

  std::string mounts, err;
  if (!root.read("proc/mounts", mounts, err, 4 << 20)) {
    out.push_back(result("hugetlbfs", Status::fail, "cannot read /proc/mounts (" + err + ")",
                         "run on the appliance itself, as root"));
    return;
  }
  std::istringstream in(mounts);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string dev, dir, type;
    if (f >> dev >> dir >> type && type == "hugetlbfs") {
      out.push_back(result("hugetlbfs", Status::ok, "mounted on " + printable(dir, 200)));
      return;
    }
  }
  out.push_back(result("hugetlbfs", Status::fail, "no hugetlbfs mounted",
                       "mount -t hugetlbfs nodev /dev/hugepages (systemd: enable "
                       "dev-hugepages.mount)"));
}

// 2. Worker cores isolated from the scheduler, ticks and RCU callbacks; the main core not.
void check_isolation(const Root& root, const api::DataplaneConfig& cfg, const std::string& cmdline,
                     bool cmdline_ok, std::vector<CheckResult>& out) {
  const CpuSet workers = workers_of(cfg);
  const std::string w = format_cpu_list(workers);
  std::string text, err;
  CpuSet isolated;
  const std::string main_core = "main core " + std::to_string(cfg.main_core);
  const auto main_unknown = [&] {
    out.push_back(result("main-core", Status::warn, main_core + ": isolated CPUs unknown",
                         "see isolated-cores"));
  };
  if (!root.read("sys/devices/system/cpu/isolated", text, err)) {
    out.push_back(result(
        "isolated-cores", Status::fail,
        "cannot read /sys/devices/system/cpu/isolated (" + err + ")",
        "add 'isolcpus=managed_irq,domain," + w + "' to the kernel command line and reboot"));
    main_unknown();
  } else if (!parse_cpu_list(text, isolated, err)) {
    out.push_back(result(
        "isolated-cores", Status::fail, "/sys/devices/system/cpu/isolated: " + err,
        "add 'isolcpus=managed_irq,domain," + w + "' to the kernel command line and reboot"));
    main_unknown();
  } else {
    const CpuSet missing = minus(workers, isolated);
    const std::string is = isolated.empty() ? "none" : format_cpu_list(isolated);
    if (missing.empty())
      out.push_back(result("isolated-cores", Status::ok,
                           "workers " + w + " isolated (isolated: " + is + ")"));
    else
      out.push_back(result(
          "isolated-cores", Status::fail,
          "worker cores " + format_cpu_list(missing) + " not isolated (isolated: " + is + ")",
          "add 'isolcpus=managed_irq,domain," + w + "' to the kernel command line and reboot"));
    if (isolated.count(cfg.main_core))
      out.push_back(result("main-core", Status::warn, main_core + " is isolated",
                           "leave the main core out of isolcpus= (it runs housekeeping and "
                           "the kernel's own work)"));
    else
      out.push_back(result("main-core", Status::ok, main_core + " not isolated"));
  }

  const std::string nohz_fix = "add 'nohz_full=" + w + "' to the kernel command line and reboot";
  CpuSet nohz;
  if (!root.read("sys/devices/system/cpu/nohz_full", text, err)) {
    out.push_back(
        result("nohz_full", Status::warn, "no nohz_full (kernel without NO_HZ_FULL?)", nohz_fix));
  } else if (trim(text) == "(null)" || trim(text).empty()) {
    out.push_back(result("nohz_full", Status::warn, "no nohz_full CPUs", nohz_fix));
  } else if (!parse_cpu_list(text, nohz, err)) {
    out.push_back(
        result("nohz_full", Status::warn, "/sys/devices/system/cpu/nohz_full: " + err, nohz_fix));
  } else {
    const CpuSet missing = minus(workers, nohz);
    if (missing.empty())
      out.push_back(
          result("nohz_full", Status::ok, "covers workers (" + format_cpu_list(nohz) + ")"));
    else
      out.push_back(result("nohz_full", Status::warn,
                           "worker cores " + format_cpu_list(missing) + " not in nohz_full (" +
                               format_cpu_list(nohz) + ")",
                           nohz_fix));
  }

  const std::string rcu_fix = "add 'rcu_nocbs=" + w + "' to the kernel command line and reboot";
  if (!cmdline_ok) {
    out.push_back(result("rcu_nocbs", Status::warn, "cannot read /proc/cmdline", rcu_fix));
    return;
  }
  const auto params = cmdline_params(cmdline);
  const auto it = params.find("rcu_nocbs");
  CpuSet nocbs;
  if (it == params.end()) {
    out.push_back(
        result("rcu_nocbs", Status::warn, "no rcu_nocbs= on the kernel command line", rcu_fix));
  } else if (it->second == "all") {
    out.push_back(result("rcu_nocbs", Status::ok, "rcu_nocbs=all"));
  } else if (!parse_cpu_list(it->second, nocbs, err)) {
    out.push_back(result("rcu_nocbs", Status::warn,
                         "rcu_nocbs='" + printable(it->second) + "': " + err, rcu_fix));
  } else {
    const CpuSet missing = minus(workers, nocbs);
    if (missing.empty())
      out.push_back(result("rcu_nocbs", Status::ok,
                           "covers workers (rcu_nocbs=" + printable(it->second) + ")"));
    else
      out.push_back(result(
          "rcu_nocbs", Status::warn,
          "worker cores " + format_cpu_list(missing) + " not in rcu_nocbs=" + printable(it->second),
          rcu_fix));
  }
}

// A PCI address as sysfs names it ("0000:00:04.0"), or "" if `dev` is not one.
std::string pci_address(const std::string& dev) {
  std::string a = api::device_port_name(dev);
  for (char& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto hex = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c));
    });
  };
  if (a.size() == 7) a = "0000:" + a;  // bus:dev.fn
  if (a.size() != 12 || a[4] != ':' || a[7] != ':' || a[10] != '.') return {};
  if (!hex(a.substr(0, 4)) || !hex(a.substr(5, 2)) || !hex(a.substr(8, 2)) || !hex(a.substr(11)))
    return {};
  return a;
}

struct Port {
  const char* role;
  std::string dev;
  bool vdev;
  std::string pci;  // empty: not a PCI address
};

std::vector<Port> ports_of(const api::DataplaneConfig& cfg) {
  std::vector<Port> out;
  for (auto [role, dev] : {std::pair<const char*, const std::string*>{"outside", &cfg.outside},
                           {"inside", &cfg.inside}}) {
    if (dev->empty()) continue;
    out.push_back(
        Port{role, *dev, api::is_vdev(*dev), api::is_vdev(*dev) ? "" : pci_address(*dev)});
  }
  return out;
}

// 3. An IOMMU for vfio-pci's DMA isolation (only needed for PCI ports).
void check_iommu(const Root& root, const std::vector<Port>& ports, std::vector<CheckResult>& out) {
  const bool any_pci =
      std::any_of(ports.begin(), ports.end(), [](const Port& p) { return !p.vdev; });
  if (!any_pci) {
    out.push_back(result("iommu", Status::ok, "not needed (virtual devices)"));
    return;
  }
  const size_t units = root.list("sys/class/iommu", 4096).size();
  const size_t groups = root.list("sys/kernel/iommu_groups", 4096).size();
  std::string noiommu;
  root.read("sys/module/vfio/parameters/enable_unsafe_noiommu_mode", noiommu);
  const bool unsafe = trim(noiommu) == "Y" || trim(noiommu) == "1";
  if (units == 0 && groups == 0) {
    out.push_back(result(
        "iommu", Status::fail,
        std::string("no IOMMU active (/sys/class/iommu and /sys/kernel/iommu_groups empty)") +
            (unsafe ? "; vfio is in unsafe no-IOMMU mode (no DMA isolation)" : ""),
        "enable VT-d/AMD-Vi in the firmware and add 'intel_iommu=on iommu=pt' (AMD: "
        "'amd_iommu=on iommu=pt') to the kernel command line"));
    return;
  }
  const std::string found =
      "IOMMU active (" + std::to_string(units) + " units, " + std::to_string(groups) + " groups)";
  if (unsafe)
    out.push_back(result("iommu", Status::warn,
                         found + ", but vfio enable_unsafe_noiommu_mode=Y (no DMA isolation)",
                         "remove vfio.enable_unsafe_noiommu_mode=1 (modprobe options or the "
                         "kernel command line) and reload vfio"));
  else
    out.push_back(result("iommu", Status::ok, found));
}

// 4. PCI ports bound to vfio-pci.
void check_binding(const Root& root, const std::vector<Port>& ports,
                   std::vector<CheckResult>& out) {
  std::vector<std::string> found, fixes;
  bool fail = false, any_pci = false;
  for (const auto& p : ports) {
    const std::string name = std::string(p.role) + " " + printable(api::device_port_name(p.dev));
    if (p.vdev) {
      found.push_back(name + ": virtual device");
      continue;
    }
    any_pci = true;
    if (p.pci.empty()) {
      fail = true;
      found.push_back(name + ": neither a PCI address nor a virtual device");
      fixes.push_back("set ports." + std::string(p.role) +
                      " to a PCI address like 0000:00:04.0 (lspci -D)");
      continue;
    }
    const std::string dir = "sys/bus/pci/devices/" + p.pci;
    if (!root.exists(dir)) {
      fail = true;
      found.push_back(name + ": no such PCI device");
      fixes.push_back("check ports." + std::string(p.role) + " against lspci -D");
      continue;
    }
    std::error_code ec;
    const fs::path link = fs::read_symlink(root.path(dir + "/driver"), ec);
    const std::string driver = ec ? "" : link.filename().string();
    if (driver == "vfio-pci") {
      found.push_back(name + ": vfio-pci");
      continue;
    }
    fail = true;
    found.push_back(name + ": " + (driver.empty() ? "no driver" : printable(driver)));
    fixes.push_back("dpdk-devbind.py -b vfio-pci " + p.pci);
  }
  if (!any_pci) {
    out.push_back(result("nic-binding", Status::ok, "not needed (virtual devices)"));
    return;
  }
  const std::string detail = join(found, "; "), fix = join(fixes, "; ");
  out.push_back(result("nic-binding", fail ? Status::fail : Status::ok, detail, fix));
}

// IRQ number -> name, from /proc/interrupts (the last column).
std::map<std::string, std::string> irq_names(const Root& root) {
  std::map<std::string, std::string> out;
  std::string text, err;
  if (!root.read("proc/interrupts", text, err, 4 << 20)) return out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string irq = trim(std::string_view(line).substr(0, colon));
    if (!all_digits(irq)) continue;
    std::istringstream f(line.substr(colon + 1));
    std::string tok, last;
    while (f >> tok) last = tok;
    if (!last.empty() && !all_digits(last)) out[irq] = printable(last, 40);
  }
  return out;
}

// The CPUs IRQs should go to: those present (/sys/devices/system/cpu/present; CPUs 0 to
// the highest configured core where unreadable) and the main core, minus the workers.
std::string housekeeping_cpus(const Root& root, const api::DataplaneConfig& cfg) {
  const CpuSet workers = workers_of(cfg);
  CpuSet all;
  std::string text, err;
  if (!root.read("sys/devices/system/cpu/present", text) || !parse_cpu_list(text, all, err) ||
      all.empty()) {
    all.clear();
    unsigned top = cfg.main_core;
    for (unsigned c : workers) top = std::max(top, c);
    for (unsigned c = 0; c <= top && c < kMaxCpus; ++c) all.insert(c);
  }
  if (cfg.main_core < kMaxCpus) all.insert(cfg.main_core);
  return format_cpu_list(minus(all, workers));
}

// "N (name), M, ..." for the first kIrqListCap IRQs of `irqs`.
std::string irq_list(const Root& root, const std::vector<unsigned long>& irqs) {
  const auto names = irq_names(root);
  std::vector<std::string> items;
  for (size_t i = 0; i < irqs.size() && i < kIrqListCap; ++i) {
    std::string n = std::to_string(irqs[i]);
    const auto it = names.find(n);
    if (it != names.end()) n.append(" (").append(it->second).append(")");
    items.push_back(std::move(n));
  }
  std::string list = join(items, ", ");
  if (irqs.size() > kIrqListCap)
    list += " and " + std::to_string(irqs.size() - kIrqListCap) + " more";
  return list;
}

// 5. No IRQ handled on a worker core, and new IRQs kept off them.
void check_irqs(const Root& root, const api::DataplaneConfig& cfg, std::vector<CheckResult>& out) {
  const CpuSet workers = workers_of(cfg);
  const std::string w = format_cpu_list(workers);
  // Managed IRQs (a device's per-CPU queues: NVMe, virtio-blk) are placed by the kernel
  // and cannot be moved; isolcpus=managed_irq keeps off the workers all that have
  // another CPU in their mask. One left on a worker fires only for I/O submitted from
  // that CPU, which a dataplane worker never does: a warning, not a failure. The flag is
  // in debugfs where the kernel has it (/sys/kernel/debug/irq/irqs/N); otherwise an IRQ
  // whose affinity the kernel refuses to set (to the mask it has) is one it will not
  // move (managed, or per-CPU): also a warning, worded so.
  std::vector<unsigned long> on_workers, managed, unreadable;
  size_t seen = 0;
  for (const auto& name : root.list("proc/irq")) {
    if (!all_digits(name) || name.size() > 9) continue;
    ++seen;
    const std::string dir = "proc/irq/" + name + "/";
    std::string text;
    CpuSet cpus;
    std::string err;
    bool ok = root.read(dir + "effective_affinity_list", text) && !trim(text).empty() &&
              parse_cpu_list(text, cpus, err);
    if (!ok) ok = root.read(dir + "smp_affinity_list", text) && parse_cpu_list(text, cpus, err);
    if (!ok)
      unreadable.push_back(std::stoul(name));
    else if (!intersect(cpus, workers).empty()) {
      // The write probe only for a mask within the workers (a managed IRQ left there has
      // one): the IRQ cannot move at all, whatever the kernel does with the write.
      std::string debug, mask;
      CpuSet mask_cpus;
      const bool is_managed = root.read("sys/kernel/debug/irq/irqs/" + name, debug)
                                  ? debug.find("AFFINITY_MANAGED") != std::string::npos
                                  : root.read(dir + "smp_affinity_list", mask) &&
                                        parse_cpu_list(mask, mask_cpus, err) &&
                                        !mask_cpus.empty() && minus(mask_cpus, workers).empty() &&
                                        root.refuses_affinity(dir, mask);
      (is_managed ? managed : on_workers).push_back(std::stoul(name));
    }
  }
  std::sort(on_workers.begin(), on_workers.end());
  std::sort(managed.begin(), managed.end());
  std::sort(unreadable.begin(), unreadable.end());
  const std::string hk = housekeeping_cpus(root, cfg);
  const std::string fix = "add 'irqaffinity=" + hk +
                          "' to the kernel command line, or write the other CPUs to "
                          "/proc/irq/N/smp_affinity_list (stop irqbalance, or ban the workers "
                          "with IRQBALANCE_BANNED_CPULIST=" +
                          w + ")";
  if (seen == 0) {
    out.push_back(result("irq-affinity", Status::warn, "no IRQs found under /proc/irq",
                         "run on the appliance itself, as root"));
  } else if (!on_workers.empty()) {
    out.push_back(result("irq-affinity", Status::fail,
                         std::to_string(on_workers.size()) + " IRQs may run on worker cores " + w +
                             ": " + irq_list(root, on_workers),
                         fix));
  } else if (!managed.empty()) {
    out.push_back(
        result("irq-affinity", Status::warn,
               std::to_string(managed.size()) + " IRQs the kernel will not move on worker cores " +
                   w + ": " + irq_list(root, managed) +
                   " (managed per-CPU device queues fire only for I/O submitted from those CPUs, "
                   "which the workers do not do)",
               "nothing to set; a device with fewer queues than CPUs keeps managed ones off "
               "entirely"));
  } else if (!unreadable.empty()) {
    out.push_back(result(
        "irq-affinity", Status::warn,
        std::to_string(unreadable.size()) +
            " IRQs with unreadable affinity (first: " + std::to_string(unreadable.front()) + ")",
        "check /proc/irq/N/smp_affinity_list"));
  } else {
    out.push_back(result("irq-affinity", Status::ok,
                         std::to_string(seen) + " IRQs, none on worker cores " + w));
  }

  std::string text, err;
  CpuSet def;
  const std::string def_fix = "add 'irqaffinity=" + hk +
                              "' to the kernel command line, or write a mask without them to "
                              "/proc/irq/default_smp_affinity";
  if (!root.read("proc/irq/default_smp_affinity", text, err))
    out.push_back(result("default-irq-affinity", Status::fail,
                         "cannot read /proc/irq/default_smp_affinity (" + err + ")", def_fix));
  else if (!parse_cpu_mask(text, def, err))
    out.push_back(result("default-irq-affinity", Status::fail,
                         "/proc/irq/default_smp_affinity: " + err, def_fix));
  else if (const CpuSet both = intersect(def, workers); !both.empty())
    out.push_back(result("default-irq-affinity", Status::fail,
                         "new IRQs may go to worker cores " + format_cpu_list(both) +
                             " (default_smp_affinity " + printable(trim(text)) + ")",
                         def_fix));
  else
    out.push_back(result("default-irq-affinity", Status::ok,
                         "excludes workers (" + printable(trim(text)) + ")"));
}

// 6. The sysctls of /etc/sysctl.d/60-bulwark.conf.
void check_sysctls(const Root& root, std::vector<CheckResult>& out) {
  std::vector<std::string> good, bad;
  for (const auto& s : kExpectedSysctls) {
    std::string rel = "proc/sys/" + std::string(s.key);
    std::replace(rel.begin() + 9, rel.end(), '.', '/');
    std::string text, err;
    if (!root.read(rel, text, err)) {
      if (s.optional && !root.exists(rel)) continue;
      bad.push_back(std::string(s.key) + " unreadable (" + err + ")");
      continue;
    }
    const std::string v = trim(text);
    if (v == s.value)
      good.push_back(std::string(s.key) + "=" + v);
    else
      bad.push_back(std::string(s.key) + "=" + printable(v) + " (want " + s.value + ")");
  }
  if (bad.empty()) {
    out.push_back(result("sysctl", Status::ok, join(good, " ")));
    return;
  }
  const std::string detail = join(bad, ", ");
  std::string want;
  for (const auto& s : kExpectedSysctls) want.append(" ").append(s.key).append("=").append(s.value);
  out.push_back(
      result("sysctl", Status::warn, detail,
             "install /etc/sysctl.d/60-bulwark.conf with" + want + " and run 'sysctl --system'"));
}

// 7. Worker cores at full speed.
void check_governor(const Root& root, const api::DataplaneConfig& cfg,
                    std::vector<CheckResult>& out) {
  const CpuSet workers = workers_of(cfg);
  std::vector<std::string> bad;
  size_t with_cpufreq = 0;
  for (unsigned c : workers) {
    const std::string dir = "sys/devices/system/cpu/cpu" + std::to_string(c) + "/cpufreq";
    if (!root.exists(dir)) continue;
    ++with_cpufreq;
    std::string text, err;
    if (!root.read(dir + "/scaling_governor", text, err))
      bad.push_back("cpu" + std::to_string(c) + " unreadable (" + err + ")");
    else if (trim(text) != "performance")
      bad.push_back("cpu" + std::to_string(c) + " " + printable(trim(text)));
  }
  if (with_cpufreq == 0) {
    out.push_back(result("cpu-governor", Status::ok, "no cpufreq (fixed frequency or VM)"));
    return;
  }
  if (bad.empty()) {
    out.push_back(result("cpu-governor", Status::ok, "workers on 'performance'"));
    return;
  }
  const std::string detail = join(bad, ", ");
  out.push_back(result("cpu-governor", Status::warn, "not 'performance': " + detail,
                       "echo performance > /sys/devices/system/cpu/cpuN/cpufreq/scaling_governor "
                       "for the workers (or cpupower frequency-set -g performance)"));
}

}  // namespace

std::vector<CheckResult> run_tuning_checks(const api::DataplaneConfig& cfg,
                                           const TuningOptions& opt) {
  const Root root(opt.root);
  std::vector<CheckResult> out;
  std::string cmdline;
  const bool cmdline_ok = root.read("proc/cmdline", cmdline);
  const auto ports = ports_of(cfg);
  check_hugepages(root, opt, out);
  check_isolation(root, cfg, cmdline, cmdline_ok, out);
  check_iommu(root, ports, out);
  check_binding(root, ports, out);
  check_irqs(root, cfg, out);
  check_sysctls(root, out);
  check_governor(root, cfg, out);
  return out;
}

int exit_status(const std::vector<CheckResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const CheckResult& r) { return r.status == Status::fail; })
             ? 1
             : 0;
}

std::string format_text(const std::vector<CheckResult>& results) {
  std::string out;
  size_t counts[3] = {0, 0, 0};
  for (const auto& r : results) {
    const std::string st = status_text(r.status);
    out += st + std::string(6 - st.size(), ' ') + r.check + ": " + r.detail + "\n";
    if (r.status != Status::ok && !r.fix.empty()) out += "  fix: " + r.fix + "\n";
    ++counts[static_cast<int>(r.status)];
  }
  out += std::to_string(counts[2]) + " FAIL, " + std::to_string(counts[1]) + " warn, " +
         std::to_string(counts[0]) + " ok\n";
  return out;
}

std::string format_json(const std::vector<CheckResult>& results) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : results)
    j.push_back({{"check", r.check},
                 {"status", r.status == Status::ok     ? "ok"
                            : r.status == Status::warn ? "warn"
                                                       : "fail"},
                 {"detail", r.detail},
                 {"fix", r.fix}});
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string expected_cmdline(const api::DataplaneConfig& cfg, const std::string& root_dir,
                             uint64_t min_hugepages_mb) {
  const std::string w = format_cpu_list(workers_of(cfg));
  return "default_hugepagesz=2M hugepagesz=2M hugepages=" +
         std::to_string((min_hugepages_mb + 1) / 2) + " isolcpus=managed_irq,domain," + w +
         " nohz_full=" + w + " rcu_nocbs=" + w +
         " irqaffinity=" + housekeeping_cpus(Root(root_dir), cfg) + " intel_iommu=on iommu=pt";
}

}  // namespace bulwark::tuning
