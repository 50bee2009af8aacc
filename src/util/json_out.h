// JSON text for output. Whatever the state holds (an old database, a value
// that slipped past a reader), an output never aborts on it: text that is
// not UTF-8 comes out with U+FFFD in place of the bad bytes.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace orderd {

// `j` as JSON text; `indent` < 0 for one line.
std::string json_text(const nlohmann::json& j, int indent = -1);

}  // namespace orderd
