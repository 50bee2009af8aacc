#include "core/transitions.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/status.h"

namespace orderd {

ImportAction import_action(const StoredOrderKey* stored, std::string_view fingerprint,
                           bool canceled_in_channel) {
  if (!stored) return ImportAction::kAdd;
  if (stored->fingerprint == fingerprint) return ImportAction::kUnchanged;
  // Once split into POs, the suppliers have it; an order canceled here stays
  // canceled unless the channel cancels it too.
  if (stored->po_count > 0 || (stored->state == OrderState::kCanceled && !canceled_in_channel))
    return ImportAction::kReport;
  return ImportAction::kUpdate;
}

OrderState verified_state(bool canceled_in_channel, std::span<const std::string> messages) {
  if (canceled_in_channel) return OrderState::kCanceled;
  return messages.empty() ? OrderState::kReady : OrderState::kNeedsResolve;
}

bool can_resolve(OrderStatus s) {
  return s == OrderStatus::kNeedsResolve || s == OrderStatus::kReady;
}

bool can_process(OrderStatus s) {
  return s == OrderStatus::kReady;
}

bool interrupted(DocState s) {
  return s == DocState::kSending;
}

DocumentUpdate attempt_started(int spent) {
  DocumentUpdate u;
  u.state = DocState::kSending;
  u.attempts = spent + 1;
  return u;
}

DocumentUpdate attempt_delivered(int spent) {
  DocumentUpdate u;
  u.state = DocState::kDelivered;
  u.attempts = spent;
  u.delivered_now = true;
  return u;
}

std::int64_t retry_delay(std::int64_t base, int attempt, double jitter) {
  const int doublings = std::clamp(attempt - 1, 0, 16);
  const double d = static_cast<double>(std::max<std::int64_t>(base, 0)) *
                   static_cast<double>(1LL << doublings) * std::clamp(jitter, 0.0, 2.0);
  return static_cast<std::int64_t>(d);
}

DocumentUpdate attempt_failed(int attempt, int spent, std::string error, bool transient,
                              int max_attempts, std::int64_t now, std::int64_t backoff) {
  DocumentUpdate u;
  u.attempts = spent;
  u.error = std::move(error);
  if (!transient || attempt >= max_attempts) {
    u.state = DocState::kFailed;
  } else {
    u.state = DocState::kPending;
    u.next_attempt_at = now + std::max<std::int64_t>(backoff, 0);
  }
  return u;
}

PoState po_state_after(std::string_view doc_kind, bool delivered) {
  if (!delivered) return PoState::kFailed;
  return doc_kind == "cancel" ? PoState::kCanceled : PoState::kSent;
}

std::optional<PoState> po_state_after_notice(PoState current, bool rejected) {
  if (rejected && (current == PoState::kSent || current == PoState::kSending))
    return PoState::kFailed;
  return std::nullopt;
}

bool accepts_shipment(PoState s) {
  return s != PoState::kCanceled;
}

ShipmentSplit split_shipment(std::int64_t open, std::int64_t reported) {
  open = std::max<std::int64_t>(open, 0);
  if (reported < 0) return {open, 0};
  if (reported > open) return {open, reported - open};
  return {reported, 0};
}

std::size_t shipment_line(std::span<const Line> lines, std::string_view sku) {
  std::size_t first = kNoLine;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].sku != sku) continue;
    if (lines[i].shipped < lines[i].quantity) return i;
    if (first == kNoLine) first = i;
  }
  return first;
}

CancelPlan plan_cancel(OrderStatus status, std::span<const Po> pos, std::span<const Line> lines) {
  CancelPlan plan;
  using V = CancelPlan::Verdict;
  if (status == OrderStatus::kCanceled) {
    plan.verdict = V::kAlreadyCanceled;
    return plan;
  }
  if (pos.empty()) {
    plan.verdict = V::kCancelOrder;
    return plan;
  }
  auto shipped = [&](const Po& po) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const Line& l) { return l.po_id == po.id && l.shipped > 0; });
  };
  bool any_left = false;
  for (const auto& po : pos) {
    if (po.state == PoState::kCanceled || shipped(po)) {
      plan.pos.push_back(PoCancel::kKeep);
      continue;
    }
    any_left = true;
    if (po.state == PoState::kSending || po.state == PoState::kCancelSending) {
      plan.verdict = V::kDeliveryInProgress;
      plan.busy = po.number;
      plan.pos.clear();
      return plan;
    }
    plan.pos.push_back(po.state == PoState::kFailed ? PoCancel::kCancelNow
                                                    : PoCancel::kSendCancellation);
  }
  if (!any_left) {
    plan.verdict = V::kAllShipped;
    plan.pos.clear();
    return plan;
  }
  plan.verdict = V::kCancelPos;
  return plan;
}

PoState po_state_when_canceling(PoCancel c) {
  return c == PoCancel::kSendCancellation ? PoState::kCancelSending : PoState::kCanceled;
}

bool can_retry(DocState s) {
  return s == DocState::kFailed;
}

DocumentUpdate retry_document() {
  return DocumentUpdate{};  // pending, no attempt spent, due now
}

PoState po_state_on_retry(std::string_view doc_kind) {
  return doc_kind == "cancel" ? PoState::kCancelSending : PoState::kSending;
}

StatusView order_status_view(OrderState state, std::span<const std::string> verify_messages,
                             std::span<const Po> pos, std::span<const Line> lines) {
  StatusView v;
  v.status = derive_status(state, pos, lines);
  if (v.status == OrderStatus::kNeedsResolve || (pos.empty() && v.status == OrderStatus::kCanceled))
    v.messages.assign(verify_messages.begin(), verify_messages.end());
  for (const auto& po : pos)
    if (po.state == PoState::kFailed)
      v.messages.push_back(fmt::format("PO {} ({}): {}", po.number, po.supplier, po.error));
  return v;
}

}  // namespace orderd
