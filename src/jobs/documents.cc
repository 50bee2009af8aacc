// Rendering POs into documents per supplier and po.batch (documents.h),
// shared by processing and cancellation.
#include "jobs/documents.h"

#include <fmt/format.h>

#include "core/transitions.h"
#include "util/hash.h"
#include "util/text.h"

namespace orderd {

std::int64_t DocumentBuilder::open(const SupplierConfig& s) {
  auto& b = open_[s.id];
  if (b.writer && s.po.batch == Batch::kOrder) store(s, b);  // one document per PO
  if (!b.writer) {
    b = Open{};
    b.writer = find_po_format(s.po.format)->make(s.po, kind_);
    b.doc_id = rt_.store->open_document(kind_ == PoDocKind::kCancel ? "cancel" : "po", "supplier",
                                        s.id, s.po.format, kNewDocumentState, rt_.now());
  }
  return b.doc_id;
}

void DocumentBuilder::add(const Order& order, const Po& po) {
  const SupplierConfig* s = rt_.cfg->supplier(po.supplier);
  auto& b = open_[s->id];
  PoView v;
  v.order = &order;
  v.po = &po;
  v.supplier_name = s->name;
  v.date = iso_time(po.created_at).substr(0, 10);
  v.shipping = s->shipping.find(order.at(OrderField::kShippingMethod));
  for (const auto& l : order.lines)
    if (l.po_id == po.id) v.lines.push_back(&l);
  b.writer->add(v);
  b.po_ids.push_back(po.id);
  if (b.first_number.empty()) b.first_number = po.number;
}

void DocumentBuilder::store(const SupplierConfig& s, Open& b) {
  const PoFormat* f = find_po_format(s.po.format);
  StoreControlNumbers numbers(*rt_.store);
  const std::string content = b.writer->finish(numbers);
  // batch: order names the file after its PO; batch: run after the document.
  std::string name = s.po.batch == Batch::kOrder
                         ? b.first_number + std::string(f->extension)
                         : fmt::format("{}-{:06}{}", s.id, b.doc_id, f->extension);
  if (kind_ == PoDocKind::kCancel) {
    name = "CANCEL-" + name;
    for (auto id : b.po_ids) rt_.store->set_po_cancel_document(id, b.doc_id);
  }
  rt_.store->fill_document(b.doc_id, name, content, sha256_hex(content));
  b.writer.reset();
  ++written_;
  written_ids_.push_back(b.doc_id);
}

int DocumentBuilder::finish() {
  for (auto& [supplier, b] : open_)
    if (b.writer) store(*rt_.cfg->supplier(supplier), b);
  open_.clear();
  return written_;
}

}  // namespace orderd
