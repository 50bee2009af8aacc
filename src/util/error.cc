#include "util/error.h"

namespace orderd {

Error Error::with_context(std::string_view context) const {
  std::string m(context);
  m += ": ";
  m += message_;
  return Error(kind_, std::move(m));
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
