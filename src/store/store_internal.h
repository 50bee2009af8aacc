// What the store's files share (store.cc and store_*.cc, one per table
// family): the prepared statement, the statement in use, and small helpers
// for IN lists and rows. Private to src/store.
#pragma once

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/schema.h"
#include "store/store.h"

namespace orderd {
namespace store_detail {

// SQLite's message for the last error on `db`, with the system's reason
// when a system call failed ("disk I/O error (Input/output error)").
inline std::string db_error(sqlite3* db) {
  std::string msg = sqlite3_errmsg(db);
  if (const int e = sqlite3_system_errno(db); e != 0) msg += fmt::format(" ({})", std::strerror(e));
  return msg;
}

// The statements of an order search (store_orders.cc): the page's ids,
// newest first, and the count by status beside it. Parameters by number.
std::string order_list_sql(const OrderQuery& q);
std::string order_count_sql(const OrderQuery& q);

}  // namespace store_detail

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
    throw StoreError(fmt::format("database error: {}", store_detail::db_error(db_)),
                     sqlite3_extended_errcode(db_));
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

namespace store_detail {

inline void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    if (const int e = sqlite3_system_errno(db); e != 0)
      msg += fmt::format(" ({})", std::strerror(e));
    sqlite3_free(err);
    throw StoreError(fmt::format("database error: {}", msg), sqlite3_extended_errcode(db));
  }
}

inline constexpr std::size_t kInChunk = 256;

inline const std::string& in_list() {
  static const std::string p = [] {
    std::string s = "(";
    for (std::size_t i = 0; i < kInChunk; ++i) s += i ? ",?" : "?";
    return s + ")";
  }();
  return p;
}

// Binds ids[at, at+kInChunk), padding the tail by repeating the last id.
inline void bind_chunk(Stmt& s, std::span<const std::int64_t> ids, std::size_t at) {
  for (std::size_t i = 0; i < kInChunk; ++i) s << ids[std::min(at + i, ids.size() - 1)];
}

inline std::int64_t first_id(Stmt& s) {
  return s.i64(0);
}

// Steps `s` to the end, reading each row with `read`.
template <class Read>
auto collect(Stmt& s, Read read) {
  std::vector<decltype(read(s))> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

inline std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

inline std::vector<std::string> split_lines(const std::string& s) {
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

// A PO from columns 0-7 of `s`: id, order_id, supplier, number, state,
// error, document_id (0 for none), created_at (store_pos.cc).
Po read_po(Stmt& s);

inline const std::string& order_columns() {
  static const std::string cols = [] {
    std::string c;
    for (std::size_t i = 0; i < kOrderFieldCount; ++i)
      c += ", " + field_column(all_fields()[i].name);
    return c;
  }();
  return cols;
}

}  // namespace store_detail
}  // namespace orderd
