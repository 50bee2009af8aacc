#include "store/schema.h"

#include <fmt/format.h>

#include <vector>

#include "core/fields.h"

namespace orderd {

std::string field_column(std::string_view name) {
  std::string c(name);
  for (char& ch : c)
    if (ch == '.') ch = '_';
  return c;
}

namespace {

std::string v1() {
  std::string order_cols;
  for (std::size_t i = 0; i < kOrderFieldCount; ++i)
    order_cols += "  " + field_column(all_fields()[i].name) + " TEXT NOT NULL DEFAULT '',\n";
  return R"(
CREATE TABLE inbound_files(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,            -- orders | tracking
  source TEXT NOT NULL,          -- channel or supplier id
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  state TEXT NOT NULL,           -- accepted | duplicate | quarantined
  error TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  archive_path TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL);
CREATE INDEX inbound_files_hash ON inbound_files(kind, source, sha256);

CREATE TABLE orders(
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  ext_id TEXT NOT NULL,
  state TEXT NOT NULL,
  status TEXT NOT NULL,
  messages TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL,
  canceled_in_channel INTEGER NOT NULL DEFAULT 0,
)" + order_cols +
         R"(
  imported_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE(channel, ext_id));
CREATE INDEX orders_status ON orders(status);
-- Few indexes on purpose: every one costs each insert. Lines are found
-- through their order, POs through their order, document or number.

CREATE TABLE order_overrides(
  order_id INTEGER NOT NULL REFERENCES orders(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(order_id, key));

CREATE TABLE pos(
  id INTEGER PRIMARY KEY,  -- ids are never reused: nothing is deleted
  order_id INTEGER NOT NULL REFERENCES orders(id),
  supplier TEXT NOT NULL,
  number TEXT UNIQUE,
  state TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  document_id INTEGER REFERENCES documents(id),
  cancel_document_id INTEGER REFERENCES documents(id),
  created_at INTEGER NOT NULL);
CREATE INDEX pos_order ON pos(order_id);
CREATE INDEX pos_document ON pos(document_id);

CREATE TABLE lines(
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  seq INTEGER NOT NULL,
  channel_line_id TEXT NOT NULL DEFAULT '',
  sku TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  price TEXT NOT NULL DEFAULT '',
  quantity INTEGER NOT NULL,
  supplier TEXT NOT NULL DEFAULT '',
  po_id INTEGER REFERENCES pos(id),
  shipped INTEGER NOT NULL DEFAULT 0,
  pushed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX lines_order ON lines(order_id);

CREATE TABLE documents(
  id INTEGER PRIMARY KEY,  -- ids are never reused: nothing is deleted
  kind TEXT NOT NULL,            -- po | cancel | tracking_push
  party_type TEXT NOT NULL,      -- supplier | channel
  party TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  format TEXT NOT NULL,
  content BLOB NOT NULL,
  sha256 TEXT NOT NULL,
  state TEXT NOT NULL,           -- pending | sending | delivered | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  delivered_at INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX documents_state ON documents(state);

CREATE TABLE attempts(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  at INTEGER NOT NULL,
  transport TEXT NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '');

CREATE TABLE shipments(
  id INTEGER PRIMARY KEY,
  po_id INTEGER NOT NULL REFERENCES pos(id),
  line_id INTEGER NOT NULL REFERENCES lines(id),
  quantity INTEGER NOT NULL,
  carrier TEXT NOT NULL DEFAULT '',
  tracking_number TEXT NOT NULL,
  ship_date TEXT NOT NULL DEFAULT '',
  file_id INTEGER REFERENCES inbound_files(id),
  push_document_id INTEGER REFERENCES documents(id),
  received_at INTEGER NOT NULL,
  UNIQUE(line_id, tracking_number));
CREATE INDEX shipments_push ON shipments(push_document_id);

CREATE TABLE unmatched_tracking(
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  supplier TEXT NOT NULL,
  po_number TEXT NOT NULL,
  sku TEXT NOT NULL,
  tracking_number TEXT NOT NULL,
  reason TEXT NOT NULL,
  file TEXT NOT NULL);

CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  po_id INTEGER,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_status TEXT NOT NULL DEFAULT '',
  to_status TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '');
CREATE INDEX events_order ON events(order_id);

CREATE TABLE sync_runs(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL DEFAULT 0,
  read INTEGER NOT NULL DEFAULT 0,
  changed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  summary TEXT NOT NULL DEFAULT '');
)";
}

// X12: control numbers per trading partner, and how each PO travelled.
const char* kV2 = R"(
CREATE TABLE x12_partners(
  sender TEXT NOT NULL,
  receiver TEXT NOT NULL,
  isa INTEGER NOT NULL,  -- last ISA13 used
  gs INTEGER NOT NULL,   -- last GS06 used
  PRIMARY KEY(sender, receiver));

CREATE TABLE x12_sent(
  po_id INTEGER NOT NULL REFERENCES pos(id),
  kind TEXT NOT NULL,    -- 850 or 860
  isa13 TEXT NOT NULL,
  gs06 TEXT NOT NULL,
  st02 TEXT NOT NULL);
CREATE INDEX x12_sent_group ON x12_sent(gs06, st02);
CREATE INDEX x12_sent_po ON x12_sent(po_id);

-- Interchanges received and applied, so one is never applied twice.
CREATE TABLE x12_received(
  sender TEXT NOT NULL,
  receiver TEXT NOT NULL,
  control TEXT NOT NULL,
  file_id INTEGER NOT NULL REFERENCES inbound_files(id),
  PRIMARY KEY(sender, receiver, control));
)";

// The database's identity, and the floors below which no id is handed out
// (raised by `orderctl state adopt` after a restore: core/state_check.h).
const char* kV3 = R"(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,  -- instance | floor.po | floor.document | floor.inbound
  value NOT NULL);
