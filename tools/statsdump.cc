// bulwark-statsdump: prints the dataplane's stats segment as JSON. Tests and operators
// use it until bulwark-control serves the same numbers.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "dataplane/api/stats_reader.h"

int main(int argc, char** argv) {
  CLI::App app{"bulwark-statsdump: print the dataplane's shared-memory counters as JSON"};
  std::string shm = "/bulwark-stats";
  double wait_s = 0;
  bool compact = false;
  app.add_option("--shm", shm, "stats segment name")->capture_default_str();
  app.add_option("--wait", wait_s, "seconds to wait for the segment to appear and run");
  app.add_flag("--compact", compact, "one line of JSON");
  CLI11_PARSE(app, argc, argv);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  for (;;) {
    bulwark::api::StatsReader r;
    std::string err;
    const bool ok = r.open(shm, err);
    if (ok && (wait_s == 0 || r.segment().header.state.load() != 0)) {
      std::cout << bulwark::api::stats_to_json(r.segment()).dump(compact ? -1 : 2) << "\n";
      return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "bulwark-statsdump: " << (ok ? "dataplane never reached running" : err) << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}
