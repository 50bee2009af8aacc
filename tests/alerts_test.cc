// Alerts end to end, in-process, with time driven by a fake clock: orders
// read from the spool and processed, POs delivered to a real HTTP server
// (tests/servers/http_server.py) that refuses or is down, and the alerts
// sent to a real SMTP sink (smtp_sink.py, STARTTLS and login) and a real
// webhook. Skipped, saying why, when aiosmtpd is missing.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "e2e_fixture.h"
#include "jobs/jobs.h"
#include "test_servers.h"
#include "test_util.h"

using namespace orderd;
using namespace orderd::test;
namespace fs = std::filesystem;

namespace {

class FakeClock final : public Clock {
 public:
  std::int64_t t = 1'790'000'000;
  std::int64_t now() const override { return t; }
};

struct Rig {
  TempDir dir;
  SmtpSink smtp;
  HttpServer supplier;     // /fail400 refuses every PO; /ok takes it
  HttpServer hook;         // the webhook sink
  HttpServer down{false};  // a supplier's server that is not running (yet)
  FakeClock clock;
  std::unique_ptr<Runtime> rt;

  // acme's server: "refuse" (400 to every PO: given up at once), "down"
  // (not running until started: retried at once, up to 10 attempts), or
  // "ok"; `extra`: more of the top level.
  explicit Rig(const std::string& server, const std::string& extra = "",
               const std::string& supplier_extra = "") {
    const std::string transport =
        server == "refuse"
            ? fmt::format("{{type: http, url: \"http://127.0.0.1:{}/fail400\"}}", supplier.port)
        : server == "down"
            ? fmt::format(
                  "{{type: http, url: \"http://127.0.0.1:{}/ok\", attempts: 10, "
                  "backoff: 0}}",
                  down.port)
            : fmt::format("{{type: http, url: \"http://127.0.0.1:{}/ok\"}}", supplier.port);
    spit(dir / "orderd.yaml",
         fmt::format(R"(state_dir: ./state
spool_dir: ./spool
channels:
  shop: {{format: shopify-csv, auto_process: true}}
suppliers:
  acme:
    skus: ["ACME-*"]
    po: {{batch: order}}
    tracking: {{columns: {{quantity: "Qty Shipped", tracking_number: "Tracking"}}}}
    transport: {}
{}alerts:
  window: 5m
  resolve_after: 1d
  sinks:
    ops:
      transport:
        type: email
        smtp_url: smtp://127.0.0.1:{}
        user: acme
        password_file: {}
        ca_file: {}
        from: orderd@shop.example
        to: [ops@shop.example]
    hook:
      events: [delivery_failed, outage, recovered]
      transport: {{type: http, url: "http://127.0.0.1:{}/ok"}}
{})",
                     transport, supplier_extra, smtp.port, (smtp.tmp / "password").string(),
                     smtp.cert.cert.string(), hook.port, extra));
    open();
  }
  // As the service or orderctl starts: a new runtime on the same state.
  void open() {
    rt.reset();
    auto cfg = load_config(dir / "orderd.yaml");
    REQUIRE_MESSAGE(cfg, (cfg ? "" : cfg.error().message()));
    auto made = open_runtime(*cfg);
    REQUIRE_MESSAGE(made, (made ? "" : made.error().message()));
    rt = std::move(*made);
    rt->clock = &clock;
    rt->digests = true;  // as the service's runtime
  }
  RunReport cycle(bool sync = true) {
    return run_cycle(*rt, [&](RunReport& r) {
      if (sync) r.add(sync_orders(*rt, "test"));
    });
  }
  RunReport tracking_cycle() {
    return run_cycle(*rt, [&](RunReport& r) {
      r.add(sync_tracking(*rt, "test"));
      r.add(push_tracking(*rt, "test"));
    });
  }
  void drop(const std::string& name, const std::string& data) {
    spit(rt->spool.inbound("orders", "shop") / name, data);
  }
  std::vector<nlohmann::json> mails() const { return smtp.received(); }
  std::vector<nlohmann::json> hooks() const {
    std::vector<nlohmann::json> out;
    for (const auto& r : hook.requests())
      out.push_back(nlohmann::json::parse(r["body"].get<std::string>()));
    return out;
  }
  std::vector<Store::AlertRow> alerts(bool open_only = false) {
    return rt->store->recent_alerts(1000, open_only);
  }
};