INSERT INTO meta(key, value) VALUES('instance', lower(hex(randomblob(16))));
)";

// The sync history stays small however often a schedule fires: a run that
// found nothing to do folds into the one before it when that one was empty
// too (repeats), and the last run of each kind is found by index.
const char* kV4 = R"(
ALTER TABLE sync_runs ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sync_runs_kind ON sync_runs(kind, id);
)";

// Searches that stay fast with millions of orders: SKUs by index (the glob's
// fixed prefix is a range of it), and how many orders each channel has in
// each status kept up to date by triggers, so the counts beside a listing
// (and the channel list an order id is looked up under) cost nothing. And
// documents' bytes in a table of their own.
const char* kV5 = R"(
CREATE INDEX lines_sku ON lines(sku);
CREATE TABLE order_counts(
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY(channel, status));
INSERT INTO order_counts(channel, status, n)
  SELECT channel, status, count(*) FROM orders GROUP BY channel, status;
CREATE TRIGGER order_counts_insert AFTER INSERT ON orders BEGIN
  INSERT INTO order_counts(channel, status, n) VALUES(NEW.channel, NEW.status, 1)
    ON CONFLICT(channel, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER order_counts_update AFTER UPDATE OF channel, status ON orders
  WHEN OLD.status IS NOT NEW.status OR OLD.channel IS NOT NEW.channel BEGIN
  UPDATE order_counts SET n = n - 1 WHERE channel = OLD.channel AND status = OLD.status;
  INSERT INTO order_counts(channel, status, n) VALUES(NEW.channel, NEW.status, 1)
    ON CONFLICT(channel, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER order_counts_delete AFTER DELETE ON orders BEGIN
  UPDATE order_counts SET n = n - 1 WHERE channel = OLD.channel AND status = OLD.status;
END;

-- A document's bytes apart from its record: a batch of a run is megabytes,
-- and SQLite rewrites a whole row (its overflow pages too) at every update
-- and reads through them to reach any column after them. The record keeps
-- an empty content column.
CREATE TABLE document_content(
  document_id INTEGER PRIMARY KEY REFERENCES documents(id),
  content BLOB NOT NULL);
INSERT INTO document_content(document_id, content) SELECT id, content FROM documents;
UPDATE documents SET content = '';
)";

// Customer search by index: every run of three characters of the names,
// e-mail and phones an order holds (FTS5, trigram tokenizer: a quoted
// phrase matches as a substring, without case), kept up to date by
// triggers. One column of the distinct texts (the ship-to name and phone
// only when they differ from the buyer's), separated by U+001F, which no
// search holds; contentless: the text stays in orders.
std::string order_text(const char* row) {
  return fmt::format(
      "{0}.customer_name || char(31) || {0}.customer_email || char(31) || CASE WHEN "
      "{0}.ship_to_name = {0}.customer_name THEN '' ELSE {0}.ship_to_name END || char(31) || "
      "{0}.customer_phone || char(31) || CASE WHEN {0}.ship_to_phone = {0}.customer_phone THEN "
      "'' ELSE {0}.ship_to_phone END",
      row);
}

std::string v6() {
  return fmt::format(R"(
CREATE VIRTUAL TABLE order_text USING fts5(text, content='', tokenize='trigram');
INSERT INTO order_text(rowid, text) SELECT id, {0} FROM orders;
CREATE TRIGGER order_text_insert AFTER INSERT ON orders BEGIN
  INSERT INTO order_text(rowid, text) VALUES(NEW.id, {1});
END;
CREATE TRIGGER order_text_update AFTER UPDATE OF customer_name, customer_email, ship_to_name,
  customer_phone, ship_to_phone ON orders WHEN ({2}) IS NOT ({1}) BEGIN
  INSERT INTO order_text(order_text, rowid, text) VALUES('delete', OLD.id, {2});
  INSERT INTO order_text(rowid, text) VALUES(NEW.id, {1});
END;
CREATE TRIGGER order_text_delete AFTER DELETE ON orders BEGIN
  INSERT INTO order_text(order_text, rowid, text) VALUES('delete', OLD.id, {2});
END;
)",
                     order_text("orders"), order_text("NEW"), order_text("OLD"));
}

