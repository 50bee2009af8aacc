// The channel formats, in one table.
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
    {"shopify-fulfillment-csv", write_shopify_fulfillment_csv, ".csv"},
    {"amazon-ship-confirm", write_amazon_ship_confirm, ".txt"},
    {"tracking-json", write_tracking_json, ".json"},
};

template <class T, std::size_t N>
std::string names(const T (&table)[N]) {
  std::string out;
  for (const auto& f : table) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

}  // namespace

const OrderFormat* find_order_format(std::string_view name) {
  for (const auto& f : kOrderFormats)
    if (f.name == name) return &f;
  return nullptr;
}

const TrackingPushFormat* find_push_format(std::string_view name) {
  for (const auto& f : kPushFormats)
    if (f.name == name) return &f;
  return nullptr;
}

std::string known_order_formats() {
  return names(kOrderFormats);
}
std::string known_push_formats() {
  return names(kPushFormats);
}

}  // namespace orderd