std::string orders_csv(int first, int n, const std::string& address = "12 Analytical Way") {
  std::string csv = kShopifyHeader;
  for (int i = first; i < first + n; ++i)
    csv += shopify_row(fmt::format("#{}", i), "ACME-1", 1, "Ada Lovelace", "617-555-0101", address);
  return csv;
}

std::string subject(const nlohmann::json& mail) {
  return mail["headers"]["Subject"].get<std::string>();
}

}  // namespace

TEST_CASE("alerts: a PO given up sends one alert to each sink after the window, and only once") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("refuse");
  rig.drop("orders.csv", orders_csv(1001, 1));
  rig.cycle();  // read, processed, delivered: refused, given up
  auto r = rig.cycle(false);
  CHECK(r.text().find("alert raised: PO PO000001 for supplier acme") != std::string::npos);
  CHECK(rig.mails().empty());  // gathering for the window
  rig.clock.t += 299;
  rig.cycle(false);
  CHECK(rig.mails().empty());
  rig.clock.t += 1;
  rig.cycle(false);
  const auto mails = rig.mails();
  REQUIRE(mails.size() == 1);
  CHECK(subject(mails[0]).starts_with("orderd: PO PO000001 for supplier acme (in "));
  CHECK(mails[0]["rcpt_tos"] == nlohmann::json::array({"ops@shop.example"}));
  const std::string text = mails[0]["text"];
  CHECK(text.find("was given up: ") != std::string::npos);
  CHECK(text.find("What to do: mend what the error names, then `orderctl retry shop:#1001`") !=
        std::string::npos);
  const auto hooks = rig.hooks();
  REQUIRE(hooks.size() == 1);
  CHECK(hooks[0]["kind"] == "delivery_failed");
  REQUIRE(hooks[0]["alerts"].size() == 1);
  CHECK(hooks[0]["alerts"][0]["ref"].get<std::string>().starts_with("PO000001"));
  CHECK(hooks[0]["text"] == text);
  // Later cycles, and a restart, send nothing more: the condition is open.
  for (int i = 0; i < 3; ++i) {
    rig.clock.t += 600;
    rig.cycle(false);
  }
  rig.open();
  rig.cycle(false);
  CHECK(rig.mails().size() == 1);
  CHECK(rig.hooks().size() == 1);
  // orderctl alerts says what was raised and where it went.
  auto listed =
      run({bin("orderctl"), "-c", (rig.dir / "orderd.yaml").string(), "alerts", "--json"});
  REQUIRE_MESSAGE(listed.code == 0, listed.err);
  const auto j = nlohmann::json::parse(listed.out);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["kind"] == "delivery_failed");
  CHECK(j[0]["state"] == "open");
  REQUIRE(j[0]["sent"].size() == 2);
  CHECK(j[0]["sent"][0]["sink"] == "hook");
  CHECK(j[0]["sent"][0]["state"] == "delivered");
  CHECK(j[0]["sent"][1]["sink"] == "ops");
  CHECK(j[0]["sent"][1]["state"] == "delivered");
}

TEST_CASE("alerts: fifty POs given up in one minute are one message listing fifty") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("refuse");
  rig.drop("orders.csv", orders_csv(2001, 50));
  rig.cycle();
  rig.clock.t += 40;
  rig.cycle(false);
  rig.clock.t += 300;
  rig.cycle(false);
  const auto mails = rig.mails();
  // The fifty refusals are also failures in a row at acme: one outage.
  REQUIRE(mails.size() == 2);
  const auto& listing = subject(mails[0]).find("50") != std::string::npos ? mails[0] : mails[1];
  const auto& outage = &listing == &mails[0] ? mails[1] : mails[0];
  CHECK(subject(listing) == "orderd: 50 deliveries given up");
  const std::string text = listing["text"];
  for (int i = 1; i <= 50; ++i)
    CHECK(text.find(fmt::format("PO PO{:06} ", i)) != std::string::npos);
  CHECK(subject(outage).starts_with("orderd: supplier acme: 3 deliveries in a row failed"));
  const auto hooks = rig.hooks();
  REQUIRE(hooks.size() == 2);
  std::size_t listed = 0;
  for (const auto& h : hooks) listed += h["alerts"].size();
  CHECK(listed == 51);
}

