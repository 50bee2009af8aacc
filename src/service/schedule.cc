#include "service/schedule.h"

#include <algorithm>

namespace orderd {

std::int64_t next_on_rhythm(std::int64_t due, std::int64_t every, std::int64_t now) {
  if (due > now) return due;
  every = std::max<std::int64_t>(every, 1);
  return due + ((now - due) / every + 1) * every;
}

void Schedule::reset(const std::vector<std::pair<std::string, std::int64_t>>& periods,
                     std::int64_t now, bool keep) {
  std::map<std::string, Entry> next;
  for (const auto& [id, every] : periods) {
    auto it = entries_.find(id);
    next[id] = Entry{keep && it != entries_.end() ? it->second.at : now, every};
  }
  entries_ = std::move(next);
}

std::vector<std::string> Schedule::take_due(std::int64_t now) {
  std::vector<std::string> due;
  for (auto& [id, e] : entries_)
    if (e.at <= now) {
      due.push_back(id);
      e.at = next_on_rhythm(e.at, e.every, now);
    }
  return due;
}

std::int64_t Schedule::next_at(std::int64_t otherwise) const {
  for (const auto& [id, e] : entries_) otherwise = std::min(otherwise, e.at);
  return otherwise;
}

}  // namespace orderd
