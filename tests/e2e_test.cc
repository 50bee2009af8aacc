// The order loop end to end, with the real binaries on local folders.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "e2e_fixture.h"

using namespace orderd::test;
using nlohmann::json;

namespace {

json find(const json& list, const std::string& id) {
  for (const auto& o : list)
    if (o["id"] == id) return o;
  FAIL("order " << id << " not listed");
  return {};
}

std::string po_of(const json& order, const std::string& supplier) {
  for (const auto& p : order["pos"])
    if (p["supplier"] == supplier) return p["number"];
  FAIL("order has no PO for " << supplier);
  return {};
}

}  // namespace

TEST_CASE(
    "e2e: import - resolve - process into per-supplier POs - partial shipment - push - completed") {
  Install in;
  in.drop_orders("shop", "export.csv",
                 std::string(kShopifyHeader) + shopify_row("#1001", "ACME-ANV", 2) +
                     shopify_row("#1001", "GX-SKATE", 1) +
                     shopify_row("#1002", "AC-1042", 3, "Bob Builder", ""));
  auto r = in.once();
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  auto list = in.orders();
  REQUIRE(list.size() == 2);
  CHECK(find(list, "#1001")["status"] == "ready");
  auto bob = find(list, "#1002");
  CHECK(bob["status"] == "needs_resolve");
  CHECK(bob["messages"] == json::array({"ship_to.phone is missing (required by supplier acme)"}));

  // Processing refuses an order that is not ready.
  r = in.ctl({"process", "1002"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());  // a refusal goes to stderr, with what to do
  CHECK(r.err.find("order #1002 is needs_resolve, not ready: not processed (see `orderctl show "
                   "#1002`") != std::string::npos);

  r = in.ctl({"resolve", "1002", "--set", "ship_to.phone=217-555-0102"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out == "order #1002: set ship_to.phone=217-555-0102\norder #1002 is ready\n");
  r = in.ctl({"process", "--all-ready"});
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));

  // One file per supplier per run (acme, batch: run) and one per PO (globex, batch: order).
  auto acme_files = in.files("out/supplier/acme");
  auto globex_files = in.files("out/supplier/globex");
  REQUIRE(acme_files.size() == 1);
  REQUIRE(globex_files.size() == 1);
  const auto ada = in.order("1001");
  const std::string acme_po = po_of(ada, "acme"), gx_po = po_of(ada, "globex");
  const std::string bob_po = po_of(in.order("#1002"), "acme");
  CHECK(ada["status"] == "processed");
  const std::string acme_csv = slurp(acme_files[0]);
  CHECK(acme_csv.find(acme_po + ",") != std::string::npos);
  CHECK(acme_csv.find(bob_po + ",") != std::string::npos);
  CHECK(acme_csv.find("217-555-0102") != std::string::npos);
  CHECK(acme_csv.find("GX-SKATE") == std::string::npos);
  CHECK(globex_files[0].filename() == gx_po + ".xml");
  CHECK(slurp(globex_files[0]).find("<SKU>GX-SKATE</SKU>") != std::string::npos);

  // ACME ships one of Ada's two anvils: partially shipped, and only that line is pushed.
  in.drop_tracking(
      "acme", "t1.csv",
      fmt::format("PO Number,SKU,Qty Shipped,Carrier,Tracking\n{},ACME-ANV,1,UPS,1Z001\n",
                  acme_po));
  r = in.once();
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  auto o = in.order("1001");
  CHECK(o["status"] == "partially_shipped");
  auto pushed = in.files("out/channel/shop");
  REQUIRE(pushed.size() == 1);
  CHECK(slurp(pushed[0]) ==
        "Name,Lineitem sku,Lineitem quantity,Tracking Company,Tracking Number,Fulfilled at\r\n"
        "#1001,ACME-ANV,1,UPS,1Z001," +
            slurp(pushed[0]).substr(slurp(pushed[0]).rfind(',') + 1));

  // The rest ships; Globex's tracking has no quantity column (the whole line).
  in.drop_tracking(
      "acme", "t2.csv",
      fmt::format("PO Number,SKU,Qty "
                  "Shipped,Carrier,Tracking\n{},ACME-ANV,1,UPS,1Z002\n{},AC-1042,3,UPS,1Z003\n",
                  acme_po, bob_po));
  in.drop_tracking(
      "globex", "t.csv",
      fmt::format("PO Number,SKU,Carrier,Tracking Number\n{},GX-SKATE,USPS,9400\n", gx_po));
  r = in.ctl({"sync", "tracking"});
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  o = in.order("1001");
  CHECK(o["status"] == "completed");
  CHECK(in.order("1002")["status"] == "completed");
  int tracked = 0;
  for (const auto& l : o["lines"]) {
    CHECK(l["shipped_quantity"] == l["quantity"]);
    tracked += static_cast<int>(l["tracking"].size());
  }
  CHECK(tracked == 3);
  CHECK(in.files("out/channel/shop").size() == 2);

  // The history names each step.
  std::vector<std::string> kinds;
  for (const auto& e : o["events"]) kinds.push_back(e["kind"]);
  bool split = false;
  for (const auto& e : o["events"])
    split |= e["message"] == fmt::format("split into {} to acme, {} to globex", acme_po, gx_po);
  CHECK(split);
  CHECK(std::count(kinds.begin(), kinds.end(), "delivered") == 2);
  CHECK(std::count(kinds.begin(), kinds.end(), "shipped") == 3);
  CHECK(std::count(kinds.begin(), kinds.end(), "tracking_pushed") == 2);

  // Searches.
  auto by_sku = json::parse(in.ctl({"orders", "--sku", "AC-1042", "--json"}).out);
  REQUIRE(by_sku.size() == 1);
  CHECK(by_sku[0]["id"] == "#1002");
  CHECK(json::parse(in.ctl({"orders", "--supplier", "globex", "--json"}).out).size() == 1);
  CHECK(json::parse(in.ctl({"orders", "--customer", "bob", "--json"}).out).size() == 1);
  CHECK(json::parse(in.ctl({"orders", "--status", "completed", "--json"}).out).size() == 2);
  CHECK(json::parse(in.ctl({"orders", "--channel", "amz", "--json"}).out).empty());
  CHECK(in.ctl({"orders", "--status", "shipping"}).code == 2);
  CHECK(in.ctl({"show", "9999"}).code == 1);
}

