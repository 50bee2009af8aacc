// The store: orders, their lines and the operator's overrides; the
// listing and its counts.
#include "store/store_internal.h"
#include "util/text.h"

namespace orderd {
using namespace store_detail;

// --- orders ---

std::optional<StoredOrderKey> Store::find_order_key(std::string_view channel,
                                                    std::string_view ext_id) {
  auto s = stmt(
      "SELECT id, fingerprint, state, status, (SELECT count(*) FROM pos WHERE order_id=orders.id) "
      "FROM orders WHERE channel=? AND ext_id=?");
  s << channel << ext_id;
  if (!s.step()) return std::nullopt;
  return StoredOrderKey{
      s.i64(0), s.text(1), parse_order_state(s.text(2)).value_or(OrderState::kNeedsResolve),
      parse_status(s.text(3)).value_or(OrderStatus::kNeedsResolve), static_cast<int>(s.i64(4))};
}

std::vector<StoredOrderKey> Store::find_orders_by_ext(std::string_view channel,
                                                      std::string_view id) {
  std::string hashed = id.starts_with('#') ? std::string(id) : "#" + std::string(id);
  std::string bare = id.starts_with('#') ? std::string(id.substr(1)) : std::string(id);
  // By the (channel, ext_id) index, once per channel that has orders.
  auto s = stmt(
      "SELECT channel, ext_id FROM orders WHERE ext_id IN (?,?) AND channel IN (SELECT DISTINCT "
      "channel FROM order_counts) AND (?3='' OR channel=?3) ORDER BY id");
  s << hashed << bare << channel;
  std::vector<std::pair<std::string, std::string>> keys;
  while (s.step()) keys.emplace_back(s.text(0), s.text(1));
  std::vector<StoredOrderKey> out;
  for (const auto& [c, e] : keys)
    if (auto k = find_order_key(c, e)) out.push_back(*k);
  return out;
}

namespace {

void bind_order_fields(Stmt& s, const Order& o) {
  for (const auto& v : o.f) s << v;
}

}  // namespace

void Store::insert_order(Order& o, std::string_view fingerprint, std::int64_t now) {
  static const std::string sql = [] {
    std::string q =
        "INSERT INTO orders(channel, ext_id, state, status, messages, fingerprint, "
        "canceled_in_channel, imported_at, updated_at" +
        order_columns() + ") VALUES(?,?,?,?,?,?,?,?,?";
    for (std::size_t i = 0; i < kOrderFieldCount; ++i) q += ",?";
    return q + ")";
  }();
  auto s = stmt(sql);
  s << o.channel << o.ext_id << to_string(o.state) << to_string(o.status) << join_lines(o.messages)
    << fingerprint << (o.canceled_in_channel ? 1 : 0) << now << now;
  bind_order_fields(s, o);
  s.run();
  o.id = sqlite3_last_insert_rowid(db_);
  insert_lines(o);
}

void Store::insert_lines(Order& o) {
  auto l = stmt(
      "INSERT INTO lines(order_id, seq, channel_line_id, sku, name, price, quantity, supplier) "
      "VALUES(?,?,?,?,?,?,?,?)");
  for (auto& line : o.lines) {
    l.reset();
    l << o.id << line.seq << line.channel_line_id << line.sku << line.name << line.price
      << line.quantity << line.supplier;
    l.run();
    line.id = sqlite3_last_insert_rowid(db_);
  }
}

void Store::replace_order(Order& o, std::string_view fingerprint, std::int64_t now) {
  static const std::string sql = [] {
    std::string q =
        "UPDATE orders SET state=?, status=?, messages=?, fingerprint=?, "
        "canceled_in_channel=?, updated_at=?";
    for (std::size_t i = 0; i < kOrderFieldCount; ++i)
      q += ", " + field_column(all_fields()[i].name) + "=?";
    return q + " WHERE id=?";
  }();
  auto s = stmt(sql);
  s << to_string(o.state) << to_string(o.status) << join_lines(o.messages) << fingerprint
    << (o.canceled_in_channel ? 1 : 0) << now;
  bind_order_fields(s, o);
  s << o.id;
  s.run();
  auto d = stmt("DELETE FROM lines WHERE order_id=?");
  d << o.id;
  d.run();
  insert_lines(o);
}

namespace {

const std::string& order_select() {
  static const std::string q =
      "SELECT id, channel, ext_id, state, status, messages, canceled_in_channel" + order_columns() +
      ", imported_at FROM orders";
  return q;
}

// A line from the columns id, seq, channel_line_id, sku, name, price,
// quantity, supplier, coalesce(po_id, 0), shipped, pushed starting at `c`.
Line read_line_row(Stmt& l, int c) {
  Line line;
  line.id = l.i64(c);
  line.seq = static_cast<int>(l.i64(c + 1));
  line.channel_line_id = l.text(c + 2);
  line.sku = l.text(c + 3);
  line.name = l.text(c + 4);
  line.price = l.text(c + 5);
  line.quantity = l.i64(c + 6);
  line.supplier = l.text(c + 7);
  line.po_id = l.i64(c + 8);
  line.shipped = l.i64(c + 9);
  line.pushed = l.i64(c + 10);
  return line;
}

Order read_order_row(Stmt& s) {
  Order o;
  o.id = s.i64(0);
  o.channel = s.text(1);
  o.ext_id = s.text(2);
  o.state = parse_order_state(s.text(3)).value_or(OrderState::kNeedsResolve);
  o.status = parse_status(s.text(4)).value_or(OrderStatus::kNeedsResolve);
  o.messages = split_lines(s.text(5));
  o.canceled_in_channel = s.i64(6) != 0;
  for (std::size_t i = 0; i < kOrderFieldCount; ++i) o.f[i] = s.text(static_cast<int>(7 + i));
  o.imported_at = s.i64(static_cast<int>(7 + kOrderFieldCount));
  return o;
}

}  // namespace

std::optional<Order> Store::load_order(std::int64_t id) {
  auto s = stmt(order_select() + " WHERE id=?");
  s << id;
  if (!s.step()) return std::nullopt;
  Order o = read_order_row(s);
  s.reset();
  auto l = stmt(
      "SELECT id, seq, channel_line_id, sku, name, price, quantity, supplier, "
      "coalesce(po_id, 0), shipped, pushed FROM lines WHERE order_id=? ORDER BY seq");
  l << id;
  while (l.step()) o.lines.push_back(read_line_row(l, 0));
  return o;
}

std::vector<Order> Store::load_orders(std::span<const std::int64_t> ids) {
  constexpr std::size_t kChunk = kInChunk;
  const std::string& in = in_list();
  std::vector<Order> out;
  out.reserve(ids.size());
  for (std::size_t at = 0; at < ids.size(); at += kChunk) {
    // Pad the last chunk by repeating an id, so one statement serves all.
    auto bind = [&](Stmt& s) { bind_chunk(s, ids, at); };
    const std::size_t first = out.size();
    auto o = stmt(order_select() + " WHERE id IN " + in + " ORDER BY id");
    bind(o);
    while (o.step()) out.push_back(read_order_row(o));
    o.reset();
    auto l = stmt(
        "SELECT order_id, id, seq, channel_line_id, sku, name, price, quantity, supplier, "
        "coalesce(po_id, 0), shipped, pushed FROM lines WHERE order_id IN " +
        in + " ORDER BY order_id, seq");
    bind(l);
    std::size_t k = first;
    while (l.step()) {
      const std::int64_t order_id = l.i64(0);
      while (k < out.size() && out[k].id < order_id) ++k;
      if (k == out.size() || out[k].id != order_id) continue;
      out[k].lines.push_back(read_line_row(l, 1));
    }
    l.reset();
  }
  return out;
}

void Store::set_order_state(std::int64_t id, OrderState state, OrderStatus status,
                            const std::vector<std::string>& messages) {
  auto s = stmt("UPDATE orders SET state=?, status=?, messages=? WHERE id=?");
  s << to_string(state) << to_string(status) << join_lines(messages) << id;
  s.run();
}

void Store::set_order_statuses(std::span<const StatusChange> changes, std::string_view actor,
                               std::string_view reason, std::int64_t at) {
  if (changes.empty()) return;
  // A connection's own table in memory (temp_store=MEMORY), emptied after
  // each use; the statements below touch each order row once.
  stmt(
      "CREATE TEMP TABLE IF NOT EXISTS status_stage(order_id INTEGER PRIMARY KEY, from_status "
      "TEXT NOT NULL, status TEXT NOT NULL, messages TEXT NOT NULL)")
      .run();
  // Empty already, unless a statement below failed outside a transaction.
  stmt("DELETE FROM temp.status_stage").run();
  auto stage = stmt("INSERT OR REPLACE INTO temp.status_stage VALUES(?,?,?,?)");
  for (const auto& c : changes) {
    stage << c.order_id << to_string(c.from) << to_string(c.to) << join_lines(c.messages);
    stage.run();
    stage.reset();
  }
  // `+s.order_id`: the stage is the outer loop, each order found by its id
  // (without it the planner scans every order for each staged row).
  auto update = stmt(
      "UPDATE orders SET status=s.status, messages=s.messages FROM temp.status_stage s WHERE "
      "orders.id=+s.order_id");
  update.run();
  auto events = stmt(
      "INSERT INTO events(order_id, po_id, at, actor, kind, from_status, to_status, message) "
      "SELECT order_id, NULL, ?, ?, 'status', from_status, status, ? FROM temp.status_stage "
      "WHERE status<>from_status ORDER BY order_id");
  events << at << actor << reason;
  events.run();
  stmt("DELETE FROM temp.status_stage").run();
}

void Store::set_order_fingerprint(std::int64_t id, std::string_view fingerprint) {
  auto s = stmt("UPDATE orders SET fingerprint=? WHERE id=?");
  s << fingerprint << id;
  s.run();
}

std::vector<std::int64_t> Store::order_ids_with_status(OrderStatus st) {
  auto s = stmt("SELECT id FROM orders WHERE status=? ORDER BY id");
  s << to_string(st);
  return collect(s, first_id);
}

std::vector<std::int64_t> Store::auto_process_candidates(
    const std::vector<std::string>& channels, const std::vector<std::string>& suppliers) {
  auto placeholders = [](std::size_t n) {
    std::string p;
    for (std::size_t i = 0; i < n; ++i) p += i ? ",?" : "?";
    return p;
  };
  auto s =
      stmt(fmt::format("SELECT id FROM orders WHERE status='ready' AND (channel IN ({}) OR NOT "
                       "EXISTS (SELECT 1 FROM "
                       "lines WHERE order_id=orders.id AND supplier NOT IN ({}))) ORDER BY id",
                       placeholders(channels.size()), placeholders(suppliers.size())));
  for (const auto& c : channels) s << c;
  for (const auto& x : suppliers) s << x;
  return collect(s, first_id);
}

namespace {

// Whether a customer search can use the trigram index: three characters
// or more (a shorter text is looked for row by row).
bool by_text_index(const OrderQuery& q) {
  return utf8_chars(q.customer) >= 3;
}

// The range of SKUs that start with `prefix`: [prefix, prefix's successor).
std::string after_prefix(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (end.empty()) return "\xFF";  // not reached: SKUs are UTF-8, which has no 0xFF
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

// Text as one FTS5 phrase: a substring of a trigram-indexed column.
std::string fts_phrase(std::string_view text) {
  std::string phrase = "\"";
  for (const char c : text) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
  phrase += '"';
  return phrase;
}

// The rows an order query reads, and the key its newest-first order follows:
// a customer search walks the text index newest first (so a common text
// fills a page at once, a rare one is found without a scan).
std::string order_source(const OrderQuery& q) {
  return by_text_index(q) ? " FROM order_text JOIN orders ON orders.id=order_text.rowid"
                          : " FROM orders";
}
std::string order_key(const OrderQuery& q) {
  return by_text_index(q) ? "order_text.rowid" : "orders.id";
}

// The WHERE clause of an order query, its parameters bound by number (so
// one statement text serves every combination of the same filters).
std::string order_filter(const OrderQuery& q) {
  std::string where = " WHERE 1=1";
  if (q.status) where += " AND orders.status=?1";
  if (!q.channel.empty()) where += " AND orders.channel=?2";
  // Newest first, each checked by lines_supplier alone (schema.cc, v11): a
  // common supplier fills a page after a few orders.
  if (!q.supplier.empty())
    where += " AND EXISTS (SELECT 1 FROM lines WHERE order_id=orders.id AND supplier=?3)";
  // A SKU glob (case-sensitive) with a fixed prefix: its range in each block
  // of 4,096 orders of lines_sku_block (schema.cc, v9).
  // One without: every line read.
  if (!q.sku.empty() && !glob_prefix(q.sku).empty())
    where +=
        " AND orders.id IN (WITH RECURSIVE block(n) AS (SELECT (SELECT coalesce(max(id), 0) FROM "
        "orders) / 4096 UNION ALL SELECT n - 1 FROM block WHERE n > 0) SELECT l.order_id FROM "
        "block JOIN lines l ON l.order_id / 4096 = block.n WHERE l.sku >= ?11 AND l.sku < ?12 AND "
        "l.sku GLOB ?4)";
  else if (!q.sku.empty())
    where += " AND orders.id IN (SELECT order_id FROM lines WHERE sku GLOB ?4)";
  if (by_text_index(q))
    where += " AND order_text MATCH ?9";
  else if (!q.customer.empty())
    where +=
        " AND (orders.customer_name LIKE ?5 OR orders.customer_email LIKE ?5 OR "
        "orders.ship_to_name LIKE ?5 OR orders.customer_phone LIKE ?5 OR orders.ship_to_phone "
        "LIKE ?5)";
  if (!q.order.empty())
    where +=
        " AND orders.ext_id IN (?6,?7) AND orders.channel IN (SELECT DISTINCT channel FROM "
        "order_counts)";
  if (q.changed_after_processing)
    where += " AND orders.id IN (SELECT order_id FROM events WHERE kind='channel_change_ignored')";
  // By po_deadlines_late: only the POs late now are read.
  if (q.late)
    where +=
        " AND orders.id IN (SELECT p.order_id FROM po_deadlines d JOIN pos p ON p.id=d.po_id "
        "WHERE (d.ack_late_at > 0 AND d.acked_at = 0) OR (d.ship_late_at > 0 AND d.shipped_at = "
        "0))";
  if (q.before > 0) where += " AND " + order_key(q) + " < ?10";
  return where;
}

void bind_order_filter(Stmt& s, const OrderQuery& q, std::int64_t limit) {
  std::string hashed = q.order.starts_with('#') ? q.order : "#" + q.order;
  std::string bare = q.order.starts_with('#') ? q.order.substr(1) : q.order;
  s << (q.status ? to_string(*q.status) : "") << q.channel << q.supplier << q.sku
    << ("%" + q.customer + "%") << std::move(hashed) << std::move(bare) << limit
    << fts_phrase(q.customer) << q.before << glob_prefix(q.sku) << after_prefix(glob_prefix(q.sku));
}

}  // namespace

// Ids follow import order (none is reused), so the newest come first
// without a sort.
std::string store_detail::order_list_sql(const OrderQuery& q) {
  return "SELECT orders.id" + order_source(q) + order_filter(q) + " ORDER BY " + order_key(q) +
         " DESC LIMIT ?8";
}
std::string store_detail::order_count_sql(const OrderQuery& q) {
  return "SELECT status, count(*) FROM (SELECT orders.status AS status" + order_source(q) +
         order_filter(q) + " ORDER BY " + order_key(q) +
         " DESC LIMIT ?8) GROUP BY status ORDER BY status";
}

std::vector<Order> Store::query_orders(const OrderQuery& q) {
  auto s = stmt(store_detail::order_list_sql(q));
  bind_order_filter(s, q, q.limit);
  std::vector<std::int64_t> ids;
  while (s.step()) ids.push_back(s.i64(0));
  s.reset();
  auto found = load_orders(ids);  // by id, ascending
  std::reverse(found.begin(), found.end());
  return found;
}

Store::OrderCounts Store::count_orders(const OrderQuery& q, std::int64_t cap) {
  OrderCounts out;
  const bool by_count_table = q.supplier.empty() && q.sku.empty() && q.customer.empty() &&
                              q.order.empty() && !q.changed_after_processing && !q.late;
  if (by_count_table) {
    auto c = stmt(
        "SELECT status, sum(n) FROM order_counts WHERE (?1='' OR status=?1) AND (?2='' OR "
        "channel=?2) GROUP BY status HAVING sum(n)>0 ORDER BY status");
    c << (q.status ? to_string(*q.status) : "") << q.channel;
    while (c.step()) out.by_status.emplace_back(c.text(0), c.i64(1));
    return out;
  }
  auto s = stmt(store_detail::order_count_sql(q));
  bind_order_filter(s, q, cap + 1);
  std::int64_t total = 0;
  while (s.step()) {
    out.by_status.emplace_back(s.text(0), s.i64(1));
    total += s.i64(1);
  }
  out.capped = total > cap;
  return out;
}

Overrides Store::load_overrides(std::int64_t order_id) {
  auto s = stmt("SELECT key, value FROM order_overrides WHERE order_id=?");
  s << order_id;
  Overrides out;
  while (s.step()) out[s.text(0)] = s.text(1);
  return out;
}

void Store::set_override(std::int64_t order_id, std::string_view key, std::string_view value) {
  auto s = stmt("INSERT OR REPLACE INTO order_overrides(order_id, key, value) VALUES(?,?,?)");
  s << order_id << key << value;
  s.run();
}

}  // namespace orderd
