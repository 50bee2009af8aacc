#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "channels/formats.h"
#include "test_util.h"
#include "util/json_out.h"
#include "util/text.h"

using namespace orderd;

namespace {

std::string shopify_header() {
  return "Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,"
         "Lineitem requires shipping,Lineitem fulfillment status,Billing Name,Shipping Name,"
         "Shipping Address1,Shipping City,Shipping Zip,Shipping Country,Shipping Phone\r\n";
}

}  // namespace

TEST_CASE("shopify-csv: the conformance export - Shopify 2025 layout") {
  auto dir = test::conformance_dir();
  if (!dir) {
    MESSAGE("../shared/conformance is absent; skipped");
    return;
  }
  auto batch = read_shopify_csv(test::slurp(*dir / "channels/shopify/forezia__orders_export.csv"));
  REQUIRE_MESSAGE(batch.has_value(), (batch ? "" : batch.error().message()));
  // 19 orders on 40 rows; every line is fulfilled already or needs no shipping
  // (gift cards) except #1019's three items.
  REQUIRE(batch->orders.size() == 1);
  const Order& o = batch->orders[0];
  CHECK(o.ext_id == "#1019");
  CHECK(o.at(OrderField::kCurrency) == "EUR");
  CHECK(o.at(OrderField::kTotal) == "1659.95");
  CHECK(o.at(OrderField::kCreatedAt) == "2025-05-17 11:46:48 -0400");
  REQUIRE(o.lines.size() == 3);
  CHECK(o.lines[0].name == "Selling Plans Ski Wax - Selling Plans Ski Wax");
  CHECK(o.lines[0].price == "24.95");
  CHECK(o.lines[1].name == "The Collection Snowboard: Hydrogen");
  CHECK(o.lines[2].name == "The Collection Snowboard: Oxygen");
  CHECK(o.lines[2].quantity == 1);
  CHECK(o.lines[2].seq == 3);
  // Notes say what was skipped and why: 18 orders not imported, gift cards skipped.
  int gift = 0, fulfilled = 0, dropped = 0;
  for (const auto& n : batch->notes) {
    gift += n.find("needs no shipping") != std::string::npos;
    fulfilled += n.find("already fulfilled") != std::string::npos;
    dropped += n.find("has no line to ship") != std::string::npos;
  }
  CHECK(dropped == 18);
  CHECK(gift == 17);
  CHECK(fulfilled == 20);
}

TEST_CASE("shopify-csv: multi-line orders - order fields from the first row - spreadsheet damage") {
  std::string csv =
      shopify_header() +
      "#1001,a@example.com,2026-01-01,2,Anvil,9.50,ACME-1,true,pending,Ada L,Ada Lovelace,"
      "\"12 Way, Apt \"\"B\"\"\",Boston,'02134,US,=\"0617555\"\r\n"
      "#1002,b@example.com,2026-01-02,1,Card,10,GIFT,false,pending,Bob,Bob,1 St,X,1,US,\r\n"
      "#1002,,,1,Hat,5,GX-1,true,pending,,,,,,,\r\n"
      "#1001,,,1,\"Multi\nline name\",1,GX-2,true,fulfilled,,,,,,,\r\n"
      "#1001,,,3,Skates,50,GX-3,true,,,,,,,,\r\n";
  auto b = read_shopify_csv(csv);
  REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().message()));
  REQUIRE(b->orders.size() == 2);
  const Order& o = b->orders[0];
  CHECK(o.ext_id == "#1001");
  CHECK(o.at(OrderField::kShipAddress1) == "12 Way, Apt \"B\"");
  CHECK(o.at(OrderField::kShipZip) == "02134");
  CHECK(o.at(OrderField::kShipPhone) == "0617555");
  CHECK(o.at(OrderField::kCustomerName) == "Ada L");
  REQUIRE(o.lines.size() == 2);  // the fulfilled line is skipped
  CHECK(o.lines[0].sku == "ACME-1");
  CHECK(o.lines[0].quantity == 2);
  CHECK(o.lines[1].sku == "GX-3");
  CHECK(o.lines[1].quantity == 3);
  REQUIRE(b->orders[1].lines.size() == 1);
  CHECK(b->orders[1].lines[0].sku == "GX-1");
  CHECK(b->orders[1].at(OrderField::kCustomerEmail) == "b@example.com");
}

