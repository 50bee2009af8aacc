// Unattended means unbreakable: the accidents an adversary or a new operator
// causes (concurrent writers, bad bytes, absurd numbers, a full or failing
// disk, lost state) neither wedge nor crash orderd, nor send a PO twice.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>

#include "daemon.h"
#include "fault_env.h"
#include "servers.h"

using namespace orderd::test;

namespace {

void replace_in_config(const Install& in, const std::string& from, const std::string& to) {
  std::string text = slurp(in.config);
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  spit(in.config, text);
}

std::string orders_csv(int first, int n, const std::string& sku = "ACME-1") {
  std::string csv = kShopifyHeader;
  for (int i = first; i < first + n; ++i) csv += shopify_row(fmt::format("#{}", i), sku, 1);
  return csv;
}

}  // namespace

TEST_CASE(
    "hardening: orderctl writes while the service retries a failing supplier do not wedge it") {
  Install in;
  // acme's email delivery fails at every attempt (nobody listens), retried every 2 s.
  replace_in_config(in,
                    "transport: {type: dir, path: ./out/supplier/acme, attempts: 2, backoff: 0}",
                    fmt::format("transport: {{type: email, smtp_url: \"smtp://127.0.0.1:{}\", "
                                "from: shop@example.com, to: [po@acme.example], attempts: 100, "
                                "backoff: 2}}",
                                servers::free_port()));
  in.drop_orders("shop", "first.csv", orders_csv(1001, 8));
  Daemon d(in);
  REQUIRE(d.wait_log("orderd started"));
  REQUIRE(wait_until([&] { return in.orders().size() == 8; }, 10s));
  // The operator works from the shell while the service keeps retrying.
  CHECK(in.ctl({"process", "#1001", "#1002"}).code == 1);  // delivery fails: exit 1
  const auto until = Steady::now() + 7s;
  int k = 1003;
  while (Steady::now() < until && k <= 1008) {
    auto r = k % 2 ? in.ctl({"cancel", fmt::format("#{}", k)})
                   : in.ctl({"process", fmt::format("#{}", k)});
    CHECK_MESSAGE(r.err.find("database is locked") == std::string::npos, r.err);
    ++k;
    std::this_thread::sleep_for(900ms);
  }
  // The service still takes new files...
  in.drop_orders("shop", "second.csv", orders_csv(2001, 3));
  CHECK(wait_until(
      [&] {
        auto r = in.ctl({"show", "#2003", "--json"});
        return r.code == 0;
      },
      10s));
  // ...and tracking, and none of its runs met a locked database.
  CHECK(d.stop() == 0);
  const std::string log = d.log();
  CHECK_MESSAGE(log.find("database is locked") == std::string::npos, log);
  CHECK_MESSAGE(log.find("state database error") == std::string::npos, log);
  // The retries kept going: each PO document was attempted more than once.
  auto order = in.order("#1001");
  REQUIRE(!order["documents"].empty());
  CHECK(order["documents"][0]["attempts"].get<int>() >= 2);
}

TEST_CASE("hardening: two orderctl syncs started at once on a new state folder both succeed") {
  for (int round = 0; round < 5; ++round) {
    Install in("auto");
    in.drop_orders("shop", "a.csv", orders_csv(3001, 3));
    RunResult first;
    std::thread t([&] { first = in.ctl({"sync", "orders"}); });
    auto second = in.ctl({"sync", "orders"});
    t.join();
    CHECK_MESSAGE(first.code == 0, (first.out + first.err));
    CHECK_MESSAGE(second.code == 0, (second.out + second.err));
    CHECK(in.orders().size() == 3);
    CHECK(in.files("out/supplier/acme").size() == 1);
  }
}

TEST_CASE("hardening: a file that cannot be claimed is reported, counted and left in inbound") {
  Install in("auto");
  in.drop_orders("shop", "export.csv", orders_csv(4001, 2));
  auto r = in.once(fault_env(in.dir.path(), "rename:1:EIO:/claimed/"));
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("export.csv cannot be claimed") != std::string::npos, r.err);
  CHECK(r.err.find("Input/output error") != std::string::npos);
  CHECK(r.err.find("stays in " + in.path("spool/inbound/orders/shop").string()) !=
        std::string::npos);
  CHECK(std::filesystem::exists(in.path("spool/inbound/orders/shop/export.csv")));
  // The run's history counts it.
  auto status = nlohmann::json::parse(in.ctl({"sync", "status", "--json"}).out);
  bool counted = false;
  for (const auto& run : status["history"])
    if (run["kind"] == "orders" && run["failed"].get<int>() >= 1 &&
        run["summary"].get<std::string>().find("cannot be claimed") != std::string::npos)
      counted = true;
  CHECK(counted);
  // The next run takes it.
  CHECK(in.once().code == 0);
  CHECK(in.orders().size() == 2);
}

