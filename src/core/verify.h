// Verification and routing: which supplier each line goes to, and what is
// missing before the order can be processed. Pure functions over the order.
#pragma once

#include <string>
#include <vector>

#include "core/fields.h"
#include "core/order.h"
#include "core/shipping.h"

namespace orderd {

struct SupplierRule {
  std::string id;
  std::vector<std::string> skus;  // glob patterns
  std::vector<FieldId> require;   // beyond the defaults
  ShippingRules shipping;         // the buyer's method -> the supplier's
};

struct RoutingRules {
  std::vector<FieldId> require;         // required of every order
  std::vector<SupplierRule> suppliers;  // in config order; first match wins
};

// The supplier whose patterns match `sku` first, or nullptr.
const SupplierRule* route_sku(const RoutingRules& rules, std::string_view sku);

// One thing an order lacks: the message, and where a person can fill it
// in, the field (`orderctl resolve --set FIELD=...`: "ship_to.phone",
// "line.2.sku", "line.2.supplier", "shipping.method") and the supplier
// that needs it (empty: every order needs it).
struct Missing {
  std::string message, field, supplier;
};
// verify_order(), with each message's field and supplier.
std::vector<Missing> verify_order_detailed(Order& order, const RoutingRules& rules);

// Routes every line without an explicit supplier and lists what is missing,
// one message per missing thing, naming the field and the supplier.
// An empty result means the order is ready.
std::vector<std::string> verify_order(Order& order, const RoutingRules& rules);

// What the channel changed from `before` (as orderd has the order) to
// `after` (as the channel now sends it), one entry per field or line, in
// words: "ship_to.address1: '12 Way' -> '14 Way'", "line 2 (GX-1): quantity
// 1 -> 2", "line 3 (ACME-9): added". Empty when nothing that matters changed.
std::vector<std::string> order_changes(const Order& before, const Order& after);

// What makes `order` too big to take (docs/formats.md, "Limits"): a field,
// an id or the number of lines past its limit, or a quantity out of range;
// empty when none. Each names the order and the field.
std::vector<std::string> order_limits(const Order& order);

}  // namespace orderd
