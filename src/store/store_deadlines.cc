// The store: supplier deadlines of delivered POs, and the supplier
// scorecards read from them and from the POs' documents and shipments.
#include "store/store_internal.h"

namespace orderd {
using namespace store_detail;

namespace {

constexpr const char* kDeadlineCols =
    "d.po_id, p.number, d.supplier, o.channel || ':' || o.ext_id, d.delivered_at, d.ack_due, "
    "d.ship_due, d.acked_at, d.shipped_at, d.ack_late_at, d.ship_late_at, p.state";

PoDeadline read_deadline(Stmt& s) {
  PoDeadline d;
  d.po_id = s.i64(0);
  d.po = s.text(1);
  d.supplier = s.text(2);
  d.order = s.text(3);
  d.delivered_at = s.i64(4);
  d.ack_due = s.i64(5);
  d.ship_due = s.i64(6);
  d.acked_at = s.i64(7);
  d.shipped_at = s.i64(8);
  d.ack_late_at = s.i64(9);
  d.ship_late_at = s.i64(10);
  d.po_state = parse_po_state(s.text(11)).value_or(PoState::kSent);
  return d;
}

}  // namespace

void Store::add_po_deadlines(std::int64_t doc_id, std::int64_t delivered_at, std::int64_t ack_due,
                             std::int64_t ship_due) {
  auto s = stmt(
      "INSERT OR IGNORE INTO po_deadlines(po_id, supplier, delivered_at, ack_due, ship_due) "
      "SELECT id, supplier, ?, ?, ? FROM pos WHERE document_id=?");
  s << delivered_at << ack_due << ship_due << doc_id;
  s.run();
}

void Store::set_po_acked(std::int64_t po_id, std::int64_t at) {
  auto s = stmt("UPDATE po_deadlines SET acked_at=? WHERE po_id=? AND acked_at=0");
  s << at << po_id;
  s.run();
}

void Store::set_po_shipped(std::int64_t po_id, std::int64_t at) {
  auto s = stmt("UPDATE po_deadlines SET shipped_at=? WHERE po_id=? AND shipped_at=0");
  s << at << po_id;
  s.run();
}

std::vector<PoDeadline> Store::newly_late(std::int64_t now, int limit) {
  auto s = stmt(fmt::format(
      "SELECT {0} FROM po_deadlines d JOIN pos p ON p.id=d.po_id JOIN orders o ON "
      "o.id=p.order_id WHERE d.po_id IN (SELECT po_id FROM po_deadlines WHERE ack_due > 0 AND "
      "acked_at = 0 AND ack_late_at = 0 AND ack_due <= ?1 UNION SELECT po_id FROM po_deadlines "
      "WHERE ship_due > 0 AND shipped_at = 0 AND ship_late_at = 0 AND ship_due <= ?1) ORDER BY "
      "d.po_id LIMIT ?2",
      kDeadlineCols));
  s << now << limit;
  return collect(s, read_deadline);
}

void Store::mark_late(std::int64_t po_id, bool ack, bool ship, std::int64_t now) {
  auto s = stmt(
      "UPDATE po_deadlines SET ack_late_at=CASE WHEN ? THEN ? ELSE ack_late_at END, "
      "ship_late_at=CASE WHEN ? THEN ? ELSE ship_late_at END WHERE po_id=?");
  s << static_cast<std::int64_t>(ack) << now << static_cast<std::int64_t>(ship) << now << po_id;
  s.run();
}

void Store::end_deadlines(std::int64_t po_id) {
  auto s = stmt(
      "UPDATE po_deadlines SET ack_due=CASE WHEN acked_at=0 THEN 0 ELSE ack_due END, "
      "ack_late_at=CASE WHEN acked_at=0 THEN 0 ELSE ack_late_at END, "
      "ship_due=CASE WHEN shipped_at=0 THEN 0 ELSE ship_due END, "
      "ship_late_at=CASE WHEN shipped_at=0 THEN 0 ELSE ship_late_at END WHERE po_id=?");
  s << po_id;
  s.run();
}

std::optional<PoDeadline> Store::po_deadline(std::int64_t po_id) {
  auto s = stmt(fmt::format(
      "SELECT {} FROM po_deadlines d JOIN pos p ON p.id=d.po_id JOIN orders o ON o.id=p.order_id "
      "WHERE d.po_id=?",
      kDeadlineCols));
  s << po_id;
  if (!s.step()) return std::nullopt;
  return read_deadline(s);
}

std::int64_t Store::late_po_count() {
  auto s = stmt(
      "SELECT count(*) FROM po_deadlines WHERE (ack_late_at > 0 AND acked_at = 0) OR "
      "(ship_late_at > 0 AND shipped_at = 0)");
  s.step();
  return s.i64(0);
}

std::vector<std::pair<std::string, std::int64_t>> Store::late_pos_by_supplier() {
  auto s = stmt(
      "SELECT p.supplier, count(*) FROM po_deadlines d JOIN pos p ON p.id=d.po_id WHERE "
      "(d.ack_late_at > 0 AND d.acked_at = 0) OR (d.ship_late_at > 0 AND d.shipped_at = 0) "
      "GROUP BY p.supplier ORDER BY p.supplier");
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.i64(1));
  return out;
}

