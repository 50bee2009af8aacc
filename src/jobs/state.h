// The state database and the spool agree (core/state_check.h): checked
// before a process writes, marked before anything leaves, adopted after a
// restore.
#pragma once

#include <string>

#include "jobs/jobs.h"

namespace orderd {

// Refuses (kRefused, saying what to do) a state database that is not the one
// the spool's mark records or is behind it; with `integrity`, also one that
// fails PRAGMA quick_check. A missing mark is written.
Status check_state(Runtime& rt, bool integrity);

// Writes the mark with what the database has handed out now. Called after
// the commit and before the effect: a file archived, a document sent.
Status mark_state(Runtime& rt);

// After a restore: raises the database's floors to the mark (nothing that was
// ever sent is numbered again), then marks it as the spool's database.
// Returns what it did, in words.
Result<std::string> adopt_state(Runtime& rt);

}  // namespace orderd
