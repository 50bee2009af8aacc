// The alert kinds, each source's message, outages and batches, as tables.
#include "core/alerts.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/deadlines.h"
#include "core/digest.h"

using namespace orderd;

namespace {
constexpr std::int64_t kNow = 1'790'000'000;  // 2026-09-21
}

TEST_CASE("alert kinds: names are unique, each has a heading, conditions are marked") {
  std::set<std::string_view> names;
  for (const auto& k : alert_kinds()) {
    CHECK(names.insert(k.name).second);
    CHECK(!k.heading.empty());
    CHECK(!k.doc.empty());
  }
  struct Row {
    const char* name;
    bool condition;
  };
  const Row rows[] = {
      {"delivery_failed", true}, {"rejected", false},      {"outage", true},
      {"recovered", false},      {"quarantined", false},   {"unmatched_tracking", false},
      {"channel_change", false}, {"needs_resolve", true},  {"late", true},
      {"pull_failed", true},     {"reload_refused", true}, {"test", false}};
  for (const auto& r : rows) {
    CAPTURE(r.name);
    const AlertKind* k = find_alert_kind(r.name);
    REQUIRE(k);
    CHECK(k->condition == r.condition);
  }
  CHECK(find_alert_kind("nosuch") == nullptr);
  CHECK(known_alert_kinds().find("test") == std::string::npos);  // not for events:
}

TEST_CASE("outage_step: failures in a row open an outage once, a delivery ends it") {
  struct Row {
    int streak;
    bool delivered;
    int threshold;
    OutageStep want;
  };
  const Row rows[] = {
      {0, false, 3, {1, false, false}},
      {1, false, 3, {2, false, false}},
      {2, false, 3, {3, true, false}},  // the third in a row opens it
      {3, false, 3, {4, true, false}},  // past it too (a threshold lowered mid-streak);
                                        // an outage open already is not raised twice
      {9, false, 3, {10, true, false}},
      {4, true, 3, {0, false, true}},  // ended
      {3, true, 3, {0, false, true}},
      {2, true, 3, {0, false, true}},  // clears one if open
      {0, true, 3, {0, false, false}},
      {0, false, 1, {1, true, false}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.streak);
    CAPTURE(r.delivered);
    const auto got = outage_step(r.streak, r.delivered, r.threshold);
    CHECK(got.streak == r.want.streak);
    CHECK(got.opens == r.want.opens);
    CHECK(got.ends == r.want.ends);
  }
}

TEST_CASE("batch_due: a kind waits its window from its oldest alert") {
  CHECK_FALSE(batch_due(kNow, 300, kNow));
  CHECK_FALSE(batch_due(kNow, 300, kNow + 299));
  CHECK(batch_due(kNow, 300, kNow + 300));
  CHECK(batch_due(kNow, 0, kNow));
}

