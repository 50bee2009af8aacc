// The store: POs, what an order's status is computed from, and how POs
// travelled as X12.
#include "store/store_internal.h"

namespace orderd {
using namespace store_detail;

// --- POs ---

Po Store::create_po(std::int64_t order_id, std::string_view supplier, std::string_view prefix,
                    std::int64_t doc_id, PoState state, std::int64_t now) {
  Po po;
  po.id = next_po_id();
  ++next_po_id_;
  // Must equal number_pos()'s printf('%06d').
  po.number = fmt::format("{}{:06}", prefix, po.id);
  auto s = stmt(
      "INSERT INTO pos(id, order_id, supplier, number, state, document_id, created_at) "
      "VALUES(?,?,?,?,?,?,?)");
  s << po.id << order_id << supplier << po.number << to_string(state);
  s.id_or_null(doc_id) << now;
  s.run();
  po.order_id = order_id;
  po.document_id = doc_id;
  po.supplier = supplier;
  po.state = state;
  po.created_at = now;
  return po;
}

std::int64_t Store::next_po_id() {
  if (next_po_id_ == 0) {
    // Ids (and so PO numbers) are never reused: POs are never deleted.
    auto q = stmt(
        "SELECT max(coalesce((SELECT max(id) FROM pos), 0), coalesce((SELECT value FROM meta "
        "WHERE key='floor.po'), 0))");
    q.step();
    next_po_id_ = q.i64(0) + 1;
  }
  return next_po_id_;
}

void Store::finish_processing(std::int64_t first_po_id, OrderStatus status, std::string_view actor,
                              std::int64_t now) {
  auto lines = stmt(
      "UPDATE lines SET po_id=(SELECT p.id FROM pos p WHERE p.order_id=lines.order_id AND "
      "p.supplier=lines.supplier AND p.id>=?1) WHERE po_id IS NULL AND order_id IN (SELECT "
      "order_id FROM pos WHERE id>=?1)");
  lines << first_po_id;
  lines.run();
  auto ev = stmt(
      "INSERT INTO events(order_id, at, actor, kind, from_status, to_status, message) "
      "SELECT o.id, ?2, ?3, 'status', o.status, ?4, 'split into '||(SELECT "
      "group_concat(p.number||' to '||p.supplier, ', ') FROM pos p WHERE p.order_id=o.id AND "
      "p.id>=?1) FROM orders o WHERE o.id IN (SELECT order_id FROM pos WHERE id>=?1)");
  ev << first_po_id << now << actor << to_string(status);
  ev.run();
  auto st = stmt(
      "UPDATE orders SET status=?, messages='' WHERE id IN (SELECT order_id FROM pos "
      "WHERE id>=?)");
  st << to_string(status) << first_po_id;
  st.run();
}

void Store::set_po_state(std::int64_t po_id, PoState state, std::string_view error) {
  auto s = stmt("UPDATE pos SET state=?, error=? WHERE id=?");
  s << to_string(state) << error << po_id;
  s.run();
}

void Store::set_po_cancel_document(std::int64_t po_id, std::int64_t doc_id) {
  auto s = stmt("UPDATE pos SET cancel_document_id=? WHERE id=?");
  s.id_or_null(doc_id) << po_id;
  s.run();
}

namespace {

constexpr const char* kPoCols =
    "SELECT id, order_id, supplier, number, state, error, coalesce(document_id, 0), created_at "
    "FROM pos";

}  // namespace

Po store_detail::read_po(Stmt& s) {
  Po p;
  p.id = s.i64(0);
  p.order_id = s.i64(1);
  p.supplier = s.text(2);
  p.number = s.text(3);
  p.state = parse_po_state(s.text(4)).value_or(PoState::kFailed);
  p.error = s.text(5);
  p.document_id = s.i64(6);
  p.created_at = s.i64(7);
  return p;
}

std::vector<Po> Store::load_pos(std::int64_t order_id) {
  auto s = stmt(std::string(kPoCols) + " WHERE order_id=? ORDER BY id");
  s << order_id;
  return collect(s, read_po);
}

std::optional<Po> Store::find_po(std::string_view number) {
  auto s = stmt(std::string(kPoCols) + " WHERE number=?");
  s << number;
  if (!s.step()) return std::nullopt;
  return read_po(s);
}

std::vector<Po> Store::pos_of_document(std::int64_t doc_id) {
  auto s = stmt(std::string(kPoCols) + " WHERE document_id=? ORDER BY id");
  s << doc_id;
  return collect(s, read_po);
}

std::vector<Po> Store::pos_of_cancel_document(std::int64_t doc_id) {
  auto s = stmt(std::string(kPoCols) + " WHERE cancel_document_id=? ORDER BY id");
  s << doc_id;
  return collect(s, read_po);
}

void Store::set_document_pos_state(std::int64_t doc_id, PoState state, std::string_view actor,
                                   std::string_view message, std::int64_t now) {
  auto e = stmt(
      "INSERT INTO events(order_id, po_id, at, actor, kind, message) SELECT order_id, id, ?, ?, "
      "'delivered', 'PO '||number||' '||? FROM pos WHERE document_id=? AND state<>?");
  e << now << actor << message << doc_id << to_string(state);
  e.run();
  auto s = stmt("UPDATE pos SET state=?, error='' WHERE document_id=?");
  s << to_string(state) << doc_id;
  s.run();
}

std::optional<Store::StatusInputs> Store::status_inputs(std::int64_t order_id) {
  auto all = status_inputs(std::span<const std::int64_t>(&order_id, 1));
  if (all.empty()) return std::nullopt;
  return std::move(all.front().second);
}

std::vector<std::pair<std::int64_t, Store::StatusInputs>> Store::status_inputs(
    std::span<const std::int64_t> ids) {
  std::vector<std::pair<std::int64_t, StatusInputs>> out;
  for (std::size_t at = 0; at < ids.size(); at += kInChunk) {
    // One query: each order's state with each of its lines and the line's PO.
    auto q = stmt(
        "SELECT o.id, o.state, o.status, o.messages, coalesce(l.po_id, 0), l.quantity, l.shipped, "
        "l.pushed, p.supplier, p.number, p.state, p.error FROM orders o LEFT JOIN lines l ON "
        "l.order_id=o.id LEFT JOIN pos p ON p.id=l.po_id WHERE o.id IN " +
        in_list() + " ORDER BY o.id, l.seq");
    bind_chunk(q, ids, at);
    while (q.step()) {
      const std::int64_t id = q.i64(0);
      if (out.empty() || out.back().first != id) {
        StatusInputs in;
        in.state = parse_order_state(q.text(1)).value_or(OrderState::kNeedsResolve);
        in.status = parse_status(q.text(2)).value_or(OrderStatus::kNeedsResolve);
        in.messages = split_lines(q.text(3));
        out.emplace_back(id, std::move(in));
      }
      StatusInputs& in = out.back().second;
      Line line;
      line.po_id = q.i64(4);
      line.quantity = q.i64(5);
      line.shipped = q.i64(6);
      line.pushed = q.i64(7);
      if (line.po_id && std::none_of(in.pos.begin(), in.pos.end(),
                                     [&](const Po& p) { return p.id == line.po_id; })) {
        Po po;
        po.id = line.po_id;
        po.order_id = id;
        po.supplier = q.text(8);
        po.number = q.text(9);
        po.state = parse_po_state(q.text(10)).value_or(PoState::kFailed);
        po.error = q.text(11);
        in.pos.push_back(std::move(po));
      }
      in.lines.push_back(line);
    }
    q.reset();
  }
  return out;
}

// --- X12 ---

std::pair<std::uint64_t, std::uint64_t> Store::next_x12_control(std::string_view sender,
                                                                std::string_view receiver) {
  auto u = stmt(
      "INSERT INTO x12_partners(sender, receiver, isa, gs) VALUES(?1, ?2, 1, 1) ON "
      "CONFLICT(sender, receiver) DO "
      "UPDATE SET isa = CASE WHEN isa >= 999999999 THEN 1 ELSE isa + 1 END, gs = CASE WHEN gs >= "
      "999999999 THEN 1 "
      "ELSE gs + 1 END RETURNING isa, gs");
  u << sender << receiver;
  if (!u.step()) throw StoreError("x12 control numbers: no row returned");
  std::pair<std::uint64_t, std::uint64_t> out{static_cast<std::uint64_t>(u.i64(0)),
                                              static_cast<std::uint64_t>(u.i64(1))};
  u.reset();
  return out;
}

std::vector<Po> Store::pos_sent_in(std::string_view supplier, std::string_view gs06,
                                   std::string_view st02) {
  auto s = stmt(std::string(kPoCols) +
                " WHERE supplier=?1 AND id IN (SELECT po_id FROM x12_sent WHERE gs06=?2 AND "
                "(?3='' OR st02=?3))"
                " ORDER BY id");
  s << supplier << gs06 << st02;
  return collect(s, read_po);
}

std::vector<Po> Store::pos_sent_in_interchange(std::string_view supplier, std::string_view isa13) {
  auto s = stmt(std::string(kPoCols) +
                " WHERE supplier=?1 AND id IN (SELECT po_id FROM x12_sent WHERE isa13=?2) ORDER "
                "BY id");
  s << supplier << isa13;
  return collect(s, read_po);
}

std::optional<std::int64_t> Store::x12_received(std::string_view sender, std::string_view receiver,
                                                std::string_view control) {
  auto s = stmt("SELECT file_id FROM x12_received WHERE sender=? AND receiver=? AND control=?");
  s << sender << receiver << control;
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

void Store::add_x12_received(std::string_view sender, std::string_view receiver,
                             std::string_view control, std::int64_t file_id) {
  auto s = stmt("INSERT INTO x12_received(sender, receiver, control, file_id) VALUES(?,?,?,?)");
  s << sender << receiver << control << file_id;
  s.run();
}

void Store::add_x12_sent(std::int64_t po_id, std::string_view kind, std::string_view isa13,
                         std::string_view gs06, std::string_view st02) {
  auto s = stmt("INSERT INTO x12_sent(po_id, kind, isa13, gs06, st02) VALUES(?,?,?,?,?)");
  s << po_id << kind << isa13 << gs06 << st02;
  s.run();
}

}  // namespace orderd
