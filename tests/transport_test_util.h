// For the transport tests: a transport made from a test config, or a failed
// test that says why.
#pragma once

#include <doctest/doctest.h>

#include <memory>

#include "transport/transport.h"

namespace orderd::test {

inline std::unique_ptr<Transport> make(const TransportConfig& cfg) {
  auto t = make_transport(cfg);
  REQUIRE_MESSAGE(t, (t ? "" : t.error().message()));
  return std::move(*t);
}

}  // namespace orderd::test
