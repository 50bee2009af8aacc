// The real service as a subprocess: systemd notifications on our own
// NOTIFY_SOCKET, instant pickup of dropped files, on-demand syncs through the
// control socket, schedules, SIGHUP reload and SIGTERM in the middle of work.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "daemon.h"

using namespace orderd::test;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

void append(const Install& in, const std::string& yaml) {
  spit(in.config, slurp(in.config) + yaml);
}

std::string one_order(const std::string& id) {
  return std::string(kShopifyHeader) + shopify_row(id, "ACME-1", 1);
}

}  // namespace

TEST_CASE("service: tells systemd READY and STATUS and pings the watchdog") {
  Install in("auto");
  NotifySocket notify(in.dir / "notify.sock");
  Daemon d(in, {notify.env(), "WATCHDOG_USEC=400000"});
  REQUIRE(notify.wait_for("READY=1", 10s));
  CHECK(notify.wait_for("STATUS=", 10s));
  notify.messages.clear();
  // At half of WatchdogSec, while idle.
  CHECK(notify.wait_for("WATCHDOG=1", 2s));
  CHECK(d.stop() == 0);
  CHECK(notify.wait_for("STOPPING=1", 1s));
  CHECK(d.log().find("<6>SERVICE_STARTED orderd started") != std::string::npos);  // journald
}

