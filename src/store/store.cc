#include "store/store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "store/schema.h"
#include "util/fs.h"

namespace orderd {
namespace {

// SQLite's message for the last error on `db`, with the system's reason
// when a system call failed ("disk I/O error (Input/output error)").
std::string db_error(sqlite3* db) {
  std::string msg = sqlite3_errmsg(db);
  if (const int e = sqlite3_system_errno(db); e != 0) msg += fmt::format(" ({})", std::strerror(e));
  return msg;
}

}  // namespace

// One prepared statement, owned; reset before each use.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &s_, nullptr) != SQLITE_OK)
      throw StoreError(fmt::format("cannot prepare SQL ({}): {}", sqlite3_errmsg(db), sql));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    col_ = 0;
    return *this;
  }
  Stmt& operator<<(std::int64_t v) {
    sqlite3_bind_int64(s_, ++col_, v);
    return *this;
  }
  Stmt& operator<<(int v) { return *this << static_cast<std::int64_t>(v); }
  // Text is bound without a copy: the bytes must stay alive until the
  // statement has been stepped, which holds for arguments of the Store method
  // doing the binding. Temporaries (std::string&&) are copied.
  Stmt& operator<<(std::string_view v) {
    // An empty view may have a null data(), which SQLite would bind as NULL.
    sqlite3_bind_text(s_, ++col_, v.data() ? v.data() : "", static_cast<int>(v.size()),
                      SQLITE_STATIC);
    return *this;
  }
  Stmt& operator<<(std::string&& v) {
    sqlite3_bind_text(s_, ++col_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // A const temporary, as `cond ? name : "#" + name` makes: copied too (bound
  // without a copy it would be gone before the statement is stepped).
  Stmt& operator<<(const std::string&& v) {
    sqlite3_bind_text(s_, ++col_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& operator<<(const std::string& v) { return *this << std::string_view(v); }
  Stmt& operator<<(const char* v) { return *this << std::string_view(v); }
  Stmt& null() {
    sqlite3_bind_null(s_, ++col_);
    return *this;
  }
  Stmt& id_or_null(std::int64_t v) { return v ? (*this << v) : null(); }

  // True while there is a row.
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(fmt::format("database error: {}", db_error(db_)));
  }
  void run() {
    while (step()) {
    }
  }
  std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  bool is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::string text(int c) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int col_ = 0;
};

// A statement in use, reset when it goes out of scope: a lookup that stops
// at its first row must not keep a read transaction open, or the next write
// on this connection starts from a stale WAL snapshot and fails with
// "database is locked" for as long as the statement stays unreset.
class Query {
 public:
  explicit Query(Stmt& s) : s_(s) {}
  ~Query() { s_.reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  operator Stmt&() { return s_; }
  template <class T>
  Stmt& operator<<(T&& v) {
    return s_ << std::forward<T>(v);
  }
  Stmt& null() { return s_.null(); }
  Stmt& id_or_null(std::int64_t v) { return s_.id_or_null(v); }
  Stmt& reset() { return s_.reset(); }
  bool step() { return s_.step(); }
  void run() { s_.run(); }
  std::int64_t i64(int c) const { return s_.i64(c); }
  bool is_null(int c) const { return s_.is_null(c); }
  std::string text(int c) const { return s_.text(c); }

 private:
  Stmt& s_;
};

struct Store::Cache {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<Stmt>, Hash, std::equal_to<>> stmts;
};

namespace {

// What SQLite's own error log said about the disk (SQLITE_CONFIG_LOG): the
// I/O errors it handles itself (a checkpoint that failed, a folder it could
// not sync) never reach a caller, yet the operator must hear of them.
std::mutex g_disk_mutex;
std::vector<std::string> g_disk_errors;
std::size_t g_disk_dropped = 0;

void note_disk_error(std::string text) {
  std::lock_guard lock(g_disk_mutex);
  if (g_disk_errors.size() < 20)
    g_disk_errors.push_back(std::move(text));
  else
    ++g_disk_dropped;
}

// A passive checkpoint; a failure other than another process's lock is noted.
void checkpoint(sqlite3* db, const char* name) {
  const int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
    note_disk_error(fmt::format("checkpoint of {}: {}",
                                sqlite3_db_filename(db, name ? name : "main"), db_error(db)));
}

// Replaces SQLite's automatic checkpoint (same threshold, 1000 pages) so a
// checkpoint that fails is heard of: SQLite's own ignores the failure.
int checkpoint_when_due(void*, sqlite3* db, const char* name, int pages) {
  if (pages >= 1000) checkpoint(db, name);
  return SQLITE_OK;
}

void sqlite_log(void*, int code, const char* msg) {
  switch (code & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      break;
    default:
      return;
  }
  std::string_view text = msg ? msg : "";
  // A failed statement's error reaches its caller, who reports it; and the
  // line SQLite logs for a file it cannot open never names the file (the
  // os_unix line beside it does).
  if (text.starts_with("statement aborts at") || text.starts_with("cannot open file at line"))
    return;
  // "os_unix.c:3720: (5) openDirectory(/x) - " : the system's reason for errno 5.
  std::string out(text);
  if (auto at = text.find(": ("); at != std::string_view::npos && text.ends_with("- ")) {
    const int err = std::atoi(std::string(text.substr(at + 3)).c_str());
    if (err > 0) out += std::strerror(err);
  }
  note_disk_error(fmt::format("{} [{}]", out, sqlite3_errstr(code)));
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    if (const int e = sqlite3_system_errno(db); e != 0)
      msg += fmt::format(" ({})", std::strerror(e));
    sqlite3_free(err);
    throw StoreError(fmt::format("database error: {}", msg));
  }
}

constexpr std::size_t kInChunk = 256;

const std::string& in_list() {
  static const std::string p = [] {
    std::string s = "(";
    for (std::size_t i = 0; i < kInChunk; ++i) s += i ? ",?" : "?";
    return s + ")";
  }();
  return p;
}

// Binds ids[at, at+kInChunk), padding the tail by repeating the last id.
void bind_chunk(Stmt& s, std::span<const std::int64_t> ids, std::size_t at) {
  for (std::size_t i = 0; i < kInChunk; ++i) s << ids[std::min(at + i, ids.size() - 1)];
}

std::int64_t first_id(Stmt& s) {
  return s.i64(0);
}

// Steps `s` to the end, reading each row with `read`.
template <class Read>
auto collect(Stmt& s, Read read) {
  std::vector<decltype(read(s))> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

const std::string& order_columns() {
  static const std::string cols = [] {
    std::string c;
    for (std::size_t i = 0; i < kOrderFieldCount; ++i)
      c += ", " + field_column(all_fields()[i].name);
    return c;
  }();
  return cols;
}

}  // namespace

Store::Store(sqlite3* db) : db_(db), cache_(std::make_unique<Cache>()) {}

Store::~Store() {
  cache_.reset();
  // The last checkpoint, so that its failure is heard of (take_disk_errors).
  checkpoint(db_, nullptr);
  sqlite3_close_v2(db_);
}

Query Store::stmt(std::string_view sql) {
  auto it = cache_->stmts.find(sql);
  if (it == cache_->stmts.end())
    it = cache_->stmts.emplace(std::string(sql), std::make_unique<Stmt>(db_, sql)).first;
  return Query(it->second->reset());
}

std::vector<std::string> Store::take_disk_errors() {
  std::lock_guard lock(g_disk_mutex);
  std::vector<std::string> out = std::move(g_disk_errors);
  g_disk_errors.clear();
  if (g_disk_dropped) out.push_back(fmt::format("... and {} more", g_disk_dropped));
  g_disk_dropped = 0;
  return out;
}

namespace {

// `e` with what SQLite logged about the disk meanwhile (the system call and
// its reason, which SQLite's own message leaves out).
Error with_disk_errors(Error e) {
  std::string msg = e.message();
  for (const auto& d : Store::take_disk_errors()) msg += "; " + d;
  return Error(e.kind(), std::move(msg));
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& state_dir) {
  static std::once_flag log_once;
  std::call_once(log_once, [] { sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, nullptr); });
  auto store = open_at(state_dir);
  if (!store) return std::unexpected(with_disk_errors(store.error()));
  return store;
}

Result<std::unique_ptr<Store>> Store::open_at(const std::filesystem::path& state_dir) {
  if (auto s = ensure_dir(state_dir); !s) return std::unexpected(s.error());
  const auto path = state_dir / "orderd.db";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db ? db_error(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail(ErrorKind::kIo, fmt::format("cannot open database {}: {}", path.string(), msg));
  }
  std::unique_ptr<Store> store(new Store(db));
  // SQLite falls back to read-only when the read-write open fails; every
  // write would then fail later, far from the cause.
  if (sqlite3_db_readonly(db, "main") == 1)
    return fail(ErrorKind::kIo,
                fmt::format("cannot open database {} for writing (opened read-only): check the "
                            "disk and that orderd's user may write {}",
                            path.string(), state_dir.string()));
  try {
    sqlite3_busy_timeout(db, 30000);
    sqlite3_wal_hook(db, checkpoint_when_due, nullptr);
    // synchronous=FULL: in WAL mode every COMMIT is on disk when it returns.
    // Nearly every commit precedes an outside effect (a file archived, a PO
    // sent, an acknowledgment queued), which must never be undone by a
    // power cut after it happened (docs/operations.md, "Durability").
    // Turning a new database to WAL takes an exclusive lock for which SQLite
    // does not wait when another process is doing the same (deadlock
    // avoidance), so that one step is retried here.
    for (int tries = 0;; ++tries) {
      const int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) break;
      if ((rc & 0xff) != SQLITE_BUSY || tries >= 3000)
        throw StoreError(fmt::format("database error: {}", db_error(db)));
      sqlite3_sleep(10);
    }
    exec(db,
         "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
         "PRAGMA cache_size=-32768;");
    auto version = [&] {
      auto v = store->stmt("PRAGMA user_version");
      v.step();
      return static_cast<std::size_t>(v.i64(0));
    };
    auto all = migrations();
    // Read once without the write lock (the common case: nothing to do),
    // then again under it: two processes opening a new state folder at once
    // must not both create the tables.
    if (version() < all.size()) {
      exec(db, "BEGIN IMMEDIATE");
      for (std::size_t i = version(); i < all.size(); ++i) {
        exec(db, all[i]);
        exec(db, fmt::format("PRAGMA user_version={}", i + 1));
      }
      exec(db, "COMMIT");
    }
    if (const auto v = version(); v > all.size())
      return fail(ErrorKind::kRefused,
                  fmt::format("database {} has schema version {}, newer than this orderd knows "
                              "({}); run a newer orderd",
                              path.string(), v, all.size()));
    // SQLite fsyncs the folder when it creates its WAL and journal files but
    // ignores a failure there: this one is heard of.
    if (auto s = sync_folder(state_dir); !s) return std::unexpected(s.error());
  } catch (const StoreError& e) {
    return fail(ErrorKind::kIo, fmt::format("database {}: {}", path.string(), e.what()));
  }
  return store;
}

Status Store::begin() {
  next_po_id_ = 0;
  // Every Query resets its statement when it ends, so none should be busy
  // here; one that is would pin a stale snapshot and make this write fail.
  for (sqlite3_stmt* p = sqlite3_next_stmt(db_, nullptr); p; p = sqlite3_next_stmt(db_, p))
    if (sqlite3_stmt_busy(p)) sqlite3_reset(p);
  try {
    stmt("BEGIN IMMEDIATE").run();
  } catch (const StoreError& e) {
    return fail(ErrorKind::kTransient, e.what());
  }
  return {};
}

Status Store::commit() {
  try {
    stmt("COMMIT").run();
  } catch (const StoreError& e) {
    rollback();
    return fail(ErrorKind::kIo, e.what());
  }
  return {};
}

void Store::rollback() noexcept {
  // Called from destructors: never throws. A failed ROLLBACK leaves SQLite
  // to roll the transaction back when the connection closes.
  next_po_id_ = 0;
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Store::savepoint() {
  stmt("SAVEPOINT part").run();
}

void Store::release_savepoint() {
  stmt("RELEASE part").run();
}

void Store::rollback_to_savepoint() noexcept {
  sqlite3_exec(db_, "ROLLBACK TO part; RELEASE part", nullptr, nullptr, nullptr);
}

// --- inbound files ---

std::optional<std::int64_t> Store::find_accepted_file(std::string_view kind,
                                                      std::string_view source,
                                                      std::string_view sha256) {
  auto s = stmt(
      "SELECT id FROM inbound_files WHERE kind=? AND source=? AND sha256=? AND state='accepted' "
      "ORDER BY id LIMIT 1");
  s << kind << source << sha256;
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

std::int64_t Store::add_inbound_file(const InboundFile& f) {
  auto s = stmt(
      "INSERT INTO inbound_files(id, kind, source, name, sha256, size, state, error, summary, "
      "archive_path, received_at) VALUES((SELECT max(coalesce((SELECT max(id) FROM "
      "inbound_files), 0), coalesce((SELECT value FROM meta WHERE key='floor.inbound'), 0)) + "
      "1),?,?,?,?,?,?,?,?,?,?)");
  s << f.kind << f.source << f.name << f.sha256 << std::int64_t{0} << f.state << f.error
    << f.summary << f.archive_path << f.received_at;
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

void Store::set_inbound_archive(std::int64_t id, std::string_view path) {
  auto s = stmt("UPDATE inbound_files SET archive_path=? WHERE id=?");
  s << path << id;
  s.run();
}

std::vector<InboundFile> Store::recent_inbound_files(int limit) {
  auto s = stmt(
      "SELECT id, kind, source, name, sha256, state, error, summary, archive_path, received_at "
      "FROM inbound_files ORDER BY id DESC LIMIT ?");
  s << limit;
  std::vector<InboundFile> out;
  while (s.step())
    out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                   s.text(7), s.text(8), s.i64(9)});
  return out;
}

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

void Store::set_order_status(std::int64_t id, OrderStatus status,
                             const std::vector<std::string>& messages) {
  auto s = stmt("UPDATE orders SET status=?, messages=? WHERE id=?");
  s << to_string(status) << join_lines(messages) << id;
  s.run();
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

// The WHERE clause of an order query, its parameters bound by number (so
// one statement text serves every combination of the same filters).
std::string order_filter(const OrderQuery& q) {
  std::string where = " WHERE 1=1";
  if (q.status) where += " AND status=?1";
  if (!q.channel.empty()) where += " AND channel=?2";
  // Newest first, each checked by lines_order: a common supplier fills a
  // page after a few orders. A SKU glob uses lines_sku.
  if (!q.supplier.empty())
    where += " AND EXISTS (SELECT 1 FROM lines WHERE order_id=orders.id AND supplier=?3)";
  // The same glob syntax as a supplier's skus: patterns (case-sensitive).
  if (!q.sku.empty()) where += " AND id IN (SELECT order_id FROM lines WHERE sku GLOB ?4)";
  if (!q.customer.empty())
    where +=
        " AND (customer_name LIKE ?5 OR customer_email LIKE ?5 OR ship_to_name LIKE ?5 OR "
        "customer_phone LIKE ?5 OR ship_to_phone LIKE ?5)";
  if (!q.order.empty())
    where += " AND ext_id IN (?6,?7) AND channel IN (SELECT DISTINCT channel FROM order_counts)";
  if (q.changed_after_processing)
    where += " AND id IN (SELECT order_id FROM events WHERE kind='channel_change_ignored')";
  return where;
}

void bind_order_filter(Stmt& s, const OrderQuery& q) {
  std::string hashed = q.order.starts_with('#') ? q.order : "#" + q.order;
  std::string bare = q.order.starts_with('#') ? q.order.substr(1) : q.order;
  s << (q.status ? to_string(*q.status) : "") << q.channel << q.supplier << q.sku
    << ("%" + q.customer + "%") << std::move(hashed) << std::move(bare);
}

}  // namespace

std::vector<Order> Store::query_orders(const OrderQuery& q) {
  // Ids follow import order (none is reused), so the newest come first
  // without a sort.
  auto s = stmt("SELECT id FROM orders" + order_filter(q) + " ORDER BY id DESC LIMIT ?8");
  bind_order_filter(s, q);
  s << q.limit;
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
                              q.order.empty() && !q.changed_after_processing;
  if (by_count_table) {
    auto c = stmt(
        "SELECT status, sum(n) FROM order_counts WHERE (?1='' OR status=?1) AND (?2='' OR "
        "channel=?2) GROUP BY status HAVING sum(n)>0 ORDER BY status");
    c << (q.status ? to_string(*q.status) : "") << q.channel;
    while (c.step()) out.by_status.emplace_back(c.text(0), c.i64(1));
    return out;
  }
  auto s = stmt("SELECT status, count(*) FROM (SELECT status FROM orders" + order_filter(q) +
                " ORDER BY id DESC LIMIT ?8) GROUP BY status ORDER BY status");
  bind_order_filter(s, q);
  s << cap + 1;
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

Po read_po(Stmt& s) {
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

}  // namespace

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

// --- documents ---

namespace {

// Ids are never reused, not even after a restore (floor.document).
constexpr const char* kNextDocumentId =
    "(SELECT max(coalesce((SELECT max(id) FROM documents), 0), coalesce((SELECT value FROM meta "
    "WHERE key='floor.document'), 0)) + 1)";

}  // namespace

std::int64_t Store::insert_document(Document& d,
                                    std::string (*name_of)(const Document&, std::int64_t)) {
  auto s = stmt(std::string("INSERT INTO documents(id, kind, party_type, party, format, content, "
                            "sha256, state, created_at) VALUES(") +
                kNextDocumentId + ",?,?,?,?,'',?,?,?)");
  s << d.kind << d.party_type << d.party << d.format << d.sha256 << to_string(d.state)
    << d.created_at;
  s.run();
  d.id = sqlite3_last_insert_rowid(db_);
  auto c = stmt("INSERT INTO document_content(document_id, content) VALUES(?,?)");
  c << d.id << d.content;
  c.run();
  d.name = name_of(d, d.id);
  auto u = stmt("UPDATE documents SET name=? WHERE id=?");
  u << d.name << d.id;
  u.run();
  return d.id;
}

std::int64_t Store::open_document(std::string_view kind, std::string_view party_type,
                                  std::string_view party, std::string_view format, DocState state,
                                  std::int64_t now) {
  auto s = stmt(std::string("INSERT INTO documents(id, kind, party_type, party, format, content, "
                            "sha256, state, created_at) VALUES(") +
                kNextDocumentId + ",?,?,?,?,'','',?,?)");
  s << kind << party_type << party << format << to_string(state) << now;
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

void Store::fill_document(std::int64_t id, std::string_view name, std::string_view content,
                          std::string_view sha256) {
  auto s = stmt("UPDATE documents SET name=?, sha256=? WHERE id=?");
  s << name << sha256 << id;
  s.run();
  auto c = stmt("INSERT OR REPLACE INTO document_content(document_id, content) VALUES(?,?)");
  c << id << content;
  c.run();
}

std::optional<Document> Store::load_document(std::int64_t id) {
  auto s = stmt(
      "SELECT id, kind, party_type, party, name, format, coalesce((SELECT content FROM "
      "document_content WHERE document_id=documents.id), ''), sha256, state, attempts, "
      "last_error, created_at, delivered_at, next_attempt_at FROM documents WHERE id=?");
  s << id;
  if (!s.step()) return std::nullopt;
  Document d;
  d.id = s.i64(0);
  d.kind = s.text(1);
  d.party_type = s.text(2);
  d.party = s.text(3);
  d.name = s.text(4);
  d.format = s.text(5);
  d.content = s.text(6);
  d.sha256 = s.text(7);
  d.state = parse_doc_state(s.text(8)).value_or(DocState::kFailed);
  d.attempts = static_cast<int>(s.i64(9));
  d.last_error = s.text(10);
  d.created_at = s.i64(11);
  d.delivered_at = s.i64(12);
  d.next_attempt_at = s.i64(13);
  return d;
}

std::vector<std::int64_t> Store::due_documents(std::int64_t now) {
  auto s = stmt(
      "SELECT id FROM documents WHERE (state='sending') OR (state='pending' AND "
      "next_attempt_at<=?) ORDER BY state='sending' DESC, id");
  s << now;
  return collect(s, first_id);
}

std::optional<std::int64_t> Store::next_document_due() {
  auto s = stmt("SELECT min(next_attempt_at) FROM documents WHERE state IN ('pending','sending')");
  std::optional<std::int64_t> at;
  while (s.step())
    if (!s.is_null(0)) at = s.i64(0);
  return at;
}

std::vector<std::pair<std::string, std::int64_t>> Store::status_counts() {
  auto s = stmt(
      "SELECT status, sum(n) FROM order_counts GROUP BY status HAVING sum(n)>0 ORDER BY status");
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.i64(1));
  return out;
}

std::int64_t Store::documents_waiting() {
  auto s = stmt("SELECT count(*) FROM documents WHERE state IN ('pending','sending')");
  std::int64_t n = 0;
  while (s.step()) n = s.i64(0);
  return n;
}

void Store::set_document_state(std::int64_t id, const DocumentUpdate& u, std::int64_t now) {
  auto s = stmt(
      "UPDATE documents SET state=?, last_error=?, next_attempt_at=?, attempts=?, "
      "delivered_at=CASE WHEN ? THEN ? ELSE delivered_at END WHERE id=?");
  s << to_string(u.state) << u.error << u.next_attempt_at << u.attempts
    << static_cast<std::int64_t>(u.delivered_now) << now << id;
  s.run();
}

void Store::add_attempt(std::int64_t doc_id, std::int64_t at, std::string_view transport,
                        std::string_view outcome, std::string_view error) {
  auto s =
      stmt("INSERT INTO attempts(document_id, at, transport, outcome, error) VALUES(?,?,?,?,?)");
  s << doc_id << at << transport << outcome << error;
  s.run();
}

namespace {

// A document's record without its content, from the columns kDocMeta lists.
constexpr const char* kDocMeta =
    "d.id, d.kind, d.party_type, d.party, d.name, d.format, d.sha256, d.state, d.attempts, "
    "d.last_error, d.created_at, d.delivered_at, d.next_attempt_at";

Document read_document_meta(Stmt& s) {
  Document d;
  d.id = s.i64(0);
  d.kind = s.text(1);
  d.party_type = s.text(2);
  d.party = s.text(3);
  d.name = s.text(4);
  d.format = s.text(5);
  d.sha256 = s.text(6);
  d.state = parse_doc_state(s.text(7)).value_or(DocState::kFailed);
  d.attempts = static_cast<int>(s.i64(8));
  d.last_error = s.text(9);
  d.created_at = s.i64(10);
  d.delivered_at = s.i64(11);
  d.next_attempt_at = s.i64(12);
  return d;
}

}  // namespace

std::vector<Document> Store::documents_of_order(std::int64_t order_id) {
  auto s = stmt(
      fmt::format("SELECT DISTINCT {} FROM documents d WHERE d.id IN ("
                  "SELECT document_id FROM pos WHERE order_id=?1 UNION "
                  "SELECT cancel_document_id FROM pos WHERE order_id=?1 UNION "
                  "SELECT s.push_document_id FROM shipments s JOIN lines l ON l.id=s.line_id WHERE "
                  "l.order_id=?1) ORDER BY d.id",
                  kDocMeta));
  s << order_id;
  return collect(s, read_document_meta);
}

std::vector<Document> Store::undelivered_documents(int limit) {
  auto s = stmt(fmt::format(
      "SELECT {} FROM documents d WHERE d.state IN ('pending','sending','failed') ORDER BY "
      "d.state='failed' DESC, d.id LIMIT ?",
      kDocMeta));
  s << limit;
  return collect(s, read_document_meta);
}

std::int64_t Store::undelivered_count() {
  auto s = stmt("SELECT count(*) FROM documents WHERE state IN ('pending','sending','failed')");
  s.step();
  return s.i64(0);
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

// --- tracking ---

std::optional<std::pair<Line, bool>> Store::find_po_line(const Po& po, std::string_view sku,
                                                         std::string_view tracking_number) {
  const std::int64_t po_id = po.id;
  auto s = stmt(
      "SELECT id, seq, sku, quantity, shipped, pushed, EXISTS(SELECT 1 FROM shipments WHERE "
      "line_id=lines.id AND tracking_number=?) FROM lines WHERE order_id=? AND po_id=? AND sku=? "
      "ORDER BY shipped < quantity DESC, seq LIMIT 1");
  s << tracking_number << po.order_id << po_id << sku;
  if (!s.step()) return std::nullopt;
  Line l;
  l.id = s.i64(0);
  l.seq = static_cast<int>(s.i64(1));
  l.sku = s.text(2);
  l.quantity = s.i64(3);
  l.shipped = s.i64(4);
  l.pushed = s.i64(5);
  l.po_id = po_id;
  return std::pair{l, s.i64(6) != 0};
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

std::vector<Shipment> Store::unpushed_shipments(std::string_view channel) {
  auto s = stmt(std::string(kShipCols) +
                " WHERE s.push_document_id IS NULL AND o.channel=? ORDER BY s.id");
  s << channel;
  return collect(s, read_shipment);
}

void Store::link_unpushed_shipments(std::string_view channel, std::int64_t doc_id) {
  auto s = stmt(
      "UPDATE shipments SET push_document_id=? WHERE push_document_id IS NULL AND line_id IN "
      "(SELECT l.id FROM lines l JOIN orders o ON o.id=l.order_id WHERE o.channel=?)");
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

// --- the state itself ---

StateFacts Store::state_facts() {
  StateFacts f;
  {
    auto q = stmt("SELECT value FROM meta WHERE key='instance'");
    if (q.step()) f.instance = q.text(0);
  }
  // The highest ids handed out, or reserved by a floor (raise_floors).
  auto q = stmt(
      "SELECT max(coalesce((SELECT max(id) FROM pos), 0), coalesce((SELECT value FROM meta WHERE "
      "key='floor.po'), 0)), max(coalesce((SELECT max(id) FROM documents), 0), coalesce((SELECT "
      "value FROM meta WHERE key='floor.document'), 0)), max(coalesce((SELECT max(id) FROM "
      "inbound_files), 0), coalesce((SELECT value FROM meta WHERE key='floor.inbound'), 0)), NOT "
      "EXISTS(SELECT 1 FROM orders) AND NOT EXISTS(SELECT 1 FROM documents) AND NOT "
      "EXISTS(SELECT 1 FROM inbound_files)");
  q.step();
  f.po = q.i64(0);
  f.document = q.i64(1);
  f.inbound = q.i64(2);
  f.empty = q.i64(3) != 0;
  q.reset();
  auto x = stmt("SELECT sender, receiver, isa FROM x12_partners");
  while (x.step()) f.x12[x.text(0) + ">" + x.text(1)] = x.i64(2);
  return f;
}

void Store::raise_floors(const StateFacts& floor) {
  auto set = [&](const char* key, std::int64_t v) {
    auto s = stmt(
        "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET "
        "value=max(value, ?2)");
    s << key << v;
    s.run();
  };
  set("floor.po", floor.po);
  set("floor.document", floor.document);
  set("floor.inbound", floor.inbound);
  for (const auto& [pair, isa] : floor.x12) {
    const auto gt = pair.find('>');
    if (gt == std::string::npos) continue;
    auto s = stmt(
        "INSERT INTO x12_partners(sender, receiver, isa, gs) VALUES(?1, ?2, ?3, ?3) ON "
        "CONFLICT(sender, receiver) DO UPDATE SET isa=max(isa, ?3), gs=max(gs, ?3)");
    s << pair.substr(0, gt) << pair.substr(gt + 1) << isa;
    s.run();
  }
  next_po_id_ = 0;
}

std::string Store::durability() {
  auto j = stmt("PRAGMA journal_mode");
  j.step();
  const std::string mode = j.text(0);
  j.reset();
  auto q = stmt("PRAGMA synchronous");
  q.step();
  static constexpr const char* kLevels[] = {"off", "normal", "full", "extra"};
  const auto level = q.i64(0);
  return fmt::format("{}, synchronous={}", mode, level >= 0 && level <= 3 ? kLevels[level] : "?");
}

std::string Store::quick_check() {
  auto q = stmt("PRAGMA quick_check(20)");
  std::vector<std::string> lines;
  while (q.step()) lines.push_back(q.text(0));
  if (lines.size() == 1 && lines.front() == "ok") return "ok";
  return fmt::format("{}", fmt::join(lines, "; "));
}

Status Store::backup_to(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec))
    return fail(ErrorKind::kRefused,
                fmt::format("{} already exists; name a new file", file.string()));
  sqlite3* to = nullptr;
  if (sqlite3_open_v2(file.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string msg = to ? db_error(to) : "out of memory";
    sqlite3_close_v2(to);
    return fail(ErrorKind::kIo, fmt::format("cannot create {}: {}", file.string(), msg));
  }
  sqlite3_backup* b = sqlite3_backup_init(to, "main", db_, "main");
  int rc = SQLITE_OK;
  if (!b) {
    rc = sqlite3_errcode(to);
  } else {
    // All pages in one step: one read transaction, so the copy is one
    // consistent moment, and in WAL mode writers are not held back by it.
    do {
      rc = sqlite3_backup_step(b, -1);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
  }
  std::string msg = rc == SQLITE_DONE ? "" : db_error(to);
  if (rc == SQLITE_DONE &&
      sqlite3_exec(to, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) != SQLITE_OK)
    msg = db_error(to);
  sqlite3_close_v2(to);
  if (!msg.empty()) {
    std::filesystem::remove(file, ec);
    return fail(ErrorKind::kIo, fmt::format("backup to {} failed: {}", file.string(), msg));
  }
  // The copy is on disk before we say so.
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced || !sync_folder(file.parent_path().empty() ? "." : file.parent_path()))
    return fail(ErrorKind::kIo, fmt::format("backup to {} was written but not synced to disk: {}",
                                            file.string(), std::strerror(errno)));
  return {};
}

// --- history ---

void Store::add_event(std::int64_t order_id, std::int64_t po_id, std::string_view actor,
                      std::string_view kind, std::string_view from, std::string_view to,
                      std::string_view message, std::int64_t at) {
  auto s = stmt(
      "INSERT INTO events(order_id, po_id, at, actor, kind, from_status, to_status, message) "
      "VALUES(?,?,?,?,?,?,?,?)");
  s << order_id;
  s.id_or_null(po_id) << at << actor << kind << from << to << message;
  s.run();
}

std::vector<Event> Store::events(std::int64_t order_id) {
  auto s = stmt(
      "SELECT e.at, e.actor, e.kind, e.from_status, e.to_status, e.message, "
      "coalesce(p.number, '') FROM events e LEFT JOIN pos p ON p.id=e.po_id WHERE e.order_id=? "
      "ORDER BY e.id");
  s << order_id;
  std::vector<Event> out;
  while (s.step())
    out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)});
  return out;
}

std::int64_t Store::begin_run(std::string_view kind, std::string_view trigger, std::int64_t now) {
  auto s = stmt("INSERT INTO sync_runs(kind, trigger, started_at) VALUES(?,?,?)");
  s << kind << trigger << now;
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

void Store::finish_run(const SyncRun& r) {
  if (r.empty()) {
    // The run before it, of this kind: if it was empty too, with this
    // trigger, this one only adds a repeat to it.
    auto prev = stmt(
        "SELECT id, trigger, read, changed, failed, summary FROM sync_runs WHERE kind=? AND id<? "
        "AND finished_at>0 ORDER BY id DESC LIMIT 1");
    prev << r.kind << (r.id ? r.id : std::numeric_limits<std::int64_t>::max());
    if (prev.step() && prev.text(1) == r.trigger && prev.i64(2) == 0 && prev.i64(3) == 0 &&
        prev.i64(4) == 0 && prev.text(5).empty()) {
      const std::int64_t into = prev.i64(0);
      prev.reset();
      auto fold = stmt("UPDATE sync_runs SET repeats=repeats+1, finished_at=? WHERE id=?");
      fold << r.finished_at << into;
      fold.run();
      if (r.id) {
        auto del = stmt("DELETE FROM sync_runs WHERE id=?");
        del << r.id;
        del.run();
      }
      return;
    }
  }
  if (r.id == 0) {
    auto s = stmt(
        "INSERT INTO sync_runs(kind, trigger, started_at, finished_at, read, changed, failed, "
        "summary) VALUES(?,?,?,?,?,?,?,?)");
    s << r.kind << r.trigger << r.started_at << r.finished_at << r.read << r.changed << r.failed
      << r.summary;
    s.run();
    return;
  }
  auto s =
      stmt("UPDATE sync_runs SET finished_at=?, read=?, changed=?, failed=?, summary=? WHERE id=?");
  s << r.finished_at << r.read << r.changed << r.failed << r.summary << r.id;
  s.run();
}

namespace {

constexpr const char* kRunCols =
    "SELECT id, kind, trigger, summary, started_at, finished_at, read, changed, failed, repeats "
    "FROM sync_runs";

SyncRun read_run(Stmt& s) {
  SyncRun r;
  r.id = s.i64(0);
  r.kind = s.text(1);
  r.trigger = s.text(2);
  r.summary = s.text(3);
  r.started_at = s.i64(4);
  r.finished_at = s.i64(5);
  r.read = static_cast<int>(s.i64(6));
  r.changed = static_cast<int>(s.i64(7));
  r.failed = static_cast<int>(s.i64(8));
  r.repeats = static_cast<int>(s.i64(9));
  return r;
}

}  // namespace

std::vector<SyncRun> Store::recent_runs(int limit) {
  auto s = stmt(std::string(kRunCols) + " ORDER BY id DESC LIMIT ?");
  s << limit;
  return collect(s, read_run);
}

std::vector<SyncRun> Store::last_runs() {
  std::vector<std::string> kinds;
  {
    auto k = stmt("SELECT DISTINCT kind FROM sync_runs ORDER BY kind");
    while (k.step()) kinds.push_back(k.text(0));
  }
  std::vector<SyncRun> out;
  for (const auto& kind : kinds) {
    auto s = stmt(std::string(kRunCols) + " WHERE kind=? ORDER BY id DESC LIMIT 1");
    s << kind;
    if (s.step()) out.push_back(read_run(s));
  }
  return out;
}

std::vector<SyncRun> Store::runs_after(std::int64_t after_id, std::string_view trigger) {
  auto s = stmt(std::string(kRunCols) +
                " WHERE id>? AND finished_at>0 AND substr(trigger, 1, length(?))=? ORDER BY id");
  s << after_id << trigger << trigger;
  return collect(s, read_run);
}

std::int64_t Store::last_run_id() {
  auto s = stmt("SELECT coalesce(max(id), 0) FROM sync_runs");
  s.step();
  return s.i64(0);
}

}  // namespace orderd