TEST_CASE("e2e: the same file twice and overlapping exports never duplicate an order") {
  Install in;
  const std::string first =
      std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 1) + shopify_row("#2", "ACME-2", 1);
  in.drop_orders("shop", "a.csv", first);
  REQUIRE(in.once().code == 0);
  in.drop_orders("shop", "a-again.csv", first);
  auto r = in.once();
  CHECK(r.out.find("a-again.csv: already imported as file #1; archived without effect") !=
        std::string::npos);
  CHECK(in.orders().size() == 2);
  CHECK(in.files("spool/inbound").empty());
  CHECK(in.files("spool/archive/orders/shop").size() == 2);

  // #2 changed in the channel before processing (new address): updated. #3 is new.
  in.drop_orders("shop", "b.csv",
                 std::string(kShopifyHeader) +
                     shopify_row("#2", "ACME-2", 1, "Ada Lovelace", "617-555-0101", "99 New Rd") +
                     shopify_row("#3", "GX-1", 1));
  r = in.once();
  CHECK(r.out.find("b.csv: 2 orders: 1 new, 1 updated, 0 unchanged") != std::string::npos);
  CHECK(in.orders().size() == 3);
  CHECK(in.order("2")["ship_to"]["address1"] == "99 New Rd");

  // After processing, a change in the channel is logged, not applied.
  REQUIRE(in.ctl({"process", "2"}).code == 0);
  in.drop_orders("shop", "c.csv",
                 std::string(kShopifyHeader) +
                     shopify_row("#2", "ACME-2", 5, "Ada Lovelace", "617-555-0101", "1 Other St"));
  r = in.once();
  CHECK(r.out.find("c.csv: 1 orders: 0 new, 0 updated, 0 unchanged, 1 changed after processing "
                   "(not applied)") != std::string::npos);
  auto o = in.order("2");
  CHECK(o["ship_to"]["address1"] == "99 New Rd");
  CHECK(o["lines"][0]["quantity"] == 1);
  bool logged = false;
  for (const auto& e : o["events"])
    logged |= e["kind"] == "channel_change_ignored" &&
              e["message"].get<std::string>().find("c.csv") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("e2e: an unreadable file is quarantined with its reason, the run goes on") {
  Install in;
  in.drop_orders(
      "shop", "bad.csv",
      std::string(kShopifyHeader) + "#1,x@example.com,2026,lots,Anvil,1,ACME-1,true,,,,,,,,\r\n");
  in.drop_orders("shop", "good.csv", std::string(kShopifyHeader) + shopify_row("#2", "ACME-1", 1));
  in.drop_orders("shop", ".hidden.csv", "ignored");
  in.drop_orders("shop", "upload.csv.part", "ignored");
  auto r = in.once();
  CHECK(r.code == 1);  // a failure happened, and is reported
  CHECK(in.orders().size() == 1);
  const auto q = in.path("spool/quarantine/orders/shop/bad.csv");
  CHECK(std::filesystem::exists(q));
  const std::string why = slurp(q.string() + ".error");
  CHECK(why.starts_with(
      "bad.csv: line 2, column 'Lineitem quantity': 'lots' is not a whole number\n"));
  CHECK(why.find("drop it into") != std::string::npos);
  CHECK(std::filesystem::exists(in.path("spool/inbound/orders/shop/.hidden.csv")));
  CHECK(std::filesystem::exists(in.path("spool/inbound/orders/shop/upload.csv.part")));
  auto st = json::parse(in.ctl({"sync", "status", "--json"}).out);
  bool seen = false;
  for (const auto& f : st["files"]) seen |= f["name"] == "bad.csv" && f["state"] == "quarantined";
  CHECK(seen);
  // Fixed and dropped again: imported, and the quarantined copy is done with.
  in.drop_orders("shop", "bad.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 3));
  r = in.once();
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("bad.csv: the copy quarantined before is archived as") != std::string::npos);
  CHECK(in.orders().size() == 2);
  CHECK(!std::filesystem::exists(q));
  CHECK(!std::filesystem::exists(q.string() + ".error"));
  int kept = 0;
  for (const auto& f : in.files("spool/archive/orders/shop"))
    if (f.filename().string().ends_with("-bad.csv.quarantined") ||
        f.filename().string().ends_with("-bad.csv.quarantined.error"))
      ++kept;
  CHECK(kept == 2);  // never deleted
}

