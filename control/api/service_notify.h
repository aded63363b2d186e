// Readiness and liveness signals to the service manager (systemd's sd_notify protocol,
// through libsystemd). Both daemons run as Type=notify units with a watchdog; outside
// systemd (no NOTIFY_SOCKET) every call here does nothing.
#pragma once

#include <cstdint>
#include <string>

namespace bulwark::wire {

// READY=1 with a status line: the unit's start job completes.
void notify_ready(const std::string& status);
// STOPPING=1: a stop has begun.
void notify_stopping();
// The watchdog period the unit asked for (WatchdogSec=), in microseconds; 0 = none.
uint64_t watchdog_usec();
// WATCHDOG=1: the process's main loop is alive.
void notify_watchdog();

}  // namespace bulwark::wire
