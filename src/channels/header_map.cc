#include "channels/header_map.h"

#include <fmt/format.h>

#include "util/text.h"

namespace orderd {

HeaderMap::HeaderMap(std::span<const std::string_view> header) {
  names_.reserve(header.size());
  for (auto h : header) names_.push_back(to_lower(trim(h)));
}

Result<HeaderMap> read_header(CsvReader& reader) {
  std::vector<std::string_view> row;
  auto first = reader.next(row);
  if (!first) return std::unexpected(first.error());
  if (!*first) return fail(ErrorKind::kInvalid, "the file is empty (no header line)");
  return HeaderMap(row);
}

int HeaderMap::find(std::initializer_list<std::string_view> aliases) const {
  for (auto a : aliases) {
    const std::string want = to_lower(a);
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == want) return static_cast<int>(i);
  }
  return -1;
}

Result<int> HeaderMap::require(std::initializer_list<std::string_view> aliases) const {
  int i = find(aliases);
  if (i >= 0) return i;
  return fail(ErrorKind::kInvalid,
              fmt::format("line 1: required column '{}' is missing from the header; is this the "
                          "right export format?",
                          *aliases.begin()));
}

}  // namespace orderd
