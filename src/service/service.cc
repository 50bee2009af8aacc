#include "service/service.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "console/console.h"
#include "jobs/history.h"
#include "jobs/jobs.h"
#include "jobs/state.h"
#include "service/control.h"
#include "service/schedule.h"
#include "transport/transport.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json_out.h"
#include "util/lifecycle.h"
#include "util/text.h"

namespace orderd {
namespace {

using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

// ---- signals: the handler only sets flags and wakes poll through a pipe.
int g_wake[2] = {-1, -1};
volatile std::sig_atomic_t g_reload = 0;

void on_signal(int sig) {
  const int saved = errno;
  if (sig == SIGHUP)
    g_reload = 1;
  else
    request_stop();
  const char c = 1;
  [[maybe_unused]] auto n = ::write(g_wake[1], &c, 1);
  errno = saved;
}

// ---- logging: journald keeps the level from a "<N>" prefix.
bool g_prefix = false;

// `id` is a stable message identifier an operator can grep and alert on
// (README, "Run as a service"); the first line carries it.
void log(int priority, std::string_view id, std::string_view text) {
  std::string out;
  std::size_t at = 0;
  bool first = true;
  while (at <= text.size()) {
    auto nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    if (g_prefix) out += fmt::format("<{}>", priority);
    if (first) out += fmt::format("{} ", id);
    first = false;
    out.append(text.substr(at, nl - at));
    out += '\n';
    at = nl + 1;
  }
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
}
constexpr int kErr = 3, kWarning = 4, kInfo = 6;

// ---- watchdog: pinged from the loop and, through heartbeat(), from jobs.
std::uint64_t g_watchdog_usec = 0;
Steady::time_point g_last_ping;

void ping_watchdog() {
  if (!g_watchdog_usec) return;
  const auto now = Steady::now();
  if (now - g_last_ping < std::chrono::microseconds(g_watchdog_usec / 2)) return;
  sd_notify(0, "WATCHDOG=1");
  g_last_ping = now;
}

void notify(const std::string& what) {
  sd_notify(0, what.c_str());
}

class Service {
 public:
  explicit Service(std::filesystem::path file) : file_(std::move(file)) {}
  ~Service() {
    if (inotify_ >= 0) ::close(inotify_);
    if (control_ >= 0) ::close(control_);
    if (service_lock_ >= 0) ::close(service_lock_);
  }
  int run();

 private:
  std::string load();  // "" on success, else why not
  void arm_watches();
  void reschedule(bool keep);
  void read_inotify();
  void serve_control();
  void run_due();
  void log_operator_failures();
  RunReport orders(const std::vector<std::string>& scope, std::string_view trigger);
  RunReport tracking(const std::vector<std::string>& scope, std::string_view trigger);
  void deliveries();
  RunReport cycle(const std::function<void(RunReport&)>& jobs);
  void report(std::string_view what, std::string_view trigger, const RunReport& r);
  int timeout_ms();
  json status_json();
  ConsoleOutcome console_action(const ConsoleAction& a);

