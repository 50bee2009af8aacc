#include "jobs/history.h"

#include <fmt/format.h>

namespace orderd {

RunReport recorded_run(Runtime& rt, std::string_view kind, std::string_view trigger,
                       const std::function<void(RunReport&)>& body) {
  RunReport report;
  SyncRun run;
  run.kind = kind;
  run.trigger = trigger;
  run.started_at = rt.now();
  try {
    Txn t(*rt.store);
    if (t.begin()) {
      run.id = rt.store->begin_run(kind, trigger, run.started_at);
      if (!t.commit()) run.id = 0;
    }
  } catch (const StoreError&) {
    run.id = 0;  // recorded whole at the end
  }
  try {
    body(report);
  } catch (const StoreError& e) {
    report.lines.push_back(fmt::format(
        "state database error: {}; the run stopped here and the rest is done by the next one "
        "(if it repeats, check the disk and `orderctl sync status`)",
        e.what()));
    ++report.failed;
  }
  run.finished_at = rt.now();
  run.summary = fmt::format("{}", fmt::join(report.lines, "\n"));
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
