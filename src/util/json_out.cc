#include "util/json_out.h"

#include <nlohmann/json.hpp>

namespace orderd {

std::string json_text(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace orderd
