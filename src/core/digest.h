// The daily digest: when it is due, and what it says (counts of the day,
// what is waiting, late POs, sync health, and weekly the supplier
// scorecards). Pure: no I/O; jobs/digest.cc gathers the facts.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/alerts.h"

namespace orderd {

// The first time of day `minute` (minutes after local midnight, local at
// `utc_offset` seconds east of UTC) strictly after `t`.
std::int64_t next_daily(std::int64_t t, int minute, std::int64_t utc_offset);
// "08:00" as 480; -1 when it is not a time of day.
int parse_time_of_day(std::string_view hhmm);

struct DigestFacts {
  std::int64_t from = 0, to = 0;  // the day it covers
  std::int64_t orders_in = 0, processed = 0, shipped = 0, completed = 0;
  std::int64_t waiting = 0;  // in needs_resolve now; the first few with their reasons:
  std::vector<std::pair<std::string, std::string>> waiting_list;  // order, what it needs
  std::int64_t failed = 0;
  std::vector<std::pair<std::string, std::string>> failed_list;  // order, why
  std::int64_t late = 0;
  std::vector<std::string> late_list;   // "PO000001 (acme): not shipped by ..."
  std::int64_t unmatched = 0;           // tracking lines matching no PO, in the day
  std::vector<std::string> runs;        // the last run of each kind, one line each
  std::int64_t failed_runs = 0;         // runs in the day with failures
  std::vector<std::string> scorecards;  // weekly: one line per supplier; else empty
};

// The digest as a message: title "orderd digest for 2026-12-01: ...", the
// text for people, JSON for a webhook (with every count by name).
AlertMessage digest_message(const DigestFacts& f, std::string_view instance);

}  // namespace orderd
