// The state database (SQLite). All of orderd's SQL lives in this module.
//
// A Store owns one connection; it is not thread-safe. Several processes may
// open the same database (WAL mode); writers serialise on SQLite's lock and
// on the run lock the jobs take. Every mutating method must be called inside
// a Txn unless it says otherwise.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/alerts.h"
#include "core/deadlines.h"
#include "core/order.h"
#include "core/state_check.h"
#include "core/transitions.h"
#include "util/error.h"

namespace orderd {

struct OrderQuery {
  std::optional<OrderStatus> status;
  std::string supplier, channel;
  std::string sku;       // a glob, as in a supplier's skus: ("ACME-*")
  std::string customer;  // text in a name, e-mail or phone
  std::string order;     // the channel's id, with or without '#'
  bool changed_after_processing = false;
  bool late = false;        // orders with a PO past its supplier's deadline
  std::int64_t before = 0;  // only orders older than the one of this id (the next page)
  int limit = 1000;
};

struct Event {
  std::int64_t at = 0;
  std::string actor, kind, from, to, message;
  std::string po_number;
};

struct Document {
  std::int64_t id = 0;
  std::string kind;        // po, cancel, tracking_push
  std::string party_type;  // supplier or channel
  std::string party;
  std::string name;
  std::string format;
  std::string content;
  std::string sha256;
  DocState state = DocState::kPending;
  int attempts = 0;
  std::string last_error;
  std::int64_t created_at = 0, delivered_at = 0, next_attempt_at = 0;
};

struct Shipment {
  std::int64_t id = 0, po_id = 0, line_id = 0, order_id = 0;
  std::string order_ext_id, channel_line_id, sku;  // filled by unpushed_shipments
  std::int64_t quantity = 0;
  std::string carrier, tracking_number, ship_date;
  std::int64_t push_document_id = 0;
};

struct Unmatched {
  std::int64_t at = 0;
  std::string supplier, po_number, sku, tracking_number, reason, file;
};

struct InboundFile {
  std::int64_t id = 0;
  std::string kind, source, name, sha256, state, error, summary, archive_path;
  std::int64_t received_at = 0;
};

struct SyncRun {
  std::int64_t id = 0;
  std::string kind, trigger, summary;
  std::int64_t started_at = 0, finished_at = 0;  // of the last repeat, when folded
  int read = 0, changed = 0, failed = 0;
  int repeats = 0;  // empty runs folded into this one (it is empty too)
  bool empty() const { return read == 0 && changed == 0 && failed == 0 && summary.empty(); }
};

// A delivered PO's deadlines (store_deadlines.cc); times 0 when not (yet).
struct PoDeadline {
  std::int64_t po_id = 0;
  std::string po, supplier, order;  // order as channel:id
  std::int64_t delivered_at = 0, ack_due = 0, ship_due = 0;
  std::int64_t acked_at = 0, shipped_at = 0, ack_late_at = 0, ship_late_at = 0;
  PoState po_state = PoState::kSent;
  bool late_ack() const { return ack_late_at > 0 && acked_at == 0; }
  bool late_ship() const { return ship_late_at > 0 && shipped_at == 0; }
};

class Stmt;
class Query;

class Store {
 public:
  // Opens (creating if needed) `state_dir`/orderd.db and applies migrations.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& state_dir);
  // The disk errors SQLite met since the last call (in this process), each
  // naming the system call and file: also those it recovered from by itself.
  static std::vector<std::string> take_disk_errors();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Transactions. begin() takes the write lock at once (BEGIN IMMEDIATE).
  Status begin();
  Status commit();
  void rollback() noexcept;
  // A nested transaction (SAVEPOINT) inside the open one; see Savepoint.
  void savepoint();
  void release_savepoint();
  void rollback_to_savepoint() noexcept;

  // --- inbound files ---
  std::optional<std::int64_t> find_accepted_file(std::string_view kind, std::string_view source,
                                                 std::string_view sha256);
  std::int64_t add_inbound_file(const InboundFile& f);
  void set_inbound_archive(std::int64_t id, std::string_view path);
  std::vector<InboundFile> recent_inbound_files(int limit);

