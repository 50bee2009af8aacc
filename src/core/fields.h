// The closed set of fields an operator can name: in PO mappings (`field:`),
// in a supplier's `require:` list and in `orderctl resolve --set`. One table
// (fields.cc) defines them; the docs and the config checker read that table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace orderd {

// Order-level fields that are stored with the order and can be resolved by
// the operator. The order of this enum is the order of Order::f.
enum class OrderField : std::uint8_t {
  kCreatedAt,
  kCurrency,
  kTotal,
  kNote,
  kCustomerName,
  kCustomerEmail,
  kCustomerPhone,
  kShipName,
  kShipCompany,
  kShipAddress1,
  kShipAddress2,
  kShipCity,
  kShipProvince,
  kShipZip,
  kShipCountry,
  kShipPhone,
  kBillName,
  kBillCompany,
  kBillAddress1,
  kBillAddress2,
  kBillCity,
  kBillProvince,
  kBillZip,
  kBillCountry,
  kBillPhone,
  kShippingMethod,
  kShippingPrice,
  kCount
};
inline constexpr std::size_t kOrderFieldCount = static_cast<std::size_t>(OrderField::kCount);

enum class FieldScope : std::uint8_t { kOrder, kLine, kPo };

// Every field, stored or derived.
enum class FieldId : std::uint8_t {
  // The first kOrderFieldCount ids are the stored OrderFields, in order.
  kOrderId = kOrderFieldCount,  // the channel's order id, e.g. "#1001"
  kOrderChannel,
  kLineNumber,  // 1-based position of the line in its PO
  kLineSku,
  kLineName,
  kLineQuantity,
  kLinePrice,
  kLineChannelId,  // the channel's line item id (Amazon order-item-id)
  kPoNumber,
  kPoDate,
  kPoSupplier,
  kPoSupplierName,
  kPoLineCount,
  kShippingCarrier,  // the supplier's counterpart of shipping.method (suppliers.<id>.shipping)
  kShippingService,
  kShippingScac,
  kCount
};

struct FieldDef {
  std::string_view name;  // "ship_to.phone"
  FieldScope scope;
  bool resolvable;  // may be set with `orderctl resolve --set`
  std::string_view doc;
};

std::span<const FieldDef> all_fields();
const FieldDef& field_def(FieldId id);
std::optional<FieldId> find_field(std::string_view name);
// The field an operator most likely meant by `name`: by meaning first
// ("phone" -> ship_to.phone, "ship_to.state" -> ship_to.province), then by
// spelling. Nothing when no field is near.
std::optional<std::string> suggest_field(std::string_view name);

inline FieldId to_field_id(OrderField f) {
  return static_cast<FieldId>(f);
}
inline std::optional<OrderField> as_order_field(FieldId id) {
  if (static_cast<std::size_t>(id) < kOrderFieldCount) return static_cast<OrderField>(id);
  return std::nullopt;
}

}  // namespace orderd
