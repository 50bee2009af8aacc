// Transports deliver documents to a supplier or channel. Every transport is
// one file implementing this interface and listed in registry.cc.
//
// Contract for deliver(): the receiver never sees a partial file under the
// final name, and a file already present under that name with the same
// content counts as delivered (a retry after a lost reply), while different
// content is a kConflict that is never overwritten. Errors are kTransient
// (retry later) or kPermanent/kConflict (give up, tell the operator), and
// their text names the destination. Not thread-safe; one per run.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "util/error.h"

namespace orderd {

enum class Presence { kAbsent, kSame, kDifferent };

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Status deliver(std::string_view name, std::string_view content) = 0;
  // Whether `name` is at the destination, and whether its SHA-256 is `sha256`.
  virtual Result<Presence> check(std::string_view name, std::string_view sha256) = 0;
  // "dir /srv/out/acme", for messages.
  virtual std::string describe() const = 0;
};

using MakeTransport = Result<std::unique_ptr<Transport>> (*)(const TransportConfig& cfg);

// Creates the transport `cfg.type` names; unknown types list the known ones.
Result<std::unique_ptr<Transport>> make_transport(const TransportConfig& cfg);
bool known_transport(std::string_view type);
std::string known_transports();

Result<std::unique_ptr<Transport>> make_dir_transport(const TransportConfig& cfg);

}  // namespace orderd
