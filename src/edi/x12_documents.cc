// The transaction-set collector: begins a set, hands each segment to its
// set's reader (x12_856.cc, x12_855.cc, x12_997.cc), and ends it; and
// check_stream, which reads, validates and collects a whole file.
#include "edi/x12_documents.h"

#include <fmt/format.h>

#include <algorithm>

namespace orderd::x12 {

std::string ShippedItem::id(std::initializer_list<std::string_view> preference) const {
  for (auto q : preference)
    for (const auto& [k, v] : ids)
      if (k == q) return v;
  return ids.empty() ? std::string() : ids.front().second;
}

std::string ShippedItem::id(std::span<const std::string> preference) const {
  for (const auto& q : preference)
    for (const auto& [k, v] : ids)
      if (k == q) return v;
  return ids.empty() ? std::string() : ids.front().second;
}

ShippedItem ShippedItemView::to_item() const {
  ShippedItem i;
  i.po_number = po_number;
  for (const auto& [q, v] : ids) i.ids.emplace_back(q, v);
  i.quantity = quantity;
  i.unit = unit;
  i.tracking = tracking;
  i.tracking_source = tracking_source;
  i.carrier = carrier;
  i.ship_date = ship_date;
  i.hl_path = hl_path;
  i.segment = segment;
  return i;
}

void DocumentCollector::begin(const Envelope& env) {
  // Only what the previous set used is reset; the envelope is copied whole
  // only when an ISA or GS changed it.
  cur_.problems.clear();
  if (kind_ == Kind::k856) {  // still the previous set's kind
    cur_.ship_notice.shipment_id.clear();
    cur_.ship_notice.date.clear();
    cur_.ship_notice.items.clear();
  } else if (kind_ == Kind::k855) {
    cur_.po_ack = PoAck{};
  } else if (kind_ == Kind::kAck) {
    cur_.functional_ack = FunctionalAck{};
  }
  if (env.serial != cur_.env.serial || env.serial == 0) {
    cur_.env = env;
  } else {
    if (cur_.env.st01 != env.st01) cur_.env.st01 = env.st01;  // usually the same
    cur_.env.st02 = env.st02;
  }
  switch (tag_code(env.st01)) {
    case "856"_tag:
      kind_ = Kind::k856;
      break;
    case "855"_tag:
      kind_ = Kind::k855;
      break;
    case "997"_tag:
    case "999"_tag:
      kind_ = Kind::kAck;
      break;
    default:
      kind_ = Kind::kOther;
  }
  arena_size_ = 0;
  levels_.clear();
  items_.clear();
  id_spans_.clear();
  views_.clear();
  last_order_ = SIZE_MAX;
  shipment_carrier_ = shipment_ref_ = ship_date_ = Span{};
  finished_ = false;
  set_ack_ = nullptr;
}

void DocumentCollector::end(bool envelope_ok) {
  // A set cut short (no SE) still shows the items read so far.
  if (kind_ == Kind::k856 && !finished_) finish_856();
  cur_.envelope_ok = envelope_ok;
  if (on_set)
    on_set(cur_);
  else
    sets.push_back(cur_);
  set_ack_ = nullptr;
  views_.clear();
}

bool FileReport::ok() const {
  return content_problems.empty() &&
         std::none_of(problems.begin(), problems.end(), [](const Problem& p) { return p.error; });
}

FileReport check_stream(std::unique_ptr<Source> source, bool collect, std::size_t chunk) {
  FileReport out;
  DocumentCollector collector;
  collector.keep_items = collect;
  collector.on_set = [&](const TransactionSet& s) {
    for (const auto& p : s.problems)
      out.content_problems.push_back(
          fmt::format("set {} (ST02 {}): {}", s.env.st01, s.env.st02, p));
    out.items +=
        collector.item_views().size() + s.po_ack.lines.size() + s.functional_ack.sets.size();
    if (collect) out.sets.push_back(s);
  };
  Validator v(&collector, /*keep_history=*/collect);
  Reader r(std::move(source), chunk);
  Segment seg;
  for (;;) {
    auto more = r.next(seg);
    if (!more) {
      v.fail(more.error().message());
      break;
    }
    if (!*more) break;
    v.segment(seg, r.delimiters());
    if (collect && seg.code == "TA1"_tag && !v.interchange_headers().empty())
      out.interchange_acks.push_back({v.interchange_headers().back(), std::string(seg.at(1)),
                                      std::string(seg.at(4)), std::string(seg.at(5)), seg.line});
  }
  v.finish();
  out.problems = v.problems();
  out.interchanges = v.interchanges();
  out.groups = v.groups();
  out.set_count = v.sets();
  out.segments = v.segments();
  out.bytes = r.bytes_read();
  out.groups_seen = v.group_summaries();
  out.headers = v.interchange_headers();
  return out;
}

}  // namespace orderd::x12
