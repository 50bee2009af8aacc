#include "core/verify.h"

#include <doctest/doctest.h>

#include <functional>

using namespace orderd;

namespace {

RoutingRules rules() {
  RoutingRules r;
  r.require = {to_field_id(OrderField::kShipName), to_field_id(OrderField::kShipAddress1),
               to_field_id(OrderField::kShipCity), to_field_id(OrderField::kShipZip),
               to_field_id(OrderField::kShipCountry)};
  r.suppliers = {{"acme", {"ACME-*", "AC-1???"}, {to_field_id(OrderField::kShipPhone)}, {}},
                 {"globex", {"GX-*", "ACME-SPECIAL"}, {}, {}}};
  return r;
}

Order order_with(std::vector<std::string> skus) {
  Order o;
  o.ext_id = "#1";
  o.at(OrderField::kShipName) = "Ada";
  o.at(OrderField::kShipAddress1) = "1 Way";
  o.at(OrderField::kShipCity) = "Boston";
  o.at(OrderField::kShipZip) = "02134";
  o.at(OrderField::kShipCountry) = "US";
  o.at(OrderField::kShipPhone) = "555";
  int seq = 0;
  for (auto& s : skus) {
    Line l;
    l.seq = ++seq;
    l.sku = s;
    l.name = "item " + s;
    l.quantity = 1;
    o.lines.push_back(l);
  }
  return o;
}

}  // namespace

TEST_CASE("routing: first matching supplier in file order wins") {
  auto r = rules();
  CHECK(route_sku(r, "ACME-SPECIAL")->id == "acme");
  CHECK(route_sku(r, "AC-1042")->id == "acme");
  CHECK(route_sku(r, "GX-1")->id == "globex");
  CHECK(route_sku(r, "ZZ-1") == nullptr);
}

TEST_CASE("verify: a complete order is ready and routed") {
  auto o = order_with({"ACME-1", "GX-2"});
  CHECK(verify_order(o, rules()).empty());
  CHECK(o.lines[0].supplier == "acme");
  CHECK(o.lines[1].supplier == "globex");
}

TEST_CASE("verify: one message per missing thing - naming field and supplier") {
  auto o = order_with({"ACME-1", "ZZ-9", ""});
  o.at(OrderField::kShipPhone) = "";
  o.at(OrderField::kShipZip) = " ";
  auto msgs = verify_order(o, rules());
  CHECK(msgs ==
        std::vector<std::string>{"SKU ZZ-9 (line 2) matches no supplier's skus patterns: add a "
                                 "pattern to a supplier or set line.2.supplier",
                                 "line 3 (item ) has no SKU: set it with --set line.3.sku=SKU",
                                 "ship_to.zip is missing",
                                 "ship_to.phone is missing (required by supplier acme)"});
}

TEST_CASE("verify: a supplier's requirement applies only when it gets a line") {
  auto o = order_with({"GX-2"});
  o.at(OrderField::kShipPhone) = "";
  CHECK(verify_order(o, rules()).empty());
}

TEST_CASE("overrides: explicit supplier and SKU") {
  auto o = order_with({"ZZ-9"});
  apply_overrides(o, {{"line.1.supplier", "globex"}, {"ship_to.city", "Cambridge"}});
  CHECK(verify_order(o, rules()).empty());
  CHECK(o.lines[0].supplier == "globex");
  CHECK(o.at(OrderField::kShipCity) == "Cambridge");
  CHECK(check_override(o, "line.4.sku", "X") ==
        "line.4.sku: order #1 has no line 4 (lines are numbered from 1)");
  CHECK(check_override(o, "order.id", "X") ==
        "order.id cannot be set; it comes from the channel or from orderd");
  CHECK(check_override(o, "ship_to.fone", "X") ==
        "unknown field 'ship_to.fone' (did you mean ship_to.phone?)");
  // By meaning, not only by spelling.
  CHECK(check_override(o, "ship_to.state", "X") ==
        "unknown field 'ship_to.state' (did you mean ship_to.province?)");
  CHECK(check_override(o, "phone", "X") == "unknown field 'phone' (did you mean ship_to.phone?)");
  CHECK(check_override(o, "bill_to.postcode", "X") ==
        "unknown field 'bill_to.postcode' (did you mean bill_to.zip?)");
  CHECK(check_override(o, "email", "X") == "unknown field 'email' (did you mean customer.email?)");
  CHECK(check_override(o, "xyzzy", "X") ==
        "unknown field 'xyzzy' (see docs/config.md, \"Fields\")");
  CHECK_FALSE(check_override(o, "ship_to.phone", "555").has_value());
}

TEST_CASE("order_changes: what the channel changed, field by field and line by line") {
  Order before;
  before.ext_id = "#1";
  before.at(OrderField::kShipAddress1) = "12 Way";
  before.at(OrderField::kShipCity) = "Boston";
  Line a;
  a.seq = 1;
  a.sku = "ACME-1";
  a.quantity = 1;
  a.price = "9.99";
  Line b = a;
  b.seq = 2;
  b.sku = "GX-1";
  before.lines = {a, b};
  struct Case {
    const char* what;
    std::function<void(Order&)> change;
    std::vector<std::string> said;
  };
  const Case cases[] = {
      {"nothing", [](Order&) {}, {}},
      {"the street",
       [](Order& o) { o.at(OrderField::kShipAddress1) = "14 Way"; },
       {"ship_to.address1: '12 Way' -> '14 Way'"}},
      {"a quantity", [](Order& o) { o.lines[1].quantity = 3; }, {"line 2 (GX-1): quantity 1 -> 3"}},
      {"a line added",
       [](Order& o) {
         Line c = o.lines[0];
         c.seq = 3;
         c.sku = "ACME-9";
         c.quantity = 2;
         o.lines.push_back(c);
       },
       {"line 3 (ACME-9): added, quantity 2"}},
      {"a line removed", [](Order& o) { o.lines.pop_back(); }, {"line 2 (GX-1): removed"}},
      {"a SKU and a price",
       [](Order& o) {
         o.lines[0].sku = "ACME-2";
         o.lines[0].price = "8.99";
       },
       {"line 1: SKU ACME-1 -> ACME-2", "line 1 (ACME-1): price 9.99 -> 8.99"}},
      {"canceled", [](Order& o) { o.canceled_in_channel = true; }, {"canceled in the channel"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    Order after = before;
    c.change(after);
    CHECK(order_changes(before, after) == c.said);
  }
}
