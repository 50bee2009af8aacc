// A supplier's counterpart for the shipping method the buyer chose in the
// channel ("Standard Shipping" -> UPS GROUND, SCAC UPSN): the
// suppliers.<id>.shipping block. Pure data and lookups.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderd {

struct ShipMethod {
  std::string carrier, service, scac;
};

struct ShippingRules {
  // Whether the supplier has a shipping block: without one no mapping is
  // needed (the PO carries the buyer's method as written).
  bool configured = false;
  std::vector<std::pair<std::string, ShipMethod>> map;  // channel method -> the supplier's
  std::optional<ShipMethod> fallback;                   // `default:`

  // The supplier's method for the channel's `method` (case and spaces around
  // aside), else the default, else nullptr.
  const ShipMethod* find(std::string_view method) const;
};

// The key a method is matched by: trimmed, lower case, inner runs of
// spaces as one.
std::string shipping_key(std::string_view method);

}  // namespace orderd
