#include "core/verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/limits.h"
#include "util/text.h"

namespace orderd {

const SupplierRule* route_sku(const RoutingRules& rules, std::string_view sku) {
  for (const auto& s : rules.suppliers)
    for (const auto& p : s.skus)
      if (glob_match(p, sku)) return &s;
  return nullptr;
}

std::vector<Missing> verify_order_detailed(Order& order, const RoutingRules& rules) {
  std::vector<Missing> msgs;
  // Bytes that were not UTF-8 in the channel's file were replaced by U+FFFD
  // where they entered; a person must say what the field really holds.
  const auto garbled = [&](std::string_view field, std::string_view value) {
    if (value.find(kReplacementChar) == std::string_view::npos) return;
    msgs.push_back({fmt::format("{} holds bytes that were not UTF-8 in the channel's file (shown "
                                "as '{}'): set it with `orderctl resolve {} --set {}=...`",
                                field, kReplacementChar, order.ext_id, field),
                    std::string(field),
                    {}});
  };
  for (std::size_t i = 0; i < kOrderFieldCount; ++i) garbled(all_fields()[i].name, order.f[i]);
  for (const auto& line : order.lines) {
    garbled(fmt::format("line.{}.sku", line.seq), line.sku);
    garbled(fmt::format("line.{}.name", line.seq), line.name);
  }
  std::vector<const SupplierRule*> used;
  for (auto& line : order.lines) {
    if (line.sku.empty()) {
      msgs.push_back({fmt::format("line {} ({}) has no SKU: set it with --set line.{}.sku=SKU",
                                  line.seq, line.name, line.seq),
                      fmt::format("line.{}.sku", line.seq),
                      {}});
      continue;
    }
    const SupplierRule* rule = nullptr;
    if (!line.supplier.empty()) {
      for (const auto& s : rules.suppliers)
        if (s.id == line.supplier) rule = &s;
      if (!rule) {
        msgs.push_back({fmt::format("line {}: supplier '{}' is not in the configuration", line.seq,
                                    line.supplier),
                        fmt::format("line.{}.supplier", line.seq),
                        {}});
        continue;
      }
    } else {
      rule = route_sku(rules, line.sku);
      if (!rule) {
        msgs.push_back(
            {fmt::format("SKU {} (line {}) matches no supplier's skus patterns: add a pattern to a "
                         "supplier or set line.{}.supplier",
                         line.sku, line.seq, line.seq),
             fmt::format("line.{}.supplier", line.seq),
             {}});
        continue;
      }
      line.supplier = rule->id;
    }
    if (line.quantity <= 0)
      msgs.push_back(
          {fmt::format("line {} (SKU {}) has quantity {}", line.seq, line.sku, line.quantity),
           {},
           {}});
    if (std::find(used.begin(), used.end(), rule) == used.end()) used.push_back(rule);
  }
  auto missing = [&](FieldId id) {
    auto of = as_order_field(id);
    return of && trim(order.at(*of)).empty();
  };
  for (FieldId id : rules.require)
    if (missing(id))
      msgs.push_back(
          {fmt::format("{} is missing", field_def(id).name), std::string(field_def(id).name), {}});
  // The buyer's shipping method needs a counterpart at each supplier that
  // has a shipping block: orderd must not guess the carrier.
  const std::string& method = order.at(OrderField::kShippingMethod);
  for (const SupplierRule* s : used)
    if (s->shipping.configured && !s->shipping.find(method))
      msgs.push_back(
          {method.empty()
               ? fmt::format("the order has no shipping method and supplier {} has no "
                             "shipping.default: add suppliers.{}.shipping.default, or set one with "
                             "`orderctl resolve {} --set shipping.method=...`",
                             s->id, s->id, order.ext_id)
               : fmt::format("shipping method '{}' has no counterpart at supplier {}: add it under "
                             "suppliers.{}.shipping.map (or a default) and run `orderctl resolve "
                             "{}`, or set another with `orderctl resolve {} --set "
                             "shipping.method=...`",
                             method, s->id, s->id, order.ext_id, order.ext_id),
           "shipping.method", s->id});
  for (const SupplierRule* s : used)
    for (FieldId id : s->require) {
      if (std::find(rules.require.begin(), rules.require.end(), id) != rules.require.end())
        continue;
      if (missing(id))
        msgs.push_back(
            {fmt::format("{} is missing (required by supplier {})", field_def(id).name, s->id),
             std::string(field_def(id).name), s->id});
    }
  return msgs;
}

std::vector<std::string> verify_order(Order& order, const RoutingRules& rules) {
  std::vector<std::string> out;
  for (auto& m : verify_order_detailed(order, rules)) out.push_back(std::move(m.message));
  return out;
}

std::vector<std::string> order_changes(const Order& before, const Order& after) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kOrderFieldCount; ++i)
    if (before.f[i] != after.f[i])
      out.push_back(fmt::format("{}: '{}' -> '{}'", all_fields()[i].name, before.f[i], after.f[i]));
  if (before.canceled_in_channel != after.canceled_in_channel)
    out.push_back(after.canceled_in_channel ? "canceled in the channel" : "no longer canceled");
  auto find = [](const Order& o, int seq) -> const Line* {
    for (const auto& l : o.lines)
      if (l.seq == seq) return &l;
    return nullptr;
  };
  for (const auto& b : before.lines) {
    const Line* a = find(after, b.seq);
    if (!a) {
      out.push_back(fmt::format("line {} ({}): removed", b.seq, b.sku));
      continue;
    }
    if (a->sku != b.sku) out.push_back(fmt::format("line {}: SKU {} -> {}", b.seq, b.sku, a->sku));
    if (a->quantity != b.quantity)
      out.push_back(
          fmt::format("line {} ({}): quantity {} -> {}", b.seq, b.sku, b.quantity, a->quantity));
    if (a->price != b.price)
      out.push_back(fmt::format("line {} ({}): price {} -> {}", b.seq, b.sku, b.price, a->price));
  }
  for (const auto& a : after.lines)
    if (!find(before, a.seq))
      out.push_back(fmt::format("line {} ({}): added, quantity {}", a.seq, a.sku, a.quantity));
  return out;
}

