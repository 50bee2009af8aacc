// The buyer's shipping method and its counterpart at each supplier
// (suppliers.<id>.shipping), end to end with CSV, XML and X12 suppliers.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "e2e_fixture.h"

using namespace orderd::test;

namespace {

const char* kConfig = R"(state_dir: ./state
spool_dir: ./spool
channels:
  shop: {format: shopify-csv}
suppliers:
  acme:
    skus: ["ACME-*"]
    shipping:
      map:
        "Standard Shipping": {carrier: UPS, service: GROUND, scac: UPSN}
    po:
      columns:
        - {header: PO, field: po.number}
        - {header: SKU, field: line.sku}
        - {header: Method, field: shipping.method}
        - {header: Carrier, field: shipping.carrier}
        - {header: Service, field: shipping.service}
        - {header: SCAC, field: shipping.scac}
    transport: {type: dir, path: ./out/acme}
  globex:
    skus: ["GX-*"]
    po: {format: xml, batch: order, columns: [{header: PO, field: po.number}, {header: Carrier, field: shipping.carrier}, {header: Service, field: shipping.service}]}
    shipping:
      map: {"2 Day": {carrier: FedEx, service: 2DAY}}
      default: {carrier: USPS, service: GROUND_ADVANTAGE}
    transport: {type: dir, path: ./out/globex}
  initech:
    skus: ["IN-*"]
    po:
      format: x12-850
      x12: {sender_id: MYSHOP, receiver_id: INITECH}
    shipping:
      map:
        "2 Day": {carrier: FedEx, service: 2DAY, scac: FDEG}
    transport: {type: dir, path: ./out/initech}
)";

std::string row(const std::string& order, const std::string& sku, const std::string& method) {
  return fmt::format("{},b@example.com,1,{},Ada,12 Way,Boston,02134,US,617-555-0101,{}\r\n", order,
                     sku, method);
}

const char* kHeader =
    "Name,Email,Lineitem quantity,Lineitem sku,Shipping Name,Shipping Address1,Shipping "
    "City,Shipping Zip,Shipping Country,Shipping Phone,Shipping Method\r\n";

std::string all_of(const Install& in, const std::string& folder) {
  std::string out;
  for (const auto& f : in.files(folder)) out += slurp(f);
  return out;
}

}  // namespace

TEST_CASE(
    "shipping: each supplier gets its counterpart of the buyer's method, or the order waits") {
  Install in;
  spit(in.config, kConfig);
  in.drop_orders("shop", "e.csv",
                 std::string(kHeader) + row("#1", "ACME-1", "  standard   SHIPPING ") +
                     row("#2", "ACME-2", "Overnight") + row("#3", "GX-3", "Overnight") +
                     row("#4", "IN-4", "2 Day") + row("#5", "IN-5", "Overnight"));
  REQUIRE(in.once().code == 0);
  // Matched without case and with spaces trimmed; a default covers the rest.
  CHECK(in.order("1")["status"] == "ready");
  CHECK(in.order("3")["status"] == "ready");
  CHECK(in.order("4")["status"] == "ready");
  // Unmapped, no default: the operator is told the method, the supplier and the key.
  auto two = in.order("2");
  CHECK(two["status"] == "needs_resolve");
  CHECK(two["messages"][0] ==
        "shipping method 'Overnight' has no counterpart at supplier acme: add it under "
        "suppliers.acme.shipping.map (or a default) and run `orderctl resolve #2`, or set another "
        "with `orderctl resolve #2 --set shipping.method=...`");
  CHECK(in.order("5")["status"] == "needs_resolve");

  // One way out: another method.
  auto r = in.ctl({"resolve", "2", "--set", "shipping.method=Standard Shipping"});
  CHECK_MESSAGE(r.code == 0, r.err);
  // The other: the mapping is added, then the order verified again.
  std::string cfg = kConfig;
  cfg.replace(cfg.find("        \"2 Day\": {carrier: FedEx, service: 2DAY, scac: FDEG}"), 0,
              "        \"Overnight\": {carrier: FedEx, service: PRIORITY_OVERNIGHT, scac: FDE}\n");
  spit(in.config, cfg);
  r = in.ctl({"resolve", "5"});
  CHECK_MESSAGE(r.code == 0, r.err);
  REQUIRE(in.ctl({"process", "--all-ready"}).code == 0);

  const std::string acme = all_of(in, "out/acme");
  CHECK_MESSAGE(acme.find(",ACME-1,standard   SHIPPING,UPS,GROUND,UPSN") != std::string::npos,
                acme);
  CHECK(acme.find(",ACME-2,Standard Shipping,UPS,GROUND,UPSN") != std::string::npos);
  const std::string globex = all_of(in, "out/globex");
  CHECK(globex.find("<Carrier>USPS</Carrier>") != std::string::npos);
  CHECK(globex.find("<Service>GROUND_ADVANTAGE</Service>") != std::string::npos);
  const std::string initech = all_of(in, "out/initech");
  CHECK_MESSAGE(initech.find("TD5**2*FDEG**FedEx 2DAY~") != std::string::npos, initech);
  CHECK(initech.find("TD5**2*FDE**FedEx PRIORITY_OVERNIGHT~") != std::string::npos);
}

TEST_CASE("shipping: a mapping that cannot be used is refused when the config is loaded") {
  Install in;
  std::string cfg = kConfig;
  cfg.replace(cfg.find("{carrier: UPS, service: GROUND, scac: UPSN}"), 43,
              "{carrier: UPS, scac: UPSNXX}\n        \"standard shipping\": {service: X}");
  spit(in.config, cfg);
  auto r = run({bin("orderd"), "-c", in.config, "--check-config"});
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("suppliers.acme.shipping.map.\"Standard Shipping\".scac: 'UPSNXX' is "
                           "not a SCAC") != std::string::npos,
                r.err);
  CHECK(r.err.find("the same method (without case and spaces) is mapped twice") !=
        std::string::npos);
}