TEST_CASE("e2e: an unknown SKU waits in needs_resolve until routed") {
  Install in;
  in.drop_orders(
      "shop", "a.csv",
      std::string(kShopifyHeader) + shopify_row("#5", "ZZ-404", 1) + shopify_row("#5", "GX-1", 1));
  REQUIRE(in.once().code == 0);
  auto o = in.order("5");
  CHECK(o["status"] == "needs_resolve");
  CHECK(o["messages"] ==
        json::array({"SKU ZZ-404 (line 1) matches no supplier's skus patterns: add a pattern to a "
                     "supplier or set line.1.supplier"}));
  // A supplier that does not exist is refused before anything is stored.
  auto r = in.ctl({"resolve", "5", "--set", "line.1.supplier=initeck"});
  CHECK(r.code == 2);
  CHECK(r.err ==
        "line.1.supplier: no supplier initeck (did you mean initech?); the suppliers are acme, "
        "globex, initech\n");
  CHECK(in.order("5")["lines"][0]["supplier"] == "");
  r = in.ctl({"resolve", "5", "--set", "line.1.supplier=globex"});
  CHECK(r.code == 0);
  CHECK(r.out == "order #5: set line.1.supplier=globex\norder #5 is ready\n");
  r = in.ctl({"resolve", "5", "--set", "ship_to.fone=1"});
  CHECK(r.code == 2);
  CHECK(r.err == "unknown field 'ship_to.fone' (did you mean ship_to.phone?)\n");
  REQUIRE(in.ctl({"process", "5"}).code == 0);
  auto pos = in.order("5")["pos"];
  REQUIRE(pos.size() == 1);  // both lines go to Globex in one PO
  CHECK(pos[0]["lines"].size() == 2);
  CHECK(in.ctl({"resolve", "5", "--set", "ship_to.city=X"}).code == 1);  // processed: refused
}