  std::filesystem::path file_;
  std::unique_ptr<Runtime> rt_;
  std::unique_ptr<Console> console_;
  int inotify_ = -1, control_ = -1, service_lock_ = -1;
  std::filesystem::path state_dir_;
  std::map<int, std::pair<std::string, std::string>> watches_;  // wd -> kind, source
  // When each channel's order sync and each supplier's tracking sync is next
  // due, and how often it runs.
  Schedule order_due_, tracking_due_;
  std::int64_t next_delivery_check_ = 0;
  std::set<std::string> dirty_orders_, dirty_tracking_;
  std::optional<Steady::time_point> dirty_at_;
  std::int64_t started_at_ = 0;
  std::string last_run_;
  std::int64_t operator_runs_seen_ = -1;  // sync_runs id up to which orderctl's runs were logged
  std::int64_t alerts_logged_ = -1;       // alerts id up to which ALERT_RAISED was logged
};

std::string Service::load() {
  auto cfg = load_config(file_);
  if (!cfg) return cfg.error().message();
  auto rt = open_runtime(*cfg);
  if (!rt) return rt.error().message();
  (*rt)->actor = "orderd";
  (*rt)->digests = true;
  // The state must be the one the spool knows, and whole (checked in full
  // at start; a reload keeps the database it runs on unless state_dir moved).
  if (auto s = check_state(**rt, !rt_ || state_dir_ != (*cfg)->state_dir); !s)
    return s.error().message();
  if (state_dir_ != (*cfg)->state_dir) {
    // One service per state folder: a second one would run every schedule twice.
    const auto lock_path = (*cfg)->state_dir / "orderd.service.lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (fd >= 0) ::close(fd);
      return fmt::format("another orderd service already runs on {} (lock {})",
                         (*cfg)->state_dir.string(), lock_path.string());
    }
    auto listening = listen_control(**cfg);
    if (!listening) {
      ::close(fd);
      return listening.error().message();
    }
    if (control_ >= 0) ::close(control_);
    if (service_lock_ >= 0) ::close(service_lock_);
    control_ = *listening;
    service_lock_ = fd;
    state_dir_ = (*cfg)->state_dir;
  }
  // The console: started, kept across a reload that leaves where it
  // listens as it was (its logins stay), or started again where it moved.
  const ConsoleConfig& want = (*cfg)->console;
  const ConsoleConfig* had = rt_ ? &rt_->cfg->console : nullptr;
  const bool same_place = had && had->enabled == want.enabled && had->listen == want.listen &&
                          had->cert_file == want.cert_file && had->key_file == want.key_file;
  if (console_ && same_place) {
    console_->set_config(*cfg);
  } else if (!want.enabled) {
    console_.reset();
  } else {
    // Where it moved, the new one starts first, so that a refusal (the
    // port taken) leaves the old one serving with the old configuration;
    // on the same address the old one must let go of it first.
    if (had && had->listen == want.listen) {
      // What the new one needs is checked before the old one lets go.
      for (const auto& f : {want.cert_file, want.key_file})
        if (!f.empty())
          if (auto pem = read_file(f, 1 << 20); !pem) return pem.error().message();
      console_.reset();
    }
    auto started = Console::start(*cfg);
    if (!started) return started.error().message();
    console_ = std::move(*started);
    std::error_code ec;
    if (!std::filesystem::exists(want.users_file, ec))
      log(kWarning, "CONFIG_WARNING",
          fmt::format("console: no user can log in yet: add one with `orderctl user add NAME` "
                      "(writes {})",
                      want.users_file.string()));
  }
  rt_ = std::move(*rt);
  if (console_)
    log(kInfo, "CONSOLE_LISTENING",
        fmt::format("console on {}{}", rt_->cfg->console.listen,
                    rt_->cfg->console.tls() ? " (HTTPS)" : ""));
  for (const auto& w : rt_->cfg->warnings) log(kWarning, "CONFIG_WARNING", w);
  arm_watches();
  return {};
}

void Service::arm_watches() {
  if (inotify_ >= 0) ::close(inotify_);
  watches_.clear();
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ < 0) {
    log(kWarning, "WATCH_FAILED",
        fmt::format("inotify unavailable ({}): dropped files wait for the schedule",
                    std::strerror(errno)));
    return;
  }
  auto watch = [&](const char* kind, const std::string& source) {
    const auto dir = rt_->spool.inbound(kind, source);
    int wd = ::inotify_add_watch(inotify_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
    if (wd < 0)
      log(kWarning, "WATCH_FAILED",
          fmt::format("cannot watch {} ({}): files dropped there wait for the schedule",
                      dir.string(), std::strerror(errno)));
    else
      watches_[wd] = {kind, source};
  };
  for (const auto& c : rt_->cfg->channels) watch("orders", c.id);
  for (const auto& s : rt_->cfg->suppliers) watch("tracking", s.id);
}

// Due times per channel and supplier. At start everything is due (a
// restarted service catches up at once); on reload, ids that stay keep
// their rhythm and new ones are due now.
void Service::reschedule(bool keep) {
  const std::int64_t now = rt_->now();
  std::vector<std::pair<std::string, std::int64_t>> orders, tracking;
  for (const auto& c : rt_->cfg->channels)
    orders.emplace_back(c.id, c.every ? c.every : rt_->cfg->schedule.order_sync);
  for (const auto& s : rt_->cfg->suppliers)
    tracking.emplace_back(s.id,
                          s.tracking.every ? s.tracking.every : rt_->cfg->schedule.tracking_sync);
  order_due_.reset(orders, now, keep);
  tracking_due_.reset(tracking, now, keep);
  next_delivery_check_ = now;
}

void Service::read_inotify() {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(inotify_, buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {  // events were lost: look everywhere
        for (const auto& c : rt_->cfg->channels) dirty_orders_.insert(c.id);
        for (const auto& s : rt_->cfg->suppliers) dirty_tracking_.insert(s.id);
        continue;
      }
      auto it = watches_.find(ev->wd);
      if (it == watches_.end() || ev->len == 0 || is_being_written(ev->name)) continue;
      (it->second.first == "orders" ? dirty_orders_ : dirty_tracking_).insert(it->second.second);
    }
  }
  // A short pause gathers the rest of a burst of files into one run.
  if ((!dirty_orders_.empty() || !dirty_tracking_.empty()) && !dirty_at_)
    dirty_at_ = Steady::now() + std::chrono::milliseconds(150);
}

