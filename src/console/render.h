// The console's pages from mustache templates (kainjow's, HTML-escaping
// every {{value}}), and its static files; both are compiled into orderd
// from src/console/templates and src/console/static.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace orderd {

// Template `name` (templates/NAME.html) filled from `data`. In the data an
// empty text and null are false in {{#section}}; a number is its digits.
std::string render_template(std::string_view name, const nlohmann::json& data);

// A static file (static/NAME) and its content type, if there is one.
struct StaticFile {
  std::string_view content, type;
};
std::optional<StaticFile> static_file(std::string_view name);

}  // namespace orderd
