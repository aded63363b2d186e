// Readiness and liveness signals to the service manager (systemd's sd_notify protocol,
// through libsystemd). Both daemons run as Type=notify units with a watchdog; outside
// systemd (no NOTIFY_SOCKET) every call here does nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bulwark::api {

// READY=1 with a status line: the unit's start job completes.
void notify_ready(const std::string& status);
// STOPPING=1: a stop has begun.
void notify_stopping();
// Feeds the unit's watchdog (WatchdogSec=) at a quarter of its period, by time: a loop
// that slows down (an event flood, a reload) still feeds it as long as it runs. Without a
// watchdog, due() is never true.
class WatchdogFeeder {
 public:
  WatchdogFeeder();
  // True when a quarter period has passed since the last feed.
  bool due() const;
  // WATCHDOG=1; the next one is due a quarter period later.
  void feed();

 private:
  std::chrono::steady_clock::duration period_{};
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace bulwark::api