TEST_CASE("shopify-csv: columns are found by name - in any order and case") {
  std::string csv =
      "lineitem SKU,Shipping Zip, name ,LINEITEM QUANTITY\n"
      "ACME-1,02134,#7,4\n";
  auto b = read_shopify_csv(csv);
  REQUIRE(b.has_value());
  REQUIRE(b->orders.size() == 1);
  CHECK(b->orders[0].ext_id == "#7");
  CHECK(b->orders[0].lines[0].quantity == 4);
  CHECK(b->orders[0].at(OrderField::kShipZip) == "02134");
}

TEST_CASE("shopify-csv: damaged files are rejected with their place") {
  struct Case {
    const char* name;
    std::string csv;
    std::string want;
  } cases[] = {
      {"missing column", "Name,Lineitem quantity\n#1,1\n",
       "line 1: required column 'Lineitem sku' is missing from the header; is this the right "
       "export format?"},
      {"bad quantity", shopify_header() + "#1,,,two,Anvil,1,A-1,true,,,,,,,,\r\n",
       "line 2, column 'Lineitem quantity': 'two' is not a whole number"},
      {"short row", shopify_header() + "#1,,,1,Anvil\r\n",
       "line 2: 5 fields where the header has 16; the row is cut short or holds an unquoted comma"},
      {"truncated quote", shopify_header() + "#1,,,1,\"Anvil,1,A-1,true,,,,,,,,\r\n",
       "line 2, column 8: quoted field is never closed (a '\"' is missing); the file may be "
       "truncated"},
      {"empty order name", shopify_header() + ",,,1,Anvil,1,A-1,true,,,,,,,,\r\n",
       "line 2, column 'Name': the order name is empty"},
      {"empty file", "", "the file is empty (no header line)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto b = read_shopify_csv(c.csv);
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().message() == c.want);
  }
}

TEST_CASE("row readers: every row is checked before the first order reaches the sink") {
  const std::string good = shopify_header() +
                           "#1,a@x,2026-01-01,1,A,1,ACME-1,true,,A,A,1 St,X,1,US,\r\n" +
                           "#2,b@x,2026-01-01,1,B,1,ACME-2,true,,B,B,2 St,X,2,US,\r\n" +
                           "#1,,,2,C,1,ACME-3,true,,,,,,,,\r\n";
  struct Case {
    std::string what;
    ReadOrders read;
    std::string data;
    std::size_t handed;  // orders the sink saw
    std::string error;   // "" when the read succeeds
  } cases[] = {
      {"shopify, rows of #1 apart", read_shopify_csv, good, 2, ""},
      {"shopify, the last row bad", read_shopify_csv, good + "#3,,,x,D,1,ACME-4,true,,,,,,,,\r\n",
       0, "line 5, column 'Lineitem quantity': 'x' is not a whole number"},
      {"amazon, the last row bad", read_amazon_tsv,
       "order-id\tsku\tquantity-purchased\n1\tA\t1\n2\tB\t1\n3\tC\t\n", 0,
       "line 4, column 'quantity-purchased': '' is not a whole number"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    std::vector<std::string> seen;
    auto r = c.read(c.data, [&](Order& o) -> Status {
      std::string skus;
      for (const auto& l : o.lines) skus += l.sku + " ";
      seen.push_back(o.ext_id + ": " + skus);
      return {};
    });
    CHECK(seen.size() == c.handed);
    if (c.error.empty()) {
      REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message()));
      CHECK(r->orders == c.handed);
      REQUIRE(seen.size() == 2);
      CHECK(seen[0] == "#1: ACME-1 ACME-3 ");
      CHECK(seen[1] == "#2: ACME-2 ");
    } else {
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().message() == c.error);
    }
  }
  // The sink's error stops the reading there and is the reader's.
  int calls = 0;
  auto stopped = read_shopify_csv(good, [&](Order&) -> Status {
    ++calls;
    return fail(ErrorKind::kInvalid, "no more");
  });
  REQUIRE_FALSE(stopped.has_value());
  CHECK(stopped.error().message() == "no more");
  CHECK(calls == 1);
}

