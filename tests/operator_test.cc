// The operator's tools as a new operator meets them: every search finds,
// every name given is checked, and a wrong one gets the nearest valid one.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "e2e_fixture.h"

using namespace orderd::test;

namespace {

// Three Shopify orders and one Amazon order, processed.
void load(const Install& in) {
  std::string shop = kShopifyHeader;
  shop += shopify_row("#2001", "ACME-1", 1, "Ada Lovelace");
  shop += shopify_row("#2002", "GX-9", 2, "Grace Hopper");
  shop += shopify_row("#2003", "ACME-22", 1, "Alan Turing", "");  // acme needs the phone
  in.drop_orders("shop", "e.csv", shop);
  in.drop_orders("amz", "a.txt",
                 "order-id\torder-item-id\tpurchase-date\tbuyer-email\tbuyer-name\tsku\tquantity-"
                 "purchased\trecipient-name\tship-address-1\tship-city\tship-postal-code\tship-"
                 "country\tship-phone-number\n"
                 "113-0000001-0000001\t1111\t2026-11-19\tk@example.com\tKatherine "
                 "Johnson\tGX-1\t1\tKatherine Johnson\t1 Way\tHampton\t23666\tUS\t757-555-0100\n");
  REQUIRE(in.once().code == 0);
  REQUIRE(in.ctl({"process", "--all-ready"}).code == 0);
}

std::vector<std::string> ids(const RunResult& r) {
  std::vector<std::string> out;
  for (const auto& o : nlohmann::json::parse(r.out)) out.push_back(o["id"].get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("operator: every search flag finds what it names") {
  Install in;
  load(in);
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> found;
  };
  const Case cases[] = {
      {{"--order", "2001"}, {"#2001"}},
      {{"--order", "#2001"}, {"#2001"}},
      {{"--order", "shop:2001"}, {"#2001"}},
      {{"--order", "amz:2001"}, {}},
      {{"--order", "113-0000001-0000001"}, {"113-0000001-0000001"}},
      {{"--status", "needs_resolve"}, {"#2003"}},
      {{"--status", "processed"}, {"#2001", "#2002", "113-0000001-0000001"}},
      {{"--supplier", "globex"}, {"#2002", "113-0000001-0000001"}},
      {{"--channel", "amz"}, {"113-0000001-0000001"}},
      {{"--sku", "ACME-*"}, {"#2001", "#2003"}},
      {{"--sku", "ACME-?"}, {"#2001"}},
      {{"--sku", "GX-9"}, {"#2002"}},
      {{"--customer", "hopper"}, {"#2002"}},
      {{"--customer", "757-555"}, {"113-0000001-0000001"}},
      {{"--supplier", "acme", "--status", "processed"}, {"#2001"}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"orders", "--json"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CAPTURE(fmt::format("{}", fmt::join(c.args, " ")));
    auto r = in.ctl(args);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(ids(r) == c.found);
  }
  // The table says how many, per status, and when it shows fewer.
  auto all = in.ctl({"orders"});
  CHECK_MESSAGE(all.out.find("4 orders: 1 needs_resolve, 3 processed") != std::string::npos,
                all.out);
  CHECK(in.ctl({"orders", "--order", "2001"}).out.find("1 order: 1 processed") !=
        std::string::npos);
  CHECK(in.ctl({"orders", "--limit", "2"}).out.find("showing 2 of 4 orders (use --limit") !=
        std::string::npos);
  CHECK(all.out.find("2026-11-20") != std::string::npos);  // the date column
}

TEST_CASE("operator: a wrong name in a search is refused with the nearest valid one") {
  Install in;
  load(in);
  struct Case {
    std::vector<std::string> args;
    const char* said;
  };
  const Case cases[] = {
      {{"--status", "cancelled"}, "--status cancelled: no such status (did you mean canceled?)"},
      {{"--status", "done"}, "(did you mean completed?)"},
      {{"--status", "proccessed"}, "(did you mean processed?)"},
      {{"--supplier", "nosuch"}, "--supplier nosuch: no such supplier; the suppliers are acme"},
      {{"--supplier", "acmee"}, "(did you mean acme?)"},
      {{"--channel", "shopfy"}, "--channel shopfy: no such channel (did you mean shop?)"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"orders"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CAPTURE(fmt::format("{}", fmt::join(c.args, " ")));
    auto r = in.ctl(args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_MESSAGE(r.err.find(c.said) != std::string::npos, r.err);
  }
}

TEST_CASE("operator: one rule for every verb's exit code and streams") {
  // stdout: what the verb produced or did; stderr: every problem, with what
  // to do; exit 0 all done, 1 something asked could not be done (what could
  // be was), 2 the command line or configuration is wrong (nothing done).
  Install in;
  load(in);
  in.drop_orders("shop", "more.csv",
                 std::string(kShopifyHeader) + shopify_row("#3052", "ACME-5", 1, "Ann", "") +
                     shopify_row("#3059", "GX-5", 1));
  REQUIRE(in.ctl({"sync", "orders"}).code == 0);
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* out;  // on stdout (nullptr: stdout empty)
    const char* err;  // on stderr (nullptr: stderr empty)
  };
  const Case cases[] = {
      {{"process", "3052"}, 1, nullptr, "order #3052 is needs_resolve, not ready"},
      {{"process", "9999", "3059"},
       1,
       "processed 1 order into 1 PO in 1 document",
       "no order 9999"},
      {{"process", "3052", "3059"}, 1, nullptr, "order #3052 is needs_resolve"},
      {{"resolve", "3052", "--set", "ship_to.name=Ann B"},
       1,
       "order #3052: set ship_to.name=Ann B",
       "order #3052 still needs: ship_to.phone is missing"},
      {{"resolve", "3052", "--set", "phone=1"}, 2, nullptr, "unknown field 'phone'"},
      {{"resolve", "3052", "--set", "nothing"}, 2, nullptr, "--set nothing: expected FIELD=VALUE"},
      {{"show", "9999"}, 1, nullptr, "no order 9999"},
      {{"orders", "--status", "nope"}, 2, nullptr, "--status nope: no such status"},
      {{"sync", "orders"},
       0,
       "synced (no service runs): 0 files read, 0 changed, 0 failed",
       nullptr},
      {{"process", "--all-ready"}, 0, "no order is ready", nullptr},
      {{"retry", "2001"}, 1, nullptr, "has no failed delivery to retry"},
      {{"cancel", "9999"}, 1, nullptr, "no order 9999"},
      {{"process"}, 2, nullptr, "name ORDERs or --all-ready"},
  };
  for (const auto& c : cases) {
    CAPTURE(fmt::format("{}", fmt::join(c.args, " ")));
    auto r = in.ctl(c.args);
    CHECK(r.code == c.code);
    if (c.out)
      CHECK_MESSAGE(r.out.find(c.out) != std::string::npos, r.out);
    else
      CHECK_MESSAGE(r.out.empty(), r.out);
    if (c.err)
      CHECK_MESSAGE(r.err.find(c.err) != std::string::npos, r.err);
    else
      CHECK_MESSAGE(r.err.empty(), r.err);
  }
}

TEST_CASE("operator: show --json carries everything the text view shows") {
  Install in;
  in.drop_orders("shop", "full.csv",
                 "Name,Email,Created at,Total,Notes,Shipping Method,Shipping,Lineitem "
                 "quantity,Lineitem name,Lineitem price,Lineitem sku,Shipping Name,Shipping "
                 "Company,Shipping Address1,Shipping Address2,Shipping City,Shipping "
                 "Province,Shipping Zip,Shipping Country,Shipping Phone\n"
                 "#7001,ada@example.com,2026-11-20,42.50,leave at the door,Standard "
                 "Shipping,5.00,2,Anvil,19.50,ACME-1,Ada Lovelace,Analytical Engines,12 Way,Suite "
                 "4,Boston,MA,02134,US,617-555-0101\n");
  REQUIRE(in.once().code == 0);
  REQUIRE(in.ctl({"process", "7001"}).code == 0);
  const auto j = in.order("7001");
  const auto text = in.ctl({"show", "7001"}).out;
  struct Case {
    const char* shown;  // in the text view
    nlohmann::json value;
  };
  const Case cases[] = {
      {"Suite 4", j["ship_to"]["address2"]},
      {"MA", j["ship_to"]["province"]},
      {"617-555-0101", j["ship_to"]["phone"]},
      {"Analytical Engines", j["ship_to"]["company"]},
      {"Standard Shipping", j["shipping"]["method"]},
      {"42.50", j["order"]["total"]},
      {"leave at the door", j["order"]["note"]},
      {"ada@example.com", j["customer"]["email"]},
      {"19.50", j["lines"][0]["price"]},
  };
  for (const auto& c : cases) {
    const std::string shown = c.shown;
    CAPTURE(shown);
    CHECK(c.value == c.shown);
    CHECK(text.find(c.shown) != std::string::npos);
  }
  CHECK(j["lines"][0]["po"] == j["pos"][0]["number"]);
  CHECK(j["documents"][0]["party_type"] == "supplier");
  CHECK(!j["events"].empty());
}

TEST_CASE("operator: sync status shows deliveries waiting and failing, with the next attempt") {
  Install in("auto blocked");  // acme's folder is a file: every delivery fails
  spit(in.path("blocked"), "not a folder");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#8001", "ACME-1", 1));
  REQUIRE(in.once().code == 1);
  auto text = in.ctl({"sync", "status"}).out;
  CHECK_MESSAGE(text.find("Deliveries waiting or failing (1):") != std::string::npos, text);
  CHECK(text.find("acme-000001.csv to supplier acme: pending after 1 attempt(s)") !=
        std::string::npos);
  CHECK(text.find("attempt 1 of 2") != std::string::npos);  // the last error
  REQUIRE(in.once().code == 1);                             // the second and last attempt
  auto j = nlohmann::json::parse(in.ctl({"sync", "status", "--json"}).out);
  REQUIRE(j["deliveries"]["undelivered"] == 1);
  const auto& d = j["deliveries"]["documents"][0];
  CHECK(d["state"] == "failed");
  CHECK(d["attempts"] == 2);
  CHECK(d["error"].get<std::string>().find("attempt 2 of 2") != std::string::npos);
  CHECK(in.ctl({"sync", "status"}).out.find("gave up; `orderctl retry` queues it again") !=
        std::string::npos);
}

TEST_CASE("operator: a change after processing says what changed, and can be listed") {
  Install in;
  in.drop_orders("shop", "a.csv",
                 std::string(kShopifyHeader) + shopify_row("#9001", "ACME-1", 1) +
                     shopify_row("#9002", "ACME-2", 1));
  REQUIRE(in.once().code == 0);
  REQUIRE(in.ctl({"process", "--all-ready"}).code == 0);
  // The buyer moves and wants two: the channel exports the order again.
  const std::string changed =
      std::string(kShopifyHeader) +
      shopify_row("#9001", "ACME-1", 2, "Ada Lovelace", "617-555-0101", "14 Other Street") +
      shopify_row("#9002", "ACME-2", 1);
  in.drop_orders("shop", "b.csv", changed);
  REQUIRE(in.once().code == 0);
  auto o = in.order("#9001");
  REQUIRE(o["changed_after_processing"].size() == 1);
  const std::string what = o["changed_after_processing"][0]["message"];
  CHECK_MESSAGE(
      what.find("ship_to.address1: '12 Analytical Way' -> '14 Other Street'") != std::string::npos,
      what);
  CHECK(what.find("line 1 (ACME-1): quantity 1 -> 2") != std::string::npos);
  CHECK(what.find("tell the supplier by hand") != std::string::npos);
  CHECK(in.ctl({"show", "#9001"}).out.find("Changed in the channel after processing") !=
        std::string::npos);
  auto listed =
      nlohmann::json::parse(in.ctl({"orders", "--changed-after-processing", "--json"}).out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == "#9001");
  // The same export again is not a second report.
  in.drop_orders("shop", "c.csv", changed + "\r\n");
  REQUIRE(in.once().code == 0);
  CHECK(in.order("#9001")["changed_after_processing"].size() == 1);
  CHECK(in.order("#9002")["changed_after_processing"].empty());
}

TEST_CASE("operator: x12 read prints words, --json prints JSON") {
  const auto conf = conformance_dir();
  if (!conf) {
    MESSAGE("skipped: ../shared/conformance is not beside the project");
    return;
  }
  const auto file = (*conf / "x12/856/bots__856_1_SOPI_one_po_3_cartons.x12").string();
  auto text = run({bin("orderctl"), "x12", "read", file});
  CHECK(text.code == 0);
  CHECK(!nlohmann::json::accept(text.out));
  CHECK_MESSAGE(text.out.find(": valid, 1 set(s)") != std::string::npos, text.out);
  CHECK(text.out.find("856 set ") != std::string::npos);
  CHECK(text.out.find("ship notice") != std::string::npos);
  CHECK(text.out.find("    PO ") != std::string::npos);
  auto j = run({bin("orderctl"), "x12", "read", file, "--json"});
  CHECK(j.code == 0);
  CHECK(nlohmann::json::parse(j.out)["sets"][0]["set"] == "856");
}

TEST_CASE("operator: the default XML PO never nests an element in itself") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "GX-1", 2));
  REQUIRE(in.once().code == 0);
  const auto files = in.files("out/supplier/globex");
  REQUIRE(files.size() == 1);
  const std::string xml = slurp(files.front());
  CHECK(xml.find("<Line>\n        <LineNumber>1</LineNumber>") != std::string::npos);
  CHECK(xml.find("<Line><Line>") == std::string::npos);
  CHECK(xml.find("<Line>\n        <Line>") == std::string::npos);
}

TEST_CASE("operator: --check-config reports every problem in one pass, missing files too") {
  TempDir dir;
  const auto cfg = dir / "orderd.yaml";
  spit(cfg, R"(state_dir: ./state
channels:
  shop: {format: shopify-csvv}
suppliers:
  acme:
    skus: ["A*"]
    transport: {type: sftp, host: h, user: u, key_file: ./keys/none}
    bogus: 1
)");
  auto r = run({bin("orderd"), "-c", cfg.string(), "--check-config"});
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("suppliers.acme.bogus: unknown key") != std::string::npos, r.err);
  CHECK(r.err.find("channels.shop.format: unknown channel format 'shopify-csvv'") !=
        std::string::npos);
  CHECK(r.err.find("suppliers.acme.transport.key_file: cannot read " +
                   (dir / "keys/none").string() + ": No such file or directory") !=
        std::string::npos);
}