TEST_CASE("service: a dropped file is taken at once and processed with auto_process") {
  Install in("auto");
  NotifySocket notify(in.dir / "notify.sock");
  Daemon d(in, {notify.env()});
  REQUIRE(notify.wait_for("READY=1", 10s));
  // The start-up syncs are done (their STATUS comes after each run).
  REQUIRE(notify.wait_for("tracking (schedule)", 10s));
  // Written under a temporary name and renamed, as docs/spool.md asks.
  const auto inbound = in.path("spool/inbound/orders/shop");
  spit(inbound / ".new.tmp", one_order("#501"));
  const auto dropped = Steady::now();
  std::filesystem::rename(inbound / ".new.tmp", inbound / "new.csv");
  // The schedule is hourly: only inotify can make this happen in time.
  REQUIRE(wait_until([&] { return !in.files("out/supplier/acme").empty(); }, 5s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - dropped);
  MESSAGE("pickup to delivered PO: " << took.count() << " ms");
  CHECK(took < 5s);
  CHECK(slurp(in.files("out/supplier/acme").front()).find("#501") != std::string::npos);
  // The PO is on disk before its outcome is committed: wait for the record.
  CHECK(wait_until([&] { return in.order("#501")["status"] == "processed"; }, 5s));
  CHECK(d.wait_log("orders sync (file)", 5s));
  CHECK(d.stop() == 0);
}

TEST_CASE("service: orderctl sync runs in the service and shows in sync status") {
  Install in;
  NotifySocket notify(in.dir / "notify.sock");
  Daemon d(in, {notify.env()});
  REQUIRE(notify.wait_for("READY=1", 10s));
  auto r = in.ctl({"sync", "orders"});
  CHECK(r.code == 0);
  CHECK(r.out.find("synced by the running service") != std::string::npos);
  auto status = in.ctl({"sync", "status", "--json"});
  REQUIRE(status.code == 0);
  auto j = nlohmann::json::parse(status.out);
  CHECK(j["service"]["pid"] == d.pid());
  CHECK(j["service"]["next_order_sync"].contains("shop"));
  bool on_demand = false;
  for (const auto& run : j["history"])
    if (run["kind"] == "orders" && run["trigger"] == "on-demand") on_demand = true;
  CHECK(on_demand);
  auto text = in.ctl({"sync", "status"});
  CHECK(text.out.find("Service: running") != std::string::npos);
  CHECK(text.out.find("next order sync: amz at") != std::string::npos);
  CHECK(text.out.find("shop at") != std::string::npos);
  CHECK(d.stop() == 0);
  // Without the service, orderctl syncs by itself.
  in.drop_orders("shop", "late.csv", one_order("#502"));
  r = in.ctl({"sync", "orders"});
  CHECK(r.code == 0);
  CHECK(r.out.find("synced by the running service") == std::string::npos);
  CHECK(in.order("#502")["status"] == "ready");
  CHECK(in.ctl({"sync", "status"}).out.find("Service: not running") != std::string::npos);
}

TEST_CASE("service: a schedule of one second fires again and again") {
  Install in;
  append(in, "schedule: {order_sync: 1s, tracking_sync: 2s}\n");
  in.drop_orders("shop", "first.csv", one_order("#401"));
  Daemon d(in);
  std::this_thread::sleep_for(3500ms);
  REQUIRE(d.stop() == 0);
  auto j = nlohmann::json::parse(in.ctl({"sync", "status", "--json"}).out);
  // Empty runs fold into one entry of the history (repeats), so the runs
  // that did something stay in sight however often the schedule fires.
  int orders = 0, tracking = 0, entries = 0;
  bool import_kept = false;
  for (const auto& run : j["history"]) {
    if (run["kind"] == "orders" && run["files"] == 1) import_kept = true;
    if (run["trigger"] != "schedule") continue;
    ++entries;
    const int n = 1 + run["repeats"].get<int>();
    if (run["kind"] == "orders") orders += n;
    if (run["kind"] == "tracking") tracking += n;
  }
  CHECK(orders >= 3);
  CHECK(tracking >= 2);
  CHECK(orders <= 5);  // on the rhythm, not piling up
  CHECK(import_kept);
  CHECK(entries <= 6);
  CHECK(j["last"].contains("orders"));
  CHECK(j["last"].contains("tracking"));
}

TEST_CASE("service: SIGHUP with a broken configuration keeps the old one running") {
  Install in("auto");
  NotifySocket notify(in.dir / "notify.sock");
  Daemon d(in, {notify.env()});
  REQUIRE(notify.wait_for("READY=1", 10s));
  const std::string good = slurp(in.config);
  spit(in.config, good + "bogus_key: 1\n");
  notify.messages.clear();
  d.signal(SIGHUP);
  REQUIRE(d.wait_log("configuration reload refused"));
  CHECK(d.log().find("bogus_key: unknown key") != std::string::npos);
  CHECK(notify.wait_for("RELOADING=1", 2s));
  CHECK(notify.wait_for("reload refused", 2s));
  // Alerted once, as a condition open until a reload succeeds.
  CHECK(d.wait_log("ALERT_RAISED the service refused the configuration in"));
  // Still alive, still working with the old configuration.
  in.drop_orders("shop", "after-hup.csv", one_order("#601"));
  REQUIRE(wait_until([&] { return !in.files("out/supplier/acme").empty(); }, 5s));
  // A good configuration is taken: the channel is no longer auto-processed.
  std::string manual = good;
  manual.replace(manual.find("auto_process: true"), 18, "auto_process: false");
  spit(in.config, manual);
  // (orderctl reads the file on disk: with a broken one it would refuse to start.)
  auto open = nlohmann::json::parse(in.ctl({"alerts", "--open", "--json"}).out);
  REQUIRE(open.size() == 1);
  CHECK(open[0]["kind"] == "reload_refused");
  CHECK(open[0]["message"].get<std::string>().find("bogus_key: unknown key") != std::string::npos);
  d.signal(SIGHUP);
  REQUIRE(d.wait_log("configuration reloaded"));
  CHECK(nlohmann::json::parse(in.ctl({"alerts", "--open", "--json"}).out).empty());
  in.drop_orders("shop", "after-reload.csv", one_order("#602"));
  REQUIRE(wait_until([&] { return d.log().find("after-reload.csv") != std::string::npos; }, 5s));
  CHECK(in.order("#602")["status"] == "ready");
  CHECK(d.stop() == 0);
}

TEST_CASE("service: SIGTERM during a batch loses nothing and the next start completes it") {
  Install in("auto");
  // Many files of many orders, so the stop lands while some are still waiting.
  constexpr int kFiles = 40, kPerFile = 50, kOrders = kFiles * kPerFile;
  for (int i = 0; i < kFiles; ++i) {
    std::string csv = kShopifyHeader;
    for (int k = 0; k < kPerFile; ++k)
      csv += shopify_row(fmt::format("#7{:04}", i * kPerFile + k), "ACME-1", 1);
    in.drop_orders("shop", fmt::format("batch-{:03}.csv", i), csv);
  }
  Daemon d(in);
  REQUIRE(d.wait_log("orderd started"));
  std::this_thread::sleep_for(500ms);  // the start-up sync is reading the files
  const auto asked = Steady::now();
  const int code = d.stop(15s);
  MESSAGE("stopped "
          << std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - asked).count()
          << " ms after SIGTERM, with "
          << in.files("spool/inbound/orders/shop").size() + in.files("spool/claimed").size()
          << " of " << kFiles << " files not yet read");
  CHECK(code == 0);
  // The next start completes whatever was left.
  Daemon again(in);
  REQUIRE(again.wait_log("orderd started"));
  REQUIRE(wait_until(
      [&] {
        auto orders = nlohmann::json::parse(in.ctl({"orders", "--json", "--limit", "10000"}).out);
        int processed = 0;
        for (const auto& o : orders)
          if (o["status"] == "processed") ++processed;
        return processed == kOrders;
      },
      20s));
  CHECK(again.stop() == 0);
  // Every order's PO went out exactly once.
  std::map<std::string, int> seen;
  const std::regex order_id("#7\\d\\d\\d\\d");
  for (const auto& f : in.files("out/supplier/acme")) {
    if (f.filename().string().starts_with(".")) continue;
    const std::string text = slurp(f);
    std::set<std::string> in_file;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), order_id);
         it != std::sregex_iterator(); ++it)
      in_file.insert(it->str());
    for (const auto& m : in_file) ++seen[m];
  }
  CHECK(seen.size() == kOrders);
  for (const auto& [id, n] : seen) CHECK_MESSAGE(n == 1, id);
  CHECK(in.files("spool/inbound/orders/shop").empty());
  CHECK(in.files("spool/claimed").empty());
}

