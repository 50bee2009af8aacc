// The operator's actions on one order: resolve, cancel, retry.
#include <fmt/format.h>

#include <algorithm>

#include "core/status.h"
#include "core/transitions.h"
#include "jobs/documents.h"
#include "util/text.h"

namespace orderd {
namespace {

// How every operator action opens: the run lock, a transaction, and the
// order as it is stored now. Rolled back unless commit() is called.
class OrderAction {
 public:
  explicit OrderAction(Runtime& rt) : rt_(rt), lock_(rt), txn_(*rt.store) {}
  Result<Order> begin(std::int64_t order_id) {
    if (auto s = txn_.begin(); !s) return std::unexpected(s.error());
    auto order = rt_.store->load_order(order_id);
    if (!order) return fail(ErrorKind::kNotFound, fmt::format("order id {} vanished", order_id));
    return std::move(*order);
  }
  Status commit() { return txn_.commit(); }

 private:
  Runtime& rt_;
  RunLock lock_;
  Txn txn_;
};

}  // namespace

Result<RunReport> resolve_order(Runtime& rt, std::int64_t order_id,
                                const std::vector<std::pair<std::string, std::string>>& sets) {
  OrderAction action(rt);
  auto order = action.begin(order_id);
  if (!order) return std::unexpected(order.error());
  if (!can_resolve(order->status))
    return fail(ErrorKind::kRefused,
                fmt::format("order {} is {}; only orders in needs_resolve or ready can be changed",
                            order->ext_id, to_string(order->status)));
  for (const auto& [key, value] : sets) {
    if (auto err = check_override(*order, key, value)) return fail(ErrorKind::kInvalid, *err);
    // A supplier named by hand must be one the configuration has.
    if (key.starts_with("line.") && key.ends_with(".supplier") && !rt.cfg->supplier(value)) {
      std::vector<std::string_view> ids;
      for (const auto& s : rt.cfg->suppliers) ids.push_back(s.id);
      auto near = nearest(value, ids);
      return fail(
          ErrorKind::kInvalid,
          fmt::format("{}: no supplier {}{}; the suppliers are {}", key, value,
                      near ? fmt::format(" (did you mean {}?)", *near) : "", fmt::join(ids, ", ")));
    }
  }
  for (const auto& [key, value] : sets) rt.store->set_override(order_id, key, value);
  const auto key = rt.store->find_order_key(order->channel, order->ext_id);
  // Route again from scratch: explicit suppliers come back with the overrides.
  for (auto& l : order->lines) l.supplier.clear();
  apply_overrides(*order, rt.store->load_overrides(order_id));
  const OrderStatus before = order->status;
  order->messages = verify_order(*order, rt.rules);
  order->state = verified_state(false, order->messages);
  order->status = derive_status(order->state, {}, {});
  rt.store->replace_order(*order, key->fingerprint, rt.now());
  std::string what;
  for (const auto& [k, v] : sets) what += fmt::format("{}{}={}", what.empty() ? "" : ", ", k, v);
  rt.store->add_event(order_id, 0, rt.actor, "resolved", to_string(before),
                      to_string(order->status), what.empty() ? "verified again" : "set " + what,
                      rt.now());
  if (auto s = action.commit(); !s) return std::unexpected(s.error());
  RunReport report;
  if (!what.empty()) report.lines.push_back(fmt::format("order {}: set {}", order->ext_id, what));
  if (order->messages.empty())
    report.lines.push_back(fmt::format("order {} is ready", order->ext_id));
  else
    report.problem(
        fmt::format("order {} still needs: {}", order->ext_id, fmt::join(order->messages, "; ")));
  ++report.changed;
  return report;
}

Result<RunReport> cancel_order(Runtime& rt, std::int64_t order_id, std::string_view reason) {
  RunReport report;
  {
    OrderAction action(rt);
    auto order = action.begin(order_id);
    if (!order) return std::unexpected(order.error());
    const std::string why = reason.empty() ? "canceled by the operator" : std::string(reason);
    auto pos = rt.store->load_pos(order_id);
    const CancelPlan plan = plan_cancel(order->status, pos, order->lines);
    using V = CancelPlan::Verdict;
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < plan.pos.size(); ++i)
      if (plan.pos[i] == PoCancel::kKeep && pos[i].state != PoState::kCanceled)
        kept.push_back(pos[i].number);
    switch (plan.verdict) {
      case V::kAlreadyCanceled:
        return fail(ErrorKind::kRefused,
                    fmt::format("order {} is already canceled", order->ext_id));
      case V::kAllShipped:
        for (const auto& po : pos)
          if (po.state != PoState::kCanceled) kept.push_back(po.number);
        return fail(ErrorKind::kRefused,
                    fmt::format("order {}: every PO has shipped ({}); nothing is left to cancel "
                                "(handle returns in the channel)",
                                order->ext_id, fmt::join(kept, ", ")));
      case V::kDeliveryInProgress:
        return fail(ErrorKind::kRefused,
                    fmt::format("order {}: PO {} is being delivered; try again after the next "
                                "sync (`orderctl sync all`)",
                                order->ext_id, plan.busy));
      case V::kCancelOrder: {
        const OrderStatus to = derive_status(kCanceledOrderState, {}, {});
        rt.store->set_order_state(order_id, kCanceledOrderState, to, {why});
        rt.store->add_event(order_id, 0, rt.actor, "status", to_string(order->status),
                            to_string(to), why, rt.now());
        if (auto s = action.commit(); !s) return std::unexpected(s.error());
        report.lines.push_back(
            fmt::format("order {} canceled (it had not been sent to a supplier)", order->ext_id));
        return report;
      }
      case V::kCancelPos:
        break;
    }
    DocumentBuilder docs(rt, PoDocKind::kCancel);
    for (std::size_t i = 0; i < pos.size(); ++i) {
      const Po& po = pos[i];
      if (plan.pos[i] == PoCancel::kKeep) continue;
      if (plan.pos[i] == PoCancel::kCancelNow) {
        rt.store->set_po_state(po.id, po_state_when_canceling(plan.pos[i]), "");
        rt.store->add_event(
            order_id, po.id, rt.actor, "po_canceled", "", "",
            fmt::format("PO {} canceled; it had never reached {}", po.number, po.supplier),
            rt.now());
        continue;
      }
      const SupplierConfig* supplier = rt.cfg->supplier(po.supplier);
      if (!supplier)
        return fail(ErrorKind::kRefused,
                    fmt::format("order {}: PO {} went to supplier {}, which is no longer in the "
                                "configuration; add it back to send the cancellation",
                                order->ext_id, po.number, po.supplier));
      rt.store->set_po_state(po.id, po_state_when_canceling(plan.pos[i]), "");
      rt.store->add_event(
          order_id, po.id, rt.actor, "cancel_requested", "", "",
          fmt::format("cancellation of PO {} queued for {}: {}", po.number, po.supplier, why),
          rt.now());
      docs.open(*supplier);
      docs.add(*order, po);
    }
    const int n = docs.finish();
    (void)refresh_status(rt, order_id, why);
    if (auto s = action.commit(); !s) return std::unexpected(s.error());
    report.lines.push_back(
        fmt::format("order {}: {} queued", order->ext_id, count_of(n, "cancellation document")));
    if (!kept.empty())
      report.lines.push_back(fmt::format("order {}: {} shipped and stays ({})", order->ext_id,
                                         kept.size() == 1 ? "PO " + kept[0] : "POs",
                                         fmt::join(kept, ", ")));
  }
  return report;
}

