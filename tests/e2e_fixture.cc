#include "e2e_fixture.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace orderd::test {

const char* kShopifyHeader =
    "Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,"
    "Lineitem requires shipping,Billing Name,Shipping Name,Shipping Address1,Shipping City,"
    "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone\r\n";

std::string shopify_row(const std::string& order, const std::string& sku, int qty,
                        const std::string& name, const std::string& phone,
                        const std::string& address) {
  return fmt::format(
      "{},buyer@example.com,2026-11-20,{},Item "
      "{},9.99,{},true,{},{},\"{}\",Boston,02134,MA,US,{}\r\n",
      order, qty, sku, sku, name, name, address, phone);
}

Install::Install(const std::string& options) {
  config = (dir / "orderd.yaml").string();
  spit(config, fmt::format(R"(state_dir: ./state
spool_dir: ./spool
channels:
  shop:
    format: shopify-csv
    {0}
    tracking_push:
      transport: {{type: dir, path: ./out/channel/shop}}
  amz:
    format: amazon-tsv
    tracking_push:
      transport: {{type: dir, path: ./out/channel/amz}}
suppliers:
  acme:
    name: ACME Wholesale
    skus: ["ACME-*", "AC-1???"]
    require: [ship_to.phone]
    po:
      format: csv
      batch: run
    transport: {{type: dir, path: {1}, attempts: 2, backoff: 0}}
    tracking:
      columns: {{po_number: "PO Number", sku: "SKU", quantity: "Qty Shipped", carrier: "Carrier", tracking_number: "Tracking"}}
  globex:
    skus: ["GX-*"]
    po: {{format: xml, batch: order}}
    transport: {{type: dir, path: ./out/supplier/globex}}
  initech:
    skus: ["IN-*"]
    po:
      format: x12-850
      x12: {{sender_id: MYSHOP, receiver_id: INITECH, send_ack: "997", td5: {{Standard: UPSN}}, n1_loops: [ST, BT]}}
    transport: {{type: dir, path: ./out/supplier/initech}}
    tracking: {{format: x12}}
)",
                           options.find("auto") != std::string::npos ? "auto_process: true"
                                                                     : "auto_process: false",
                           options.find("blocked") != std::string::npos ? "./blocked/acme"
                                                                        : "./out/supplier/acme"));
}

RunResult Install::ctl(std::vector<std::string> args, std::vector<std::string> env) const {
  args.insert(args.begin(), {bin("orderctl"), "-c", config});
  return run(args, env);
}

RunResult Install::once(std::vector<std::string> env) const {
  return run({bin("orderd"), "-c", config, "--once"}, env);
}

void Install::drop_orders(const std::string& channel, const std::string& name,
                          const std::string& data) const {
  spit(dir / "spool/inbound/orders" / channel / name, data);
}

void Install::drop_tracking(const std::string& supplier, const std::string& name,
                            const std::string& data) const {
  spit(dir / "spool/inbound/tracking" / supplier / name, data);
}

nlohmann::json Install::orders() const {
  auto r = ctl({"orders", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

nlohmann::json Install::order(const std::string& id) const {
  auto r = ctl({"show", id, "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

// A configuration with one channel (auto-processed) and supplier acme,
// whose transport and tracking.pull blocks are given as YAML flow maps.
std::string remote_supplier_config(const std::string& transport, const std::string& pull,
                                   const std::string& tracking_format,
                                   const std::string& po_format) {
  const std::string po =
      po_format == "x12-850"
          ? "{format: x12-850, x12: {sender_id: MYSHOP, receiver_id: ACME, send_ack: \"997\"}}"
          : "{format: " + po_format + "}";
  return fmt::format(R"(state_dir: ./state
spool_dir: ./spool
channels:
  shop:
    format: shopify-csv
    auto_process: true
    tracking_push:
      transport: {{type: dir, path: ./out/channel/shop}}
suppliers:
  acme:
    skus: ["ACME-*"]
    po: {}
    transport: {}
    tracking:
      format: {}
      columns: {{po_number: "PO Number", sku: "SKU", quantity: "Qty Shipped", carrier: "Carrier", tracking_number: "Tracking"}}
{}
)",
                     po, transport, tracking_format, pull.empty() ? "" : "      pull: " + pull);
}

std::string acme_tracking_csv(const std::string& po) {
  return "PO Number,SKU,Qty Shipped,Carrier,Tracking\r\n" + po +
         ",ACME-1,2,UPS,1Z999AA10123456784\r\n";
}

}  // namespace orderd::test