TEST_CASE("amazon-tsv: the conformance order report") {
  auto dir = test::conformance_dir();
  if (!dir) {
    MESSAGE("../shared/conformance is absent; skipped");
    return;
  }
  auto b =
      read_amazon_tsv(test::slurp(*dir / "channels/amazon/simpleinventory__new_orders_report.txt"));
  REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().message()));
  REQUIRE(b->orders.size() == 4);  // 4 orders on 6 rows
  const Order& o = b->orders[1];
  CHECK(o.ext_id == "234-5678901-2345678");
  CHECK(o.at(OrderField::kShipName) == "Bob Jones");
  CHECK(o.at(OrderField::kShipAddress1) == "456 Elm St");
  CHECK(o.at(OrderField::kShipAddress2) == "");
  CHECK(o.at(OrderField::kShipCity) == "Somewhere");
  CHECK(o.at(OrderField::kShipProvince) == "AK");
  CHECK(o.at(OrderField::kShipZip) == "11111-2222");
  CHECK(o.at(OrderField::kShipCountry) == "US");
  CHECK(o.at(OrderField::kShipPhone) == "555-123-4567");
  CHECK(o.at(OrderField::kCustomerEmail) == "example2@example.net");
  CHECK(o.at(OrderField::kShippingMethod) == "Standard");
  REQUIRE(o.lines.size() == 2);
  CHECK(o.lines[0].channel_line_id == "22222222222222");
  CHECK(o.lines[1].channel_line_id == "33333333333333");
  CHECK(o.lines[1].sku == "2");
  CHECK(o.lines[1].quantity == 2);
  CHECK(b->orders[2].at(OrderField::kShippingMethod) == "Expedited");
  CHECK(b->orders[3].lines.size() == 2);
}

TEST_CASE("amazon-tsv: newer unshipped-orders layout prefers quantity-to-ship") {
  std::string tsv =
      "order-id\torder-item-id\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-"
      "ship\trecipient-name\tship-address-1\n"
      "111-1\t9\tGX-1\t3\t1\t2\tAl\t1 Road\n";
  auto b = read_amazon_tsv(tsv);
  REQUIRE(b.has_value());
  CHECK(b->orders[0].lines[0].quantity == 2);
  auto bad = read_amazon_tsv("order-id\tsku\n1\tA\n");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message().starts_with("line 1: required column 'quantity-purchased'"));
}

TEST_CASE("orders-json: canonical orders and their errors") {
  auto b = read_orders_json(R"({"orders": [
    {"id": "W-1", "customer": {"name": "Ada", "email": "a@x"}, "ship_to": {"name": "Ada", "zip": "'02134"},
     "shipping": {"method": "Ground"},
     "lines": [{"id": "L1", "sku": "GX-1", "quantity": 2, "price": "5.00"},
               {"sku": "GIFT", "quantity": 1, "requires_shipping": false}]}]})");
  REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().message()));
  REQUIRE(b->orders.size() == 1);
  CHECK(b->orders[0].at(OrderField::kShipZip) == "02134");
  CHECK(b->orders[0].at(OrderField::kShippingMethod) == "Ground");
  REQUIRE(b->orders[0].lines.size() == 1);
  CHECK(b->orders[0].lines[0].channel_line_id == "L1");
  CHECK(b->orders[0].lines[0].quantity == 2);

  auto syntax = read_orders_json("{\"orders\": [\n  {\"id\": 1,,}]}");
  REQUIRE_FALSE(syntax.has_value());
  CHECK(syntax.error().message().starts_with("line 2, column 12: not valid JSON"));
  auto qty = read_orders_json(R"([{"id": "1", "lines": [{"sku": "A", "quantity": "x"}]}])");
  REQUIRE_FALSE(qty.has_value());
  CHECK(qty.error().message() == "orders[0].lines[0].quantity: 'x' is not a whole number");
}