TEST_CASE("hardening: a failed copy to archive/outbound is reported, the PO is not sent again") {
  Install in("auto");
  in.drop_orders("shop", "export.csv", orders_csv(4101, 2));
  auto r = in.once(fault_env(in.dir.path(), "write:1:ENOSPC:/archive/outbound/"));
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("outbound archive could not be written") != std::string::npos, r.err);
  CHECK(r.err.find("No space left on device") != std::string::npos);
  CHECK(in.once().code == 0);
  CHECK(in.files("out/supplier/acme").size() == 1);
  for (const auto& o : in.orders()) CHECK(o["status"] == "processed");
}

TEST_CASE("hardening: an fsync failure after the final rename is a warning, never a resend") {
  // The supplier takes each file the moment it appears, so a resend would
  // be a second copy of the same PO lines.
  Install in("auto");
  in.drop_orders("shop", "export.csv", orders_csv(4201, 3));
  const auto out = in.path("out");
  auto r = in.once(fault_env(in.dir.path(), "fsync:2:EIO:/out/supplier/acme$", out));
  CHECK(r.code == 1);  // said, and counted as a failure to look at
  CHECK_MESSAGE(r.err.find("may not survive a power cut") != std::string::npos, r.err);
  CHECK(r.out.find("delivered to acme") != std::string::npos);
  CHECK(in.once(fault_env(in.dir.path(), "", out)).code == 0);
  CHECK(in.once(fault_env(in.dir.path(), "", out)).code == 0);
  const auto taken = in.files("taken");
  REQUIRE(taken.size() == 1);
  const std::string po = slurp(taken.front());
  for (const char* id : {"#4201", "#4202", "#4203"}) {
    CAPTURE(id);
    std::size_t n = 0;
    for (auto at = po.find(id); at != std::string::npos; at = po.find(id, at + 1)) ++n;
    CHECK(n == 1);
  }
}

