// Finds columns by header name (trimmed, case-insensitive, with aliases),
// never by position.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/csv.h"
#include "util/error.h"

namespace orderd {

class HeaderMap {
 public:
  explicit HeaderMap(std::span<const std::string_view> header);

  // Index of the first column named one of `aliases`, or -1.
  int find(std::initializer_list<std::string_view> aliases) const;
  // Like find, but an error naming the column when absent.
  Result<int> require(std::initializer_list<std::string_view> aliases) const;
  Result<int> require(std::string_view name) const { return require({name}); }
  std::size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;  // lower-cased
};

// Reads the header line of `reader` into a HeaderMap; an empty file is an
// error saying so. The reader is then at the first data row.
Result<HeaderMap> read_header(CsvReader& reader);

// The rows a reader refuses, every one named (the first 20), so the operator
// fixes the file in one go rather than one row per attempt.
class RowErrors {
 public:
  void add(std::string message) {
    if (messages_.size() < 20) messages_.push_back(std::move(message));
    ++count_;
  }
  bool empty() const { return count_ == 0; }
  // All of them as one kInvalid error: "line 3: ...; line 9: ...; and 4 more".
  Error error() const {
    std::string text;
    for (const auto& m : messages_) text += (text.empty() ? "" : "; ") + m;
    if (count_ > messages_.size())
      text += "; and " + std::to_string(count_ - messages_.size()) + " more";
    return Error(ErrorKind::kInvalid, std::move(text));
  }

 private:
  std::vector<std::string> messages_;
  std::size_t count_ = 0;
};

// The cell at `i` of `row`, or "" when i < 0 or the row is short.
inline std::string_view cell(std::span<const std::string_view> row, int i) {
  return (i >= 0 && static_cast<std::size_t>(i) < row.size()) ? row[static_cast<std::size_t>(i)]
                                                              : std::string_view();
}

}  // namespace orderd