TEST_CASE("orders-json: orders reach the sink as the parser completes them, the root's forms") {
  const std::string order = R"({"id": "W-1", "lines": [{"sku": "GX-1", "quantity": 1}]})";
  // Taken one at a time: two orders reach the sink before the damage after
  // them is found (a whole-document parse would hand over none).
  std::vector<std::string> seen;
  auto damaged = orderd::read_orders_json(
      "[" + order + ",\n" + order + ",\n{\"id\": ", [&](Order& o) -> Status {
        seen.push_back(o.ext_id);
        return {};
      });
  REQUIRE_FALSE(damaged.has_value());
  CHECK_MESSAGE(damaged.error().message().starts_with("line 3, column 8: not valid JSON"),
                damaged.error().message());
  CHECK(seen == std::vector<std::string>{"W-1", "W-1"});
  // Only the "orders" member holds orders; other members are left alone.
  auto other = read_orders_json(R"({"x": [)" + order + R"(], "orders": [)" + order + "]}");
  REQUIRE_MESSAGE(other.has_value(), (other ? "" : other.error().message()));
  CHECK(other->orders.size() == 1);
  const std::string form = "expected {\"orders\": [...]} or an array of orders";
  for (const std::string doc : {R"({"orders": 5})", R"({"x": [1]})", "5", R"("orders")"}) {
    CAPTURE(doc);
    auto bad = read_orders_json(doc);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message() == form);
  }
  auto twice = read_orders_json(R"({"orders": [], "orders": []})");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().message() == "\"orders\" is given twice; keep one");
  for (const std::string& doc : {"[" + order + ", 7]", "[" + order + ", [1]]"}) {
    CAPTURE(doc);
    auto bad = read_orders_json(doc);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message() == "orders[1]: expected an object");
  }
  // Refused at the first event of the wrong kind: the damage after it is
  // never reached (nothing of it was built).
  auto not_array = read_orders_json(R"({"orders": {"a": [1, 2, )");
  REQUIRE_FALSE(not_array.has_value());
  CHECK(not_array.error().message() == form);
  auto nested = read_orders_json("[" + order + ", [1, 2, ");
  REQUIRE_FALSE(nested.has_value());
  CHECK(nested.error().message() == "orders[1]: expected an object");
  auto empty = read_orders_json(R"({"orders": []})");
  REQUIRE(empty.has_value());
  CHECK(empty->orders.empty());
}

TEST_CASE("orders-json: a yes/no field of another type is named, not thrown") {
  // nlohmann's value() throws on a type mismatch; the fuzzer found it.
  struct Case {
    std::string doc;
    std::string error;
  } cases[] = {
      {R"([{"id": "1", "canceled": "yes", "lines": [{"sku": "A", "quantity": 1}]}])",
       "orders[0].canceled: expected true or false, not \"yes\""},
      {R"([{"id": "1", "canceled": 1, "lines": [{"sku": "A", "quantity": 1}]}])",
       "orders[0].canceled: expected true or false, not 1"},
      {R"([{"id": "1", "lines": [{"sku": "A", "quantity": 1, "requires_shipping": "no"}]}])",
       "orders[0].lines[0].requires_shipping: expected true or false, not \"no\""},
      {R"([{"id": "1", "lines": [{"sku": "A", "quantity": 1, "requires_shipping": [true]}]}])",
       "orders[0].lines[0].requires_shipping: expected true or false, not [true]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.doc);
    Result<OrderBatch> b = fail(ErrorKind::kInvalid, "not run");
    CHECK_NOTHROW(b = read_orders_json(c.doc));
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().message() == c.error);
  }
  Result<OrderBatch> huge = fail(ErrorKind::kInvalid, "not run");
  CHECK_NOTHROW(huge = read_orders_json(R"([{"id": 1e999, "lines": []}])"));
  REQUIRE_FALSE(huge.has_value());
  CHECK(huge.error().message().starts_with("not valid JSON (number overflow"));
  auto null_is_default =
      read_orders_json(R"([{"id": "1", "canceled": null, "lines": [{"sku": "A", "quantity": 1,
                            "requires_shipping": null}]}])");
  REQUIRE_MESSAGE(null_is_default.has_value(),
                  (null_is_default ? "" : null_is_default.error().message()));
  CHECK_FALSE(null_is_default->orders[0].canceled_in_channel);
  CHECK(null_is_default->orders[0].lines.size() == 1);
}