TEST_CASE("e2e: tracking for an unknown PO or SKU is kept and shown") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 1));
  REQUIRE(in.once().code == 0);
  const std::string po = po_of(in.order("1"), "acme");
  in.drop_tracking(
      "acme", "t.csv",
      fmt::format("PO Number,SKU,Qty "
                  "Shipped,Carrier,Tracking\nPO999999,ACME-1,1,UPS,1ZA\n{},ACME-9,1,UPS,1ZB\n",
                  po));
  auto r = in.once();
  CHECK(r.code == 1);
  auto st = json::parse(in.ctl({"sync", "status", "--json"}).out);
  REQUIRE(st["unmatched_tracking"].size() == 2);
  CHECK(st["unmatched_tracking"][0]["reason"] == fmt::format("SKU ACME-9 is not on PO {}", po));
  CHECK(st["unmatched_tracking"][1]["reason"] == "unknown PO PO999999");
  CHECK(st["unmatched_tracking"][1]["file"] == "t.csv line 2");
  CHECK(in.order("1")["status"] == "processed");
  CHECK(st["last"]["tracking"]["failed"] == 2);
}

TEST_CASE("e2e: cancel before processing - and after - a cancellation goes to the supplier") {
  Install in;
  in.drop_orders("shop", "a.csv",
                 std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 1) +
                     shopify_row("#2", "ACME-2", 2) + shopify_row("#2", "GX-2", 1));
  REQUIRE(in.once().code == 0);
  auto r = in.ctl({"cancel", "1", "--reason", "customer changed their mind"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(in.order("1")["status"] == "canceled");
  CHECK(in.ctl({"cancel", "1"}).code == 1);
  REQUIRE(in.ctl({"process", "--all-ready"}).code == 0);
  CHECK(in.files("out/supplier/acme").size() == 1);  // #1 was never sent
  r = in.ctl({"cancel", "2", "--reason", "out of stock"});
  CHECK_MESSAGE(r.code == 0, r.err);
  auto o = in.order("2");
  CHECK(o["status"] == "canceled");
  for (const auto& p : o["pos"]) CHECK(p["status"] == "canceled");
  const auto po = po_of(o, "acme");
  bool found = false;
  for (const auto& f : in.files("out/supplier/acme"))
    if (f.filename().string().starts_with("CANCEL-")) {
      found = true;
      const auto text = slurp(f);
      CHECK(text.starts_with("Action,PO Number,"));
      CHECK(text.find("CANCEL," + po + ",") != std::string::npos);
    }
  CHECK(found);
  found = false;
  for (const auto& f : in.files("out/supplier/globex"))
    found |= f.filename().string().starts_with("CANCEL-") &&
             slurp(f).find("action=\"cancel\"") != std::string::npos;
  CHECK(found);
}

TEST_CASE("e2e: a shipped order cannot be canceled") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  REQUIRE(in.once().code == 0);
  in.drop_tracking("acme", "t.csv",
                   fmt::format("PO Number,SKU,Qty Shipped,Carrier,Tracking\n{},ACME-1,1,UPS,1Z\n",
                               po_of(in.order("1"), "acme")));
  REQUIRE(in.once().code == 0);
  auto r = in.ctl({"cancel", "1"});
  CHECK(r.code == 1);
  CHECK(r.err.find("every PO has shipped") != std::string::npos);
  CHECK(r.err.find("nothing is left to cancel") != std::string::npos);
}

