// The middle of a bench's repeated figures: on a shared machine one slow or
// one lucky run must not move it.
#pragma once

#include <algorithm>
#include <vector>

namespace orderd::bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace orderd::bench
