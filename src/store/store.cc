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
#include "store/store_internal.h"
#include "util/fs.h"

namespace orderd {
using namespace store_detail;

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
        throw StoreError(fmt::format("database error: {}", db_error(db)),
                         sqlite3_extended_errcode(db));
      sqlite3_sleep(10);
    }
    // An 8 MiB page cache: the 100,000-order bench runs as fast as with
    // 32 MiB (the OS keeps the file's pages anyway) and processing peaks at
    // 96 MB instead of 133 MB.
    exec(db,
         "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
         "PRAGMA cache_size=-8192;");
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

// The orders inserted in this transaction into the customer index, in one
// statement (schema.cc, v10).
void Store::index_order_text() {
  auto waiting = stmt("SELECT EXISTS(SELECT 1 FROM order_text_pending)");
  const bool any = waiting.step() && waiting.i64(0) != 0;
  waiting.reset();
  if (!any) return;
  stmt(flush_order_text()).run();
  stmt("DELETE FROM order_text_pending").run();
}

Status Store::commit() {
  try {
    index_order_text();
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
  std::vector<std::string> lines;
  try {
    auto q = stmt("PRAGMA quick_check(20)");
    while (q.step()) lines.push_back(q.text(0));
  } catch (const StoreError& e) {
    // SQLite stops the check itself on some damage (a page it cannot
    // read as a page): that is the verdict. Anything else (busy, out of
    // memory) says nothing about the file.
    if (!e.damaged()) throw;
    lines.push_back(e.what());
  }
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

}  // namespace orderd