TEST_CASE("alerts: an outage alerts once, however long it lasts, and its recovery once") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("down");
  rig.drop("orders.csv", orders_csv(3001, 1));
  rig.cycle();  // attempt 1: connection refused
  for (int i = 0; i < 6; ++i) {
    rig.clock.t += 60;
    rig.cycle(false);  // attempts 2-7
  }
  auto open = rig.alerts(true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].alert.kind == "outage");
  CHECK(
      open[0].alert.message.starts_with("supplier acme: 3 deliveries in a row failed; the last: "));
  rig.clock.t += 300;
  rig.cycle(false);
  rig.down.start();
  rig.cycle(false);  // delivered
  rig.cycle(false);  // seen: the outage ends
  CHECK(rig.alerts(true).empty());
  rig.clock.t += 300;
  rig.cycle(false);
  rig.clock.t += 300;
  rig.cycle(false);
  const auto mails = rig.mails();
  REQUIRE(mails.size() == 2);
  CHECK(subject(mails[0]).starts_with("orderd: supplier acme: 3 deliveries in a row failed"));
  CHECK(subject(mails[1]) == "orderd: supplier acme: deliveries succeed again");
  const auto hooks = rig.hooks();
  REQUIRE(hooks.size() == 2);
  CHECK(hooks[0]["kind"] == "outage");
  CHECK(hooks[1]["kind"] == "recovered");
}

TEST_CASE(
    "alerts: a restart between raising and sending, or between queueing and delivery, "
    "loses nothing and doubles nothing") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("refuse");
  rig.drop("orders.csv", orders_csv(4001, 1));
  rig.cycle();
  rig.cycle(false);  // raised, waiting for the window
  REQUIRE(rig.alerts().size() == 1);
  rig.open();  // restart
  rig.clock.t += 300;
  // Queued, but the process ends before delivery runs.
  auto queued = raise_alerts(*rig.rt);
  CHECK(queued.text().find("queued for alert sink ops") != std::string::npos);
  CHECK(queued.text().find("queued for alert sink hook") != std::string::npos);
  CHECK(rig.mails().empty());
  rig.open();  // restart
  rig.cycle(false);
  CHECK(rig.mails().size() == 1);
  CHECK(rig.hooks().size() == 1);
  rig.open();
  rig.clock.t += 3600;
  rig.cycle(false);
  rig.cycle(false);
  CHECK(rig.mails().size() == 1);
  CHECK(rig.hooks().size() == 1);
}

TEST_CASE("alerts: an order left in needs_resolve alerts once, and clears when it is resolved") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("ok");
  rig.drop("orders.csv", orders_csv(5001, 1, ""));  // no street: waits in needs_resolve
  rig.cycle();
  rig.clock.t += 86400 - 1;
  rig.cycle(false);
  CHECK(rig.alerts().empty());
  rig.clock.t += 1;
  rig.cycle(false);
  CHECK(rig.alerts().empty());  // waiting orders are looked at every ten minutes
  rig.clock.t += 600;
  rig.cycle(false);
  auto open = rig.alerts(true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].alert.kind == "needs_resolve");
  CHECK(open[0].alert.message.starts_with(
      "order shop:#5001 has waited in needs_resolve for 24 hours: "));
  rig.clock.t += 86400;
  rig.cycle(false);
  CHECK(rig.alerts().size() == 1);  // still the one
  rig.clock.t += 300;
  rig.cycle(false);
  auto mails = rig.mails();
  REQUIRE(mails.size() == 1);  // ops only: the hook does not take needs_resolve
  CHECK(std::string(mails[0]["text"]).find("orderctl resolve shop:#5001 --set FIELD=VALUE") !=
        std::string::npos);
  CHECK(rig.hooks().empty());
  auto id = find_order(*rig.rt, "#5001");
  REQUIRE(id);
  auto resolved = resolve_order(*rig.rt, *id, {{"ship_to.address1", "12 Analytical Way"}});
  REQUIRE(resolved);
  rig.clock.t += 600;
  rig.cycle(false);
  CHECK(rig.alerts(true).empty());
  REQUIRE(rig.alerts().size() == 1);
  CHECK(rig.alerts()[0].alert.cleared_at == rig.clock.t);
}