std::vector<SupplierScore> Store::supplier_scores(std::int64_t since, std::int64_t now) {
  // POs delivered since `since`, each with its deadline row (if its
  // supplier keeps deadlines) and its first shipment.
  auto s = stmt(
      "WITH sent AS (SELECT p.id, p.supplier, p.state, doc.delivered_at FROM pos p JOIN documents "
      "doc ON doc.id=p.document_id WHERE doc.delivered_at >= ?1), first_ship AS (SELECT po_id, "
      "min(received_at) AS at FROM shipments WHERE received_at >= ?1 GROUP BY po_id) "
      "SELECT sent.supplier, sent.state, sent.delivered_at, coalesce(f.at, 0), "
      "coalesce(d.ack_due, 0), coalesce(d.acked_at, 0), coalesce(d.ship_due, 0), "
      "coalesce(d.shipped_at, 0) FROM sent LEFT JOIN first_ship f ON f.po_id=sent.id LEFT JOIN "
      "po_deadlines d ON d.po_id=sent.id ORDER BY sent.supplier");
  s << since;
  std::vector<SupplierScore> out;
  while (s.step()) {
    const std::string supplier = s.text(0);
    if (out.empty() || out.back().supplier != supplier) out.emplace_back().supplier = supplier;
    SupplierScore& sc = out.back();
    ++sc.sent;
    const std::int64_t delivered = s.i64(2), shipped = s.i64(3);
    if (shipped > 0) sc.hours_to_ship.push_back(static_cast<double>(shipped - delivered) / 3600.0);
    const std::int64_t ack_due = s.i64(4), acked = s.i64(5), ship_due = s.i64(6),
                       ship_at = s.i64(7);
    // A deadline counts once it is met or has passed: one still running is
    // neither kept nor missed yet.
    if (ack_due > 0 && (acked > 0 || ack_due <= now)) {
      ++sc.ack_kept;
      if (acked > 0 && acked <= ack_due) ++sc.acked_on_time;
    }
    if (ship_due > 0 && (ship_at > 0 || ship_due <= now)) {
      ++sc.ship_kept;
      if (ship_at > 0 && ship_at <= ship_due) ++sc.shipped_on_time;
    }
  }
  // Rejections of those POs (through each order's events), and deliveries
  // to the supplier given up since then (documents, not only POs).
  auto add = [&](const std::string& supplier) -> SupplierScore& {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const SupplierScore& sc) { return sc.supplier == supplier; });
    if (it != out.end()) return *it;
    auto& added = out.emplace_back();
    added.supplier = supplier;
    return added;
  };
  auto r = stmt(
      "SELECT p.supplier, count(*) FROM pos p JOIN documents doc ON doc.id=p.document_id WHERE "
      "doc.delivered_at >= ? AND EXISTS(SELECT 1 FROM events e WHERE e.order_id=p.order_id AND "
      "e.po_id=p.id AND e.kind='rejected') GROUP BY p.supplier");
  r << since;
  while (r.step()) add(r.text(0)).rejections = r.i64(1);
  r.reset();
  auto f = stmt(
      "SELECT d.party, count(*) FROM attempts a JOIN documents d ON d.id=a.document_id WHERE "
      "a.at >= ? AND a.outcome=? AND d.party_type='supplier' GROUP BY d.party");
  f << since << to_string(DocState::kFailed);
  while (f.step()) add(f.text(0)).failed_deliveries = f.i64(1);
  return out;
}

}  // namespace orderd

namespace orderd {
using namespace store_detail;

std::vector<PoDeadline> Store::late_pos(int limit) {
  auto s = stmt(fmt::format(
      "SELECT {} FROM po_deadlines d JOIN pos p ON p.id=d.po_id JOIN orders o ON o.id=p.order_id "
      "WHERE (d.ack_late_at > 0 AND d.acked_at = 0) OR (d.ship_late_at > 0 AND d.shipped_at = 0) "
      "ORDER BY d.po_id LIMIT ?",
      kDeadlineCols));
  s << limit;
  return collect(s, read_deadline);
}

}  // namespace orderd
