// Tracking files for the channels to import, written one shipped line at a
// time.
#include <nlohmann/json.hpp>

#include "channels/carriers.h"
#include "channels/formats.h"
#include "util/csv.h"
#include "util/json_out.h"
#include "util/text.h"

namespace orderd {
namespace {

void no_end(std::string&, std::size_t) {}

// Shopify: one row per shipped line, with the export's own column names so
// a bulk fulfillment import can map them.
void shopify_start(std::string& out) {
  csv_append_record(out, {"Name", "Lineitem sku", "Lineitem quantity", "Tracking Company",
                          "Tracking Number", "Fulfilled at"});
}

void shopify_line(std::string& out, const PushLine& l, std::size_t) {
  const std::string q = std::to_string(l.quantity);
  // Shopify's own name for the carrier, so its import links the tracking page.
  const Carrier* c = find_carrier(l.carrier);
  csv_append_record(out, {l.order_id, l.sku, q, c ? c->shopify : std::string_view(l.carrier),
                          l.tracking_number, l.ship_date});
}

// Amazon's Shipping Confirmation flat file (tab-separated).
void amazon_start(std::string& out) {
  out +=
      "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\tcarrier-name\ttracking-number\t"
      "ship-method\r\n";
}

void amazon_line(std::string& out, const PushLine& l, std::size_t) {
  const std::string q = std::to_string(l.quantity);
  // Amazon's carrier-code; a carrier it does not list is "Other" with its name.
  const Carrier* c = find_carrier(l.carrier);
  csv_append_record(out,
                    {l.order_id, l.channel_line_id, q, l.ship_date, c ? c->amazon : "Other",
                     c ? std::string_view() : std::string_view(l.carrier), l.tracking_number, ""},
                    '\t');
}

// {"shipments": [...]}, the text nlohmann's dump with indent 2 gives for the
// whole document (keys sorted): each element is dumped on its own and set
// in by the two levels it sits at.
void json_start(std::string& out) {
  out += "{\n  \"shipments\": [";
}

void json_line(std::string& out, const PushLine& l, std::size_t n) {
  const Carrier* c = find_carrier(l.carrier);
  const nlohmann::json one = {{"order_id", l.order_id},
                              {"line_id", l.channel_line_id},
                              {"sku", l.sku},
                              {"quantity", l.quantity},
                              {"carrier", c ? c->name : std::string_view(l.carrier)},
                              {"carrier_reported", l.carrier},
                              {"tracking_number", l.tracking_number},
                              {"ship_date", l.ship_date}};
  out += n ? ",\n" : "\n";
  const std::string text = json_text(one, 2);
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    const std::size_t stop = nl == std::string::npos ? text.size() : nl + 1;
    out += "    ";
    out.append(text, at, stop - at);
    at = stop;
  }
}

void json_end(std::string& out, std::size_t count) {
  out += count ? "\n  ]\n}\n" : "]\n}\n";
}

}  // namespace

const TrackingWriter kShopifyFulfillmentCsv{shopify_start, shopify_line, no_end};
const TrackingWriter kAmazonShipConfirm{amazon_start, amazon_line, no_end};
const TrackingWriter kTrackingJson{json_start, json_line, json_end};

std::string write_tracking(const TrackingWriter& w, std::span<const PushLine> lines) {
  std::string out;
  w.start(out);
  for (std::size_t i = 0; i < lines.size(); ++i) w.line(out, lines[i], i);
  w.end(out, lines.size());
  return out;
}

std::string write_shopify_fulfillment_csv(std::span<const PushLine> lines) {
  return write_tracking(kShopifyFulfillmentCsv, lines);
}
std::string write_amazon_ship_confirm(std::span<const PushLine> lines) {
  return write_tracking(kAmazonShipConfirm, lines);
}
std::string write_tracking_json(std::span<const PushLine> lines) {
  return write_tracking(kTrackingJson, lines);
}

}  // namespace orderd
