#include "core/fields.h"

#include <array>
#include <vector>

#include "util/text.h"

namespace orderd {
namespace {

using S = FieldScope;
constexpr std::array<FieldDef, static_cast<std::size_t>(FieldId::kCount)> kFields{{
    {"order.created_at", S::kOrder, true, "when the order was placed, as the channel wrote it"},
    {"order.currency", S::kOrder, true, "ISO 4217 currency code"},
    {"order.total", S::kOrder, true, "order total as exported"},
    {"order.note", S::kOrder, true, "customer's note"},
    {"customer.name", S::kOrder, true, "buyer's name"},
    {"customer.email", S::kOrder, true, "buyer's e-mail"},
    {"customer.phone", S::kOrder, true, "buyer's phone"},
    {"ship_to.name", S::kOrder, true, "recipient name"},
    {"ship_to.company", S::kOrder, true, "recipient company"},
    {"ship_to.address1", S::kOrder, true, "first address line"},
    {"ship_to.address2", S::kOrder, true, "second address line"},
    {"ship_to.city", S::kOrder, true, "city"},
    {"ship_to.province", S::kOrder, true, "state or province code"},
    {"ship_to.zip", S::kOrder, true, "postal code"},
    {"ship_to.country", S::kOrder, true, "country code"},
    {"ship_to.phone", S::kOrder, true, "recipient phone"},
    {"bill_to.name", S::kOrder, true, "billing name"},
    {"bill_to.company", S::kOrder, true, "billing company"},
    {"bill_to.address1", S::kOrder, true, "billing address line 1"},
    {"bill_to.address2", S::kOrder, true, "billing address line 2"},
    {"bill_to.city", S::kOrder, true, "billing city"},
    {"bill_to.province", S::kOrder, true, "billing state or province"},
    {"bill_to.zip", S::kOrder, true, "billing postal code"},
    {"bill_to.country", S::kOrder, true, "billing country"},
    {"bill_to.phone", S::kOrder, true, "billing phone"},
    {"shipping.method", S::kOrder, true, "shipping method or service level the buyer chose"},
    {"shipping.price", S::kOrder, true, "shipping charged to the buyer"},
    {"order.id", S::kOrder, false, "the channel's order id, e.g. #1001"},
    {"order.channel", S::kOrder, false, "the channel's id in the config"},
    {"line.number", S::kLine, false, "1-based position of the line in its PO"},
    {"line.sku", S::kLine, true, "the SKU (set with --set line.N.sku=...)"},
    {"line.name", S::kLine, false, "product title"},
    {"line.quantity", S::kLine, false, "quantity ordered"},
    {"line.price", S::kLine, false, "unit price as exported"},
    {"line.channel_line_id", S::kLine, false, "the channel's line item id"},
    {"po.number", S::kPo, false, "orderd's PO number, echoed back by the supplier"},
    {"po.date", S::kPo, false, "date the PO was created (YYYY-MM-DD, UTC)"},
    {"po.supplier", S::kPo, false, "the supplier's id in the config"},
    {"po.supplier_name", S::kPo, false, "the supplier's name"},
    {"po.line_count", S::kPo, false, "number of lines in the PO"},
    {"shipping.carrier", S::kPo, false,
     "the supplier's carrier for the buyer's shipping method (suppliers.<id>.shipping)"},
    {"shipping.service", S::kPo, false, "the supplier's service for the buyer's shipping method"},
    {"shipping.scac", S::kPo, false, "the carrier's SCAC for the buyer's shipping method"},
}};

}  // namespace

std::span<const FieldDef> all_fields() {
  return kFields;
}

const FieldDef& field_def(FieldId id) {
  return kFields[static_cast<std::size_t>(id)];
}

std::optional<std::string> suggest_field(std::string_view name) {
  // What people call a field, and the one orderd names so.
  static constexpr std::pair<std::string_view, std::string_view> kMeaning[] = {
      {"state", "province"},
      {"region", "province"},
      {"county", "province"},
      {"postcode", "zip"},
      {"postal_code", "zip"},
      {"postalcode", "zip"},
      {"zipcode", "zip"},
      {"zip_code", "zip"},
      {"street", "address1"},
      {"address", "address1"},
      {"address_1", "address1"},
      {"address_2", "address2"},
      {"line1", "address1"},
      {"line2", "address2"},
      {"telephone", "phone"},
      {"tel", "phone"},
      {"mobile", "phone"},
      {"recipient", "name"},
      {"organization", "company"},
      {"organisation", "company"},
      {"town", "city"},
  };
  const std::string key = name_key(name);
  std::string prefix = "ship_to", leaf = key;
  if (auto dot = key.rfind('.'); dot != std::string::npos) {
    prefix = key.substr(0, dot);
    leaf = key.substr(dot + 1);
    if (prefix == "shipping_address" || prefix == "ship" || prefix == "shipto") prefix = "ship_to";
    if (prefix == "billing_address" || prefix == "bill" || prefix == "billto") prefix = "bill_to";
  } else if (leaf == "email") {
    prefix = "customer";
  } else if (leaf == "method" || leaf == "carrier" || leaf == "service") {
    return std::string("shipping.method");
  } else if (leaf == "note" || leaf == "notes") {
    return std::string("order.note");
  }
  for (const auto& [word, field] : kMeaning)
    if (leaf == word) leaf = field;
  if (auto id = find_field(prefix + "." + leaf)) return std::string(field_def(*id).name);
  std::vector<std::string_view> names;
  for (const auto& f : all_fields())
    if (f.resolvable) names.push_back(f.name);
  return nearest(name, names);
}

std::optional<FieldId> find_field(std::string_view name) {
  for (std::size_t i = 0; i < kFields.size(); ++i)
    if (kFields[i].name == name) return static_cast<FieldId>(i);
  return std::nullopt;
}

}  // namespace orderd
