// orderctl trust-host PARTY: records an SFTP server's host key in known_hosts
// once the operator has checked its fingerprint with the supplier.
#pragma once

#include <string_view>

#include "config/config.h"

namespace orderd {

// Every sftp transport of supplier or channel `party`. Without `fingerprint`
// prints each server's key and how to trust it (exit 1); with it, records the
// key when the fingerprint matches (exit 0).
int trust_host(const Config& cfg, std::string_view party, std::string_view fingerprint);

}  // namespace orderd