void Service::report(std::string_view what, std::string_view trigger, const RunReport& r) {
  const std::int64_t now = rt_->now();
  last_run_ = fmt::format("{} {} ({}): {} files, {} changed, {} failed", iso_time(now), what,
                          trigger, r.files, r.changed, r.failed);
  if (r.files || r.changed || r.failed || !r.lines.empty()) {
    std::string text = fmt::format("{} sync ({}): {} files, {} changed, {} failed", what, trigger,
                                   r.files, r.changed, r.failed);
    constexpr std::size_t kMaxLines = 40;
    for (std::size_t i = 0; i < r.lines.size() && i < kMaxLines; ++i)
      text += "\n  " + r.lines[i].text;
    if (r.lines.size() > kMaxLines)
      text += fmt::format("\n  ... and {} more (orderctl sync status)", r.lines.size() - kMaxLines);
    log(r.failed ? kWarning : kInfo, r.failed ? "SYNC_FAILURES" : "SYNC_DONE", text);
  }
  std::string counts;
  try {
    for (const auto& [status, n] : rt_->store->status_counts())
      if (status != "completed" && status != "canceled")
        counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, status);
    counts += fmt::format("{}{} documents waiting", counts.empty() ? "" : ", ",
                          rt_->store->documents_waiting());
  } catch (const StoreError&) {
  }
  notify(fmt::format("STATUS=last: {}; {}", last_run_, counts));
}

// One cycle of jobs; a state database error fails the run, not the service.
RunReport Service::cycle(const std::function<void(RunReport&)>& jobs) {
  return run_cycle(*rt_, jobs);
}

RunReport Service::orders(const std::vector<std::string>& scope, std::string_view trigger) {
  RunReport r = cycle([&](RunReport& out) { out.add(sync_orders(*rt_, trigger, scope)); });
  report("orders", trigger, r);
  return r;
}

RunReport Service::tracking(const std::vector<std::string>& scope, std::string_view trigger) {
  RunReport r = cycle([&](RunReport& out) {
    out.add(sync_tracking(*rt_, trigger, scope));
    out.add(push_tracking(*rt_, trigger));
  });
  report("tracking", trigger, r);
  return r;
}

void Service::deliveries() {
  const std::int64_t now = rt_->now();
  std::optional<std::int64_t> next;
  RunReport r =
      recorded_run(*rt_, "delivery", "retry", [&](RunReport& in) { in.add(cycle(nullptr)); });
  try {
    next = rt_->store->next_document_due();
    if (const auto batch = next_alert_batch(*rt_)) next = next ? std::min(*next, *batch) : *batch;
  } catch (const StoreError& e) {
    r.problem(fmt::format("state database error: {}", e.what()));
  }
  if (r.changed || r.failed || !r.lines.empty()) report("delivery", "retry", r);
  // At most one look a second, whatever the queue holds; at least one a
  // minute, for documents that orderctl queued in its own process.
  next_delivery_check_ = std::clamp(next ? *next : now + 60, now + 1, now + 60);
}