// Alerts (core/alerts.h): what was raised, the scans' high-water marks, and
// which sink got each alert in which document. An open condition is
// raised once: a repeat waits until it clears (cleared_at set).
const char* kV7 = R"(
CREATE TABLE alerts(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,                    -- what it is about: a PO, order, file, party
  party TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL,
  action TEXT NOT NULL DEFAULT '',      -- what to do: the orderctl command
  subject_id INTEGER NOT NULL DEFAULT 0,  -- the document or order a condition is watched by
  condition INTEGER NOT NULL,           -- 1: open until cleared; 0: a notice
  raised_at INTEGER NOT NULL,
  cleared_at INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX alerts_open ON alerts(kind, ref) WHERE cleared_at = 0;
CREATE INDEX alerts_subject ON alerts(kind, subject_id) WHERE cleared_at = 0;
-- The events that alert, found without reading the others: a partial
-- index costs an insert of any other event nothing but its test.
CREATE INDEX events_alerting ON events(id) WHERE kind IN ('rejected', 'channel_change_ignored');
CREATE TABLE alert_marks(
  name TEXT PRIMARY KEY,  -- events | attempts | inbound | unmatched | sink:<name> | streak:<party>
  value INTEGER NOT NULL);
CREATE TABLE alert_sends(
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  sink TEXT NOT NULL,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  PRIMARY KEY(alert_id, sink));
)";

// Supplier deadlines (core/deadlines.h): one row per PO delivered to a
// supplier that has them, when it was due and when it was acknowledged,
// shipped or found late. The open rows are found by partial indexes.
const char* kV8 = R"(
CREATE TABLE po_deadlines(
  po_id INTEGER PRIMARY KEY REFERENCES pos(id),
  supplier TEXT NOT NULL,
  delivered_at INTEGER NOT NULL,
  ack_due INTEGER NOT NULL,   -- 0: no acknowledgment deadline
  ship_due INTEGER NOT NULL,  -- 0: no ship deadline
  acked_at INTEGER NOT NULL DEFAULT 0,
  shipped_at INTEGER NOT NULL DEFAULT 0,  -- its first shipment arrived
  ack_late_at INTEGER NOT NULL DEFAULT 0,
  ship_late_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX po_deadlines_ack ON po_deadlines(ack_due)
  WHERE ack_due > 0 AND acked_at = 0 AND ack_late_at = 0;
CREATE INDEX po_deadlines_ship ON po_deadlines(ship_due)
  WHERE ship_due > 0 AND shipped_at = 0 AND ship_late_at = 0;
-- A TA1 answers an interchange: its POs found by the ISA13 they went in.
CREATE INDEX x12_sent_isa ON x12_sent(isa13);
CREATE INDEX po_deadlines_late ON po_deadlines(po_id)
  WHERE (ack_late_at > 0 AND acked_at = 0) OR (ship_late_at > 0 AND shipped_at = 0);
)";

