// bulwark-update: applies and rolls back signed package sets of the appliance (update
// bundles, see update_bundle.h). `apply` verifies the bundle, installs it with apt (new
// dependencies come from the configured Debian mirror), waits for the services to be
// healthy and otherwise reinstalls the set that ran before; `rollback` goes back to the
// previous set on demand. The sets are kept in the state directory, re-verified on use.
//
// Exit codes: 0 done; 2 bad command line; 3 bundle refused (signature, digest, contents,
// older than the installed set, or the installed set unreadable); 4 install failed; 5
// services unhealthy after install (4 and 5: the previous set is put back when one is
// recorded, the message says which); 6 putting the previous set back failed too, or the
// set installed but could not be recorded; 7 another update is running or the state
// directory is unusable; 8 nothing to roll back to.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
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
  kBusy = 7,
  kNothing = 8
};

struct Settings {
  std::string state_dir = "/var/lib/bulwark-update";
  std::vector<std::string> key_dirs{"/usr/share/bulwark/update-keys", "/etc/bulwark/update-keys"};
  bool health_check = true;
  unsigned health_timeout_s = 240;
  unsigned health_window_s = 45;  // longer than the units' WatchdogSec=30
  bool allow_downgrade = false;
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

// Copies the bundle into the private scratch directory first: listing, unpacking and
// keeping then read bytes nobody else can change between the checks and the install.
std::optional<VerifiedBundle> open_bundle(const std::vector<TrustedKey>& keys,
                                          const std::string& bundle, const std::string& dir,
                                          std::string& error) {
  std::error_code ec;
  if (dir.empty()) {
    error = "no scratch directory (is the state directory writable?)";
    return std::nullopt;
  }
  if (!fs::is_regular_file(bundle, ec)) {
    error = bundle + " is not a regular file";
    return std::nullopt;
  }
  if (fs::file_size(bundle, ec) > kMaxBundleBytes + (uint64_t{1} << 20)) {
    error = bundle + " is larger than a bundle may be";
    return std::nullopt;
  }
  const std::string copy = dir + "/bundle.tar", files = dir + "/files";
  fs::copy_file(bundle, copy, ec);
  if (!ec) fs::create_directory(files, ec);
  if (ec) {
    error = "cannot copy " + bundle + ": " + ec.message();
    return std::nullopt;
  }
  if (!unpack_bundle(copy, files, error)) return std::nullopt;
  return verify_unpacked(files, keys, error);
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

// apt resolves new dependencies from the box's Debian mirror: its lists are refreshed
// first, once a run (a restore after a failed apply uses them as they are; a box
// without a reachable mirror installs what needs nothing new).
bool install(const std::string& dir, const VerifiedBundle& b, bool refresh_lists) {
  if (refresh_lists && run_command({"apt-get", "update", "-q"}) != 0)
    std::fprintf(stderr,
                 "bulwark-update: warning: apt-get update failed; using the lists there are\n");
  std::vector<std::string> argv{"apt-get",
                                "install",
                                "-y",
                                "-q",
                                "--allow-downgrades",
                                "-o",
                                "Dpkg::Options::=--force-confold"};
  for (const auto& p : b.manifest.packages) argv.push_back("./" + p.file);
  return run_command(argv, nullptr, dir + "/files") == 0;
}

std::vector<std::string> service_units() {
  std::vector<std::string> units{"bulwark-control.service"};
  if (fs::exists("/etc/bulwark/dataplane.yaml")) units.push_back("bulwark-dataplane.service");
  return units;
}

// "ActiveState InvocationID NRestarts" of a unit: a restart changes the last two.
std::string unit_state(const std::string& unit) {
  std::string out;
  run_command(
      {"systemctl", "show", "-p", "ActiveState", "-p", "InvocationID", "-p", "NRestarts", unit},
      &out);
  std::string active, invocation, restarts;
  std::istringstream lines(out);
  for (std::string l; std::getline(lines, l);) {
    if (l.rfind("ActiveState=", 0) == 0) active = l.substr(12);
    if (l.rfind("InvocationID=", 0) == 0) invocation = l.substr(13);
    if (l.rfind("NRestarts=", 0) == 0) restarts = l.substr(10);
  }
  return active == "active" ? active + " " + invocation + " " + restarts : std::string();
}

// Healthy: every service active through a whole window (--health-window) with the same
// invocation and restart count (a unit that crashes and restarts in between is not), all
// within --health-timeout.
bool healthy(const Settings& s) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(s.health_timeout_s);
  const auto units = service_units();
  auto snapshot = [&] {
    std::string all;
    for (const auto& u : units) {
      const std::string st = unit_state(u);
      if (st.empty()) return std::string();
      all += st + ";";
    }
    return all;
  };
  while (clock::now() < deadline) {
    const std::string first = snapshot();
    const auto start = clock::now();
    bool steady = !first.empty();
    while (steady && clock::now() - start < std::chrono::seconds(s.health_window_s) &&
           clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      steady = snapshot() == first;
    }
    if (steady && clock::now() - start >= std::chrono::seconds(s.health_window_s)) return true;
    if (!steady) std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return false;
}

// Puts the set in `bundle` back after a failed apply: clears the units' start limits
// (a crash-looping new dataplane may have hit them), reinstalls, and checks health.
bool restore(const Settings& s, const std::vector<TrustedKey>& keys, const std::string& bundle) {
  Scratch scratch(s.state_dir);
  std::string error;
  auto b = open_bundle(keys, bundle, scratch.path, error);
  if (!b) {
    std::fprintf(stderr, "bulwark-update: the previous set %s does not verify: %s\n",
                 bundle.c_str(), error.c_str());
    return false;
  }
  std::printf("bulwark-update: putting back version %s\n", b->manifest.version.c_str());
  std::vector<std::string> reset{"systemctl", "reset-failed"};
  for (const auto& u : service_units()) reset.push_back(u);
  if (s.health_check) run_command(reset);
  if (!install(scratch.path, *b, false)) return false;  // lists fresh from the failed apply
  if (s.health_check) {
    std::vector<std::string> restart{"systemctl", "restart"};
    for (const auto& u : service_units()) restart.push_back(u);
    run_command(restart);
    if (!healthy(s)) {
      std::fprintf(stderr,
                   "bulwark-update: the services are not healthy on the previous set either\n");
      return false;
    }
  }
  return true;
}

bool keep(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to + ".tmp", fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(to + ".tmp", to, ec);
  return !ec;
}

// Installs `bundle`, checks health, and on failure puts `fallback` back (if there is one:
// a box installed without bulwark-update has no recorded set).
int install_checked(const Settings& s, const std::string& bundle, const std::string& fallback,
                    bool check_age, VerifiedBundle& out) {
  Scratch scratch(s.state_dir);
  if (scratch.path.empty()) return say(kBusy, "cannot make a scratch directory in " + s.state_dir);
  // The keys are read once, before anything is installed: the fallback is verified with
  // the keys this run started with, whatever the new set did to the key directories.
  const auto keys = trusted_keys(s);
  std::string error;
  auto b = open_bundle(keys, bundle, scratch.path, error);
  if (!b) return say(kRefused, bundle + " refused: " + error);
  if (check_age && !s.allow_downgrade && fs::exists(fallback)) {
    Scratch cur(s.state_dir);
    std::string why;
    auto installed = open_bundle(keys, fallback, cur.path, why);
    if (!installed)
      return say(kRefused, bundle + " refused: the installed set does not verify (" + why +
                               "), so its age is unknown (--allow-downgrade to install anyway)");
    if (b->manifest.created_unix < installed->manifest.created_unix)
      return say(kRefused, bundle + " refused: it is older than the installed set " +
                               installed->manifest.version + " (--allow-downgrade to install it)");
  }
  print_bundle("bundle", *b);
  const char* problem = nullptr;
  int rc = kOk;
  if (!install(scratch.path, *b, true)) {
    problem = "installing it failed";
    rc = kInstall;
  } else if (s.health_check && !healthy(s)) {
    problem = "the services were not healthy after it";
    rc = kUnhealthy;
  }
  if (problem) {
    if (!fs::exists(fallback))
      return say(rc, std::string(problem) + "; no recorded set to put back (nothing changed back)");
    if (!restore(s, keys, fallback))
      return say(kStuck, std::string(problem) + ", and putting the previous set back failed");
    return say(rc, std::string(problem) + "; the previous set is installed again");
  }
  if (!keep(scratch.path + "/bundle.tar", s.state_dir + "/incoming.tar"))
    return say(kStuck, "installed, but cannot keep the bundle in " + s.state_dir);
  out = std::move(*b);
  return kOk;
}

int lock_state(const Settings& s, bool exclusive) {
  std::error_code ec;
  fs::create_directories(s.state_dir, ec);
  fs::permissions(s.state_dir, fs::perms::owner_all, ec);
  const int fd = open((s.state_dir + "/lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) return -1;
  return fd;
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
  auto* rollback = app.add_subcommand("rollback", "go back to the previous set");
  apply->add_flag("--allow-downgrade", s.allow_downgrade,
                  "install a bundle made before the installed set");
  for (auto* c : {apply, rollback}) {
    c->add_flag("!--no-health-check", s.health_check,
                "do not wait for the services (no systemd, e.g. an image build)");
    c->add_option("--health-timeout", s.health_timeout_s, "seconds to wait for healthy services")
        ->capture_default_str();
    c->add_option("--health-window", s.health_window_s,
                  "seconds the services must stay up without a restart")
        ->capture_default_str();
  }
  app.add_subcommand("status", "show the current and previous sets");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsage;
  }
  if (s.health_check && s.health_timeout_s <= s.health_window_s)
    return say(kUsage, "--health-timeout must be longer than --health-window");
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
    auto b = open_bundle(trusted_keys(s), bundle, scratch.path, error);
    if (!b) return say(kRefused, bundle + " refused: " + error);
    print_bundle("bundle", *b);
    return kOk;
  }
  const int lock = lock_state(s, cmd != "status");
  if (lock < 0)
    return say(kBusy, "another bulwark-update runs, or " + s.state_dir + " is unusable");
  const std::string current = s.state_dir + "/current.tar",
                    previous = s.state_dir + "/previous.tar";
  if (cmd == "status") {
    const auto keys = trusted_keys(s);
    for (auto [title, file] : {std::pair{"current", current}, std::pair{"previous", previous}}) {
      if (!fs::exists(file)) {
        std::printf("%s: none\n", title);
        continue;
      }
      Scratch scratch(s.state_dir);
      std::string error;
      auto b = open_bundle(keys, file, scratch.path, error);
      if (!b)
        std::printf("%s: does not verify: %s\n", title, error.c_str());
      else
        print_bundle(title, *b);
    }
    return kOk;
  }
  if (cmd == "rollback" && !fs::exists(previous))
    return say(kNothing, "no previous set in " + s.state_dir);
  VerifiedBundle done;
  if (int rc =
          install_checked(s, cmd == "apply" ? bundle : previous, current, cmd == "apply", done);
      rc != kOk)
    return rc;
  // The installed set becomes current, the one before it previous (for rollback: a swap).
  std::error_code ec;
  if (fs::exists(current)) fs::rename(current, previous, ec);
  if (!ec) fs::rename(s.state_dir + "/incoming.tar", current, ec);
  if (ec) return say(kStuck, "installed, but cannot record the sets: " + ec.message());
  return say(kOk, (cmd == "apply" ? "version " : "rolled back to version ") +
                      done.manifest.version + (cmd == "apply" ? " installed" : ""));
}