  // --- orders ---
  std::optional<StoredOrderKey> find_order_key(std::string_view channel, std::string_view ext_id);
  // Orders whose ext_id is `id` or "#"+id, in `channel` if given.
  std::vector<StoredOrderKey> find_orders_by_ext(std::string_view channel, std::string_view id);
  // Inserts order and lines; sets order.id and line ids.
  void insert_order(Order& order, std::string_view fingerprint, std::int64_t now);
  // Replaces fields and lines of an order that has no POs.
  void replace_order(Order& order, std::string_view fingerprint, std::int64_t now);
  // Order with lines (effective values), state, status and messages.
  std::optional<Order> load_order(std::int64_t id);
  // The same for many orders at once (ascending id; missing ids are left
  // out): a few statements per 256 orders instead of two per order.
  std::vector<Order> load_orders(std::span<const std::int64_t> ids);
  void set_order_state(std::int64_t id, OrderState state, OrderStatus status,
                       const std::vector<std::string>& messages);
  // A status decided for an order (core/status.h), to be stored.
  struct StatusChange {
    std::int64_t order_id = 0;
    OrderStatus from = OrderStatus::kNeedsResolve, to = OrderStatus::kNeedsResolve;
    std::vector<std::string> messages;
  };
  // Sets each order's status and messages, and records a "status" event
  // (by `actor`, saying `reason`) for each whose status is not `from`: the
  // changes are staged, then applied with one statement per table.
  void set_order_statuses(std::span<const StatusChange> changes, std::string_view actor,
                          std::string_view reason, std::int64_t at);
  // What the channel last sent for the order (Order::fingerprint).
  void set_order_fingerprint(std::int64_t id, std::string_view fingerprint);
  std::vector<std::int64_t> order_ids_with_status(OrderStatus s);
  // Ready orders that are processed without the operator: those of a channel
  // in `channels`, or whose every line goes to a supplier in `suppliers`.
  std::vector<std::int64_t> auto_process_candidates(const std::vector<std::string>& channels,
                                                    const std::vector<std::string>& suppliers);
  std::vector<Order> query_orders(const OrderQuery& q);  // newest first, with lines
  // How many orders of each status match `q` (its limit aside). By status
  // and channel alone that is exact and costs nothing (order_counts); a
  // search beyond them stops counting at `cap` matches, the newest (capped).
  struct OrderCounts {
    std::vector<std::pair<std::string, std::int64_t>> by_status;
    bool capped = false;
  };
  OrderCounts count_orders(const OrderQuery& q, std::int64_t cap = 10000);

  Overrides load_overrides(std::int64_t order_id);
  void set_override(std::int64_t order_id, std::string_view key, std::string_view value);

  // --- POs ---
  // Creates a PO in `state` for the order's lines routed to `supplier`. Its
  // number is `prefix` + its id, six digits at least. The lines are assigned
  // to it, and the order's status set, by finish_processing().
  // `doc_id` (may be 0) is the document the PO is rendered into.
  Po create_po(std::int64_t order_id, std::string_view supplier, std::string_view prefix,
               std::int64_t doc_id, PoState state, std::int64_t now);
  void set_po_state(std::int64_t po_id, PoState state, std::string_view error);
  void set_po_cancel_document(std::int64_t po_id, std::int64_t doc_id);
  // The id the next PO will get (within the open transaction).
  std::int64_t next_po_id();
  // For every order that got POs with id >= first_po_id: assigns its lines
  // to them, sets its status to `status` and records the event naming its
  // POs. Three set-based statements instead of three per order.
  void finish_processing(std::int64_t first_po_id, OrderStatus status, std::string_view actor,
                         std::int64_t now);
  std::vector<Po> load_pos(std::int64_t order_id);
  std::optional<Po> find_po(std::string_view number);
  std::vector<Po> pos_of_document(std::int64_t doc_id);
  std::vector<Po> pos_of_cancel_document(std::int64_t doc_id);
  // Sets every PO of a document to `state` (clearing its error) and records
  // one event for each that was not in it already.
  void set_document_pos_state(std::int64_t doc_id, PoState state, std::string_view actor,
                              std::string_view message, std::int64_t now);

  // What an order's status is computed from, without the order's text fields:
  // lines carry po_id, quantity, shipped and pushed only.
  struct StatusInputs {
    OrderState state = OrderState::kNeedsResolve;
    OrderStatus status = OrderStatus::kNeedsResolve;
    std::vector<std::string> messages;
    std::vector<Po> pos;
    std::vector<Line> lines;
  };
  std::optional<StatusInputs> status_inputs(std::int64_t order_id);
  // The same for many orders (chunked IN lists); keyed by order id.
  std::vector<std::pair<std::int64_t, StatusInputs>> status_inputs(
      std::span<const std::int64_t> ids);

