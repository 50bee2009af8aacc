// String helpers shared by readers, config and CLI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderd {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
// A name as typed, for matching: trimmed, lower case, '-' and ' ' as '_'.
std::string name_key(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// Shell-style glob: '*' any run, '?' one character, '[...]' a class. Case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);
// What every text the glob matches starts with: "GX-00*-[AB]" -> "GX-00",
// "*-RED" -> "".
std::string_view glob_prefix(std::string_view pattern);

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

// UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s);
// The offset of each byte sequence in `s` that is not UTF-8 (its first byte),
// at most `limit` of them.
std::vector<std::size_t> invalid_utf8(std::string_view s, std::size_t limit = SIZE_MAX);
// `s` with each sequence that is not UTF-8 replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

// The longest start of `s` of at most `most` bytes that does not end inside
// a UTF-8 character.
std::string_view utf8_prefix(std::string_view s, std::size_t most);
// How many UTF-8 characters `s` holds (continuation bytes not counted).
std::size_t utf8_chars(std::string_view s);
// U+FFFD as UTF-8: what a byte that was not UTF-8 became.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";
// The 1-based line and column (in bytes) of `offset` in `text`.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset);
// The bytes at `offset` as "\xff\xfe" (up to 4), for messages.
std::string hex_bytes(std::string_view text, std::size_t offset);

// "1 order", "2 orders": `n` and the noun, plural when n != 1 (adds "s").
std::string count_of(std::int64_t n, std::string_view noun);

// UTC time as "2026-11-26T14:36:57Z".
std::string iso_time(std::int64_t unix_seconds);

}  // namespace orderd
