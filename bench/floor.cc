#include "floor.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <variant>
#include <vector>

#include "store/schema.h"

namespace orderd::bench {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void die(sqlite3* db, const std::string& what) {
  fmt::print(stderr, "floor: {}: {}\n", what, db ? sqlite3_errmsg(db) : "cannot open");
  std::exit(1);
}

sqlite3* open_db(const fs::path& p) {
  sqlite3* db = nullptr;
  if (sqlite3_open(p.c_str(), &db) != SQLITE_OK) die(db, p.string());
  return db;
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "";
    sqlite3_free(err);
    fmt::print(stderr, "floor: {}: {}\n", sql.substr(0, 120), e);
    std::exit(1);
  }
}

sqlite3_stmt* prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) die(db, sql);
  return s;
}

struct Blob {
  std::string bytes;
};
using Cell = std::variant<std::nullptr_t, std::int64_t, double, std::string, Blob>;

std::string column_bytes(sqlite3_stmt* s, int c) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s, c));
  const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, c));
  return p ? std::string(p, n) : std::string();
}
struct Row {
  std::int64_t rowid = 0;
  bool existed = false;  // in `before`: an update
  std::vector<Cell> cells;
};
struct TableDiff {
  std::string name;
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::vector<std::int64_t> deleted;
};

std::vector<TableDiff> diff(sqlite3* db) {
  std::vector<TableDiff> out;
  std::vector<std::string> tables;
  {
    // Ordinary tables only: a virtual table (the FTS5 customer index) and
    // its shadow tables are written by triggers.
    auto* s = prepare(db,
                      "SELECT s.name FROM main.sqlite_schema s JOIN pragma_table_list l ON "
                      "l.schema='main' AND l.name=s.name WHERE l.type='table' AND s.name NOT "
                      "LIKE 'sqlite_%' ORDER BY s.rootpage");
    while (sqlite3_step(s) == SQLITE_ROW)
      tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
  }
  // Tables that triggers keep (order_counts) are written by the replay's
  // triggers, as they are by orderd's: not replayed themselves.
  {
    std::vector<std::string> triggers;
    auto* s = prepare(db, "SELECT sql FROM main.sqlite_schema WHERE type='trigger'");
    while (sqlite3_step(s) == SQLITE_ROW)
      triggers.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
    std::erase_if(tables, [&](const std::string& t) {
      return std::any_of(triggers.begin(), triggers.end(), [&](const std::string& sql) {
        return sql.find("INTO " + t + "(") != std::string::npos ||
               sql.find("UPDATE " + t + " ") != std::string::npos;
      });
    });
  }
  // Parents before children, as orderd writes them: a row is inserted only
  // once the rows it references are there, so no foreign key waits.
  std::vector<std::string> ordered;
  while (ordered.size() < tables.size()) {
    const std::size_t placed = ordered.size();
    for (const auto& t : tables) {
      if (std::find(ordered.begin(), ordered.end(), t) != ordered.end()) continue;
      bool ready = true;
      auto* fk = prepare(db, fmt::format("PRAGMA main.foreign_key_list(\"{}\")", t));
      while (sqlite3_step(fk) == SQLITE_ROW) {
        const std::string parent = reinterpret_cast<const char*>(sqlite3_column_text(fk, 2));
        if (parent != t && std::find(ordered.begin(), ordered.end(), parent) == ordered.end())
          ready = false;
      }
      sqlite3_finalize(fk);
      if (ready) ordered.push_back(t);
    }
    if (ordered.size() == placed) die(db, "foreign keys in a cycle");
  }
  tables = std::move(ordered);
  for (const auto& t : tables) {
    TableDiff d;
    d.name = t;
    auto* info = prepare(db, fmt::format("PRAGMA main.table_info(\"{}\")", t));
    while (sqlite3_step(info) == SQLITE_ROW)
      d.columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(info, 1)));
    sqlite3_finalize(info);
    auto* changed = prepare(
        db, fmt::format("SELECT rowid, * FROM main.\"{0}\" EXCEPT SELECT rowid, * FROM pre.\"{0}\"",
                        t));
    auto* was = prepare(db, fmt::format("SELECT 1 FROM pre.\"{}\" WHERE rowid=?", t));
    while (sqlite3_step(changed) == SQLITE_ROW) {
      Row r;
      r.rowid = sqlite3_column_int64(changed, 0);
      for (int c = 1; c < sqlite3_column_count(changed); ++c) {
        switch (sqlite3_column_type(changed, c)) {
          case SQLITE_NULL:
            r.cells.emplace_back(nullptr);
            break;
          case SQLITE_INTEGER:
            r.cells.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(changed, c)));
            break;
          case SQLITE_FLOAT:
            r.cells.emplace_back(sqlite3_column_double(changed, c));
            break;
          case SQLITE_BLOB:
            r.cells.emplace_back(Blob{column_bytes(changed, c)});
            break;
          default:
            r.cells.emplace_back(column_bytes(changed, c));
        }
      }
      sqlite3_bind_int64(was, 1, r.rowid);
      r.existed = sqlite3_step(was) == SQLITE_ROW;
      sqlite3_reset(was);
      d.rows.push_back(std::move(r));
    }
    sqlite3_finalize(changed);
    sqlite3_finalize(was);
    auto* gone = prepare(
        db, fmt::format("SELECT rowid FROM pre.\"{0}\" EXCEPT SELECT rowid FROM main.\"{0}\"", t));
    while (sqlite3_step(gone) == SQLITE_ROW) d.deleted.push_back(sqlite3_column_int64(gone, 0));
    sqlite3_finalize(gone);
    if (!d.rows.empty() || !d.deleted.empty()) out.push_back(std::move(d));
  }
  return out;
}