// What orderctl did from the shell and failed at (a delivery from `process`,
// `retry` or `cancel`) reaches the service's log too, so journal-based
// alerting sees it: orderctl records its runs with trigger "operator:NAME".
void Service::log_operator_failures() {
  try {
    // The first look (at start) begins at what the state holds now.
    if (operator_runs_seen_ < 0) operator_runs_seen_ = rt_->store->last_run_id();
    if (alerts_logged_ < 0) alerts_logged_ = rt_->store->last_alert_id();
    for (const auto& r : rt_->store->runs_after(operator_runs_seen_, "operator:")) {
      operator_runs_seen_ = r.id;
      if (r.failed)
        log(kWarning, "SYNC_FAILURES",
            fmt::format("orderctl {} ({}): {} failed\n{}", r.kind, r.trigger, r.failed, r.summary));
    }
    // Every alert raised, by this service or by orderctl, on its own line
    // of the journal with an id to alert on.
    for (const auto& a : rt_->store->alerts_after(alerts_logged_, 1000)) {
      alerts_logged_ = a.id;
      if (a.kind != "test")
        log(kWarning, "ALERT_RAISED", fmt::format("{} ({})", a.message, a.action));
    }
  } catch (const StoreError&) {
    // The next loop looks again; the runs and alerts stay in the state.
  }
}

void Service::run_due() {
  const std::int64_t now = rt_->now();
  if (dirty_at_ && Steady::now() >= *dirty_at_) {
    std::vector<std::string> o(dirty_orders_.begin(), dirty_orders_.end());
    std::vector<std::string> t(dirty_tracking_.begin(), dirty_tracking_.end());
    dirty_orders_.clear();
    dirty_tracking_.clear();
    dirty_at_.reset();
    if (!o.empty()) orders(o, "file");
    if (!t.empty() && !stop_requested()) tracking(t, "file");
  }
  if (auto due = order_due_.take_due(now); !due.empty() && !stop_requested())
    orders(due, "schedule");
  if (auto due = tracking_due_.take_due(now); !due.empty() && !stop_requested())
    tracking(due, "schedule");
  if (next_delivery_check_ <= now && !stop_requested()) deliveries();
}

int Service::timeout_ms() {
  const std::int64_t now = rt_->now();
  const std::int64_t next = tracking_due_.next_at(order_due_.next_at(next_delivery_check_));
  std::int64_t ms = std::max<std::int64_t>(0, next - now) * 1000;
  if (dirty_at_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*dirty_at_ - Steady::now());
    ms = std::min<std::int64_t>(ms, std::max<std::int64_t>(0, left.count()));
  }
  if (g_watchdog_usec)
    ms = std::min<std::int64_t>(ms, static_cast<std::int64_t>(g_watchdog_usec / 2000));
  return static_cast<int>(std::min<std::int64_t>(ms, 3'600'000));
}

json Service::status_json() {
  json next_orders = json::object(), next_tracking = json::object();
  for (const auto& [id, d] : order_due_.entries()) next_orders[id] = iso_time(d.at);
  for (const auto& [id, d] : tracking_due_.entries()) next_tracking[id] = iso_time(d.at);
  return {{"pid", ::getpid()},
          {"started_at", iso_time(started_at_)},
          {"config", file_.string()},
          {"last_run", last_run_},
          {"next_order_sync", next_orders},
          {"next_tracking_sync", next_tracking},
          {"next_delivery_check", iso_time(next_delivery_check_)}};
}

