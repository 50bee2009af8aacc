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

}  // namespace orderd