std::vector<std::string> order_limits(const Order& order) {
  std::vector<std::string> out;
  auto check = [&](std::string_view field, std::string_view value, std::size_t most) {
    if (value.size() > most)
      out.push_back(fmt::format("order {}: {} is {} bytes long, more than the {} orderd takes",
                                order.ext_id.substr(0, limits::kIdBytes), field, value.size(),
                                most));
  };
  check("the order id", order.ext_id, limits::kIdBytes);
  for (std::size_t i = 0; i < kOrderFieldCount; ++i)
    check(all_fields()[i].name, order.f[i], limits::kTextBytes);
  if (order.lines.size() > limits::kLinesPerOrder)
    out.push_back(fmt::format("order {} has {} lines, more than the {} orderd takes in one order",
                              order.ext_id, order.lines.size(), limits::kLinesPerOrder));
  for (const auto& l : order.lines) {
    check(fmt::format("line.{}.sku", l.seq), l.sku, limits::kIdBytes);
    check(fmt::format("line {}'s line id", l.seq), l.channel_line_id, limits::kIdBytes);
    check(fmt::format("line.{}.name", l.seq), l.name, limits::kTextBytes);
    check(fmt::format("line {}'s price", l.seq), l.price, limits::kIdBytes);
    if (l.quantity > limits::kQuantity)
      out.push_back(fmt::format("order {} line {} (SKU {}): quantity {} is more than {}",
                                order.ext_id, l.seq, l.sku.substr(0, limits::kIdBytes), l.quantity,
                                limits::kQuantity));
  }
  return out;
}

}  // namespace orderd