// A console user's action, run here in the loop like orderctl's: in a
// recorded run, delivery included, the user named in the audit trail.
ConsoleOutcome Service::console_action(const ConsoleAction& a) {
  ConsoleOutcome out;
  const std::string actor = "console:" + a.user;
  const std::string saved = rt_->actor;
  rt_->actor = actor;
  struct Restore {
    Runtime& rt;
    const std::string& saved;
    ~Restore() { rt.actor = saved; }
  } restore{*rt_, saved};
  auto act = [&](std::string_view kind, const std::function<Result<RunReport>()>& action) {
    std::optional<Error> refused;
    out.report = recorded_run(*rt_, kind, actor, [&](RunReport& r) {
      r.add(cycle([&](RunReport& in) {
        if (auto done = action())
          in.add(std::move(*done));
        else
          refused = done.error();
      }));
    });
    if (refused) out.refused = refused->message();
  };
  switch (a.verb) {
    case ConsoleAction::kSyncOrders:
      out.report = orders({}, actor);
      break;
    case ConsoleAction::kSyncTracking:
      out.report = tracking({}, actor);
      break;
    case ConsoleAction::kResolve:
      if (auto r = resolve_order(*rt_, a.order_id, a.sets))
        out.report = std::move(*r);
      else
        out.refused = r.error().message();
      break;
    case ConsoleAction::kProcess:
    case ConsoleAction::kProcessAllReady: {
      const auto ids = a.verb == ConsoleAction::kProcess
                           ? std::vector<std::int64_t>{a.order_id}
                           : rt_->store->order_ids_with_status(OrderStatus::kReady);
      if (ids.empty()) {
        out.refused = "no order is ready";
        break;
      }
      out.report = recorded_run(*rt_, "process", actor, [&](RunReport& r) {
        r.add(cycle([&](RunReport& in) { in.add(process_orders(*rt_, ids)); }));
      });
      break;
    }
    case ConsoleAction::kCancel:
      act("cancel", [&] { return cancel_order(*rt_, a.order_id, a.reason); });
      break;
    case ConsoleAction::kRetry:
      act("retry", [&] { return retry_order(*rt_, a.order_id); });
      break;
  }
  if (out.report.failed) report("console", actor, out.report);
  return out;
}

