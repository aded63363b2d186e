// bulwark-control: the appliance's management process (no DPDK). Owns the versioned
// configuration and rules, pushes bundles to the dataplane, serves /metrics, keeps the
// event log, and answers bulwarkctl on the management socket. Starts before or after
// the dataplane; either may restart without the other.
//
// Exit codes: 0 clean stop (SIGINT/SIGTERM); 2 bad command line; 3 cannot start (state
// directory, sockets, initial configuration or rules; the message says which).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "control/controller.h"
#include "control/mgmt_server.h"
#include "dataplane/api/service_notify.h"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  using namespace bulwark::control;
  CLI::App app{
      "bulwark-control: configuration versions, rule pushes, metrics and events of a Bulwark "
      "appliance.\nOperators use bulwarkctl; see its --help."};
  ControllerOptions o;
  o.version = BULWARK_VERSION;
  std::string socket = "/run/bulwark/control.sock", group;
  app.add_option("--state-dir", o.state_dir, "where versions are kept")->capture_default_str();
  app.add_option("--socket", socket, "management socket for bulwarkctl")->capture_default_str();
  app.add_option("--admin-group", group,
                 "group allowed to use the management socket (default: root only)");
  app.add_option("--initial-config", o.initial_config,
                 "configuration of version 1 when the state directory is empty")
      ->check(CLI::ExistingFile);
  app.add_option("--initial-rules", o.initial_rules, "rule files of version 1 (same condition)")
      ->check(CLI::ExistingFile);
  app.set_version_flag("--version", BULWARK_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  Controller ctl;
  std::string error;
  if (!ctl.start(o, error)) {
    std::fprintf(stderr, "bulwark-control: error: %s\n", error.c_str());
    return 3;
  }
  MgmtServer mgmt;
  if (!mgmt.start(socket, group, ctl, error)) {
    std::fprintf(stderr, "bulwark-control: error: %s\n", error.c_str());
    return 3;
  }
  std::printf("bulwark-control %s: state in %s, management socket %s\n", BULWARK_VERSION,
              o.state_dir.c_str(), socket.c_str());
  std::fflush(stdout);
  bulwark::api::notify_ready("management socket " + socket);
  bulwark::api::WatchdogFeeder watchdog;  // fed while this loop runs
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (watchdog.due()) watchdog.feed();
  }
  bulwark::api::notify_stopping();
  mgmt.stop();
  ctl.stop();
  std::printf("bulwark-control: stopped\n");
  return 0;
}
