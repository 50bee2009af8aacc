// The store: shipments, unmatched tracking and what was pushed to the
// channels.
#include "store/store_internal.h"

namespace orderd {
using namespace store_detail;

// --- tracking ---

std::optional<Store::PoLines> Store::find_po_lines(std::string_view number) {
  auto s = stmt(
      "SELECT p.id, p.order_id, p.supplier, p.number, p.state, p.error, coalesce(p.document_id, "
      "0), p.created_at, l.id, l.seq, l.sku, l.quantity, l.shipped, l.pushed, s.tracking_number "
      "FROM pos p LEFT JOIN lines l ON l.order_id=p.order_id AND l.po_id=p.id LEFT JOIN "
      "shipments s ON s.line_id=l.id WHERE p.number=? ORDER BY l.seq, s.id");
  s << number;
  std::optional<PoLines> out;
  while (s.step()) {
    if (!out) out.emplace().po = read_po(s);
    if (s.is_null(8)) continue;  // a PO without lines
    const std::int64_t id = s.i64(8);
    if (out->lines.empty() || out->lines.back().id != id) {
      Line l;
      l.id = id;
      l.seq = static_cast<int>(s.i64(9));
      l.sku = s.text(10);
      l.quantity = s.i64(11);
      l.shipped = s.i64(12);
      l.pushed = s.i64(13);
      l.po_id = out->po.id;
      out->lines.push_back(std::move(l));
      out->tracking.emplace_back();
    }
    if (!s.is_null(14)) out->tracking.back().push_back(s.text(14));
  }
  return out;
}

void Store::add_shipment(const Shipment& sh, std::int64_t file_id, std::int64_t now) {
  auto s = stmt(
      "INSERT INTO shipments(po_id, line_id, quantity, carrier, tracking_number, ship_date, "
      "file_id, received_at) VALUES(?,?,?,?,?,?,?,?)");
  s << sh.po_id << sh.line_id << sh.quantity << sh.carrier << sh.tracking_number << sh.ship_date;
  s.id_or_null(file_id) << now;
  s.run();
  auto u = stmt("UPDATE lines SET shipped=shipped+? WHERE id=?");
  u << sh.quantity << sh.line_id;
  u.run();
}

void Store::add_unmatched(const Unmatched& u) {
  auto s = stmt(
      "INSERT INTO unmatched_tracking(at, supplier, po_number, sku, tracking_number, reason, file) "
      "VALUES(?,?,?,?,?,?,?)");
  s << u.at << u.supplier << u.po_number << u.sku << u.tracking_number << u.reason << u.file;
  s.run();
}

std::vector<Unmatched> Store::recent_unmatched(int limit) {
  auto s = stmt(
      "SELECT at, supplier, po_number, sku, tracking_number, reason, file FROM unmatched_tracking "
      "ORDER BY id DESC LIMIT ?");
  s << limit;
  std::vector<Unmatched> out;
  while (s.step())
    out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)});
  return out;
}

namespace {

constexpr const char* kShipCols =
    "SELECT s.id, s.po_id, s.line_id, l.order_id, s.quantity, s.carrier, s.tracking_number, "
    "s.ship_date, coalesce(s.push_document_id, 0), o.ext_id, l.channel_line_id, l.sku "
    "FROM shipments s JOIN lines l ON l.id=s.line_id JOIN orders o ON o.id=l.order_id";

Shipment read_shipment(Stmt& s) {
  Shipment sh;
  sh.id = s.i64(0);
  sh.po_id = s.i64(1);
  sh.line_id = s.i64(2);
  sh.order_id = s.i64(3);
  sh.quantity = s.i64(4);
  sh.carrier = s.text(5);
  sh.tracking_number = s.text(6);
  sh.ship_date = s.text(7);
  sh.push_document_id = s.i64(8);
  sh.order_ext_id = s.text(9);
  sh.channel_line_id = s.text(10);
  sh.sku = s.text(11);
  return sh;
}

}  // namespace

void Store::each_unpushed_shipment(std::string_view channel,
                                   const std::function<void(Shipment&)>& each) {
  auto s = stmt(std::string(kShipCols) +
                " WHERE s.push_document_id IS NULL AND o.channel=? ORDER BY s.id");
  s << channel;
  while (s.step()) {
    Shipment sh = read_shipment(s);
    each(sh);
  }
}

void Store::link_unpushed_shipments(std::string_view channel, std::int64_t doc_id) {
  // Each unpushed shipment's channel looked up by its line: the list of
  // every line of the channel (`line_id IN (SELECT ...)`) read all of
  // history on every push, 61 ms for 10 shipments among 100,000 orders.
  auto s = stmt(
      "UPDATE shipments SET push_document_id=? WHERE push_document_id IS NULL AND EXISTS(SELECT "
      "1 FROM lines l JOIN orders o ON o.id=l.order_id WHERE l.id=shipments.line_id AND "
      "o.channel=?)");
  s << doc_id << channel;
  s.run();
}

std::vector<Shipment> Store::shipments_of_order(std::int64_t order_id) {
  auto s = stmt(std::string(kShipCols) + " WHERE l.order_id=? ORDER BY s.id");
  s << order_id;
  return collect(s, read_shipment);
}

std::vector<std::int64_t> Store::orders_of_push_document(std::int64_t doc_id) {
  auto s = stmt(
      "SELECT DISTINCT l.order_id FROM shipments s JOIN lines l ON l.id=s.line_id WHERE "
      "s.push_document_id=? ORDER BY l.order_id");
  s << doc_id;
  return collect(s, first_id);
}

void Store::add_push_events(std::int64_t doc_id, std::string_view actor, std::string_view kind,
                            std::string_view message, std::int64_t now) {
  auto s = stmt(
      "INSERT INTO events(order_id, at, actor, kind, message) SELECT DISTINCT l.order_id, ?, ?, ?, "
      "? "
      "FROM shipments s JOIN lines l ON l.id=s.line_id WHERE s.push_document_id=?");
  s << now << actor << kind << message << doc_id;
  s.run();
}

void Store::mark_document_pushed(std::int64_t doc_id) {
  auto s = stmt(
      "UPDATE lines SET pushed=pushed+t.q FROM (SELECT line_id, sum(quantity) AS q FROM shipments "
      "WHERE push_document_id=? GROUP BY line_id) AS t WHERE lines.id=t.line_id");
  s << doc_id;
  s.run();
}

}  // namespace orderd