TEST_CASE(
    "alerts: a pull source failing alerts once until a pull succeeds, a quarantined file "
    "is a notice") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("ok");
  // The channel's source is a file where its folder should be.
  auto cfg_text = slurp(rig.dir / "orderd.yaml");
  const std::string from = "shop: {format: shopify-csv, auto_process: true}";
  cfg_text.replace(cfg_text.find(from), from.size(),
                   "shop: {format: shopify-csv, auto_process: true, source: {type: dir, path: "
                   "./exports}}");
  spit(rig.dir / "orderd.yaml", cfg_text);
  spit(rig.dir / "exports", "not a folder");
  rig.open();
  auto r = rig.cycle();
  CHECK(r.text().find("alert raised: pulling orders for channel shop failed: ") !=
        std::string::npos);
  rig.cycle();
  rig.cycle();
  auto open = rig.alerts(true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].alert.kind == "pull_failed");
  CHECK(open[0].alert.ref == "orders/shop");
  fs::remove(rig.dir / "exports");
  fs::create_directories(rig.dir / "exports");
  spit(rig.dir / "exports" / "broken.csv", "Name,Email\r\n\"#1,unterminated\r\n");
  rig.cycle();
  CHECK(rig.alerts(true).empty());
  rig.cycle(false);
  const auto all = rig.alerts();
  REQUIRE(all.size() == 2);
  CHECK(all[0].alert.kind == "quarantined");
  CHECK(all[0].alert.message.starts_with("orders file broken.csv from shop was quarantined: "));
  CHECK(!all[0].alert.condition);
}

TEST_CASE("alerts test: a test message reaches every sink at once, refused without sinks") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("ok");
  auto t = run({bin("orderctl"), "-c", (rig.dir / "orderd.yaml").string(), "alerts", "test"});
  REQUIRE_MESSAGE(t.code == 0, (t.out + t.err));
  CHECK(t.out.find("delivered to ops") != std::string::npos);
  CHECK(t.out.find("delivered to hook") != std::string::npos);
  REQUIRE(rig.mails().size() == 1);
  CHECK(subject(rig.mails()[0]).starts_with("orderd: a test message sent by operator:"));
  REQUIRE(rig.hooks().size() == 1);
  CHECK(rig.hooks()[0]["kind"] == "test");

  TempDir bare;
  spit(bare / "orderd.yaml", R"(state_dir: ./state
spool_dir: ./spool
channels: {shop: {format: shopify-csv}}
suppliers: {acme: {skus: ["*"], transport: {type: dir, path: ./out}}}
)");
  auto none = run({bin("orderctl"), "-c", (bare / "orderd.yaml").string(), "alerts", "test"});
  CHECK(none.code == 1);
  CHECK(none.err.find("no alert sinks are configured (alerts.sinks") != std::string::npos);
}

