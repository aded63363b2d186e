// sd_notify wrappers; see service_notify.h.
#include "control/api/service_notify.h"

#include <systemd/sd-daemon.h>

namespace bulwark::wire {

void notify_ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1"); }

uint64_t watchdog_usec() {
  uint64_t usec = 0;
  return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

void notify_watchdog() { sd_notify(0, "WATCHDOG=1"); }

}  // namespace bulwark::wire
