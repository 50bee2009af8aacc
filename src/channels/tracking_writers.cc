// Tracking files for the channels to import.
#include <nlohmann/json.hpp>

#include "channels/carriers.h"
#include "channels/formats.h"
#include "util/csv.h"
#include "util/json_out.h"
#include "util/text.h"

namespace orderd {

// One row per shipped line, with the export's own column names so a bulk
// fulfillment import can map them.
std::string write_shopify_fulfillment_csv(std::span<const PushLine> lines) {
  std::string out;
  csv_append_record(out, {"Name", "Lineitem sku", "Lineitem quantity", "Tracking Company",
                          "Tracking Number", "Fulfilled at"});
  for (const auto& l : lines) {
    const std::string q = std::to_string(l.quantity);
    // Shopify's own name for the carrier, so its import links the tracking page.
    const Carrier* c = find_carrier(l.carrier);
    csv_append_record(out, {l.order_id, l.sku, q, c ? c->shopify : std::string_view(l.carrier),
                            l.tracking_number, l.ship_date});
  }
  return out;
}

// Amazon's Shipping Confirmation flat file (tab-separated).
std::string write_amazon_ship_confirm(std::span<const PushLine> lines) {
  std::string out =
      "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\tcarrier-name\ttracking-number\t"
      "ship-method\r\n";
  for (const auto& l : lines) {
    const std::string q = std::to_string(l.quantity);
    // Amazon's carrier-code; a carrier it does not list is "Other" with its name.
    const Carrier* c = find_carrier(l.carrier);
    csv_append_record(out,
                      {l.order_id, l.channel_line_id, q, l.ship_date, c ? c->amazon : "Other",
                       c ? std::string_view() : std::string_view(l.carrier), l.tracking_number, ""},
                      '\t');
  }
  return out;
}

std::string write_tracking_json(std::span<const PushLine> lines) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& l : lines)
    arr.push_back({{"order_id", l.order_id},
                   {"line_id", l.channel_line_id},
                   {"sku", l.sku},
                   {"quantity", l.quantity},
                   {"carrier", find_carrier(l.carrier) ? find_carrier(l.carrier)->name
                                                       : std::string_view(l.carrier)},
                   {"carrier_reported", l.carrier},
                   {"tracking_number", l.tracking_number},
                   {"ship_date", l.ship_date}});
  return json_text(nlohmann::json{{"shipments", arr}}, 2) + "\n";
}

}  // namespace orderd
