// The store: alerts, the high-water marks of the scans that raise them, and
// what each sink was sent; and the rows those scans read.
#include "store/store_internal.h"

namespace orderd {
using namespace store_detail;

namespace {

constexpr const char* kAlertCols =
    "a.id, a.kind, a.ref, a.party, a.message, a.action, a.subject_id, a.condition, a.raised_at, "
    "a.cleared_at";

Alert read_alert(Stmt& s) {
  Alert a;
  a.id = s.i64(0);
  a.kind = s.text(1);
  a.ref = s.text(2);
  a.party = s.text(3);
  a.message = s.text(4);
  a.action = s.text(5);
  a.subject_id = s.i64(6);
  a.condition = s.i64(7) != 0;
  a.raised_at = s.i64(8);
  a.cleared_at = s.i64(9);
  return a;
}

}  // namespace

std::optional<std::int64_t> Store::alert_mark(std::string_view name) {
  auto s = stmt("SELECT value FROM alert_marks WHERE name=?");
  s << name;
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

void Store::set_alert_mark(std::string_view name, std::int64_t value) {
  auto s = stmt(
      "INSERT INTO alert_marks(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET "
      "value=excluded.value");
  s << name << value;
  s.run();
}

std::int64_t Store::add_alert(const Alert& a) {
  auto s = stmt(
      "INSERT OR IGNORE INTO alerts(kind, ref, party, message, action, subject_id, condition, "
      "raised_at, cleared_at) VALUES(?,?,?,?,?,?,?,?,?)");
  s << a.kind << a.ref << a.party << a.message << a.action << a.subject_id
    << static_cast<std::int64_t>(a.condition) << a.raised_at << a.cleared_at;
  s.run();
  return sqlite3_changes(db_) ? sqlite3_last_insert_rowid(db_) : 0;
}

bool Store::clear_alert(std::string_view kind, std::string_view ref, std::int64_t now) {
  auto s = stmt("UPDATE alerts SET cleared_at=? WHERE kind=? AND ref=? AND cleared_at=0");
  s << now << kind << ref;
  s.run();
  return sqlite3_changes(db_) > 0;
}

std::vector<Alert> Store::open_alerts(std::string_view kind) {
  auto s = stmt(fmt::format(
      "SELECT {} FROM alerts a WHERE a.kind=? AND a.cleared_at=0 ORDER BY a.id", kAlertCols));
  s << kind;
  return collect(s, read_alert);
}

std::vector<Alert> Store::alerts_after(std::int64_t after_id, int limit) {
  auto s =
      stmt(fmt::format("SELECT {} FROM alerts a WHERE a.id > ? ORDER BY a.id LIMIT ?", kAlertCols));
  s << after_id << limit;
  return collect(s, read_alert);
}

std::int64_t Store::last_alert_id() {
  auto s = stmt("SELECT coalesce(max(id), 0) FROM alerts");
  s.step();
  return s.i64(0);
}

std::vector<Alert> Store::unsent_alerts(std::string_view sink, std::int64_t after_id) {
  auto s = stmt(fmt::format(
      "SELECT {} FROM alerts a WHERE a.id > ? AND NOT EXISTS(SELECT 1 FROM alert_sends x WHERE "
      "x.alert_id=a.id AND x.sink=?) ORDER BY a.id LIMIT 5000",
      kAlertCols));
  s << after_id << sink;
  return collect(s, read_alert);
}

void Store::add_alert_send(std::int64_t alert_id, std::string_view sink, std::int64_t document_id) {
  auto s = stmt("INSERT INTO alert_sends(alert_id, sink, document_id) VALUES(?,?,?)");
  s << alert_id << sink << document_id;
  s.run();
}

std::vector<Store::AlertRow> Store::recent_alerts(int limit, bool open_only) {
  // Open ones through the partial index of open conditions (few); all of
  // them newest first by id.
  auto s = stmt(fmt::format("SELECT {} FROM alerts a {} ORDER BY a.id DESC LIMIT ?", kAlertCols,
                            open_only ? "WHERE a.cleared_at=0 AND a.condition=1" : ""));
  s << limit;
  std::vector<AlertRow> out;
  while (s.step()) out.push_back({read_alert(s), {}});
  s.reset();
  auto sends = stmt(
      "SELECT x.sink, d.id, d.name, d.state, d.delivered_at, d.last_error FROM alert_sends x "
      "JOIN documents d ON d.id=x.document_id WHERE x.alert_id=? ORDER BY x.sink");
  for (auto& row : out) {
    sends << row.alert.id;
    while (sends.step())
      row.sends.push_back({sends.text(0), sends.i64(1), sends.text(2),
                           parse_doc_state(sends.text(3)).value_or(DocState::kPending),
                           sends.i64(4), sends.text(5)});
    sends.reset();
  }
  return out;
}

Store::AlertSources Store::alert_source_highs() {
  auto s = stmt(
      "SELECT (SELECT coalesce(max(id), 0) FROM events), (SELECT coalesce(max(id), 0) FROM "
      "attempts), (SELECT coalesce(max(id), 0) FROM inbound_files), (SELECT coalesce(max(id), 0) "
      "FROM unmatched_tracking)");
  s.step();
  return {s.i64(0), s.i64(1), s.i64(2), s.i64(3)};
}

std::vector<std::pair<std::int64_t, AlertingEvent>> Store::alerting_events_after(std::int64_t id,
                                                                                 std::int64_t upto,
                                                                                 int limit) {
  auto s = stmt(
      "SELECT e.id, e.kind, o.channel || ':' || o.ext_id, coalesce(p.number, ''), "
      "coalesce(p.supplier, ''), e.message FROM events e JOIN orders o ON o.id=e.order_id LEFT "
      "JOIN pos p ON p.id=e.po_id WHERE e.id > ? AND e.id <= ? AND e.kind IN ('rejected', "
      "'channel_change_ignored') ORDER BY e.id LIMIT ?");
  s << id << upto << limit;
  return collect(s, [](Stmt& r) {
    return std::pair{r.i64(0),
                     AlertingEvent{r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)}};
  });
}

std::vector<Store::AttemptSeen> Store::attempts_after(std::int64_t id, std::int64_t upto,
                                                      int limit) {
  auto s = stmt(
      "SELECT a.id, a.document_id, d.kind, d.party_type, d.party, d.name, a.outcome, a.error "
      "FROM attempts a JOIN documents d ON d.id=a.document_id WHERE a.id > ? AND a.id <= ? "
      "ORDER BY a.id LIMIT ?");
  s << id << upto << limit;
  return collect(s, [](Stmt& r) {
    return AttemptSeen{r.i64(0),  r.i64(1),  r.text(2), r.text(3),
                       r.text(4), r.text(5), r.text(6), r.text(7)};
  });
}

std::vector<QuarantinedFile> Store::quarantined_after(std::int64_t id, std::int64_t upto,
                                                      int limit) {
  auto s = stmt(
      "SELECT id, kind, source, name, error FROM inbound_files WHERE id > ? AND id <= ? AND "
      "state='quarantined' ORDER BY id LIMIT ?");
  s << id << upto << limit;
  return collect(s, [](Stmt& r) {
    return QuarantinedFile{r.i64(0), r.text(1), r.text(2), r.text(3), r.text(4)};
  });
}

std::vector<UnmatchedLine> Store::unmatched_after(std::int64_t id, std::int64_t upto, int limit) {
  auto s = stmt(
      "SELECT id, supplier, po_number, sku, tracking_number, reason, file FROM "
      "unmatched_tracking WHERE id > ? AND id <= ? ORDER BY id LIMIT ?");
  s << id << upto << limit;
  return collect(s, [](Stmt& r) {
    return UnmatchedLine{r.i64(0),  r.text(1), r.text(2), r.text(3),
                         r.text(4), r.text(5), r.text(6)};
  });
}

std::vector<WaitingOrder> Store::waiting_orders(OrderStatus status, std::int64_t before,
                                                int limit) {
  auto s = stmt(
      "SELECT o.id, o.channel || ':' || o.ext_id, o.messages, o.updated_at FROM orders o WHERE "
      "o.status=? AND o.updated_at <= ? AND NOT EXISTS(SELECT 1 FROM alerts a WHERE "
      "a.kind='needs_resolve' AND a.subject_id=o.id AND a.cleared_at=0) ORDER BY o.id LIMIT ?");
  s << to_string(status) << before << limit;
  return collect(s, [](Stmt& r) {
    return WaitingOrder{r.i64(0), r.text(1), split_lines(r.text(2)), r.i64(3)};
  });
}

std::optional<OrderStatus> Store::order_status(std::int64_t id) {
  auto s = stmt("SELECT status FROM orders WHERE id=?");
  s << id;
  if (!s.step()) return std::nullopt;
  return parse_status(s.text(0));
}

std::optional<DocState> Store::document_state(std::int64_t id) {
  auto s = stmt("SELECT state FROM documents WHERE id=?");
  s << id;
  if (!s.step()) return std::nullopt;
  return parse_doc_state(s.text(0));
}

std::string Store::order_ref(std::int64_t order_id) {
  auto s = stmt("SELECT channel || ':' || ext_id FROM orders WHERE id=?");
  s << order_id;
  return s.step() ? s.text(0) : std::string();
}

}  // namespace orderd

