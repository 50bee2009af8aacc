// For the transport tests: a transport made from a test config, or a failed
// test that says why.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "transport/transport.h"

namespace orderd::test {

inline std::unique_ptr<Transport> make(const TransportConfig& cfg) {
  auto t = make_transport(cfg);
  REQUIRE_MESSAGE(t, (t ? "" : t.error().message()));
  return std::move(*t);
}

// A 257 MiB file (sparse) in `folder`, the remote folder `t` pulls from, is
// refused with the limit named and left there; a small one after it is read.
inline void check_pull_limit(Transport& t, const std::filesystem::path& folder) {
  const auto big = folder / "huge.csv";
  std::ofstream(big).close();
  std::filesystem::resize_file(big, std::uintmax_t{257} << 20);
  auto got = t.fetch({"huge.csv", -1, 0});
  REQUIRE_FALSE(got);
  CHECK_MESSAGE(got.error().message().find("it is more than 256 MiB, the most orderd reads in "
                                           "one file; split it, or move it away at the source") !=
                    std::string::npos,
                got.error().message());
  CHECK(got.error().message().find("huge.csv") != std::string::npos);
  CHECK(std::filesystem::exists(big));
  std::ofstream(folder / "small.csv") << "one\n";
  auto small = t.fetch({"small.csv", -1, 0});
  REQUIRE_MESSAGE(small, (small ? "" : small.error().message()));
  CHECK((*small)[0].content == "one\n");
}

}  // namespace orderd::test