TEST_CASE(
    "alerts: a PO not acknowledged or not shipped by its deadlines (business days) alerts "
    "once each, shows as late, and clears when it ships") {
  SKIP_WITHOUT_AIOSMTPD();
  ::setenv("TZ", "UTC", 1);  // deadlines count the machine's local days
  ::tzset();
  Rig rig("ok", "", "    deadlines: {ack: 24h, ship: 2d}\n");
  rig.clock.t += 4 * 86400;  // Friday 2026-09-25 14:13:20
  const std::int64_t friday = rig.clock.t;
  rig.drop("orders.csv", orders_csv(6001, 1));
  rig.cycle();
  auto po = rig.rt->store->find_po("PO000001");
  REQUIRE(po);
  auto d = rig.rt->store->po_deadline(po->id);
  REQUIRE(d);
  CHECK(d->delivered_at == friday);
  CHECK(d->ack_due == friday + 3 * 86400);   // Monday: the weekend does not count
  CHECK(d->ship_due == friday + 4 * 86400);  // Tuesday
  rig.clock.t = d->ack_due - 1;
  rig.cycle(false);
  CHECK(rig.alerts().empty());
  rig.clock.t = d->ack_due;
  rig.cycle(false);
  rig.cycle(false);
  auto open = rig.alerts(true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].alert.kind == "late");
  CHECK(open[0].alert.message ==
        "PO PO000001 (order shop:#6001) is late at supplier acme: not acknowledged (997/855) by "
        "2026-09-28T14:13:20Z, delivered 2026-09-25T14:13:20Z");
  rig.clock.t = d->ship_due;
  rig.cycle(false);
  REQUIRE(rig.alerts(true).size() == 2);
  OrderQuery late;
  late.late = true;
  auto found = rig.rt->store->query_orders(late);
  REQUIRE(found.size() == 1);
  CHECK(found[0].ext_id == "#6001");
  auto shown = run({bin("orderctl"), "-c", (rig.dir / "orderd.yaml").string(), "show", "#6001"});
  CHECK(shown.out.find("deadlines: ack by 2026-09-28T14:13:20Z (LATE), ship by "
                       "2026-09-29T14:13:20Z (LATE)") != std::string::npos);
  rig.clock.t += 300;
  rig.cycle(false);
  const auto mails = rig.mails();
  // The ack one had waited its window when the ship one came: one message of both.
  REQUIRE(mails.size() == 1);
  CHECK(subject(mails[0]) == "orderd: 2 late POs");
  const std::string text = mails[0]["text"];
  CHECK(text.find("not acknowledged (997/855) by 2026-09-28T14:13:20Z") != std::string::npos);
  CHECK(text.find("not shipped by 2026-09-29T14:13:20Z") != std::string::npos);
  // The shipment comes: the ship alert clears, the ack one stays open.
  spit(rig.rt->spool.inbound("tracking", "acme") / "ship.csv", acme_tracking_csv("PO000001"));
  rig.clock.t += 3600;
  rig.tracking_cycle();
  rig.cycle(false);
  open = rig.alerts(true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].alert.ref == "PO000001/ack");
  CHECK(rig.rt->store->query_orders(late).size() == 1);
  auto scores = run({bin("orderctl"), "-c", (rig.dir / "orderd.yaml").string(), "suppliers",
                     "--since", "400d", "--json"});
  REQUIRE_MESSAGE(scores.code == 0, scores.err);
  const auto j = nlohmann::json::parse(scores.out);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["supplier"] == "acme");
  CHECK(j[0]["pos_sent"] == 1);
  CHECK(j[0]["ack_deadline_pos"] == 1);
  CHECK(j[0]["acknowledged_on_time"] == 0);
  CHECK(j[0]["ship_deadline_pos"] == 1);
  CHECK(j[0]["shipped_on_time"] == 0);
  CHECK(j[0]["shipped"] == 1);
  CHECK(j[0]["hours_to_ship_avg"] == doctest::Approx(4 * 24 + 300.0 / 3600 + 1));
  // A late PO canceled is no longer out at the supplier, so no longer late.
  rig.drop("more.csv", orders_csv(6002, 1));
  rig.cycle();
  auto second = rig.rt->store->find_po("PO000002");
  REQUIRE(second);
  rig.clock.t = rig.rt->store->po_deadline(second->id)->ack_due;
  rig.cycle(false);
  REQUIRE(rig.alerts(true).size() == 2);
  CHECK(rig.rt->store->late_po_count() == 2);
  auto by_supplier = rig.rt->store->late_pos_by_supplier();  // /metrics
  REQUIRE(by_supplier.size() == 1);
  CHECK(by_supplier[0].second == 2);
  auto id = find_order(*rig.rt, "#6002");
  REQUIRE(id);
  run_cycle(*rig.rt, [&](RunReport& r) {
    auto c = cancel_order(*rig.rt, *id, "test");
    REQUIRE_MESSAGE(c, (c ? "" : c.error().message()));
    r.add(std::move(*c));
  });
  rig.cycle(false);
  open = rig.alerts(true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].alert.ref == "PO000001/ack");
  CHECK(rig.rt->store->late_po_count() == 1);
  by_supplier = rig.rt->store->late_pos_by_supplier();
  REQUIRE(by_supplier.size() == 1);
  CHECK(by_supplier[0].second == 1);
  CHECK(rig.rt->store->query_orders(late).size() == 1);
}