TEST_CASE("each source's alert names what it is about and the command that deals with it") {
  GivenUp po{7,
             "po",
             "supplier",
             "acme",
             "PO000001.csv",
             "http 500 (attempt 5 of 5)",
             {"PO000001"},
             {"shop:#1001"}};
  const Alert a = given_up_alert(po, kNow);
  CHECK(a.kind == "delivery_failed");
  CHECK(a.ref == "PO000001.csv");
  CHECK(a.subject_id == 7);
  CHECK(a.open());
  CHECK(a.message ==
        "PO PO000001 for supplier acme (in PO000001.csv, order shop:#1001) was given up: http "
        "500 (attempt 5 of 5)");
  CHECK(a.action == "mend what the error names, then `orderctl retry shop:#1001`");

  GivenUp push{8, "tracking_push", "channel", "shop", "tracking-000008.csv", "refused", {}, {}};
  CHECK(given_up_alert(push, kNow).message ==
        "tracking for channel shop (tracking-000008.csv) was given up: refused");
  CHECK(given_up_alert(push, kNow).action ==
        "mend what the error names, then `orderctl sync status`");

  const auto rejected =
      event_alert({"rejected", "shop:#1001", "PO000001", "acme", "855 BAK02=RJ"}, kNow);
  REQUIRE(rejected);
  CHECK(rejected->kind == "rejected");
  CHECK(!rejected->open());  // a notice
  CHECK(rejected->cleared_at == kNow);
  CHECK(rejected->message ==
        "supplier acme rejected PO PO000001 of order shop:#1001: 855 BAK02=RJ");
  const auto changed =
      event_alert({"channel_change_ignored", "shop:#1001", "", "", "quantity 2 -> 3"}, kNow);
  REQUIRE(changed);
  CHECK(changed->kind == "channel_change");
  CHECK(changed->action.find("orderctl cancel shop:#1001") != std::string::npos);
  CHECK_FALSE(event_alert({"acknowledged", "shop:#1001", "PO1", "acme", ""}, kNow));

  const Alert q = quarantined_alert({3, "orders", "shop", "bad.csv", "line 4: no Name"}, kNow);
  CHECK(q.message == "orders file bad.csv from shop was quarantined: line 4: no Name");
  CHECK(q.action.find("inbound/orders/shop/") != std::string::npos);

  const Alert w = waiting_alert({5, "shop:#1002", {"needs ship_to.zip"}, kNow - 2 * 86400}, kNow);
  CHECK(w.message == "order shop:#1002 has waited in needs_resolve for 2 days: needs ship_to.zip");
  CHECK(w.action.starts_with("orderctl resolve shop:#1002 --set"));
  CHECK(waiting_alert({5, "shop:#1", {}, kNow - 3 * 3600}, kNow).message.find("3 hours") !=
        std::string::npos);

  const Alert p = pull_failed_alert("tracking", "acme", "sftp: connection refused", kNow);
  CHECK(p.ref == "tracking/acme");
  CHECK(p.open());
  CHECK(p.action.find("orderctl sync tracking") != std::string::npos);

  const Alert o = outage_alert("supplier", "acme", 3, "connection refused", kNow);
  CHECK(o.ref == "supplier/acme");
  CHECK(o.message == "supplier acme: 3 deliveries in a row failed; the last: connection refused");
  CHECK(o.action.starts_with("check acme's server and suppliers.acme.transport; "));
  CHECK(outage_alert("channel", "shop", 3, "refused", kNow)
            .action.starts_with("check shop's server and channels.shop.tracking_push.transport; "));
  CHECK(!recovered_alert("supplier", "acme", kNow).open());
}

TEST_CASE(
    "alert_message: one alert is its own title, many are counted, each listed with its action") {
  std::vector<Alert> one = {given_up_alert(
      {1, "po", "supplier", "acme", "PO1.csv", "refused", {"PO1"}, {"shop:#1"}}, kNow)};
  one[0].id = 1;
  const auto m1 = alert_message(one, "/etc/orderd/orderd.yaml");
  CHECK(m1.title == "orderd: " + one[0].message);
  CHECK(m1.text.starts_with(m1.title + "\n\n"));
  CHECK(m1.text.find("What to do: " + one[0].action) != std::string::npos);

  std::vector<Alert> many;
  for (int i = 1; i <= 50; ++i) {
    const std::string n = "PO" + std::to_string(i);
    many.push_back(given_up_alert(
        {i, "po", "supplier", "acme", n + ".csv", "refused", {n}, {"shop:#" + std::to_string(i)}},
        kNow));
    many.back().id = i;
  }
  const auto m = alert_message(many, "/etc/orderd/orderd.yaml");
  CHECK(m.title == "orderd: 50 deliveries given up");
  for (const auto& a : many) CHECK(m.text.find(a.message) != std::string::npos);
  const auto j = nlohmann::json::parse(m.json);
  CHECK(j["title"] == m.title);
  CHECK(j["text"] == m.text);  // Slack's field
  CHECK(j["kind"] == "delivery_failed");
  REQUIRE(j["alerts"].size() == 50);
  CHECK(j["alerts"][49]["ref"] == "PO50.csv");
  CHECK(j["alerts"][0]["action"] == many[0].action);
  CHECK(j["alerts"][0]["raised_at"] == "2026-09-21T14:13:20Z");
  CHECK(alert_message({}, "x").text.empty());
}