TEST_CASE("tracking writers") {
  PushLine l{"#1001", "22222222222222", "ACME-1", 2, "UPS", "1Z999", "2026-11-26"};
  PushLine other{"#1001", "33", "GX-1", 1, "Speedy Freight", "SF1", "2026-11-26"};
  std::vector<PushLine> lines = {l, other};
  CHECK(write_shopify_fulfillment_csv(lines) ==
        "Name,Lineitem sku,Lineitem quantity,Tracking Company,Tracking Number,Fulfilled at\r\n"
        "#1001,ACME-1,2,UPS,1Z999,2026-11-26\r\n"
        "#1001,GX-1,1,Speedy Freight,SF1,2026-11-26\r\n");
  CHECK(write_amazon_ship_confirm(lines) ==
        "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\tcarrier-name\ttracking-"
        "number\tship-method\r\n"
        "#1001\t22222222222222\t2\t2026-11-26\tUPS\t\t1Z999\t\r\n"
        "#1001\t33\t1\t2026-11-26\tOther\tSpeedy Freight\tSF1\t\r\n");
}

TEST_CASE("tracking-json: written one line at a time, the same text as the whole document dumped") {
  // Text needing escapes, non-ASCII, bytes that are not UTF-8 (U+FFFD out).
  const PushLine l{"#1001 \"quoted\"\n", "L/1", "SKU-\xc3\xa9", 2, "UPS", "1Z\xff", "2026-11-26"};
  const PushLine other{"#1002", "", "GX-1", 1, "Speedy Freight", "SF1", "2026-11-27"};
  for (const std::vector<PushLine>& lines :
       {std::vector<PushLine>{}, std::vector<PushLine>{l}, std::vector<PushLine>{l, other}}) {
    CAPTURE(lines.size());
    const std::string text = write_tracking_json(lines);
    const auto parsed = nlohmann::json::parse(text);
    CHECK(text == json_text(parsed, 2) + "\n");
    REQUIRE(parsed["shipments"].size() == lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      CHECK(parsed["shipments"][i]["order_id"] == to_valid_utf8(lines[i].order_id));
      CHECK(parsed["shipments"][i]["line_id"] == lines[i].channel_line_id);
      CHECK(parsed["shipments"][i]["quantity"] == lines[i].quantity);
      CHECK(parsed["shipments"][i]["tracking_number"] == to_valid_utf8(lines[i].tracking_number));
      CHECK(parsed["shipments"][i]["ship_date"] == lines[i].ship_date);
    }
  }
  CHECK(write_tracking_json({}) == "{\n  \"shipments\": []\n}\n");
}

TEST_CASE("shopify-csv: every bad row is named, not only the first") {
  const std::string csv =
      "Name,Lineitem quantity,Lineitem sku\n"
      "#1,1,A\n"
      "#2,x,B\n"
      ",1,C\n"
      "#4,1\n"
      "#5,2.5,E\n";
  auto b = read_shopify_csv(csv);
  REQUIRE_FALSE(b);
  CHECK(b.error().message() ==
        "line 3, column 'Lineitem quantity': 'x' is not a whole number; line 4, column 'Name': "
        "the order name is empty; line 5: 2 fields where the header has 3; the row is cut short "
        "or holds an unquoted comma; line 6, column 'Lineitem quantity': '2.5' is not a whole "
        "number");
  std::string many = "Name,Lineitem quantity,Lineitem sku\n";
  for (int i = 0; i < 25; ++i) many += "#1,x,A\n";
  auto m = read_shopify_csv(many);
  REQUIRE_FALSE(m);
  CHECK(m.error().message().ends_with("; and 5 more"));
}
