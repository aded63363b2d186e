// bulwark-tuning-check: checks a running box against the boot-time tuning the appliance
// image sets for the dataplane (hugepages, isolated workers, IOMMU, vfio-pci, IRQ
// affinity, sysctls, CPU governor) and says what is off and how to fix it.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "control/tuning/tuning_checks.h"
#include "dataplane/api/dataplane_config.h"

namespace {

constexpr int kExitUsage = 2;

const char* kFooter =
    "\nExit codes:\n"
    "  0  nothing FAIL (warnings may remain)\n"
    "  1  some check FAILs\n"
    "  2  bad command line, or the configuration cannot be read\n";

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "bulwark-tuning-check: %s\n", msg.c_str());
  return kExitUsage;
}

// The whole file; false with the reason (a directory, no permission...) if it cannot.
bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = std::strerror(errno);
    return false;
  }
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const bool failed = std::ferror(f);
  const int saved = errno;
  std::fclose(f);
  if (failed) error = std::strerror(saved);
  return !failed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bulwark-tuning-check: check this box against the Bulwark appliance's boot-time tuning "
      "for the dataplane configuration, and say what is off."};
  app.footer(kFooter);
  std::string config_file = "/etc/bulwark/dataplane.yaml";
  bulwark::tuning::TuningOptions opt;
  bool json_out = false, print_cmdline = false;
  app.add_option("-c,--config", config_file, "dataplane configuration (YAML)")
      ->capture_default_str();
  app.add_option("--root", opt.root, "read /proc and /sys under this directory")
      ->capture_default_str()
      ->check(CLI::ExistingDirectory);
  app.add_option("--min-hugepages-mb", opt.min_hugepages_mb,
                 "hugepage memory that must be reserved, MiB")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30));
  app.add_flag("--json", json_out, "print the results as a JSON array (for scripts)");
  app.add_flag("--print-cmdline", print_cmdline,
               "print the kernel command-line parameters for this configuration and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  std::string text, err;
  if (!read_file(config_file, text, err))
    return usage_error("cannot read " + config_file + ": " + err);
  const auto cfg = bulwark::api::parse_dataplane_config(text, config_file, err);
  if (!cfg) return usage_error(err);
  if (cfg->worker_cores.empty())
    return usage_error(config_file + ": no worker cores (cores.workers)");
  for (unsigned w : cfg->worker_cores)
    if (w == cfg->main_core)
      return usage_error(config_file + ": worker core " + std::to_string(w) +
                         " is also the main core");

  if (print_cmdline) {
    std::cout << bulwark::tuning::expected_cmdline(*cfg, opt.root, opt.min_hugepages_mb) << "\n";
    return 0;
  }
  const auto results = bulwark::tuning::run_tuning_checks(*cfg, opt);
  std::cout << (json_out ? bulwark::tuning::format_json(results)
                         : bulwark::tuning::format_text(results));
  return bulwark::tuning::exit_status(results);
}