TEST_CASE("e2e: cancel of an order with one shipped PO cancels the others and keeps it") {
  Install in("auto");
  in.drop_orders(
      "shop", "a.csv",
      std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2) + shopify_row("#1", "GX-1", 1));
  REQUIRE(in.once().code == 0);
  in.drop_tracking("acme", "t.csv",
                   fmt::format("PO Number,SKU,Qty Shipped,Carrier,Tracking\n{},ACME-1,1,UPS,1Z\n",
                               po_of(in.order("1"), "acme")));
  REQUIRE(in.once().code == 0);
  auto r = in.ctl({"cancel", "1", "--reason", "the skates are late"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("1 cancellation document queued") != std::string::npos);
  CHECK(r.out.find("PO " + po_of(in.order("1"), "acme") + " shipped and stays") !=
        std::string::npos);
  auto o = in.order("1");
  for (const auto& p : o["pos"])
    CHECK(p["status"] == (p["supplier"] == "acme" ? "partially_shipped" : "canceled"));
  CHECK(o["status"] == "partially_shipped");  // it follows the PO that stays
  // globex got the cancellation; acme did not.
  bool globex_cancel = false;
  for (const auto& f : in.files("out/supplier/globex"))
    if (f.filename().string().starts_with("CANCEL-")) globex_cancel = true;
  CHECK(globex_cancel);
  for (const auto& f : in.files("out/supplier/acme"))
    CHECK(!f.filename().string().starts_with("CANCEL-"));
}

TEST_CASE(
    "e2e: failed delivery is retried - then failed with the reason - then retried by the "
    "operator") {
  Install in("auto blocked");
  // The destination's parent is a file: every delivery fails until it is removed.
  spit(in.path("blocked"), "not a folder");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 1));
  // One attempt per cycle, even with backoff: 0 ...
  auto r = in.once();
  CHECK(r.code == 1);
  CHECK(r.err.find("(attempt 1 of 2, folder") != std::string::npos);
  CHECK(r.err.find("(will retry)") != std::string::npos);
  CHECK(r.err.find("(gave up)") == std::string::npos);
  CHECK(in.order("1")["status"] == "processed");
  // ... and the next cycle's is the last.
  r = in.once();
  CHECK(r.code == 1);
  CHECK(r.err.find("(attempt 2 of 2, folder") != std::string::npos);
  CHECK(r.err.find("(gave up)") != std::string::npos);
  auto o = in.order("1");
  CHECK(o["status"] == "failed");
  REQUIRE(o["messages"].size() == 1);
  const std::string msg = o["messages"][0];
  CHECK(msg.find("cannot create folder") != std::string::npos);
  CHECK(msg.find("attempt 2 of 2") != std::string::npos);
  CHECK(o["documents"][0]["attempts"] == 2);
  std::filesystem::remove(in.path("blocked"));
  r = in.ctl({"retry", "1"});
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.order("1")["status"] == "processed");
  CHECK(in.files("blocked/acme").size() == 1);
  CHECK(in.ctl({"retry", "1"}).code == 1);  // nothing left to retry
}

TEST_CASE("e2e: Amazon orders get an Amazon ship confirmation with order-item-id") {
  Install in("auto");
  in.drop_orders("amz", "report.txt",
                 "order-id\torder-item-id\tsku\tquantity-purchased\trecipient-name\tship-address-"
                 "1\tship-city\t"
                 "ship-postal-code\tship-country\tship-phone-number\n"
                 "111-1\t555\tGX-9\t2\tAl\t1 Road\tX\t1\tUS\t5\n");
  REQUIRE(in.once().code == 0);
  CHECK(in.order("111-1")["status"] == "ready");  // auto_process is the shop channel's
  REQUIRE(in.ctl({"process", "amz:111-1"}).code == 0);
  in.drop_tracking("globex", "t.csv",
                   fmt::format("PO Number,SKU,Quantity,Carrier,Tracking Number,Ship "
                               "Date\n{},GX-9,2,ups,1ZX,2026-11-25\n",
                               po_of(in.order("111-1"), "globex")));
  REQUIRE(in.once().code == 0);
  auto files = in.files("out/channel/amz");
  REQUIRE(files.size() == 1);
  CHECK(slurp(files[0]).find("111-1\t555\t2\t2026-11-25\tUPS\t\t1ZX\t") != std::string::npos);
  CHECK(in.order("111-1")["status"] == "completed");
}

