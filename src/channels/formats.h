// Channel formats: order readers (channel export -> orders) and tracking
// writers (shipments -> the file the channel imports). Each format is one
// file; registry.cc lists them in one table.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/order.h"
#include "util/error.h"

namespace orderd {

struct OrderBatch {
  std::vector<Order> orders;
  std::vector<std::string> notes;  // lines skipped and why (gift cards, already fulfilled)
};

// Receives the orders of an export one at a time; an error it returns stops
// the reading and is the reader's result.
using OrderSink = std::function<Status(Order& order)>;

struct ReadSummary {
  std::size_t orders = 0;          // how many reached the sink
  std::vector<std::string> notes;  // lines skipped and why (gift cards, already fulfilled)
};

// Reads a whole export and hands each order to `sink`, in the order of the
// export, with channel-level fields and lines (seq numbered from 1); channel
// is set by the caller. `data` must outlive the call only. Errors name line
// and column; any error rejects the whole file (the row-per-line readers
// check every row before the first order reaches the sink; the caller rolls
// back what its sink did when the result is an error).
using ReadOrders = Result<ReadSummary> (*)(std::string_view data, const OrderSink& sink);

// Every order of `data` at once, for tests, fuzzing and small files.
Result<OrderBatch> read_all_orders(ReadOrders read, std::string_view data);

// One shipped line to report to the channel.
struct PushLine {
  std::string order_id;         // channel's order id
  std::string channel_line_id;  // channel's line item id (may be empty)
  std::string sku;
  std::int64_t quantity = 0;
  std::string carrier;
  std::string tracking_number;
  std::string ship_date;  // YYYY-MM-DD
};

// A tracking file, written one shipped line at a time so that a push of
// every line of 100,000 orders never holds them all: `start`, `line` for
// each (`n` counting from 0), then `end` with how many there were.
struct TrackingWriter {
  void (*start)(std::string& out);
  void (*line)(std::string& out, const PushLine& l, std::size_t n);
  void (*end)(std::string& out, std::size_t count);
};

struct OrderFormat {
  std::string_view name;
  ReadOrders read;
  std::string_view default_push;  // tracking writer used when tracking_push.format is unset
};

struct TrackingPushFormat {
  std::string_view name;
  const TrackingWriter* write;
  std::string_view extension;  // ".csv"
};

// nullptr and the known names for an error message, if `name` is unknown.
const OrderFormat* find_order_format(std::string_view name);
const TrackingPushFormat* find_push_format(std::string_view name);
std::string known_order_formats();
std::string known_push_formats();

// The formats (each defined in its own file), and each whole at once.
Result<ReadSummary> read_shopify_csv(std::string_view data, const OrderSink& sink);
Result<ReadSummary> read_amazon_tsv(std::string_view data, const OrderSink& sink);
Result<ReadSummary> read_orders_json(std::string_view data, const OrderSink& sink);
inline Result<OrderBatch> read_shopify_csv(std::string_view data) {
  return read_all_orders(read_shopify_csv, data);
}
inline Result<OrderBatch> read_amazon_tsv(std::string_view data) {
  return read_all_orders(read_amazon_tsv, data);
}
inline Result<OrderBatch> read_orders_json(std::string_view data) {
  return read_all_orders(read_orders_json, data);
}
extern const TrackingWriter kShopifyFulfillmentCsv, kAmazonShipConfirm, kTrackingJson;
// A whole file of `lines`.
std::string write_tracking(const TrackingWriter& w, std::span<const PushLine> lines);
std::string write_shopify_fulfillment_csv(std::span<const PushLine> lines);
std::string write_amazon_ship_confirm(std::span<const PushLine> lines);
std::string write_tracking_json(std::span<const PushLine> lines);

}  // namespace orderd
