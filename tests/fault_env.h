// The environment that preloads the fault seam (tests/fault/fault.cc) into
// a real orderd or orderctl, confined to one test folder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace orderd::test {

// `fault` is OP:N:ERRNO[:TEXT] (see fault.cc), or empty for none; files
// renamed into `take` (if not empty) are taken away at once, as by a party
// that collects each file the moment it appears.
inline std::vector<std::string> fault_env(const std::filesystem::path& root,
                                          const std::string& fault,
                                          const std::filesystem::path& take = {}) {
  std::vector<std::string> e = {
      "LD_PRELOAD=" ORDERD_FAULT_LIB,
      "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0",
      "ORDERD_FAULT_ROOT=" + root.string(),
      "ORDERD_FAULT_LOG=" + (root / "faults.log").string(),
  };
  if (!take.empty()) e.push_back("ORDERD_FAULT_TAKE=" + take.string());
  if (!fault.empty()) e.push_back("ORDERD_FAULT=" + fault);
  return e;
}

}  // namespace orderd::test
