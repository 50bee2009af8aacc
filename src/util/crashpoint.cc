#include "util/crashpoint.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace orderd {

void crashpoint(const char* name) {
  static const char* spec = std::getenv("ORDERD_CRASHPOINT");
  if (!spec || !*spec) return;
  static const std::string s(spec);
  static const std::string point = s.substr(0, s.find(':'));
  static const long nth =
      s.find(':') == std::string::npos ? 1 : std::atol(s.c_str() + s.find(':') + 1);
  static long hits = 0;
  if (point != name) return;
  if (++hits >= nth) ::kill(::getpid(), SIGKILL);
}

}  // namespace orderd
