// The store: documents, their bytes and their delivery attempts.
#include "store/store_internal.h"

namespace orderd {
using namespace store_detail;

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

std::optional<Document> Store::load_document(std::int64_t id) {
  auto s = stmt(fmt::format("SELECT {} FROM documents d WHERE d.id=?", kDocMeta));
  s << id;
  if (!s.step()) return std::nullopt;
  Document d = read_document_meta(s);
  auto c = stmt("SELECT content FROM document_content WHERE document_id=?");
  c << id;
  if (c.step()) d.content = c.text(0);
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

std::vector<Store::PartyDocuments> Store::undelivered_by_party() {
  auto s = stmt(
      "SELECT party_type, party, sum(state!='failed'), sum(state='failed') FROM documents WHERE "
      "state IN ('pending','sending','failed') GROUP BY party_type, party ORDER BY party");
  std::vector<PartyDocuments> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.i64(2), s.i64(3)});
  return out;
}

}  // namespace orderd
