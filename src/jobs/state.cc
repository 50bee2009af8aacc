#include "jobs/state.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/json_out.h"
#include "util/text.h"

namespace orderd {
namespace {

using nlohmann::json;

std::string mark_text(const StateFacts& f, std::int64_t now) {
  json x12 = json::object();
  for (const auto& [pair, isa] : f.x12) x12[pair] = isa;
  return json_text(json{{"database", f.instance},
                        {"po", f.po},
                        {"document", f.document},
                        {"inbound", f.inbound},
                        {"x12", x12},
                        {"written_at", iso_time(now)}},
                   2) +
         "\n";
}

Result<std::optional<StateFacts>> read_mark(const Runtime& rt) {
  auto text = rt.spool.read_mark();
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<StateFacts>();
  auto j = json::parse(**text, nullptr, false);
  auto bad = [&] {
    return fail(ErrorKind::kRefused,
                fmt::format("{} is damaged (not the JSON orderd writes there); if the state "
                            "database is the right one, run `orderctl state adopt` to write it "
                            "again",
                            rt.spool.mark_path().string()));
  };
  if (j.is_discarded() || !j.is_object() || !j.contains("database")) return bad();
  StateFacts f;
  try {
    f.instance = j.at("database").get<std::string>();
    f.po = j.value("po", std::int64_t{0});
    f.document = j.value("document", std::int64_t{0});
    f.inbound = j.value("inbound", std::int64_t{0});
    if (const auto it = j.find("x12"); it != j.end() && it->is_object())
      for (const auto& [pair, isa] : it->items()) f.x12[pair] = isa.get<std::int64_t>();
  } catch (const json::exception&) {
    return bad();
  }
  return std::optional<StateFacts>(std::move(f));
}

Error damaged(const Runtime& rt, std::string_view verdict) {
  return Error(ErrorKind::kRefused,
               fmt::format("the state database {} is damaged ({}); orderd does not run on it. "
                           "Restore it from a backup (docs/operations.md, \"Restore\") and run "
                           "`orderctl state adopt`",
                           (rt.cfg->state_dir / "orderd.db").string(), verdict));
}

Status check_state_or_throw(Runtime& rt, bool integrity) {
  if (integrity) {
    const std::string verdict = rt.store->quick_check();
    if (verdict != "ok") return std::unexpected(damaged(rt, verdict));
  }
  auto mark = read_mark(rt);
  if (!mark) return std::unexpected(mark.error());
  const StateFacts db = rt.store->state_facts();
  // The archive is looked at only when there is no mark to go by.
  const bool history = !*mark && db.empty && rt.spool.has_history();
  if (auto why = state_disagreement(db, *mark, history))
    return fail(ErrorKind::kRefused,
                fmt::format("{} (state {}, spool {})", *why, rt.cfg->state_dir.string(),
                            rt.cfg->spool_dir.string()));
  if (!*mark) return mark_state(rt);
  rt.marked = **mark;
  return {};
}

}  // namespace

// A database too damaged to be read at all is refused as one that fails its
// check; one that cannot be read now (locked, out of memory, a disk error)
// is an error to try again after. Said with what to do, never a crash at
// every start.
Status check_state(Runtime& rt, bool integrity) {
  try {
    return check_state_or_throw(rt, integrity);
  } catch (const StoreError& e) {
    if (e.damaged()) return std::unexpected(damaged(rt, e.what()));
    return fail(ErrorKind::kIo,
                fmt::format("cannot check the state database {}: {}; nothing was changed: try "
                            "again (another orderd or orderctl may hold it; see `orderctl state "
                            "check`)",
                            (rt.cfg->state_dir / "orderd.db").string(), e.what()));
  }
}

Status mark_state(Runtime& rt) {
  const StateFacts now = rt.store->state_facts();
  if (rt.marked && rt.marked->instance == now.instance && rt.marked->po == now.po &&
      rt.marked->document == now.document && rt.marked->inbound == now.inbound &&
      rt.marked->x12 == now.x12)
    return {};
  if (auto s = rt.spool.write_mark(mark_text(now, rt.now())); !s)
    return fail(s.error().kind(),
                fmt::format("the state mark cannot be written: {}", s.error().message()));
  rt.marked = now;
  return {};
}

Result<std::string> adopt_state(Runtime& rt) {
  if (const std::string verdict = rt.store->quick_check(); verdict != "ok")
    return fail(
        ErrorKind::kRefused,
        fmt::format("the state database is damaged ({}); restore a good copy first", verdict));
  auto mark = read_mark(rt);
  const StateFacts before = rt.store->state_facts();
  StateFacts floor;
  if (mark && *mark) floor = **mark;
  Txn txn(*rt.store);
  if (auto s = txn.begin(); !s) return std::unexpected(s.error());
  rt.store->raise_floors(floor);
  if (auto s = txn.commit(); !s) return std::unexpected(s.error());
  const StateFacts high = state_high_water(rt.store->state_facts(), floor);
  rt.marked.reset();
  if (auto s = rt.spool.write_mark(mark_text(high, rt.now())); !s)
    return fail(s.error().kind(),
                fmt::format("the state mark cannot be written: {}", s.error().message()));
  rt.marked = high;
  std::string out = fmt::format(
      "the state database {} is now the spool's; new PO ids start after {}, documents after {}, "
      "inbound files after {}",
      (rt.cfg->state_dir / "orderd.db").string(), high.po, high.document, high.inbound);
  if (mark && *mark && (before.po < floor.po || before.document < floor.document))
    out += fmt::format(
        ".\nThe database was behind: POs {} to {} were sent but are not in it. Their copies are "
        "in {}/archive/outbound; tell those suppliers before orders of that time are processed "
        "again",
        before.po + 1, floor.po, rt.cfg->spool_dir.string());
  return out;
}

}  // namespace orderd
