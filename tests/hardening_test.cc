// Unattended means unbreakable: the accidents an adversary or a new operator
// causes (concurrent writers, bad bytes, absurd numbers, a full or failing
// disk, lost state) neither wedge nor crash orderd, nor send a PO twice.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>

#include "daemon.h"
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