TEST_CASE(
    "hardening: bytes that are not UTF-8 never crash an output, the order waits to be fixed") {
  Install in;
  replace_in_config(in, "      transport: {type: dir, path: ./out/channel/shop}",
                    "      format: tracking-json\n      transport: {type: dir, path: "
                    "./out/channel/shop}");
  std::string csv = kShopifyHeader;
  csv += shopify_row("#5001", "ACME-1", 1, "\xff\xfe Lovelace");
  csv += shopify_row("#5002", "ACME-2", 1);
  in.drop_orders("shop", "bad\xff-name.csv", csv);
  auto r = in.once();
  CHECK_MESSAGE(r.err.find("line 2, column") != std::string::npos, r.err);
  CHECK(r.err.find("not UTF-8") != std::string::npos);
  // Every JSON output parses, whatever is stored.
  auto orders = nlohmann::json::parse(in.ctl({"orders", "--json"}).out);
  CHECK(orders.size() == 2);
  auto bad = in.order("#5001");
  CHECK(bad["status"] == "needs_resolve");
  CHECK(bad["ship_to"]["name"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
  const std::string why = bad["messages"].dump();
  CHECK_MESSAGE(why.find("ship_to.name") != std::string::npos, why);
  CHECK(why.find("orderctl resolve") != std::string::npos);
  auto status = in.ctl({"sync", "status", "--json"});
  REQUIRE(status.code == 0);
  CHECK(nlohmann::json::accept(status.out));
  // Resolving with a UTF-8 name makes it ready; bytes that are not UTF-8 are refused.
  CHECK(in.ctl({"resolve", "#5001", "--set", "ship_to.name=Ada \xff"}).code == 2);
  // The name was on the billing side too, and became the customer's name.
  for (const char* f : {"ship_to.name", "bill_to.name", "customer.name"})
    CHECK_MESSAGE(why.find(f) != std::string::npos, f);
  CHECK(in.ctl({"resolve", "#5001", "--set", "ship_to.name=Ada Lovelace", "--set",
                "bill_to.name=Ada Lovelace", "--set", "customer.name=Ada Lovelace"})
            .code == 0);
  CHECK(in.order("#5001")["status"] == "ready");

  // A tracking number with such bytes is refused (kept as unmatched); the
  // channel's tracking-json push and every later run go on.
  REQUIRE(in.ctl({"process", "--all-ready"}).code == 0);
  std::string pos[2];
  for (int i = 0; i < 2; ++i)
    pos[i] = in.order(i ? "#5002" : "#5001")["pos"][0]["number"].get<std::string>();
  in.drop_tracking("acme", "t.csv",
                   "PO Number,SKU,Qty Shipped,Carrier,Tracking\n" + pos[0] +
                       ",ACME-1,1,UPS,1Z\xff\xfe\n" + pos[1] + ",ACME-2,1,UPS,1ZGOOD\n");
  r = in.once();
  CHECK_MESSAGE(r.code == 1, r.out);  // the refused row is a failure to look at
  CHECK_MESSAGE(r.err.find("t.csv line 2") != std::string::npos, r.err);
  CHECK(in.order("#5002")["status"] == "completed");
  CHECK(in.order("#5001")["status"] == "processed");
  for (const auto& f : in.files("out/channel/shop")) {
    const std::string text = slurp(f);
    CHECK(nlohmann::json::accept(text));
    CHECK(text.find("1ZGOOD") != std::string::npos);
  }
  CHECK(in.once().code == 0);  // no crash loop: the next start is clean
}

TEST_CASE("hardening: an absurd shipped quantity is bounded by what is open, the excess is kept") {
  Install in("auto");
  in.drop_orders("shop", "e.csv",
                 std::string(kShopifyHeader) + shopify_row("#5101", "ACME-1", 2) +
                     shopify_row("#5102", "ACME-2", 1));
  REQUIRE(in.once().code == 0);
  const std::string po = in.order("#5101")["pos"][0]["number"].get<std::string>();
  in.drop_tracking("acme", "t.csv",
                   "PO Number,SKU,Qty Shipped,Carrier,Tracking\n" + po + ",ACME-1,1,UPS,1ZA\n" +
                       po + ",ACME-1,9223372036854775807,UPS,1ZB\n");
  auto r = in.once();
  CHECK_MESSAGE(r.err.find("only 1 of 2 ordered was still open") != std::string::npos, r.err);
  auto o = in.order("#5101");
  CHECK(o["status"] == "completed");
  std::int64_t shipped = 0;
  for (const auto& l : o["pos"][0]["lines"]) shipped += l["shipped_quantity"].get<std::int64_t>();
  CHECK(shipped == 2);
  // The excess is unmatched tracking, and nothing is wedged: a new order goes out.
  auto status = nlohmann::json::parse(in.ctl({"sync", "status", "--json"}).out);
  CHECK(status["unmatched_tracking"].dump().find("9223372036854775806") != std::string::npos);
  in.drop_orders("shop", "later.csv",
                 std::string(kShopifyHeader) + shopify_row("#5103", "ACME-3", 1));
  r = in.once();
  CHECK_MESSAGE(r.code == 0, r.out);
  CHECK(in.order("#5103")["status"] == "processed");
  CHECK(in.ctl({"sync", "tracking"}).code == 0);
  // What reached the channel adds up to what was ordered.
  std::int64_t pushed = 0;
  for (const auto& f : in.files("out/channel/shop")) {
    const std::string text = slurp(f);
    for (const char* t : {",1ZA", ",1ZB"})
      if (auto at = text.find(t); at != std::string::npos) ++pushed;
  }
  CHECK(pushed == 2);
}

TEST_CASE("hardening: a file past the documented limits is quarantined with the reason") {
  struct Case {
    const char* what;
    std::string csv;
    const char* reason;
  };
  std::string wide = "Name";
  for (int i = 0; i < 100000; ++i) wide += ",c";
  const Case cases[] = {
      {"a 10 MB SKU",
       std::string(kShopifyHeader) + shopify_row("#6001", std::string(10 << 20, 'A'), 1),
       "line 2: the record is"},
      {"100,000 columns", wide + "\n", "line 1: 100001 fields, more than the 1000"},
      {"a 300-byte SKU",
       std::string(kShopifyHeader) + shopify_row("#6002", "ACME-" + std::string(295, 'X'), 1),
       "order #6002: line.1.sku is 300 bytes long, more than the 255"},
      {"a quantity of ten million",
       std::string(kShopifyHeader) + shopify_row("#6003", "ACME-1", 10000000),
       "quantity 10000000 is more than 1000000"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    Install in;
    in.drop_orders("shop", "big.csv", c.csv);
    auto r = in.once();
    CHECK(r.code == 1);
    CHECK_MESSAGE(r.err.find(c.reason) != std::string::npos, r.err.substr(0, 2000));
    CHECK(r.err.find("quarantined") != std::string::npos);
    REQUIRE(std::filesystem::exists(in.path("spool/quarantine/orders/shop/big.csv.error")));
    CHECK(slurp(in.path("spool/quarantine/orders/shop/big.csv.error")).find(c.reason) !=
          std::string::npos);
    CHECK(nlohmann::json::parse(in.ctl({"orders", "--json"}).out).empty());
  }
}

TEST_CASE("hardening: a JSON order file with a yes/no member of another type is quarantined") {
  // It used to throw out of the reader and take the service down, and the
  // file, still in inbound, took it down again at every start.
  Install in;
  replace_in_config(in, "format: amazon-tsv", "format: orders-json");
  in.drop_orders("amz", "bad.json",
                 R"({"orders": [{"id": "W-1", "canceled": "no",
                     "lines": [{"sku": "ACME-1", "quantity": 1}]}]})");
  in.drop_orders("amz", "good.json",
                 R"({"orders": [{"id": "W-2", "lines": [{"sku": "ACME-1", "quantity": 1}]}]})");
  auto r = in.once();
  CHECK(r.code == 1);
  const std::string reason = "bad.json: orders[0].canceled: expected true or false, not \"no\"";
  CHECK_MESSAGE(r.err.find(reason) != std::string::npos, r.err);
  REQUIRE(std::filesystem::exists(in.path("spool/quarantine/orders/amz/bad.json.error")));
  CHECK(slurp(in.path("spool/quarantine/orders/amz/bad.json.error")).find(reason) !=
        std::string::npos);
  const auto orders = nlohmann::json::parse(in.ctl({"orders", "--json"}).out);
  REQUIRE(orders.size() == 1);
  CHECK(orders[0]["id"] == "W-2");
}
