// The long-running service: `orderd -c FILE`. One thread, one poll(2) loop
// over a self-pipe (signals), inotify (files dropped into inbound/), the
// control socket (orderctl) and a timeout that is the next thing due: a
// channel's order sync, a supplier's tracking sync, or a delivery retry.
// Nothing runs when nothing is due; the process sleeps in poll.
//
// systemd: Type=notify. READY=1 after the first start-up syncs, STATUS= after
// each run, WATCHDOG=1 at half WatchdogSec (from inside long jobs too),
// RELOADING=1 on SIGHUP, STOPPING=1 on SIGTERM. Logs go to stderr with
// syslog priority prefixes (<3> error, <4> warning, <6> info) when journald
// or a pipe reads them.
#pragma once

#include <filesystem>

namespace orderd {

// Runs until SIGTERM/SIGINT; returns the exit code.
int run_service(const std::filesystem::path& config_file);

}  // namespace orderd