  // --- documents ---
  // Inserts the document, then names it with `name_of(id)`.
  std::int64_t insert_document(Document& doc,
                               std::string (*name_of)(const Document&, std::int64_t));
  // A document whose content comes later (fill_document), so the POs
  // rendered into it can name it as they are created. Same transaction.
  std::int64_t open_document(std::string_view kind, std::string_view party_type,
                             std::string_view party, std::string_view format, DocState state,
                             std::int64_t now);
  void fill_document(std::int64_t id, std::string_view name, std::string_view content,
                     std::string_view sha256);
  std::optional<Document> load_document(std::int64_t id);
  // Pending or sending documents due at `now` (sending ones first: crash recovery).
  std::vector<std::int64_t> due_documents(std::int64_t now);
  // When the earliest pending document is due (the service sleeps until then).
  std::optional<std::int64_t> next_document_due();
  // How many orders have each status ("ready" -> 3), and documents waiting.
  std::vector<std::pair<std::string, std::int64_t>> status_counts();
  std::int64_t documents_waiting();
  // Writes what core/transitions.h decided for the document.
  void set_document_state(std::int64_t id, const DocumentUpdate& u, std::int64_t now);
  void add_attempt(std::int64_t doc_id, std::int64_t at, std::string_view transport,
                   std::string_view outcome, std::string_view error);
  std::vector<Document> documents_of_order(std::int64_t order_id);  // without content
  // Documents not delivered: waiting (pending, sending) and given up
  // (failed), the oldest first, without content; and how many there are.
  std::vector<Document> undelivered_documents(int limit);
  std::int64_t undelivered_count();
  // Per party (supplier or channel) with documents not delivered: how many
  // wait and how many were given up (/metrics).
  struct PartyDocuments {
    std::string party_type, party;
    std::int64_t waiting = 0, failed = 0;
  };
  std::vector<PartyDocuments> undelivered_by_party();

  // --- X12 ---
  // The next interchange (ISA13) and group (GS06) control numbers from
  // `sender` to `receiver`: counted per partner, never reused, rolling over
  // from 999999999 to 1. Same transaction as the document that uses them.
  std::pair<std::uint64_t, std::uint64_t> next_x12_control(std::string_view sender,
                                                           std::string_view receiver);
  // The inbound file that applied interchange (sender, receiver, control), if any.
  std::optional<std::int64_t> x12_received(std::string_view sender, std::string_view receiver,
                                           std::string_view control);
  void add_x12_received(std::string_view sender, std::string_view receiver,
                        std::string_view control, std::int64_t file_id);
  // POs of `supplier` sent as set `st02` of group `gs06` (every set of the
  // group when st02 is empty).
  std::vector<Po> pos_sent_in(std::string_view supplier, std::string_view gs06,
                              std::string_view st02);
  // POs of `supplier` sent in interchange `isa13` (a TA1 answers it).
  std::vector<Po> pos_sent_in_interchange(std::string_view supplier, std::string_view isa13);
  void add_x12_sent(std::int64_t po_id, std::string_view kind, std::string_view isa13,
                    std::string_view gs06, std::string_view st02);

  // --- tracking ---
  // PO `number` with its lines in seq order (id, seq, sku, quantity,
  // shipped, pushed) and, beside each, the tracking numbers of the
  // shipments it has; nullopt if there is no such PO. One query.
  struct PoLines {
    Po po;
    std::vector<Line> lines;
    std::vector<std::vector<std::string>> tracking;
  };
  std::optional<PoLines> find_po_lines(std::string_view number);
  void add_shipment(const Shipment& s, std::int64_t file_id, std::int64_t now);
  void add_unmatched(const Unmatched& u);
  std::vector<Unmatched> recent_unmatched(int limit);
  // Each shipment of `channel` not yet pushed, oldest first, one at a time
  // (a push of 200,000 is never 200,000 Shipments at once).
  void each_unpushed_shipment(std::string_view channel, const std::function<void(Shipment&)>& each);
  // Links every unpushed shipment of `channel` to `doc_id`; the same set
  // each_unpushed_shipment() gave within the transaction.
  void link_unpushed_shipments(std::string_view channel, std::int64_t doc_id);
  std::vector<Shipment> shipments_of_order(std::int64_t order_id);
  // Ids of the orders whose shipments a push document carries.
  std::vector<std::int64_t> orders_of_push_document(std::int64_t doc_id);
  // One event for each of those orders (set-based).
  void add_push_events(std::int64_t doc_id, std::string_view actor, std::string_view kind,
                       std::string_view message, std::int64_t now);
  // Adds each shipment of the document to its line's pushed count.
  void mark_document_pushed(std::int64_t doc_id);

