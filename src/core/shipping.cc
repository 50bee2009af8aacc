#include "core/shipping.h"

#include "util/text.h"

namespace orderd {

std::string shipping_key(std::string_view method) {
  std::string out;
  for (char c : to_lower(trim(method))) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

const ShipMethod* ShippingRules::find(std::string_view method) const {
  const std::string key = shipping_key(method);
  if (!key.empty())
    for (const auto& [m, s] : map)
      if (shipping_key(m) == key) return &s;
  return fallback ? &*fallback : nullptr;
}

}  // namespace orderd
