#pragma once

#include <filesystem>
#include <string>

namespace orderd::bench {

// Serves the state at `dir` (orderd.yaml) through the console and prints
// each page's time; `some_order` is an order number in it (without '#').
int console_pages(const std::filesystem::path& dir, const std::string& some_order);

}  // namespace orderd::bench