// SKU search by an index in which each block of 4,096 orders has its own
// range of SKUs. lines_sku took each new line into a random leaf: 1,000
// orders imported into a million rewrote 2,100 of its pages, nine in ten of
// the pages the import wrote. Now the newest orders' lines share the last
// block's few leaves, and a search reads the glob's fixed prefix as a range
// in each block (store_orders.cc).
const char* kV9 = R"(
DROP INDEX lines_sku;
CREATE INDEX lines_sku_block ON lines(order_id / 4096, sku);
)";

// The customer index is filled in bulk. A trigger inserting into FTS5 made
// each INSERT of an order flush FTS5's pending terms into a segment of its
// own: 4.2 s of a 5.5 s insert of 100,000 orders, against 0.6 s for one
// statement. New orders now wait in order_text_pending, and
// Store::commit() moves them into order_text in one statement before
// COMMIT (flush_order_text()). An order still waiting there is not in the
// index: a change or a delete of it leaves the index alone.
std::string v10() {
  return fmt::format(R"(
CREATE TABLE order_text_pending(id INTEGER PRIMARY KEY);
DROP TRIGGER order_text_insert;
DROP TRIGGER order_text_update;
DROP TRIGGER order_text_delete;
CREATE TRIGGER order_text_insert AFTER INSERT ON orders BEGIN
  INSERT OR IGNORE INTO order_text_pending(id) VALUES(NEW.id);
END;
CREATE TRIGGER order_text_update AFTER UPDATE OF customer_name, customer_email, ship_to_name,
  customer_phone, ship_to_phone ON orders WHEN ({1}) IS NOT ({0}) AND NOT EXISTS(SELECT 1 FROM
  order_text_pending WHERE id=OLD.id) BEGIN
  INSERT INTO order_text(order_text, rowid, text) VALUES('delete', OLD.id, {1});
  INSERT INTO order_text(rowid, text) VALUES(NEW.id, {0});
END;
CREATE TRIGGER order_text_delete AFTER DELETE ON orders BEGIN
  INSERT INTO order_text(order_text, rowid, text) SELECT 'delete', OLD.id, {1} WHERE NOT
    EXISTS(SELECT 1 FROM order_text_pending WHERE id=OLD.id);
  DELETE FROM order_text_pending WHERE id=OLD.id;
END;
)",
                     order_text("NEW"), order_text("OLD"));
}

// A search by supplier counts up to 10,000 of its orders, newest first.
// Through lines_order each order's lines were read from the table; this
// index answers "has a line for this supplier" by itself (1,000,000 orders:
// the count 23 ms -> 10 ms). A new line lands at the right edge of its
// supplier's range, so an import writes few of its pages.
const char* kV11 = R"(
CREATE INDEX lines_supplier ON lines(supplier, order_id);
)";

}  // namespace

std::span<const std::string> migrations() {
  static const std::vector<std::string> all = {v1(), kV2, kV3, kV4,   kV5, v6(),
                                               kV7,  kV8, kV9, v10(), kV11};
  return all;
}

// CROSS JOIN: the few waiting orders are the outer loop, each found by its
// id (a plain JOIN, ordered by o.id, walked all the orders: 0.3 s for 1,000
// new orders in a million).
const std::string& flush_order_text() {
  static const std::string sql = fmt::format(
      "INSERT INTO order_text(rowid, text) SELECT o.id, {} FROM order_text_pending p CROSS JOIN "
      "orders o ON o.id=p.id ORDER BY p.id",
      order_text("o"));
  return sql;
}

}  // namespace orderd
