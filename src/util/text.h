// String helpers shared by readers, config and CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace orderd {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// Shell-style glob: '*' any run, '?' one character, '[...]' a class. Case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);

// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` if it is close enough to be a likely typo.
std::optional<std::string> nearest(std::string_view word,
                                   std::span<const std::string_view> candidates);

// Undoes spreadsheet damage in a cell: trims, strips a leading apostrophe that
// forces text ("'02134"), unwraps ="..." formulas.
std::string clean_cell(std::string_view s);

// Parses a whole non-negative decimal integer (spaces around allowed; "2.0"
// accepted as 2). Returns nothing for anything else.
std::optional<std::int64_t> parse_quantity(std::string_view s);

// UTC time as "2026-11-26T14:36:57Z".
std::string iso_time(std::int64_t unix_seconds);

}  // namespace orderd
