#include "core/status.h"

namespace orderd {
namespace {

// Shipping progress of the lines that belong to POs in `live`.
OrderStatus shipping_status(std::span<const Line> lines, auto&& counts) {
  bool any = false, all_shipped = true, all_pushed = true, any_shipped = false;
  for (const auto& l : lines) {
    if (!counts(l)) continue;
    any = true;
    if (l.shipped > 0) any_shipped = true;
    if (l.shipped < l.quantity) all_shipped = false;
    if (l.pushed < l.quantity) all_pushed = false;
  }
  if (!any || !any_shipped) return OrderStatus::kProcessed;
  if (!all_shipped) return OrderStatus::kPartiallyShipped;
  return all_pushed ? OrderStatus::kCompleted : OrderStatus::kShipped;
}

}  // namespace

OrderStatus derive_status(OrderState state, std::span<const Po> pos, std::span<const Line> lines) {
  if (pos.empty()) {
    switch (state) {
      case OrderState::kNeedsResolve:
        return OrderStatus::kNeedsResolve;
      case OrderState::kReady:
        return OrderStatus::kReady;
      case OrderState::kCanceled:
        return OrderStatus::kCanceled;
    }
  }
  bool any_live = false;
  for (const auto& po : pos) {
    if (po.state == PoState::kFailed) return OrderStatus::kFailed;
    if (po.state != PoState::kCanceled) any_live = true;
  }
  if (!any_live) return OrderStatus::kCanceled;
  auto live = [&](const Line& l) {
    for (const auto& po : pos)
      if (po.id == l.po_id) return po.state != PoState::kCanceled;
    return false;
  };
  return shipping_status(lines, live);
}

OrderStatus po_status(const Po& po, std::span<const Line> lines) {
  switch (po.state) {
    case PoState::kFailed:
      return OrderStatus::kFailed;
    case PoState::kCanceled:
      return OrderStatus::kCanceled;
    case PoState::kSending:
    case PoState::kCancelSending:
      return OrderStatus::kProcessed;
    case PoState::kSent:
      break;
  }
  return shipping_status(lines, [&](const Line& l) { return l.po_id == po.id; });
}

}  // namespace orderd
