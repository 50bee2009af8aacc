// Processing: ready orders -> one PO per supplier -> documents to deliver.
#include <fmt/format.h>

#include <algorithm>

#include "core/status.h"
#include "jobs/documents.h"
#include "util/crashpoint.h"
#include "util/hash.h"
#include "util/text.h"

namespace orderd {
namespace {

std::string document_name(const Document& d, std::int64_t id) {
  // d.name holds the extension and, for one-PO documents, the PO number.
  const std::string prefix = d.kind == "cancel" ? "CANCEL-" : "";
  if (!d.name.starts_with('.')) return prefix + d.name;
  return fmt::format("{}{}-{:06}{}", prefix, d.party, id, d.name);
}

}  // namespace

void DocumentBuilder::add(const Order& order, const Po& po) {
  const SupplierConfig* s = rt_.cfg->supplier(po.supplier);
  const PoFormat* f = find_po_format(s->po.format);
  PoView v;
  v.order = &order;
  v.po = &po;
  v.supplier_name = s->name;
  v.date = iso_time(po.created_at).substr(0, 10);
  for (const auto& l : order.lines)
    if (l.po_id == po.id) v.lines.push_back(&l);
  if (s->po.batch == Batch::kOrder) {
    Open b{f->make(s->po, kind_), {po.id}, po.number};
    b.writer->add(v);
    store(*s, b);
    return;
  }
  auto& b = open_[s->id];
  if (!b.writer) b.writer = f->make(s->po, kind_);
  b.writer->add(v);
  b.po_ids.push_back(po.id);
}

void DocumentBuilder::store(const SupplierConfig& s, Open& b) {
  const PoFormat* f = find_po_format(s.po.format);
  Document d;
  d.kind = kind_ == PoDocKind::kCancel ? "cancel" : "po";
  d.party_type = "supplier";
  d.party = s.id;
  d.format = s.po.format;
  d.content = b.writer->finish();
  d.sha256 = sha256_hex(d.content);
  d.created_at = rt_.now();
  d.name = s.po.batch == Batch::kOrder ? b.first_number + std::string(f->extension)
                                       : std::string(f->extension);
  rt_.store->insert_document(d, document_name);
  for (auto id : b.po_ids) {
    if (kind_ == PoDocKind::kCancel)
      rt_.store->set_po_cancel_document(id, d.id);
    else
      rt_.store->set_po_document(id, d.id);
  }
  ++written_;
}

int DocumentBuilder::finish() {
  for (auto& [supplier, b] : open_) store(*rt_.cfg->supplier(supplier), b);
  open_.clear();
  return written_;
}

RunReport process_orders(Runtime& rt, const std::vector<std::int64_t>& order_ids) {
  RunLock lock(rt);
  RunReport report;
  Txn txn(*rt.store);
  if (auto s = txn.begin(); !s) {
    report.lines.push_back(s.error().message());
    ++report.failed;
    return report;
  }
  const std::int64_t now = rt.now();
  DocumentBuilder docs(rt, PoDocKind::kOrder);
  int processed = 0, pos_made = 0;
  for (auto id : order_ids) {
    auto order = rt.store->load_order(id);
    if (!order) continue;
    if (order->status != OrderStatus::kReady) {
      report.lines.push_back(fmt::format("order {} is {}, not ready; skipped", order->ext_id, to_string(order->status)));
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
        report.lines.push_back(fmt::format("order {}: supplier {} is no longer configured; run "
                                           "`orderctl resolve {}` to route it again",
                                           order->ext_id, s, order->ext_id));
        ok = false;
      }
    if (!ok) {
      ++report.failed;
      continue;
    }
    std::string split;
    for (const auto& s : suppliers) {
      Po po = rt.store->create_po(id, s, rt.cfg->po_prefix, now);
      for (auto& l : order->lines)
        if (l.supplier == s) l.po_id = po.id;
      docs.add(*order, po);
      split += fmt::format("{}{} to {}", split.empty() ? "" : ", ", po.number, s);
      ++pos_made;
    }
    rt.store->set_order_status(id, OrderStatus::kProcessed, {});
    rt.store->add_event(id, 0, rt.actor, "status", to_string(order->status), "processed",
                        "split into " + split, now);
    ++processed;
  }
  const int written = docs.finish();
  rt.store->number_pos(rt.cfg->po_prefix);
  crashpoint("process.before_commit");
  if (auto s = txn.commit(); !s) {
    report.lines.push_back(fmt::format("processing not saved: {}", s.error().message()));
    ++report.failed;
    return report;
  }
  crashpoint("process.after_commit");
  report.changed += processed;
  if (processed)
    report.lines.push_back(fmt::format("processed {} orders into {} POs in {} documents", processed, pos_made, written));
  report.add(deliver_due(rt));
  return report;
}

}  // namespace orderd
