#include "util/crashpoint.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace orderd {
namespace {

struct Spec {
  std::string point;
  long nth = 1;
  bool throws = false;
};

Spec parse(std::string s) {
  Spec spec;
  constexpr std::string_view kThrow = ":throw";
  if (s.ends_with(kThrow)) {
    spec.throws = true;
    s.resize(s.size() - kThrow.size());
  }
  const auto colon = s.find(':');
  spec.point = s.substr(0, colon);
  if (colon != std::string::npos) spec.nth = std::atol(s.c_str() + colon + 1);
  return spec;
}

}  // namespace

void crashpoint(const char* name) {
  static const char* env = std::getenv("ORDERD_CRASHPOINT");
  if (!env || !*env) return;
  static const Spec spec = parse(env);
  static long hits = 0;
  if (spec.point != name) return;
  if (++hits < spec.nth) return;
  if (spec.throws) throw std::logic_error(std::string("injected defect at ") + name);
  ::kill(::getpid(), SIGKILL);
}

}  // namespace orderd
