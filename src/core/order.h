// The order model: what a channel reader produces, what the store keeps and
// what the mappers render. Plain values; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fields.h"

namespace orderd {

// What an order's status is before it is split into POs. After that the
// status follows from its POs and lines (status.h).
enum class OrderState : std::uint8_t { kNeedsResolve, kReady, kCanceled };

// The statuses an operator sees, exactly these eight.
enum class OrderStatus : std::uint8_t {
  kNeedsResolve,
  kReady,
  kProcessed,
  kPartiallyShipped,
  kShipped,
  kCompleted,
  kFailed,
  kCanceled,
};

// Delivery state of one PO document at its supplier.
enum class PoState : std::uint8_t {
  kSending,        // rendered and recorded; delivery not yet confirmed
  kSent,           // the supplier has it
  kFailed,         // delivery or the supplier rejected it; `error` says why
  kCancelSending,  // a cancellation is being delivered
  kCanceled,       // canceled (sent to the supplier, or never delivered)
};

// Delivery state of one document (a PO batch, a cancellation, an
// acknowledgment, a tracking push) at its destination.
enum class DocState : std::uint8_t { kPending, kSending, kDelivered, kFailed };

struct Line {
  std::int64_t id = 0;
  int seq = 0;  // 1-based position in the order as the channel listed it
  std::string channel_line_id;
  std::string sku;
  std::string name;
  std::string price;
  std::int64_t quantity = 0;
  std::string supplier;  // routed supplier id; empty until routed
  std::int64_t po_id = 0;
  std::int64_t shipped = 0;  // quantity the supplier reported shipped
  std::int64_t pushed = 0;   // quantity whose tracking reached the channel
};

struct Order {
  std::int64_t id = 0;  // store's id
  std::string channel;
  std::string ext_id;  // the channel's order id, e.g. "#1001"
  std::array<std::string, kOrderFieldCount> f;
  std::vector<Line> lines;
  bool canceled_in_channel = false;

  // Filled by the store.
  OrderState state = OrderState::kNeedsResolve;
  OrderStatus status = OrderStatus::kNeedsResolve;
  std::vector<std::string> messages;
  std::int64_t imported_at = 0;  // when orderd first took it (seconds since the epoch)

  std::string& at(OrderField k) { return f[static_cast<std::size_t>(k)]; }
  const std::string& at(OrderField k) const { return f[static_cast<std::size_t>(k)]; }

  // A hash of everything the channel said about the order, to tell whether a
  // re-imported order changed.
  std::string fingerprint() const;
};

struct Po {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::string supplier;
  std::string number;
  PoState state = PoState::kSending;
  std::string error;
  std::int64_t document_id = 0;
  std::int64_t created_at = 0;
};

// What the store knows of an order by its channel and id, enough to decide
// what a re-import does (core/transitions.h).
struct StoredOrderKey {
  std::int64_t id = 0;
  std::string fingerprint;
  OrderState state = OrderState::kNeedsResolve;
  OrderStatus status = OrderStatus::kNeedsResolve;
  int po_count = 0;
};

// Operator corrections kept apart from the channel's data, so a re-import
// does not undo them. Keys are field names ("ship_to.phone") or
// "line.N.sku" / "line.N.supplier" (N = Line::seq).
using Overrides = std::map<std::string, std::string, std::less<>>;

// Applies `ov` to `order`. Unknown keys are ignored (they were validated when set).
void apply_overrides(Order& order, const Overrides& ov);

// Checks an override key and value; returns an operator-readable error.
std::optional<std::string> check_override(const Order& order, std::string_view key,
                                          std::string_view value);

const char* to_string(OrderStatus s);
std::optional<OrderStatus> parse_status(std::string_view s);
// The status an operator most likely meant by `s` ("cancelled" -> canceled,
// "done" -> completed), by meaning first and by spelling second.
std::optional<std::string> suggest_status(std::string_view s);
const char* to_string(OrderState s);
std::optional<OrderState> parse_order_state(std::string_view s);
const char* to_string(PoState s);
std::optional<PoState> parse_po_state(std::string_view s);
const char* to_string(DocState s);
std::optional<DocState> parse_doc_state(std::string_view s);

}  // namespace orderd
