// When each channel's order sync and each supplier's tracking sync is next
// due. Pure: times are seconds given by the caller (the service passes its
// Clock's), so the rules are tested without waiting.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace orderd {

// The next time after `now` on the rhythm `due + k*every`: a run that
// overran one or more periods does not pile up runs behind it. A period
// below one second counts as one.
std::int64_t next_on_rhythm(std::int64_t due, std::int64_t every, std::int64_t now);

class Schedule {
 public:
  struct Entry {
    std::int64_t at = 0, every = 0;
  };
  // Sets the ids and their periods. With `keep` (a reload), an id that was
  // there before keeps its next time; every other id is due at `now` (at
  // start everything is: a restarted service catches up at once).
  void reset(const std::vector<std::pair<std::string, std::int64_t>>& periods, std::int64_t now,
             bool keep);
  // The ids due at `now`, each moved to its next tick on its rhythm.
  std::vector<std::string> take_due(std::int64_t now);
  // When the first id is next due, or `otherwise` when there is none.
  std::int64_t next_at(std::int64_t otherwise) const;
  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::map<std::string, Entry> entries_;
};

}  // namespace orderd