TEST_CASE("business_deadline: only business days count") {
  constexpr std::int64_t kFri = 1'790'294'400;  // Friday 2026-09-25 00:00:00 UTC
  constexpr std::int64_t h = 3600, d = 86400;
  struct Row {
    const char* name;
    std::int64_t from, span;
    std::uint8_t days;
    std::int64_t offset, want;
  };
  const Row rows[] = {
      {"Friday 15:00 + 24h is Monday 15:00", kFri + 15 * h, 24 * h, kMondayToFriday, 0,
       kFri + 3 * d + 15 * h},
      {"Friday 15:00 + 2d is Tuesday 15:00", kFri + 15 * h, 48 * h, kMondayToFriday, 0,
       kFri + 4 * d + 15 * h},
      {"Saturday starts counting on Monday 00:00", kFri + d + 10 * h, 5 * h, kMondayToFriday, 0,
       kFri + 3 * d + 5 * h},
      {"Monday 10:00 + 24h is Tuesday 10:00", kFri + 3 * d + 10 * h, 24 * h, kMondayToFriday, 0,
       kFri + 4 * d + 10 * h},
      {"ending at midnight", kFri + 15 * h, 9 * h, kMondayToFriday, 0, kFri + d},
      {"every day", kFri + 15 * h, 24 * h, 0x7f, 0, kFri + d + 15 * h},
      {"no day named: every day", kFri + 15 * h, 24 * h, 0, 0, kFri + d + 15 * h},
      // At UTC-5, Friday 22:00 UTC is Friday 17:00 local: 7 hours left of it.
      {"local days", kFri + 22 * h, 8 * h, kMondayToFriday, -5 * h, kFri + 3 * d + 5 * h + h},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(business_deadline(r.from, r.span, r.days, r.offset) == r.want);
  }
  CHECK(weekday_bit("Mon") == 1);
  CHECK(weekday_bit("Sun") == 0);
  CHECK_FALSE(weekday_bit("Monday"));
}

TEST_CASE("digest times: the next time of day after a moment, local days") {
  constexpr std::int64_t kMon = 1'789'948'800;  // Monday 2026-09-21 00:00:00 UTC
  constexpr std::int64_t h = 3600;
  CHECK(next_daily(kMon + 7 * h, 480, 0) == kMon + 8 * h);
  CHECK(next_daily(kMon + 8 * h, 480, 0) == kMon + 8 * h + 86400);  // strictly after
  CHECK(next_daily(kMon + 9 * h, 480, 0) == kMon + 8 * h + 86400);
  CHECK(next_daily(kMon + 9 * h, 480, -5 * h) == kMon + 13 * h);  // 08:00 at UTC-5
  CHECK(parse_time_of_day("08:00") == 480);
  CHECK(parse_time_of_day("23:59") == 1439);
  for (const char* bad : {"8:00", "24:00", "08:60", "0800", "ab:cd", ""}) {
    CAPTURE(bad);
    CHECK(parse_time_of_day(bad) == -1);
  }
  DigestFacts f;
  f.from = kMon;
  f.to = kMon + 86400;
  f.orders_in = 3;
  f.waiting = 12;
  for (int i = 0; i < 10; ++i)
    f.waiting_list.emplace_back("shop:#" + std::to_string(i), "needs zip");
  const auto m = digest_message(f, "/etc/orderd/orderd.yaml");
  CHECK(m.title ==
        "orderd digest for 2026-09-21: 3 in, 0 processed, 0 shipped; 12 waiting, 0 failed, 0 late");
  CHECK(m.text.find("  shop:#9: needs zip\n  ... and 2 more\n") != std::string::npos);
  const auto j = nlohmann::json::parse(m.json);
  CHECK(j["kind"] == "digest");
  CHECK(j["waiting"] == 12);
  CHECK(j["waiting_orders"].size() == 10);
}
