// sd_notify wrappers; see service_notify.h.
#include "dataplane/api/service_notify.h"

#include <systemd/sd-daemon.h>

namespace bulwark::api {

void notify_ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1"); }

WatchdogFeeder::WatchdogFeeder() : last_(std::chrono::steady_clock::now()) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) period_ = std::chrono::microseconds(usec / 4);
}

bool WatchdogFeeder::due() const {
  return period_.count() != 0 && std::chrono::steady_clock::now() - last_ >= period_;
}

void WatchdogFeeder::feed() {
  sd_notify(0, "WATCHDOG=1");
  last_ = std::chrono::steady_clock::now();
}

}  // namespace bulwark::api
