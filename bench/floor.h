// The floor of a bench phase: the same rows the phase wrote, updated and
// deleted in orderd's state database, written again by the plainest loop of
// prepared statements in one transaction, on a copy of the database as it
// was before the phase (same schema, indexes, pragmas). The phase's time
// over the floor's says how far orderd is from what SQLite itself needs.
#pragma once

#include <filesystem>
#include <string>

namespace orderd::bench {

// Copies the database at `db` (closed, in WAL mode) to `to` as it is now.
void snapshot(const std::filesystem::path& db, const std::filesystem::path& to);

struct Floor {
  double seconds = 0;
  long inserted = 0, updated = 0, deleted = 0;
  std::string by_table;  // "orders +100000, lines +199864, ..."
};

// The rows that differ between `before` (a snapshot) and `after` (the
// database once the phase ran), applied to a fresh copy of `before` by
// prepared INSERT/UPDATE/DELETE statements in one transaction; the time is
// that of the transaction alone (prepare, the loop and the commit).
Floor measure_floor(const std::filesystem::path& before, const std::filesystem::path& after,
                    const std::filesystem::path& scratch);

}  // namespace orderd::bench
