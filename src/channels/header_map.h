// Finds columns by header name (trimmed, case-insensitive, with aliases),
// never by position.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "channels/formats.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/text.h"

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

// The orders of an export with one row per order line, in the order their
// first rows came (an order's rows need not be next to each other).
class OrderRows {
 public:
  explicit OrderRows(OrderBatch& batch) : batch_(batch) {}
  // The order with the channel's id `id`, and whether `row` is its first:
  // then the order is new, holds the id, and the caller fills in the rest.
  std::pair<Order&, bool> order(std::string id) {
    auto [it, inserted] = index_.try_emplace(id, batch_.orders.size());
    if (inserted) batch_.orders.emplace_back().ext_id = std::move(id);
    return {batch_.orders[it->second], inserted};
  }
  // Sets `f` of `o` from column `col` of `row`, cleaned (clean_cell).
  static void set(Order& o, OrderField f, std::span<const std::string_view> row, int col) {
    o.at(f) = clean_cell(cell(row, col));
  }

 private:
  OrderBatch& batch_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace orderd