  // --- alerts (store_alerts.cc) ---
  // A scan's high-water mark (alert_marks), nullopt when never set.
  std::optional<std::int64_t> alert_mark(std::string_view name);
  void set_alert_mark(std::string_view name, std::int64_t value);
  // Stores `a`; returns its id, or 0 when its condition (kind and ref) is
  // open already and so is not raised again.
  std::int64_t add_alert(const Alert& a);
  // Clears the open condition `kind`/`ref`; whether one was open.
  bool clear_alert(std::string_view kind, std::string_view ref, std::int64_t now);
  std::vector<Alert> open_alerts(std::string_view kind);
  std::int64_t last_alert_id();
  std::vector<Alert> alerts_after(std::int64_t after_id, int limit);  // oldest first
  std::int64_t open_alert_count();
  // The documents to `party` given up (state failed), oldest first.
  std::vector<std::int64_t> failed_documents(std::string_view party_type, std::string_view party);
  // Alerts after `after_id` that `sink` has not been sent, oldest first
  // (at most 5,000).
  std::vector<Alert> unsent_alerts(std::string_view sink, std::int64_t after_id);
  void add_alert_send(std::int64_t alert_id, std::string_view sink, std::int64_t document_id);
  struct AlertSend {
    std::string sink;
    std::int64_t document_id = 0;
    std::string name;
    DocState state = DocState::kPending;
    std::int64_t delivered_at = 0;
    std::string error;
  };
  struct AlertRow {
    Alert alert;
    std::vector<AlertSend> sends;
  };
  // The newest alerts first, with where each was sent.
  std::vector<AlertRow> recent_alerts(int limit, bool open_only);

  // What the alert scans read: the highest ids now, and the rows after a
  // mark up to such a high, at most `limit` of them (the caller's mark
  // moves only past what it was given).
  struct AlertSources {
    std::int64_t event = 0, attempt = 0, inbound = 0, unmatched = 0;
  };
  AlertSources alert_source_highs();
  std::vector<std::pair<std::int64_t, AlertingEvent>> alerting_events_after(std::int64_t id,
                                                                            std::int64_t upto,
                                                                            int limit);
  struct AttemptSeen {
    std::int64_t id = 0, document_id = 0;
    std::string doc_kind, party_type, party, name, outcome, error;
  };
  std::vector<AttemptSeen> attempts_after(std::int64_t id, std::int64_t upto, int limit);
  std::vector<QuarantinedFile> quarantined_after(std::int64_t id, std::int64_t upto, int limit);
  std::vector<UnmatchedLine> unmatched_after(std::int64_t id, std::int64_t upto, int limit);
  // Orders in `status` unchanged since `before`, without an open
  // needs_resolve alert.
  std::vector<WaitingOrder> waiting_orders(OrderStatus status, std::int64_t before, int limit);
  std::optional<OrderStatus> order_status(std::int64_t id);
  std::optional<DocState> document_state(std::int64_t id);
  // "channel:ext_id", or "" if there is no such order.
  std::string order_ref(std::int64_t order_id);

  // What happened in [from, to): orders imported, orders reaching each
  // status, unmatched tracking lines, runs with failures (the digest).
  struct DayCounts {
    std::int64_t orders_in = 0, unmatched = 0, failed_runs = 0;
    std::vector<std::pair<std::string, std::int64_t>> status_changes;  // to status -> orders
  };
  DayCounts day_counts(std::int64_t from, std::int64_t to);

  // --- deadlines (store_deadlines.cc) ---
  // Deadline rows for every PO of document `doc_id` (delivered now).
  void add_po_deadlines(std::int64_t doc_id, std::int64_t delivered_at, std::int64_t ack_due,
                        std::int64_t ship_due);
  void set_po_acked(std::int64_t po_id, std::int64_t at);    // the first time only
  void set_po_shipped(std::int64_t po_id, std::int64_t at);  // the first time only
  // POs past a deadline at `now` not yet found late (with their PO state).
  std::vector<PoDeadline> newly_late(std::int64_t now, int limit);
  void mark_late(std::int64_t po_id, bool ack, bool ship, std::int64_t now);
  // A PO no longer out at its supplier (canceled, rejected): the deadlines
  // it has not met are no longer kept.
  void end_deadlines(std::int64_t po_id);
  std::optional<PoDeadline> po_deadline(std::int64_t po_id);
  std::int64_t late_po_count();
  // The same per supplier (/metrics); suppliers with none are left out.
  std::vector<std::pair<std::string, std::int64_t>> late_pos_by_supplier();
  std::vector<PoDeadline> late_pos(int limit);  // late now, oldest first
  // Per supplier, POs delivered since `since` and how the supplier kept up.
  // A deadline still running at `now` counts neither way.
  std::vector<SupplierScore> supplier_scores(std::int64_t since, std::int64_t now);

