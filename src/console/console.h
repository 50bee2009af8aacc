// The operator's console (README, "Console"): orderctl's pages in a
// browser, served by the running service. Pages read the state on
// connections of their own, in the HTTP server's threads, so they answer
// while a sync runs; actions (process, resolve, cancel, retry, sync now)
// are handed to the service's loop, the one writer, and the page waits for
// their outcome.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "jobs/jobs.h"
#include "util/error.h"

namespace orderd {

// What a console user asked for, as the service's loop runs it.
struct ConsoleAction {
  enum Verb { kProcess, kProcessAllReady, kResolve, kCancel, kRetry, kSyncOrders, kSyncTracking };
  Verb verb = kProcess;
  std::int64_t order_id = 0;
  std::vector<std::pair<std::string, std::string>> sets;  // resolve
  std::string reason;                                     // cancel
  std::string user;                                       // who, for the audit trail
};
// How it went: refused (with why) before anything was done, or the run's report.
struct ConsoleOutcome {
  std::string refused;
  RunReport report;
};
using ConsoleRunner = std::function<ConsoleOutcome(const ConsoleAction&)>;

class Console {
 public:
  // Listens where cfg->console says; refused with why (the address taken,
  // the certificate unreadable). A page waits `action_wait` for an
  // action's outcome; one that comes later is the user's next flash.
  static Result<std::unique_ptr<Console>> start(
      std::shared_ptr<const Config> cfg,
      std::chrono::milliseconds action_wait = std::chrono::seconds(60));
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // Readable when actions wait: the service polls it and calls run_actions.
  int wake_fd() const;
  void run_actions(const ConsoleRunner& run);
  // The service's status (its JSON), shown on Sync Status; set each loop.
  void set_service_status(std::string json);
  // A reload: pages read with the new configuration from now on.
  void set_config(std::shared_ptr<const Config> cfg);

  struct Impl;

 private:
  explicit Console(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderd
