// The supplier formats, in one table; and the field accessors they share.
#include "util/registry.h"

#include <fmt/format.h>

#include "mappers/mappers.h"

namespace orderd {
namespace {

constexpr PoFormat kPoFormats[] = {
    {"csv", make_csv_po_writer, ".csv"},
    {"xml", make_xml_po_writer, ".xml"},
    {"x12-850", make_x12_850_writer, ".edi"},
};

constexpr TrackingFormat kTrackingFormats[] = {
    {"csv", read_csv_tracking},
    {"x12", read_x12_tracking},
};

const std::vector<ColumnConfig>& defaults() {
  static const std::vector<ColumnConfig> cols = [] {
    std::vector<ColumnConfig> c;
    for (auto [h, f] : std::initializer_list<std::pair<const char*, const char*>>{
             {"PO Number", "po.number"},
             {"PO Date", "po.date"},
             {"Order ID", "order.id"},
             {"Line", "line.number"},
             {"SKU", "line.sku"},
             {"Quantity", "line.quantity"},
             {"Description", "line.name"},
             {"Unit Price", "line.price"},
             {"Ship Name", "ship_to.name"},
             {"Ship Company", "ship_to.company"},
             {"Ship Address1", "ship_to.address1"},
             {"Ship Address2", "ship_to.address2"},
             {"Ship City", "ship_to.city"},
             {"Ship State", "ship_to.province"},
             {"Ship Zip", "ship_to.zip"},
             {"Ship Country", "ship_to.country"},
             {"Ship Phone", "ship_to.phone"},
             {"Shipping Method", "shipping.method"}})
      c.push_back({h, *find_field(f)});
    return c;
  }();
  return cols;
}

}  // namespace

std::span<const ColumnConfig> default_po_columns() {
  return defaults();
}

const PoFormat* find_po_format(std::string_view name) {
  return find_named(kPoFormats, name);
}

const TrackingFormat* find_tracking_format(std::string_view name) {
  return find_named(kTrackingFormats, name);
}

std::string known_po_formats() {
  return names_of(kPoFormats);
}
std::string known_tracking_formats() {
  return names_of(kTrackingFormats);
}

std::string field_value(FieldId field, const PoView& v, const Line* line, int line_number) {
  if (auto of = as_order_field(field)) return v.order->at(*of);
  switch (field) {
    case FieldId::kOrderId:
      return v.order->ext_id;
    case FieldId::kOrderChannel:
      return v.order->channel;
    case FieldId::kLineNumber:
      return line ? std::to_string(line_number) : "";
    case FieldId::kLineSku:
      return line ? line->sku : "";
    case FieldId::kLineName:
      return line ? line->name : "";
    case FieldId::kLineQuantity:
      return line ? std::to_string(line->quantity) : "";
    case FieldId::kLinePrice:
      return line ? line->price : "";
    case FieldId::kLineChannelId:
      return line ? line->channel_line_id : "";
    case FieldId::kPoNumber:
      return v.po->number;
    case FieldId::kPoDate:
      return v.date;
    case FieldId::kPoSupplier:
      return v.po->supplier;
    case FieldId::kPoSupplierName:
      return std::string(v.supplier_name);
    case FieldId::kPoLineCount:
      return std::to_string(v.lines.size());
    case FieldId::kShippingCarrier:
      return v.shipping ? v.shipping->carrier : "";
    case FieldId::kShippingService:
      return v.shipping ? v.shipping->service : "";
    case FieldId::kShippingScac:
      return v.shipping ? v.shipping->scac : "";
    default:
      return {};
  }
}

}  // namespace orderd
