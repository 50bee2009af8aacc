// What the transaction-set readers (x12_856.cc, x12_855.cc, x12_997.cc)
// share: reading a quantity and naming a code. Private to src/edi.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "edi/x12_reader.h"

namespace orderd::x12::detail {

// The whole part of a decimal quantity ("12", "12.5", " 3"), 0 when there
// is none; a leading '-' makes it negative.
[[gnu::always_inline]] inline std::int64_t to_int(std::string_view s) {
  if (s.size() <= 2)  // the usual quantity: one or two digits
    if (const std::uint64_t v = decimal_value(s)) return static_cast<std::int64_t>(v);
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  const bool negative = i < s.size() && s[i] == '-';
  if (negative) ++i;
  std::int64_t v = 0;
  for (int digits = 0; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
    if (digits == 15) return 0;  // no real quantity; as before, read as none
    v = v * 10 + (s[i] - '0');
  }
  return negative ? -v : v;
}

// The meaning of `code` in `table`, or "code X" when the table lacks it.
inline std::string lookup(
    std::initializer_list<std::pair<std::string_view, std::string_view>> table,
    std::string_view code) {
  for (auto [k, v] : table)
    if (k == code) return std::string(v);
  return fmt::format("code {}", code);
}

}  // namespace orderd::x12::detail