TEST_CASE("operator: the history names the operator by login name, never by uid") {
  Install in;
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 1));
  REQUIRE(in.once().code == 0);
  auto r = run({"/usr/bin/env", "-u", "USER", "-u", "SUDO_USER", "-u", "LOGNAME", bin("orderctl"),
                "-c", in.config, "process", "1"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  bool named = false;
  const auto order = in.order("1");
  for (const auto& e : order["events"])
    if (e["kind"] == "status" && e["to"] == "processed") {
      const std::string actor = e["actor"];
      CHECK(actor.starts_with("operator:"));
      CHECK(actor.find_first_not_of("0123456789", 9) != std::string::npos);
      named = true;
    }
  CHECK_MESSAGE(named, order["events"].dump());
}

TEST_CASE("operator: a dry run renders exactly what a real run sends, and spends nothing") {
  Install in;  // acme: CSV, globex: XML, initech: X12 850
  in.drop_orders("shop", "a.csv",
                 std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 1) +
                     shopify_row("#2", "GX-1", 2) + shopify_row("#3", "IN-1", 3));
  REQUIRE(in.once().code == 0);
  const auto before = in.ctl({"show", "1", "--json"}).out;
  const auto out = in.path("dry");
  auto dry = in.ctl({"process", "--all-ready", "--dry-run", "--out", out.string()});
  REQUIRE_MESSAGE(dry.code == 0, dry.err);
  CHECK(dry.out.find("would go to acme (folder ") != std::string::npos);
  CHECK(dry.out.find("dry run: 3 orders would become 3 POs in 3 documents; nothing was sent") !=
        std::string::npos);
  // Nothing left orderd: no file at a supplier, no status, no history, no number.
  CHECK(in.files("out/supplier").empty());
  for (const auto& o : in.orders()) CHECK(o["status"] == "ready");
  CHECK(in.ctl({"show", "1", "--json"}).out == before);
  // The real run sends the same files, byte for byte (the X12 envelope's
  // time of day aside): same names, PO numbers and control numbers.
  REQUIRE(in.ctl({"process", "--all-ready"}).code == 0);
  const auto dried = files_under(out);
  const auto sent = in.files("out/supplier");
  REQUIRE(dried.size() == 3);
  REQUIRE(sent.size() == 3);
  // ISA09*ISA10 and GS04*GS05: the date and the time of day, whatever the
  // ISA11 after them (^ in 00501, U in 00401).
  const std::regex when("\\*[0-9]{6}\\*[0-9]{4}\\*|\\*[0-9]{8}\\*[0-9]{4}\\*");
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(sent[i].string());
    CHECK(dried[i].filename() == sent[i].filename());
    CHECK(dried[i].parent_path().filename() == sent[i].parent_path().filename());
    CHECK(std::regex_replace(slurp(dried[i]), when, "*T*") ==
          std::regex_replace(slurp(sent[i]), when, "*T*"));
  }
}
