// The table in docs/statuses.md, row by row.
#include "core/status.h"

#include <doctest/doctest.h>

using namespace orderd;

namespace {

Po po(std::int64_t id, PoState s) {
  Po p;
  p.id = id;
  p.state = s;
  return p;
}

Line line(std::int64_t po_id, std::int64_t qty, std::int64_t shipped, std::int64_t pushed) {
  Line l;
  l.po_id = po_id;
  l.quantity = qty;
  l.shipped = shipped;
  l.pushed = pushed;
  return l;
}

}  // namespace

TEST_CASE("order status before processing is its state") {
  CHECK(derive_status(OrderState::kNeedsResolve, {}, {}) == OrderStatus::kNeedsResolve);
  CHECK(derive_status(OrderState::kReady, {}, {}) == OrderStatus::kReady);
  CHECK(derive_status(OrderState::kCanceled, {}, {}) == OrderStatus::kCanceled);
}

TEST_CASE("order status from POs and lines") {
  struct Row {
    const char* name;
    std::vector<Po> pos;
    std::vector<Line> lines;
    OrderStatus want;
  };
  const Row rows[] = {
      {"PO being delivered",
       {po(1, PoState::kSending)},
       {line(1, 2, 0, 0)},
       OrderStatus::kProcessed},
      {"PO delivered, nothing shipped",
       {po(1, PoState::kSent)},
       {line(1, 2, 0, 0)},
       OrderStatus::kProcessed},
      {"one line partly shipped",
       {po(1, PoState::kSent)},
       {line(1, 2, 1, 0)},
       OrderStatus::kPartiallyShipped},
      {"one of two POs shipped and pushed",
       {po(1, PoState::kSent), po(2, PoState::kSent)},
       {line(1, 1, 1, 1), line(2, 1, 0, 0)},
       OrderStatus::kPartiallyShipped},
      {"all shipped, none pushed",
       {po(1, PoState::kSent)},
       {line(1, 2, 2, 0)},
       OrderStatus::kShipped},
      {"all shipped, some pushed",
       {po(1, PoState::kSent), po(2, PoState::kSent)},
       {line(1, 1, 1, 1), line(2, 1, 1, 0)},
       OrderStatus::kShipped},
      {"all shipped and pushed",
       {po(1, PoState::kSent)},
       {line(1, 2, 2, 2)},
       OrderStatus::kCompleted},
      {"a failed PO wins",
       {po(1, PoState::kSent), po(2, PoState::kFailed)},
       {line(1, 1, 1, 1), line(2, 1, 0, 0)},
       OrderStatus::kFailed},
      {"cancellation in flight",
       {po(1, PoState::kCancelSending)},
       {line(1, 1, 0, 0)},
       OrderStatus::kProcessed},
      {"all POs canceled",
       {po(1, PoState::kCanceled), po(2, PoState::kCanceled)},
       {line(1, 1, 0, 0), line(2, 1, 0, 0)},
       OrderStatus::kCanceled},
      {"canceled PO's lines do not count",
       {po(1, PoState::kCanceled), po(2, PoState::kSent)},
       {line(1, 1, 0, 0), line(2, 1, 1, 1)},
       OrderStatus::kCompleted},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(derive_status(OrderState::kReady, r.pos, r.lines) == r.want);
  }
}

TEST_CASE("PO status as the operator sees it") {
  std::vector<Line> lines = {line(1, 2, 2, 0), line(2, 1, 0, 0)};
  CHECK(po_status(po(1, PoState::kSent), lines) == OrderStatus::kShipped);
  CHECK(po_status(po(2, PoState::kSent), lines) == OrderStatus::kProcessed);
  CHECK(po_status(po(2, PoState::kFailed), lines) == OrderStatus::kFailed);
  CHECK(po_status(po(2, PoState::kCanceled), lines) == OrderStatus::kCanceled);
}

TEST_CASE("status names round-trip") {
  for (int i = 0; i <= static_cast<int>(OrderStatus::kCanceled); ++i) {
    auto s = static_cast<OrderStatus>(i);
    CHECK(parse_status(to_string(s)) == s);
  }
  CHECK_FALSE(parse_status("shipping").has_value());
}
