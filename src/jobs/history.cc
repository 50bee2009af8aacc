#include "jobs/history.h"

#include <fmt/format.h>

namespace orderd {

std::string internal_error(const std::exception& e) {
  return internal_error(e, "the work stopped here and the next run does it again");
}

void add_disk_errors(RunReport& report) {
  for (auto& e : Store::take_disk_errors()) {
    report.problem(fmt::format(
        "state database: {} (the disk under the state folder failed; what this run could not "
        "save is done again by the next one; check the disk: dmesg, df -h)",
        e));
  }
}

RunReport recorded_run(Runtime& rt, std::string_view kind, std::string_view trigger,
                       const std::function<void(RunReport&)>& body) {
  RunReport report;
  SyncRun run;
  run.kind = kind;
  run.trigger = trigger;
  run.started_at = rt.now();
  // A start that cannot be recorded is recorded with the end (run.id 0).
  std::string not_started;
  try {
    Txn t(*rt.store);
    auto s = t.begin();
    if (s) {
      run.id = rt.store->begin_run(kind, trigger, run.started_at);
      s = t.commit();
    }
    if (!s) {
      run.id = 0;
      not_started = s.error().message();
    }
  } catch (const StoreError& e) {
    run.id = 0;
    not_started = e.what();
  }
  if (!not_started.empty()) {
    report.problem(
        fmt::format("the start of this {} run could not be recorded: {}", kind, not_started));
  }
  try {
    body(report);
  } catch (const StoreError& e) {
    report.problem(fmt::format(
        "state database error: {}; the run stopped here and the rest is done by the next one "
        "(if it repeats, check the disk and `orderctl sync status`)",
        e.what()));
  } catch (const std::exception& e) {
    report.problem(internal_error(e));
  }
  add_disk_errors(report);
  run.finished_at = rt.now();
  run.summary = report.text();
  run.read = report.files;
  run.changed = report.changed;
  run.failed = report.failed;
  try {
    Txn t(*rt.store);
    auto began = t.begin();
    if (!began) {
      report.lines.push_back(
          fmt::format("this {} run is not in the sync history: {}", kind, began.error().message()));
      return report;
    }
    rt.store->finish_run(run);
    if (auto c = t.commit(); !c)
      report.lines.push_back(
          fmt::format("this {} run is not in the sync history: {}", kind, c.error().message()));
  } catch (const StoreError& e) {
    report.lines.push_back(
        fmt::format("this {} run is not in the sync history: {}", kind, e.what()));
  }
  return report;
}

}  // namespace orderd
