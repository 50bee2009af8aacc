// `orderctl x12 check` and `orderctl x12 read`: the X12 engine for operators.
// They need no configuration.
#pragma once

#include <string>
#include <vector>

namespace orderd {

// Prints every problem of every file; returns 0 when all are valid, 1 if not,
// 2 when a file cannot be read.
int x12_check(const std::vector<std::string>& files);
// Prints what orderd understands of the file; JSON or a summary.
int x12_read(const std::string& file, bool json);

}  // namespace orderd