void Service::serve_control() {
  for (;;) {
    int fd = ::accept4(control_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    auto req = read_request(fd);
    json answer;
    auto put = [&](const RunReport& r) {
      answer["files"] = answer.value("files", 0) + r.files;
      answer["changed"] = answer.value("changed", 0) + r.changed;
      answer["failed"] = answer.value("failed", 0) + r.failed;
      for (const auto& l : r.lines)
        answer["lines"].push_back({{"text", l.text}, {"problem", l.problem}});
    };
    if (!req) {
      answer = {{"error", req.error().message()}};
    } else if (*req == "status") {
      answer = status_json();
    } else if (*req == "operator runs") {
      // orderctl recorded a run that failed: log it now, not at the next wake.
      log_operator_failures();
      answer = {{"ok", true}};
    } else if (*req == "sync orders" || *req == "sync tracking" || *req == "sync all") {
      answer = {{"files", 0}, {"changed", 0}, {"failed", 0}, {"lines", json::array()}};
      if (*req != "sync tracking") put(orders({}, "on-demand"));
      if (*req != "sync orders") put(tracking({}, "on-demand"));
    } else {
      answer = {{"error", fmt::format("unknown request '{}'", *req)}};
    }
    write_answer(fd, json_text(answer));
    ::close(fd);
  }
}

// The service cannot start: the state it would queue an alert in is what
// was refused, so each sink that takes it is sent one message directly, and
// a marker in state_dir keeps a restart loop from sending the same refusal
// again. Without a configuration there is no sink: the journal has it.
void alert_start_refused(const std::filesystem::path& file, const std::string& why) {
  auto cfg = load_config(file);
  if (!cfg || (*cfg)->alerts.sinks.empty()) return;
  const auto marker = (*cfg)->state_dir / "alert.start-refused";
  const std::string sha = sha256_hex(why);
  if (auto sent = read_file(marker); sent && *sent == sha) return;
  const std::vector<Alert> alert = {start_refused_alert(file.string(), why, system_clock().now())};
  const AlertMessage m = alert_message(alert, file.string());
  for (const auto& sink : (*cfg)->alerts.sinks) {
    if (!sink.wants("start_refused")) continue;
    const bool as_json = sink.transport.type == "http";
    const std::string name =
        fmt::format("alert-start-{}.{}", sha.substr(0, 12), as_json ? "json" : "txt");
    auto t = make_transport(sink.transport);
    Result<Delivered> sent = t ? (*t)->deliver(name, as_json ? m.json : m.text)
                               : Result<Delivered>(std::unexpected(t.error()));
    if (!sent) {
      log(kErr, "SYNC_FAILURES",
          fmt::format("the alert that orderd cannot start was not sent to sink {}: {}", sink.name,
                      sent.error().message()));
    }
  }
  // Tried once at every sink: a sink that failed is in the journal, and a
  // restart loop does not send the others the same message again.
  (void)write_file_atomic(marker, sha);
}

int Service::run() {
  started_at_ = system_clock().now();
  if (auto why = load(); !why.empty()) {
    log(kErr, "SERVICE_START_FAILED", fmt::format("orderd cannot start: {}", why));
    alert_start_refused(file_, why);
    return 2;
  }
  // Started: a refusal that comes back later is news again.
  std::error_code ignored;
  std::filesystem::remove(rt_->cfg->state_dir / "alert.start-refused", ignored);
  reschedule(false);
  log_operator_failures();  // where the journal's look at runs and alerts starts
  if (::pipe2(g_wake, O_NONBLOCK | O_CLOEXEC) != 0) {
    log(kErr, "INTERNAL_ERROR", fmt::format("pipe: {}", std::strerror(errno)));
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll returns at once
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  if (sd_watchdog_enabled(0, &g_watchdog_usec) <= 0) g_watchdog_usec = 0;
  set_heartbeat(ping_watchdog);
  log(kInfo, "SERVICE_STARTED",
      fmt::format("orderd started: {} ({} channels, {} suppliers; state {}; spool {})",
                  file_.string(), rt_->cfg->channels.size(), rt_->cfg->suppliers.size(),
                  rt_->cfg->state_dir.string(), rt_->cfg->spool_dir.string()));
  notify("READY=1\nSTATUS=started; first syncs running");
  while (!stop_requested()) {
    if (g_reload) {
      g_reload = 0;
      notify("RELOADING=1");
      if (auto why = load(); !why.empty()) {
        log(kErr, "CONFIG_RELOAD_REFUSED",
            fmt::format("configuration reload refused; the previous configuration keeps "
                        "running:\n{}",
                        why));
        RunReport alert;
        raise_alert_now(*rt_, reload_refused_alert(file_.string(), why, rt_->now()), alert);
        log_operator_failures();  // the alert's ALERT_RAISED line, now
        for (const auto& l : alert.lines)
          if (l.problem) log(kWarning, "SYNC_FAILURES", l.text);
        notify(
            "READY=1\nSTATUS=configuration reload refused (see the log); running the previous "
            "configuration");
      } else {
        clear_alert_now(*rt_, "reload_refused", file_.string());
        reschedule(true);
        log(kInfo, "CONFIG_RELOADED",
            fmt::format("configuration reloaded from {}", file_.string()));
        notify("READY=1");
      }
    }
    run_due();
    log_operator_failures();
    ping_watchdog();
    if (console_) console_->set_service_status(json_text(status_json()));
    if (stop_requested()) break;
    pollfd fds[4] = {{g_wake[0], POLLIN, 0},
                     {inotify_, POLLIN, 0},
                     {control_, POLLIN, 0},
                     {console_ ? console_->wake_fd() : -1, POLLIN, 0}};
    int n = ::poll(fds, 4, timeout_ms());
    if (n < 0 && errno != EINTR) {
      log(kErr, "INTERNAL_ERROR", fmt::format("poll: {}", std::strerror(errno)));
      break;
    }
    if (n <= 0) continue;
    if (fds[0].revents) {
      char buf[64];
      while (::read(g_wake[0], buf, sizeof buf) > 0) {
      }
    }
    if (fds[1].revents) read_inotify();
    if (fds[2].revents) serve_control();
    if (fds[3].revents && console_)
      console_->run_actions([&](const ConsoleAction& a) { return console_action(a); });
  }
  notify("STOPPING=1");
  log(kInfo, "SERVICE_STOPPING",
      "orderd stopping: the work in hand is finished, the rest waits for the next start");
  ::unlink(control_socket_path(*rt_->cfg).c_str());
  console_.reset();
  rt_.reset();  // closes the database: its last checkpoint meets the disk too
  RunReport closing;
  add_disk_errors(closing);
  if (closing.failed) log(kWarning, "SYNC_FAILURES", closing.text());
  return 0;
}

}  // namespace

int run_service(const std::filesystem::path& config_file) {
  // journald (JOURNAL_STREAM) or any pipe reads priorities; a terminal does not.
  g_prefix = std::getenv("JOURNAL_STREAM") || !::isatty(STDERR_FILENO);
  Service s(config_file);
  return s.run();
}

}  // namespace orderd