  // --- the state itself ---
  // The database's identity and the highest ids it has handed out (or
  // reserved by a floor).
  StateFacts state_facts();
  // Raises the floors below which no PO, document or inbound file id, and
  // no X12 control number, is handed out (after a restore). In a Txn.
  void raise_floors(const StateFacts& floor);
  // How this connection commits: "wal, synchronous=full" when every commit
  // is on disk when it returns (docs/operations.md, "Durability").
  std::string durability();
  // PRAGMA quick_check: "ok", or what is damaged.
  std::string quick_check();
  // A consistent copy of the database into `file` (SQLite's online backup),
  // while other processes go on writing. `file` must not exist.
  Status backup_to(const std::filesystem::path& file);

  // --- history ---
  void add_event(std::int64_t order_id, std::int64_t po_id, std::string_view actor,
                 std::string_view kind, std::string_view from, std::string_view to,
                 std::string_view message, std::int64_t at);
  std::vector<Event> events(std::int64_t order_id);

  std::int64_t begin_run(std::string_view kind, std::string_view trigger, std::int64_t now);
  // Records the end of run `run.id`; a run with id 0 is recorded whole. An
  // empty run right after an empty run of the same kind and trigger is
  // folded into it (its repeats and time) instead.
  void finish_run(const SyncRun& run);
  std::vector<SyncRun> recent_runs(int limit);
  // The last run of each kind, however many others came after it.
  std::vector<SyncRun> last_runs();
  // Finished runs after `after_id` whose trigger starts with `trigger`.
  std::vector<SyncRun> runs_after(std::int64_t after_id, std::string_view trigger);
  std::int64_t last_run_id();

 private:
  explicit Store(sqlite3* db);
  // The first id of `table` whose `column` (a time, growing with the id)
  // is at or after `t`; one past the last id if none.
  std::int64_t first_id_at(std::string_view table, std::string_view column, std::int64_t t);
  static Result<std::unique_ptr<Store>> open_at(const std::filesystem::path& state_dir);
  void index_order_text();
  Query stmt(std::string_view sql);  // cached; reset when the Query ends
  void insert_lines(Order& order);   // the order's lines, given their ids

  sqlite3* db_;
  std::int64_t next_po_id_ = 0;  // within the open transaction; 0: unknown
  struct Cache;
  std::unique_ptr<Cache> cache_;
};

// Scoped transaction: rolls back unless commit() was called.
class Txn {
 public:
  explicit Txn(Store& s) : s_(s) {}
  ~Txn() {
    if (open_) s_.rollback();
  }
  Status begin() {
    auto st = s_.begin();
    open_ = st.has_value();
    return st;
  }
  Status commit() {
    open_ = false;
    return s_.commit();
  }

 private:
  Store& s_;
  bool open_ = false;
};

// A part of a transaction that can fail alone: rolled back to its start
// (the rest of the transaction kept) unless release() was called.
class Savepoint {
 public:
  explicit Savepoint(Store& s) : s_(s) { s_.savepoint(); }
  ~Savepoint() {
    if (open_) s_.rollback_to_savepoint();
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release() {
    s_.release_savepoint();
    open_ = false;
  }

 private:
  Store& s_;
  bool open_ = true;
};

// Errors from SQLite inside store methods are thrown as StoreError (they mean
// a broken database or disk, not bad input); jobs catch it at their edge and
// roll back.
struct StoreError : std::runtime_error {
  explicit StoreError(const std::string& what, int sqlite_code = 0)
      : std::runtime_error(what), code(sqlite_code) {}
  int code;  // SQLite's result code, 0 when none
  // The file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB), not merely busy
  // or out of something.
  bool damaged() const { return (code & 0xff) == 11 || (code & 0xff) == 26; }
};

}  // namespace orderd
