// Errors are values. An Error carries a kind (which decides whether the work
// is retried) and a message written for an operator: it names the file, line,
// segment or setting concerned and says what to do.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <version>
#if defined(__cpp_lib_expected)
#include <expected>
#else
#include "util/expected_compat.h"
#endif
#include <utility>

namespace orderd {

enum class ErrorKind {
  kInvalid,    // bad input (file, argument, value): fix the input
  kConfig,     // bad configuration: fix the YAML
  kNotFound,   // the thing named does not exist
  kRefused,    // the operation is not allowed in the current state
  kConflict,   // the destination holds something else under that name
  kTransient,  // may succeed later (network, busy, disk full): retry
  kPermanent,  // will not succeed by retrying: tell the operator
  kIo,         // local file system error
};

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  bool transient() const { return kind_ == ErrorKind::kTransient; }

  // Returns a copy whose message is prefixed with "context: ".
  Error with_context(std::string_view context) const;

 private:
  ErrorKind kind_;
  std::string message_;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return std::unexpected<Error>(Error(kind, std::move(message)));
}

const char* to_string(ErrorKind kind);

// The words for an exception nothing expected (a defect in orderd, or memory
// exhausted): "internal error: WHAT; nothing of its open transaction was
// saved; NEXT; this is a defect in orderd: report it with ...".
std::string internal_error(const std::exception& e, std::string_view next);

// A file (or a reply) past limits::kFileBytes, found at `where` while `doing`.
Error file_too_big(std::string_view where, std::string_view doing);

}  // namespace orderd
