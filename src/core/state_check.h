// Whether the state database is the one that did what the spool records.
//
// The database holds every order and PO; if it is emptied, replaced by an
// older copy, or loses its WAL after a crash, orderd would start afresh and
// send POs again under numbers it had already used. So the spool keeps a
// mark (docs/spool.md, "The state mark"): the database's identity and the
// highest ids it had handed out before anything left. At every start the
// database must be that one and at least that far. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace orderd {

// What a database has handed out, or what the mark says it had.
struct StateFacts {
  std::string instance;                     // random id given to the database when it was created
  std::int64_t po = 0;                      // highest PO id (PO numbers are the prefix and this id)
  std::int64_t document = 0;                // highest document id (document names carry it)
  std::int64_t inbound = 0;                 // highest inbound file id (the archive names carry it)
  std::map<std::string, std::int64_t> x12;  // "sender>receiver" -> last ISA13 sent
  bool empty = false;                       // no order, document or inbound file at all
};

// Why the database and the mark disagree, in words for the operator, or
// nothing when they agree. `spool_has_history` says whether the spool's
// archive holds files (a mark may predate this check). The message names
// what each side says and ends with what to do.
std::optional<std::string> state_disagreement(const StateFacts& db,
                                              const std::optional<StateFacts>& mark,
                                              bool spool_has_history);

// The mark to write for `db` so that nothing below `floor` is reused: the
// larger of each.
StateFacts state_high_water(const StateFacts& db, const StateFacts& floor);

}  // namespace orderd
