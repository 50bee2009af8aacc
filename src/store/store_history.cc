// The store: inbound files, order events and the sync history.
#include "store/store_internal.h"

namespace orderd {
using namespace store_detail;

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
