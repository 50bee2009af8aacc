#include "util/error.h"

#include <fmt/format.h>

#include "util/limits.h"

namespace orderd {

Error Error::with_context(std::string_view context) const {
  std::string m(context);
  m += ": ";
  m += message_;
  return Error(kind_, std::move(m));
}

std::string internal_error(const std::exception& e, std::string_view next) {
  return fmt::format(
      "internal error: {}; nothing of its open transaction was saved; {}; this is a defect in "
      "orderd: report it with the log and `orderctl sync status`",
      e.what(), next);
}

Error file_too_big(std::string_view where, std::string_view doing) {
  return Error(ErrorKind::kPermanent,
               fmt::format("{}: {}: it is more than {} MiB, the most orderd reads in one file; "
                           "split it, or move it away at the source",
                           where, doing, limits::kFileBytes >> 20));
}

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalid:
      return "invalid";
    case ErrorKind::kConfig:
      return "config";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kRefused:
      return "refused";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kTransient:
      return "transient";
    case ErrorKind::kPermanent:
      return "permanent";
    case ErrorKind::kIo:
      return "io";
  }
  return "unknown";
}

}  // namespace orderd
