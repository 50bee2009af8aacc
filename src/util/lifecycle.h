// The service's stop flag and heartbeat. SIGTERM/SIGINT set the flag (from a
// signal handler); long jobs check it between units of work (a file, a
// document, a chunk of orders) and return early, leaving the rest to the next
// start. The heartbeat lets the service ping the systemd watchdog from inside
// a long job. Both are no-ops outside the service.
#pragma once

namespace orderd {

void request_stop() noexcept;  // async-signal-safe
bool stop_requested() noexcept;
void clear_stop() noexcept;

using Heartbeat = void (*)();
void set_heartbeat(Heartbeat h) noexcept;
// Called between units of work.
void heartbeat() noexcept;

}  // namespace orderd
