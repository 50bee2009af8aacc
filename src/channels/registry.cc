// The channel formats, in one table.
#include "util/registry.h"

#include <fmt/format.h>

#include "channels/formats.h"

namespace orderd {
namespace {

constexpr OrderFormat kOrderFormats[] = {
    {"shopify-csv", read_shopify_csv, "shopify-fulfillment-csv"},
    {"amazon-tsv", read_amazon_tsv, "amazon-ship-confirm"},
    {"orders-json", read_orders_json, "tracking-json"},
};

constexpr TrackingPushFormat kPushFormats[] = {
    {"shopify-fulfillment-csv", &kShopifyFulfillmentCsv, ".csv"},
    {"amazon-ship-confirm", &kAmazonShipConfirm, ".txt"},
    {"tracking-json", &kTrackingJson, ".json"},
};

}  // namespace

Result<OrderBatch> read_all_orders(ReadOrders read, std::string_view data) {
  OrderBatch batch;
  auto summary = read(data, [&](Order& o) -> Status {
    batch.orders.push_back(std::move(o));
    return {};
  });
  if (!summary) return std::unexpected(summary.error());
  batch.notes = std::move(summary->notes);
  return batch;
}

const OrderFormat* find_order_format(std::string_view name) {
  return find_named(kOrderFormats, name);
}

const TrackingPushFormat* find_push_format(std::string_view name) {
  return find_named(kPushFormats, name);
}

std::string known_order_formats() {
  return names_of(kOrderFormats);
}
std::string known_push_formats() {
  return names_of(kPushFormats);
}

}  // namespace orderd
