// The wall clock behind an interface, so retry and schedule logic can be
// tested with a fake one. Thread-safe.
#pragma once

#include <cstdint>

namespace orderd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now() const = 0;  // seconds since the epoch, UTC
};

// The process-wide real clock.
const Clock& system_clock();

// Seconds east of UTC of the machine's local time at `unix_seconds` (its
// TZ, daylight saving included): what a local day is for deadlines.
std::int64_t local_utc_offset(std::int64_t unix_seconds);

}  // namespace orderd
