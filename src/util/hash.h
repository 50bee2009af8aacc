// Content hashes used to recognise a file seen before.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace orderd {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The same of the file at `path`, read 64 KiB at a time (its size never in
// memory); nullopt if it cannot be read.
std::optional<std::string> sha256_file_hex(const std::string& path);

}  // namespace orderd
