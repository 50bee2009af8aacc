// Processing: ready orders -> one PO per supplier -> documents to deliver.
#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "core/status.h"
#include "core/transitions.h"
#include "jobs/documents.h"
#include "transport/transport.h"
#include "util/crashpoint.h"
#include "util/hash.h"
#include "util/lifecycle.h"
#include "util/text.h"

namespace orderd {

namespace {

struct Rendered {
  int processed = 0, pos_made = 0, written = 0;
  std::vector<std::int64_t> documents;
};

// Splits the ready orders among `order_ids` into POs and renders their
// documents, in the caller's open transaction.
Rendered render(Runtime& rt, const std::vector<std::int64_t>& order_ids, RunReport& report) {
  Rendered out;
  const std::int64_t now = rt.now();
  DocumentBuilder docs(rt, PoDocKind::kOrder);
  const std::int64_t first_po = rt.store->next_po_id();
  // In chunks, so memory stays bounded whatever the number of orders.
  std::vector<std::int64_t> ids(order_ids.begin(), order_ids.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  constexpr std::size_t kChunk = 2048;
  for (std::size_t at = 0; at < ids.size(); at += kChunk) {
    auto chunk = std::span<const std::int64_t>(ids).subspan(at, std::min(kChunk, ids.size() - at));
    heartbeat();
    for (auto& order_value : rt.store->load_orders(chunk)) {
      Order* order = &order_value;
      const std::int64_t id = order->id;
      if (!can_process(order->status)) {
        report.problem(fmt::format(
            "order {} is {}, not ready: not processed{}", order->ext_id, to_string(order->status),
            order->status == OrderStatus::kNeedsResolve
                ? fmt::format(" (see `orderctl show {}` for what it needs)", order->ext_id)
                : ""));
        continue;
      }
      // Suppliers in the order of their first line.
      std::vector<std::string> suppliers;
      for (const auto& l : order->lines)
        if (std::find(suppliers.begin(), suppliers.end(), l.supplier) == suppliers.end())
          suppliers.push_back(l.supplier);
      bool ok = true;
      for (const auto& s : suppliers)
        if (!rt.cfg->supplier(s)) {
          report.problem(
              fmt::format("order {}: supplier {} is no longer configured; run "
                          "`orderctl resolve {}` to route it again",
                          order->ext_id, s, order->ext_id));
          ok = false;
        }
      if (!ok) continue;
      for (const auto& s : suppliers) {
        const std::int64_t doc = docs.open(*rt.cfg->supplier(s));
        Po po = rt.store->create_po(id, s, rt.cfg->po_prefix, doc, kNewPoState, now);
        for (auto& l : order->lines)
          if (l.supplier == s) l.po_id = po.id;
        docs.add(*order, po);
        ++out.pos_made;
      }
      ++out.processed;
    }
  }
  out.written = docs.finish();
  out.documents = docs.documents();
  rt.store->finish_processing(first_po, kProcessedStatus, rt.actor, now);
  return out;
}

}  // namespace

RunReport process_orders(Runtime& rt, const std::vector<std::int64_t>& order_ids) {
  RunLock lock(rt);
  RunReport report;
  Txn txn(*rt.store);
  if (auto s = txn.begin(); !s) {
    report.problem(s.error().message());
    return report;
  }
  const Rendered r = render(rt, order_ids, report);
  crashpoint("process.before_commit");
  if (auto s = txn.commit(); !s) {
    report.problem(fmt::format("processing not saved: {}", s.error().message()));
    return report;
  }
  crashpoint("process.after_commit");
  report.changed += r.processed;
  if (r.processed)
    report.lines.push_back(fmt::format("processed {} into {} in {}", count_of(r.processed, "order"),
                                       count_of(r.pos_made, "PO"),
                                       count_of(r.written, "document")));
  return report;
}

Result<std::vector<DryRunDocument>> dry_run_orders(Runtime& rt,
                                                   const std::vector<std::int64_t>& order_ids,
                                                   RunReport& report) {
  RunLock lock(rt);
  Txn txn(*rt.store);
  if (auto s = txn.begin(); !s) return std::unexpected(s.error());
  // Exactly what a real run renders, PO numbers and X12 control numbers
  // included; then rolled back, so none of them is spent.
  const Rendered r = render(rt, order_ids, report);
  std::vector<DryRunDocument> out;
  for (auto id : r.documents) {
    auto d = rt.store->load_document(id);
    if (!d) continue;
    DryRunDocument dd;
    dd.party = d->party;
    dd.name = d->name;
    dd.content = std::move(d->content);
    if (const SupplierConfig* s = rt.cfg->supplier(d->party)) {
      if (auto t = make_transport(s->transport))
        dd.where = (*t)->describe();
      else
        dd.where = t.error().message();
    }
    out.push_back(std::move(dd));
  }
  rt.store->rollback();
  report.lines.push_back(fmt::format(
      "dry run: {} would become {} in {}; nothing was sent, no status changed, no number spent",
      count_of(r.processed, "order"), count_of(r.pos_made, "PO"), count_of(r.written, "document")));
  return out;
}

}  // namespace orderd
