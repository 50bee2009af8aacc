// The sync history: every run of a job is in sync_runs with what it read,
// changed and why something failed, whatever happens inside it.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "jobs/jobs.h"

namespace orderd {

// Runs `body` as one run of `kind` ("orders", "tracking", "push") started by
// `trigger`, and records it: at its start (so a run that never ends shows as
// started) and at its end with the report. A state database error inside
// `body` fails this run, with the error in its report, instead of escaping
// (so does any other exception: internal_error);
// a run whose start could not be recorded (the database was busy) is
// recorded whole at its end.
RunReport recorded_run(Runtime& rt, std::string_view kind, std::string_view trigger,
                       const std::function<void(RunReport&)>& body);

// The report line for an exception a job did not expect (internal_error in
// util/error.h): the work stops there, its open transaction rolls back, and
// the service goes on with the next run instead of dying.
std::string internal_error(const std::exception& e);

// Adds what SQLite said about the disk since the last call to `report`, as
// failures (each names the file and the system call).
void add_disk_errors(RunReport& report);

}  // namespace orderd
