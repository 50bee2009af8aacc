// The jobs: order sync, processing, delivery, tracking sync and push, and
// the operator's actions. The daemon and the CLI call these; nothing else
// does. Each job takes the run lock, so the service and the CLI never work
// on the same files or POs at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/deadlines.h"
#include "core/verify.h"
#include "spool/spool.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"

namespace orderd {

// Everything a job needs, built from a Config. Not thread-safe.
struct Runtime {
  std::shared_ptr<const Config> cfg;
  std::unique_ptr<Store> store;
  Spool spool;
  RoutingRules rules;
  const Clock* clock = &system_clock();
  std::string actor = "orderd";  // who the events name
  int lock_fd = -1;
  int lock_depth = 0;  // RunLock is reentrant within one process
  // What the spool's state mark last said (jobs/state.h), to write it only
  // when the database has handed out more.
  std::optional<StateFacts> marked;
  // Whether this process's cycles queue the daily digests: the service's
  // and `orderd --once`'s do, orderctl's do not (its TZ may be another).
  bool digests = false;

  std::int64_t now() const { return clock->now(); }
  ~Runtime();
};

// Checks the config, opens the database and prepares the spool folders.
Result<std::unique_ptr<Runtime>> open_runtime(std::shared_ptr<const Config> cfg);

// Holds the run lock (flock on state_dir/orderd.lock) while alive. Nested
// RunLocks in one process share the outer one.
class RunLock {
 public:
  explicit RunLock(Runtime& rt);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  Runtime& rt_;
};

// One line of a report for people: what happened, or (problem) what failed
// and what to do. orderctl prints problems on stderr, the rest on stdout.
struct ReportLine {
  ReportLine(std::string t, bool p = false) : text(std::move(t)), problem(p) {}  // NOLINT
  std::string text;
  bool problem = false;
};

struct RunReport {
  int files = 0;                  // files read
  int changed = 0;                // orders/lines/documents changed
  int failed = 0;                 // problems: files quarantined, documents failed, ...
  std::vector<ReportLine> lines;  // what happened, in order
  void add(RunReport&& other);
  // A failure, with what to do: a line marked as a problem, counted.
  void problem(std::string text);
  // Every line, one per line of text (the sync history's summary).
  std::string text() const;
};

// The channels (order sync) or suppliers (tracking sync) a run covers;
// empty: all of them.
using Scope = std::span<const std::string>;
bool in_scope(Scope only, std::string_view id);

// Pulls every channel's `source:` into inbound/, reads every channel's
// inbound orders, and auto-processes where configured.
RunReport sync_orders(Runtime& rt, std::string_view trigger, Scope only = {});
// Pulls every supplier's `tracking.pull:` and reads the inbound tracking files.
RunReport sync_tracking(Runtime& rt, std::string_view trigger, Scope only = {});
// A remote to pull from: a channel's source (kind "orders") or a supplier's
// tracking.pull (kind "tracking"). `tc` must outlive the pull.
struct PullSource {
  std::string kind, source;
  const TransportConfig* tc = nullptr;
};
// Downloads what is ready at each source into inbound/<kind>/<source>/
// (docs/spool.md, "Pulling from a remote"). All sources are looked at once,
// then once more after one `settle` pause. Files only; intake reads them.
RunReport pull_remotes(Runtime& rt, std::span<const PullSource> sources);
// Sends unpushed tracking to the channels.
RunReport push_tracking(Runtime& rt, std::string_view trigger);
// Delivers due documents (and completes deliveries a crash interrupted).
// Called by run_cycle() only, so each document is attempted at most once a
// cycle.
RunReport deliver_due(Runtime& rt);
// Alerts (jobs/alerts.cc, core/alerts.h): records what needs a person among
// what the state recorded since the last look, clears conditions that are
// over, and queues for each sink one document per kind whose window has
// passed. Called by run_cycle() before delivery, which sends them. A state
// database error is a problem line; the next look reads from the same marks.
RunReport raise_alerts(Runtime& rt);
// An alert raised where it happens (a pull that fails, a reload refused),
// in a transaction of its own; a condition already open is not raised
// again. What could not be recorded is a problem line of `report`.
void raise_alert_now(Runtime& rt, const Alert& a, RunReport& report);
// Clears the open condition `kind`/`ref`, if there is one.
void clear_alert_now(Runtime& rt, std::string_view kind, std::string_view ref);
// When the earliest alert waiting in its window is due to be queued.
std::optional<std::int64_t> next_alert_batch(Runtime& rt);
// `orderctl alerts test`: a test alert queued at once for every sink (with
// whatever else each has waiting); refused without sinks.
Result<RunReport> queue_test_alert(Runtime& rt);

// `m` queued as a document of `kind` (alert, digest) to `sink`, JSON for
// an http sink and text otherwise, named KIND-<id>.json/.txt; its id. In
// the caller's transaction.
std::int64_t queue_for_sink(Runtime& rt, const AlertSinkConfig& sink, std::string_view kind,
                            const AlertMessage& m, RunReport& report);
// The daily digest of each sink that has `digest:` set, once its time of
// day has passed (jobs/digest.cc); called by raise_alerts() in its
// transaction. A day the service missed is one digest, of the day before.
void queue_digests(Runtime& rt, RunReport& report);
// Per supplier (every configured one) since `since`, with a current outage.
std::vector<SupplierScore> supplier_scores(Runtime& rt, std::int64_t since);

// One cycle: `work` (syncs, processing, an operator's action; may be
// empty), then one delivery pass over every document due. The one place
// delivery runs. A state database error fails the cycle's report.
RunReport run_cycle(Runtime& rt, const std::function<void(RunReport&)>& work);
// The cycle of `orderd --once`: orders, tracking and the push, then delivery.
RunReport full_cycle(Runtime& rt, std::string_view trigger);

// Splits ready orders into POs and renders them; run_cycle() delivers them.
RunReport process_orders(Runtime& rt, const std::vector<std::int64_t>& order_ids);

// A document a real run would deliver: to `party` (`where` says by what),
// as `name`, holding `content`.
struct DryRunDocument {
  std::string party, name, where, content;
};
// What process_orders would render, exactly (PO numbers and X12 control
// numbers included), without sending anything, changing a status or
// spending a number: the transaction is rolled back.
Result<std::vector<DryRunDocument>> dry_run_orders(Runtime& rt,
                                                   const std::vector<std::int64_t>& order_ids,
                                                   RunReport& report);

// Finds ORDER as the operator typed it: "#1001", "1001" or "channel:#1001".
Result<std::int64_t> find_order(Runtime& rt, std::string_view ref);

// Operator actions; errors are kRefused/kNotFound with a message to show.
// resolve: the values are stored and the order verified again; a problem
// line (failed) says what it still needs.
Result<RunReport> resolve_order(Runtime& rt, std::int64_t order_id,
                                const std::vector<std::pair<std::string, std::string>>& sets);
Result<RunReport> cancel_order(Runtime& rt, std::int64_t order_id, std::string_view reason);
Result<RunReport> retry_order(Runtime& rt, std::int64_t order_id);

// Recomputes an order's status from its POs and lines; records an event if
// it changed. Call inside a transaction.
Status refresh_status(Runtime& rt, std::int64_t order_id, std::string_view reason);
// The same for many orders, reading their inputs in chunks.
void refresh_statuses(Runtime& rt, std::span<const std::int64_t> ids, std::string_view reason);

}  // namespace orderd
