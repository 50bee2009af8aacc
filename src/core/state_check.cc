#include "core/state_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace orderd {
namespace {

constexpr const char* kWhatToDo =
    "Restore the database from a backup (docs/operations.md, \"Restore\") and run `orderctl "
    "state adopt`, which numbers everything new after what was ever sent; or, if you are sure "
    "the spool belongs to another installation, point spool_dir elsewhere";

}  // namespace

std::optional<std::string> state_disagreement(const StateFacts& db,
                                              const std::optional<StateFacts>& mark,
                                              bool spool_has_history) {
  if (!mark) {
    if (db.empty && spool_has_history)
      return fmt::format(
          "the state database is new, but the spool's archive holds files of earlier runs: the "
          "database that processed them is missing. {}",
          kWhatToDo);
    return std::nullopt;
  }
  if (db.instance != mark->instance)
    return fmt::format(
        "the state database is not the one the spool's mark records (database {}{}, mark {}): "
        "it was emptied, replaced or recreated, and its POs would be sent again under used "
        "numbers. {}",
        db.instance, db.empty ? ", empty" : "", mark->instance, kWhatToDo);
  std::vector<std::string> behind;
  auto check = [&](const char* what, std::int64_t have, std::int64_t had) {
    if (have < had) behind.push_back(fmt::format("{} up to {}, not {}", what, have, had));
  };
  check("PO ids", db.po, mark->po);
  check("document ids", db.document, mark->document);
  check("inbound file ids", db.inbound, mark->inbound);
  for (const auto& [pair, isa] : mark->x12) {
    auto it = db.x12.find(pair);
    const std::int64_t have = it == db.x12.end() ? 0 : it->second;
    // Control numbers roll over from 999999999 to 1: a far lower one is a rollover.
    if (have < isa && isa - have < 500'000'000)
      behind.push_back(fmt::format("X12 interchanges {} up to {}, not {}", pair, have, isa));
  }
  if (behind.empty()) return std::nullopt;
  return fmt::format(
      "the state database is behind what the spool's mark records it had handed out ({}): it "
      "lost its latest work (restored from an older copy, or its WAL file was deleted), and "
      "would reuse numbers that were sent. {}",
      fmt::join(behind, "; "), kWhatToDo);
}

StateFacts state_high_water(const StateFacts& db, const StateFacts& floor) {
  StateFacts out = db;
  out.po = std::max(db.po, floor.po);
  out.document = std::max(db.document, floor.document);
  out.inbound = std::max(db.inbound, floor.inbound);
  for (const auto& [pair, isa] : floor.x12) out.x12[pair] = std::max(out.x12[pair], isa);
  return out;
}

}  // namespace orderd
