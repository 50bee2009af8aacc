#include "core/verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/text.h"

namespace orderd {

const SupplierRule* route_sku(const RoutingRules& rules, std::string_view sku) {
  for (const auto& s : rules.suppliers)
    for (const auto& p : s.skus)
      if (glob_match(p, sku)) return &s;
  return nullptr;
}

std::vector<std::string> verify_order(Order& order, const RoutingRules& rules) {
  std::vector<std::string> msgs;
  std::vector<const SupplierRule*> used;
  for (auto& line : order.lines) {
    if (line.sku.empty()) {
      msgs.push_back(fmt::format("line {} ({}) has no SKU: set it with --set line.{}.sku=SKU",
                                 line.seq, line.name, line.seq));
      continue;
    }
    const SupplierRule* rule = nullptr;
    if (!line.supplier.empty()) {
      for (const auto& s : rules.suppliers)
        if (s.id == line.supplier) rule = &s;
      if (!rule) {
        msgs.push_back(fmt::format("line {}: supplier '{}' is not in the configuration", line.seq,
                                   line.supplier));
        continue;
      }
    } else {
      rule = route_sku(rules, line.sku);
      if (!rule) {
        msgs.push_back(
            fmt::format("SKU {} (line {}) matches no supplier's skus patterns: add a pattern to a "
                        "supplier or set line.{}.supplier",
                        line.sku, line.seq, line.seq));
        continue;
      }
      line.supplier = rule->id;
    }
    if (line.quantity <= 0)
      msgs.push_back(
          fmt::format("line {} (SKU {}) has quantity {}", line.seq, line.sku, line.quantity));
    if (std::find(used.begin(), used.end(), rule) == used.end()) used.push_back(rule);
  }
  auto missing = [&](FieldId id) {
    auto of = as_order_field(id);
    return of && trim(order.at(*of)).empty();
  };
  for (FieldId id : rules.require)
    if (missing(id)) msgs.push_back(fmt::format("{} is missing", field_def(id).name));
  for (const SupplierRule* s : used)
    for (FieldId id : s->require) {
      if (std::find(rules.require.begin(), rules.require.end(), id) != rules.require.end())
        continue;
      if (missing(id))
        msgs.push_back(
            fmt::format("{} is missing (required by supplier {})", field_def(id).name, s->id));
    }
  return msgs;
}

}  // namespace orderd