void bind(sqlite3_stmt* s, int i, const Cell& c) {
  if (std::holds_alternative<std::nullptr_t>(c))
    sqlite3_bind_null(s, i);
  else if (auto* v = std::get_if<std::int64_t>(&c))
    sqlite3_bind_int64(s, i, *v);
  else if (auto* f = std::get_if<double>(&c))
    sqlite3_bind_double(s, i, *f);
  else if (auto* b = std::get_if<Blob>(&c))
    sqlite3_bind_blob(s, i, b->bytes.data(), static_cast<int>(b->bytes.size()), SQLITE_STATIC);
  else {
    const auto& t = std::get<std::string>(c);
    sqlite3_bind_text(s, i, t.data(), static_cast<int>(t.size()), SQLITE_STATIC);
  }
}

}  // namespace

void snapshot(const fs::path& db, const fs::path& to) {
  fs::remove(to);
  sqlite3* d = open_db(db);
  exec(d, fmt::format("VACUUM INTO '{}'", to.string()));
  sqlite3_close(d);
}

Floor measure_floor(const fs::path& before, const fs::path& after, const fs::path& scratch) {
  std::vector<TableDiff> diffs;
  {
    sqlite3* db = open_db(after);
    exec(db, fmt::format("ATTACH '{}' AS pre", before.string()));
    diffs = diff(db);
    sqlite3_close(db);
  }
  fs::remove(scratch);
  fs::remove(scratch.string() + "-wal");
  fs::remove(scratch.string() + "-shm");
  fs::copy_file(before, scratch);
  sqlite3* db = open_db(scratch);
  // orderd's own settings (store.cc).
  exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
       "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8192;");
  Floor f;
  const auto t0 = std::chrono::steady_clock::now();
  exec(db, "BEGIN IMMEDIATE");
  for (const auto& d : diffs) {
    std::string cols, marks, sets;
    for (std::size_t i = 0; i < d.columns.size(); ++i) {
      cols += fmt::format("{}\"{}\"", i ? "," : "", d.columns[i]);
      marks += fmt::format(",?{}", i + 2);
      sets += fmt::format("{}\"{}\"=?{}", i ? "," : "", d.columns[i], i + 2);
    }
    auto* ins =
        prepare(db, fmt::format("INSERT INTO \"{}\"(rowid,{}) VALUES(?1{})", d.name, cols, marks));
    auto* upd = prepare(db, fmt::format("UPDATE \"{}\" SET {} WHERE rowid=?1", d.name, sets));
    auto* del = prepare(db, fmt::format("DELETE FROM \"{}\" WHERE rowid=?", d.name));
    long added = 0, changed = 0;
    for (const auto& r : d.rows) {
      sqlite3_stmt* s = r.existed ? upd : ins;
      sqlite3_bind_int64(s, 1, r.rowid);
      for (std::size_t i = 0; i < r.cells.size(); ++i) bind(s, static_cast<int>(i) + 2, r.cells[i]);
      if (sqlite3_step(s) != SQLITE_DONE) die(db, "replaying " + d.name);
      sqlite3_reset(s);
      ++(r.existed ? changed : added);
    }
    for (auto id : d.deleted) {
      sqlite3_bind_int64(del, 1, id);
      if (sqlite3_step(del) != SQLITE_DONE) die(db, "deleting from " + d.name);
      sqlite3_reset(del);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(del);
    f.inserted += added;
    f.updated += changed;
    f.deleted += static_cast<long>(d.deleted.size());
    std::string part = d.name;
    if (added) part += fmt::format(" +{}", added);
    if (changed) part += fmt::format(" ~{}", changed);
    if (!d.deleted.empty()) part += fmt::format(" -{}", d.deleted.size());
    f.by_table += (f.by_table.empty() ? "" : ", ") + part;
  }
  // The customer index, filled as orderd's commit fills it (schema.cc, v10).
  exec(db, orderd::flush_order_text() + "; DELETE FROM order_text_pending");
  exec(db, "COMMIT");
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sqlite3_close(db);
  fs::remove(scratch);
  fs::remove(scratch.string() + "-wal");
  fs::remove(scratch.string() + "-shm");
  return f;
}

}  // namespace orderd::bench
