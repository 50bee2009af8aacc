#include "util/clock.h"

#include <ctime>

namespace orderd {
namespace {

class SystemClock final : public Clock {
 public:
  std::int64_t now() const override { return static_cast<std::int64_t>(std::time(nullptr)); }
};

}  // namespace

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace orderd

namespace orderd {

std::int64_t local_utc_offset(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm local{};
  if (!::localtime_r(&t, &local)) return 0;
  return local.tm_gmtoff;
}

}  // namespace orderd