Result<RunReport> retry_order(Runtime& rt, std::int64_t order_id) {
  RunReport report;
  {
    OrderAction action(rt);
    auto order = action.begin(order_id);
    if (!order) return std::unexpected(order.error());
    int reset = 0;
    for (const auto& d : rt.store->documents_of_order(order_id)) {
      if (!can_retry(d.state)) continue;
      rt.store->set_document_state(d.id, retry_document(), rt.now());
      const bool cancel = d.kind == "cancel";
      if (d.kind == "po" || cancel)
        for (const auto& po :
             cancel ? rt.store->pos_of_cancel_document(d.id) : rt.store->pos_of_document(d.id)) {
          rt.store->set_po_state(po.id, po_state_on_retry(d.kind), "");
          rt.store->add_event(po.order_id, po.id, rt.actor, "retry", "", "",
                              fmt::format("{} queued again for delivery", d.name), rt.now());
          if (po.order_id != order_id) (void)refresh_status(rt, po.order_id, "retry");
        }
      ++reset;
      report.lines.push_back(fmt::format("{} queued again for {}", d.name, d.party));
    }
    if (!reset)
      return fail(ErrorKind::kRefused,
                  fmt::format("order {} has no failed delivery to retry (status {})", order->ext_id,
                              to_string(order->status)));
    (void)refresh_status(rt, order_id, "retry requested");
    if (auto s = action.commit(); !s) return std::unexpected(s.error());
  }
  return report;
}

}  // namespace orderd
