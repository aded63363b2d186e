// bulwark-update: applies and rolls back signed package sets of the appliance (update
// bundles, see update_bundle.h). `apply` verifies the bundle, installs it with apt (new
// dependencies come from the configured Debian mirror), waits for the services to be
// healthy and otherwise reinstalls the set that ran before; `rollback` goes back to the
// previous set on demand. The sets are kept in the state directory, re-verified on use.
//
// Exit codes: 0 done; 2 bad command line; 3 bundle refused (signature, digest, contents);
// 4 install failed (the previous set was put back); 5 services unhealthy after install
// (the previous set was put back); 6 putting the previous set back failed too; 7 another
// update is running or the state directory is unusable.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "control/update/run_command.h"
#include "control/update/update_bundle.h"

namespace {
namespace fs = std::filesystem;
using namespace bulwark::update;

enum Exit {
  kOk = 0,
  kUsage = 2,
  kRefused = 3,
  kInstall = 4,
  kUnhealthy = 5,
  kStuck = 6,
  kBusy = 7
};

struct Settings {
  std::string state_dir = "/var/lib/bulwark-update";
  std::vector<std::string> key_dirs{"/usr/share/bulwark/update-keys", "/etc/bulwark/update-keys"};
  bool health_check = true;
  unsigned health_timeout_s = 120;
};

int say(int rc, const std::string& msg) {
  std::fprintf(rc == kOk ? stdout : stderr, "bulwark-update: %s%s\n",
               rc == kOk ? "" : "error: ", msg.c_str());
  return rc;
}

// A private scratch directory, removed when it goes out of scope.
struct Scratch {
  std::string path;
  explicit Scratch(const std::string& parent) {
    std::string t = parent + "/work.XXXXXX";
    if (mkdtemp(t.data())) path = t;
  }
  ~Scratch() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

std::vector<TrustedKey> trusted_keys(const Settings& s) {
  std::vector<std::string> warnings;
  auto keys = load_trusted_keys(s.key_dirs, warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "bulwark-update: warning: %s\n", w.c_str());
  return keys;
}

std::optional<VerifiedBundle> open_bundle(const Settings& s, const std::string& bundle,
                                          const std::string& dir, std::string& error) {
  if (!unpack_bundle(bundle, dir, error)) return std::nullopt;
  return verify_unpacked(dir, trusted_keys(s), error);
}

std::string installed_version(const std::string& package) {
  std::string v;
  if (run_command({"dpkg-query", "-W", "-f=${Status} ${Version}", package}, &v) != 0) return "-";
  const std::string ok = "install ok installed ";
  return v.rfind(ok, 0) == 0 ? v.substr(ok.size()) : "-";
}

void print_bundle(const char* title, const VerifiedBundle& b) {
  std::printf("%s: version %s, signed by %s\n", title, b.manifest.version.c_str(), b.key.c_str());
  for (const auto& p : b.manifest.packages)
    std::printf("  %-24s %-24s installed %s\n", p.package.c_str(), p.version.c_str(),
                installed_version(p.package).c_str());
}

bool install(const std::string& dir, const VerifiedBundle& b) {
  std::vector<std::string> argv{"apt-get",
                                "install",
                                "-y",
                                "-q",
                                "--allow-downgrades",
                                "-o",
                                "Dpkg::Options::=--force-confold"};
  for (const auto& p : b.manifest.packages) argv.push_back("./" + p.file);
  return run_command(argv, nullptr, dir) == 0;
}

bool active(const std::string& unit) {
  return run_command({"systemctl", "is-active", "--quiet", unit}) == 0;
}

// Healthy: bulwark-control (and the dataplane, where it is configured) active at checks
// spanning 10 s, within the timeout. A unit in a restart loop is never active that long.
bool healthy(const Settings& s) {
  std::vector<std::string> units{"bulwark-control.service"};
  if (fs::exists("/etc/bulwark/dataplane.yaml")) units.push_back("bulwark-dataplane.service");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(s.health_timeout_s);
  auto since = std::chrono::steady_clock::time_point{};
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (const auto& u : units) all = all && active(u);
    const auto now = std::chrono::steady_clock::now();
    if (!all)
      since = {};
    else if (since == decltype(since){})
      since = now;
    else if (now - since >= std::chrono::seconds(10))
      return true;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return false;
}

// Puts the set in `bundle` back (after a failed apply); true if it installed.
bool restore(const Settings& s, const std::string& bundle) {
  if (!fs::exists(bundle)) return false;
  Scratch scratch(s.state_dir);
  std::string error;
  auto b = open_bundle(s, bundle, scratch.path, error);
  if (!b) {
    say(kStuck, "the previous set " + bundle + " does not verify: " + error);
    return false;
  }
  std::printf("bulwark-update: putting back version %s\n", b->manifest.version.c_str());
  return install(scratch.path, *b);
}

// Installs `bundle`, checks health, and on failure puts `fallback` back.
int install_checked(const Settings& s, const std::string& bundle, const std::string& fallback,
                    VerifiedBundle& out) {
  Scratch scratch(s.state_dir);
  if (scratch.path.empty()) return say(kBusy, "cannot make a scratch directory in " + s.state_dir);
  std::string error;
  auto b = open_bundle(s, bundle, scratch.path, error);
  if (!b) return say(kRefused, bundle + " refused: " + error);
  print_bundle("bundle", *b);
  const char* problem = nullptr;
  int rc = kOk;
  if (!install(scratch.path, *b)) {
    problem = "installing it failed";
    rc = kInstall;
  } else if (s.health_check && !healthy(s)) {
    problem = "the services were not healthy after it";
    rc = kUnhealthy;
  }
  if (problem) {
    if (!fs::exists(fallback))
      return say(rc, std::string(problem) + "; no previous set to put back");
    if (!restore(s, fallback))
      return say(kStuck, std::string(problem) + ", and putting the previous set back failed");
    return say(rc, std::string(problem) + "; the previous set is installed again");
  }
  out = std::move(*b);
  return kOk;
}

int lock_state(const Settings& s) {
  std::error_code ec;
  fs::create_directories(s.state_dir, ec);
  fs::permissions(s.state_dir, fs::perms::owner_all, ec);
  const int fd = open((s.state_dir + "/lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) return -1;
  return fd;
}

bool keep(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to + ".tmp", fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(to + ".tmp", to, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bulwark-update: apply and roll back signed package sets of a Bulwark appliance"};
  Settings s;
  app.add_option("--state-dir", s.state_dir, "where the current and previous sets are kept")
      ->capture_default_str();
  app.add_option("--keys", s.key_dirs, "directories of trusted Ed25519 public keys (*.pem)")
      ->capture_default_str();
  app.require_subcommand(1);
  std::string bundle, key, out;
  std::vector<std::string> debs;
  auto* sign = app.add_subcommand("sign", "make a signed bundle of .deb files (vendor side)");
  sign->add_option("--key", key, "Ed25519 private key, PEM")->required()->check(CLI::ExistingFile);
  sign->add_option("-o,--out", out, "bundle file to write")->required();
  sign->add_option("debs", debs, ".deb files")->required()->check(CLI::ExistingFile);
  auto* verify = app.add_subcommand("verify", "check a bundle and show what it would install");
  verify->add_option("bundle", bundle, "bundle file")->required()->check(CLI::ExistingFile);
  auto* apply = app.add_subcommand(
      "apply", "verify, install, check health; put the previous set back on failure");
  apply->add_option("bundle", bundle, "bundle file")->required()->check(CLI::ExistingFile);
  for (auto* c : {apply, app.add_subcommand("rollback", "go back to the previous set")}) {
    c->add_flag("!--no-health-check", s.health_check,
                "do not wait for the services (no systemd, e.g. an image build)");
    c->add_option("--health-timeout", s.health_timeout_s, "seconds to wait for healthy services")
        ->capture_default_str();
  }
  app.add_subcommand("status", "show the current and previous sets");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsage;
  }
  setenv("DEBIAN_FRONTEND", "noninteractive", 1);
  const std::string cmd = app.get_subcommands()[0]->get_name();
  if (cmd == "sign") {
    std::string error;
    if (!make_bundle(debs, key, out, error)) return say(kUsage, error);
    return say(kOk, "wrote " + out);
  }
  if (cmd == "verify") {
    Scratch scratch(fs::temp_directory_path().string());
    std::string error;
    auto b = open_bundle(s, bundle, scratch.path, error);
    if (!b) return say(kRefused, bundle + " refused: " + error);
    print_bundle("bundle", *b);
    return kOk;
  }
  const int lock = lock_state(s);
  if (lock < 0)
    return say(kBusy, "another bulwark-update runs, or " + s.state_dir + " is unusable");
  const std::string current = s.state_dir + "/current.tar",
                    previous = s.state_dir + "/previous.tar";
  if (cmd == "status") {
    for (auto [title, file] : {std::pair{"current", current}, std::pair{"previous", previous}}) {
      if (!fs::exists(file)) {
        std::printf("%s: none\n", title);
        continue;
      }
      Scratch scratch(s.state_dir);
      std::string error;
      auto b = open_bundle(s, file, scratch.path, error);
      if (!b)
        std::printf("%s: does not verify: %s\n", title, error.c_str());
      else
        print_bundle(title, *b);
    }
    return kOk;
  }
  VerifiedBundle done;
  if (cmd == "apply") {
    if (int rc = install_checked(s, bundle, current, done); rc != kOk) return rc;
    if ((fs::exists(current) && !keep(current, previous)) || !keep(bundle, current))
      return say(kStuck, "installed, but cannot record the sets in " + s.state_dir);
    return say(kOk, "version " + done.manifest.version + " installed");
  }
  // rollback
  if (!fs::exists(previous)) return say(kInstall, "no previous set in " + s.state_dir);
  if (int rc = install_checked(s, previous, current, done); rc != kOk) return rc;
  const std::string swap = s.state_dir + "/swap.tar";
  std::error_code ec;
  fs::rename(previous, swap, ec);
  if (!ec && fs::exists(current)) fs::rename(current, previous, ec);
  if (!ec) fs::rename(swap, current, ec);
  if (ec) return say(kStuck, "rolled back, but cannot record the sets: " + ec.message());
  return say(kOk, "rolled back to version " + done.manifest.version);
}