TEST_CASE("service: a second service on the same state folder is refused") {
  Install in;
  Daemon d(in);
  REQUIRE(d.wait_log("orderd started"));
  auto r = run({bin("orderd"), "-c", in.config});
  CHECK(r.code == 2);
  CHECK(r.err.find("another orderd service already runs") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("service: the systemd unit is clean for systemd-analyze and exposure is at most 2.0") {
  if (run({"/bin/sh", "-c", "test -x /usr/bin/systemd-analyze"}).code != 0) {
    MESSAGE("skipped: systemd-analyze is not installed");
    return;
  }
  // The unit as configured for this build, pointed at the binaries just built.
  std::string unit = slurp(std::filesystem::path(ORDERD_BIN_DIR).parent_path() / "orderd.service");
  const std::regex exec("/\\S*/bin/orderd ");
  unit = std::regex_replace(unit, exec, bin("orderd") + " ");
  TempDir dir;
  spit(dir / "orderd.service", unit);
  auto verify = run({"/usr/bin/systemd-analyze", "verify", (dir / "orderd.service").string()});
  CHECK_MESSAGE(verify.code == 0, verify.err);
  CHECK_MESSAGE(verify.err.empty(), verify.err);
  auto security = run({"/usr/bin/systemd-analyze", "security", "--offline=true",
                       (dir / "orderd.service").string()});
  std::smatch m;
  const std::regex level("Overall exposure level for orderd.service: ([0-9.]+)");
  const std::string said = security.out + security.err;
  REQUIRE_MESSAGE(std::regex_search(security.out, m, level), said);
  MESSAGE("systemd-analyze security exposure: " << m[1]);
  CHECK(std::stod(m[1]) <= 2.0);
}

TEST_CASE("service: a delivery that fails in orderctl reaches the service's log") {
  Install in("blocked");
  spit(in.path("blocked"), "not a folder");
  Daemon d(in);
  REQUIRE(d.wait_log("orderd started"));
  in.drop_orders("shop", "a.csv", one_order("#901"));
  REQUIRE(wait_until([&] { return in.ctl({"show", "#901"}).code == 0; }, 10s));
  auto r = in.ctl({"process", "#901"});
  CHECK(r.code == 1);
  // journald-based alerting sees what failed in the shell, and who did it.
  CHECK(d.wait_log("SYNC_FAILURES orderctl process (operator:", 10s));
  CHECK(d.log().find("acme-000001.csv for acme") != std::string::npos);
  CHECK(d.stop() == 0);
}

TEST_CASE("service: a configuration it cannot open is logged with its id, exit 2") {
  TempDir dir;
  auto r = run({bin("orderd"), "-c", (dir / "missing.yaml").string()});
  CHECK(r.code == 2);
  CHECK_MESSAGE(
      r.err.find("SERVICE_START_FAILED orderd cannot start: cannot read the configuration") !=
          std::string::npos,
      r.err);
}