namespace orderd {
using namespace store_detail;

std::int64_t Store::first_id_at(std::string_view table, std::string_view column, std::int64_t t) {
  // Ids follow time in these tables (rows are written with the time of
  // writing), so the first row at or after `t` is found by bisection.
  auto probe =
      stmt(fmt::format("SELECT id, {1} FROM {0} WHERE id >= ? ORDER BY id LIMIT 1", table, column));
  auto top = stmt(fmt::format("SELECT coalesce(max(id), 0) FROM {}", table));
  top.step();
  std::int64_t lo = 1, hi = top.i64(0) + 1;  // the answer is in [lo, hi]
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    probe << mid;
    if (!probe.step()) {
      hi = mid;
    } else if (probe.i64(1) >= t) {
      hi = std::min(mid, probe.i64(0));
    } else {
      lo = probe.i64(0) + 1;
    }
    probe.reset();
  }
  return lo;
}

Store::DayCounts Store::day_counts(std::int64_t from, std::int64_t to) {
  DayCounts c;
  const std::int64_t o1 = first_id_at("orders", "imported_at", from),
                     o2 = first_id_at("orders", "imported_at", to);
  {
    auto s = stmt("SELECT count(*) FROM orders WHERE id >= ? AND id < ?");
    s << o1 << o2;
    s.step();
    c.orders_in = s.i64(0);
  }
  const std::int64_t e1 = first_id_at("events", "at", from), e2 = first_id_at("events", "at", to);
  auto s = stmt(
      "SELECT to_status, count(DISTINCT order_id) FROM events WHERE id >= ? AND id < ? AND "
      "kind='status' GROUP BY to_status");
  s << e1 << e2;
  while (s.step()) c.status_changes.emplace_back(s.text(0), s.i64(1));
  s.reset();
  const std::int64_t u1 = first_id_at("unmatched_tracking", "at", from),
                     u2 = first_id_at("unmatched_tracking", "at", to);
  c.unmatched = u2 - u1;
  auto r = stmt(
      "SELECT count(*) FROM sync_runs WHERE started_at >= ? AND started_at < ? AND "
      "failed > 0");
  r << from << to;
  r.step();
  c.failed_runs = r.i64(0);
  return c;
}

}  // namespace orderd

namespace orderd {
using namespace store_detail;

std::vector<std::int64_t> Store::failed_documents(std::string_view party_type,
                                                  std::string_view party) {
  auto s = stmt("SELECT id FROM documents WHERE state=? AND party_type=? AND party=? ORDER BY id");
  s << to_string(DocState::kFailed) << party_type << party;
  return collect(s, first_id);
}

std::int64_t Store::open_alert_count() {
  auto s = stmt("SELECT count(*) FROM alerts WHERE condition=1 AND cleared_at=0");
  s.step();
  return s.i64(0);
}

}  // namespace orderd
