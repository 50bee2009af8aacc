// For the channel readers whose exports hold one row per order line
// (Shopify, Amazon), in two passes over the file, so that an export of
// 100,000 orders is never held as 100,000 Orders at once: the first pass
// checks every row and notes where each order's rows are (an order's rows
// are not necessarily next to each other); the second builds one order at a
// time from its rows, in the order their first rows came, and hands it on.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "channels/formats.h"
#include "util/csv.h"

namespace orderd {

class OrderRows {
 public:
  // Pass 1: the record `reader` last returned is a row of order `id`. A row
  // that does not `ship` (a gift card) still gives the order its fields
  // when it is the order's first.
  void add(std::string id, const CsvReader& reader, bool ships = true);

  // Fills `o` from `row`: its fields when `first`, a line when `ships`.
  using Build =
      std::function<void(Order& o, std::span<const std::string_view> row, bool first, bool ships)>;

  // Pass 2: each order with a row that ships, built over its rows by `build`
  // and handed to `sink`; an order with none is a note instead. Returns how
  // many orders reached the sink, or the first error it returned.
  Result<std::size_t> each(CsvReader& reader, const Build& build, const OrderSink& sink,
                           std::vector<std::string>& notes);

 private:
  static constexpr std::uint32_t kEnd = UINT32_MAX;
  struct Row {
    std::size_t offset;
    std::size_t line;
    std::uint32_t next;  // the order's next row, or kEnd
    bool ships;
  };
  struct Entry {
    const std::string* id;  // the key in index_ (node keys do not move)
    std::uint32_t first, last;
    bool ships;
  };
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<Entry> orders_;
  std::vector<Row> rows_;
};

}  // namespace orderd