TEST_CASE(
    "digest: at its time each day, the day's counts and what waits, the supplier "
    "scorecards on Mondays, a day missed is one digest") {
  SKIP_WITHOUT_AIOSMTPD();
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  Rig rig("ok");
  auto cfg_text = slurp(rig.dir / "orderd.yaml");
  cfg_text.replace(cfg_text.find("    ops:\n"), 9, "    ops:\n      digest: \"08:00\"\n");
  spit(rig.dir / "orderd.yaml", cfg_text);
  rig.open();
  rig.cycle(false);  // Monday 14:13: the first digest is Tuesday's
  std::string csv = orders_csv(7001, 2);
  csv += shopify_row("#7003", "ACME-1", 1, "Ada Lovelace", "617-555-0101", "");
  rig.drop("orders.csv", csv);
  rig.cycle();
  spit(rig.rt->spool.inbound("tracking", "acme") / "ship.csv",
       acme_tracking_csv("PO000001") + "PO999999,ACME-1,1,UPS,1Z0000000000000000\r\n");
  rig.clock.t += 3600;
  rig.tracking_cycle();
  rig.clock.t += 40;
  rig.cycle(false);
  const std::int64_t tuesday_8 = 1'790'000'000 - (14 * 3600 + 13 * 60 + 20) + 86400 + 8 * 3600;
  rig.clock.t = tuesday_8 - 1;
  rig.cycle(false);
  auto digests = [&] {
    std::vector<nlohmann::json> out;
    for (const auto& m : rig.mails())
      if (subject(m).starts_with("orderd digest")) out.push_back(m);
    return out;
  };
  CHECK(digests().empty());
  rig.clock.t = tuesday_8;
  rig.cycle(false);
  rig.cycle(false);
  auto got = digests();
  REQUIRE(got.size() == 1);
  CHECK(subject(got[0]) ==
        "orderd digest for 2026-09-21: 3 in, 2 processed, 1 shipped; 1 waiting, 0 failed, 0 late");
  const std::string text = got[0]["text"];
  CHECK(text.find("From 2026-09-21T08:00:00Z to 2026-09-22T08:00:00Z:") != std::string::npos);
  // The unknown PO, and one more than the line ordered of PO000001.
  CHECK_MESSAGE(text.find("  tracking matching no PO: 2\n") != std::string::npos, text);
  CHECK(text.find("Waiting in needs_resolve now: 1") != std::string::npos);
  CHECK(text.find("  shop:#7003: ") != std::string::npos);
  CHECK(text.find("Sync health: ") != std::string::npos);
  CHECK(text.find("Suppliers over the last 7 days") == std::string::npos);  // not a Monday
  CHECK(rig.hooks().empty());  // the hook has no digest
  // The service was down from Tuesday to Monday: one digest, with the scorecards.
  rig.clock.t = tuesday_8 + 6 * 86400 + 60;
  rig.open();
  rig.cycle(false);
  rig.cycle(false);
  got = digests();
  REQUIRE(got.size() == 2);
  CHECK(subject(got[1]).starts_with("orderd digest for 2026-09-27: 0 in, "));
  const std::string weekly = got[1]["text"];
  CHECK(weekly.find("Suppliers over the last 7 days (orderctl suppliers --since 7d):\n  acme: 2 "
                    "POs sent; acknowledged on time no deadline; shipped on time no deadline; "
                    "hours to ship avg 1.0, p90 1.0 (1 shipped); 0 rejected, 0 deliveries given "
                    "up\n") != std::string::npos);
}

TEST_CASE("alerts: a message a sink gave up is sent again after that sink's next success") {
  SKIP_WITHOUT_AIOSMTPD();
  Rig rig("refuse");
  rig.smtp.server.stop();  // the mail relay is down
  rig.drop("orders.csv", orders_csv(8001, 1));
  rig.cycle();
  rig.cycle(false);
  rig.clock.t += 300;
  for (int i = 0; i < 12; ++i) {  // 10 attempts, backing off from a minute
    rig.cycle(false);
    rig.clock.t += 86400;
  }
  auto rows = rig.alerts();
  REQUIRE(rows.size() == 1);
  REQUIRE(rows[0].sends.size() == 2);
  CHECK(rows[0].sends[1].sink == "ops");
  CHECK(rows[0].sends[1].state == DocState::kFailed);
  CHECK(rows[0].sends[0].state == DocState::kDelivered);  // the webhook had it at once
  rig.smtp.server.restart();
  rig.drop("more.csv", orders_csv(8002, 1));  // another PO given up: a new alert
  rig.cycle();
  rig.cycle(false);
  rig.clock.t += 300;
  rig.cycle(false);  // the new message goes out...
  rig.cycle(false);  // ...and, seen delivered, the one given up is queued again
  rig.cycle(false);
  const auto mails = rig.mails();
  REQUIRE(mails.size() == 2);
  CHECK(std::string(mails[0]["text"]).find("shop:#8002") != std::string::npos);
  CHECK(std::string(mails[1]["text"]).find("shop:#8001") != std::string::npos);
  CHECK(rig.alerts()[1].sends[1].state == DocState::kDelivered);
}