TEST_CASE("e2e: --check-config") {
  Install in;
  auto r = run({bin("orderd"), "-c", in.config, "--check-config"});
  CHECK(r.code == 0);
  spit(in.config,
       slurp(in.config) + "  bogus:\n    skus: [X]\n    transprot: {type: dir, path: x}\n");
  r = run({bin("orderd"), "-c", in.config, "--check-config"});
  CHECK(r.code == 1);
  CHECK(r.err.find("suppliers.bogus.transprot: unknown key; did you mean 'transport'?") !=
        std::string::npos);
}

namespace {

std::string asn_856(const std::string& po, const std::string& sku, int qty,
                    const std::string& se_count = "12") {
  return "ISA*00*          *00*          *ZZ*INITECH        *ZZ*MYSHOP         "
         "*261126*1200*U*00401*000000101*0*P*>~\n"
         "GS*SH*INITECH*MYSHOP*20261126*1200*101*X*004010~\n"
         "ST*856*0001~\n"
         "BSN*00*SHIP1*20261126*1200~\n"
         "HL*1**S~\n"
         "TD5**2*FDEG~\n"
         "REF*CN*7946123456~\n"
         "DTM*011*20261125~\n"
         "HL*2*1*O~\n"
         "PRF*" +
         po +
         "~\n"
         "HL*3*2*I~\n"
         "LIN**VP*" +
         sku +
         "~\n"
         "SN1**" +
         std::to_string(qty) +
         "*EA~\n"
         "SE*" +
         se_count +
         "*0001~\n"
         "GE*1*101~\n"
         "IEA*1*000000101~\n";
}

}  // namespace

TEST_CASE("e2e: an X12 856 from a supplier ships the order") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#9", "IN-100", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = po_of(in.order("9"), "initech");
  in.drop_tracking("initech", "asn.edi", asn_856(po, "IN-100", 2));
  auto r = in.once();
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  auto o = in.order("9");
  CHECK(o["status"] == "completed");
  REQUIRE(o["lines"][0]["tracking"].size() == 1);
  CHECK(o["lines"][0]["tracking"][0]["number"] == "7946123456");
  CHECK(o["lines"][0]["tracking"][0]["carrier"] == "FDEG");
  CHECK(slurp(in.files("out/channel/shop").at(0)).find("#9,IN-100,2,FedEx,7946123456,2026-11-25") !=
        std::string::npos);
}

TEST_CASE("e2e: a damaged X12 file is quarantined with the segment at fault") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#9", "IN-100", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = po_of(in.order("9"), "initech");
  in.drop_tracking("initech", "bad.edi", asn_856(po, "IN-100", 2, "15"));
  CHECK(in.once().code == 1);
  const std::string why = slurp(in.path("spool/quarantine/tracking/initech/bad.edi.error"));
  CHECK(
      why.starts_with("bad.edi: interchange 1 (ISA13 000000101), group 1 (GS06 101), set 1 (ST02 "
                      "0001), segment 12 SE "
                      "(line 14), element SE01: says 15 segments, the set has 12 (ST to SE)"));
  CHECK(in.order("9")["status"] == "processed");
}

TEST_CASE("e2e: a damaged X12 file is quarantined even when its rejection cannot be written") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#9", "IN-100", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = po_of(in.order("9"), "initech");
  in.drop_tracking("initech", "bad.edi", asn_856(po, "IN-100", 2, "15"));
  auto r = in.once({"ORDERD_CRASHPOINT=intake.rejected:throw"});
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("bad.edi: no rejection sent back for it: internal error: injected "
                           "defect at intake.rejected") != std::string::npos,
                r.err);
  CHECK(std::filesystem::exists(in.path("spool/quarantine/tracking/initech/bad.edi.error")));
  CHECK(in.files("spool/inbound/tracking/initech").empty());
  // Without the fault, the next damaged file gets its 997 as before.
  in.drop_tracking("initech", "bad2.edi", asn_856(po, "IN-100", 2, "15"));
  r = in.once();
  CHECK_MESSAGE(r.err.find("the set has 12 (ST to SE) (`orderctl x12 check FILE` lists every "
                           "problem) -> quarantined") != std::string::npos,
                r.err);
  CHECK_MESSAGE(
      r.out.find("bad2.edi: a 997 rejecting it is queued for initech") != std::string::npos,
      (r.out + r.err));
}
