// The console's templates and static files, compiled in by CMake
// (cmake/embed_assets.cmake writes the table into the build folder).
#pragma once

#include <cstddef>
#include <string_view>

namespace orderd {

struct ConsoleAsset {
  std::string_view name;  // "templates/order.html", "static/htmx.min.js"
  std::string_view content;
};
extern const ConsoleAsset kConsoleAssets[];
extern const std::size_t kConsoleAssetCount;

}  // namespace orderd
