#include "channels/order_rows.h"

#include <fmt/format.h>

namespace orderd {

void OrderRows::add(std::string id, const CsvReader& reader, bool ships) {
  const auto row = static_cast<std::uint32_t>(rows_.size());
  rows_.push_back({reader.offset(), reader.line(), kEnd, ships});
  auto [it, inserted] =
      index_.try_emplace(std::move(id), static_cast<std::uint32_t>(orders_.size()));
  if (inserted) {
    orders_.push_back({&it->first, row, row, ships});
    return;
  }
  Entry& e = orders_[it->second];
  rows_[e.last].next = row;
  e.last = row;
  e.ships = e.ships || ships;
}

Result<std::size_t> OrderRows::each(CsvReader& reader, const Build& build, const OrderSink& sink,
                                    std::vector<std::string>& notes) {
  std::vector<std::string_view> cells;
  std::size_t handed = 0;
  for (const Entry& e : orders_) {
    if (!e.ships) {
      notes.push_back(fmt::format("order {} has no line to ship; not imported", *e.id));
      continue;
    }
    Order o;
    o.ext_id = *e.id;
    for (std::uint32_t r = e.first; r != kEnd; r = rows_[r].next) {
      reader.seek(rows_[r].offset, rows_[r].line);
      auto read = reader.next(cells);  // read and checked in pass 1
      if (!read) return std::unexpected(read.error());
      if (!*read)
        return fail(ErrorKind::kInvalid,
                    fmt::format("line {}: the row is gone on the second reading", rows_[r].line));
      build(o, cells, r == e.first, rows_[r].ships);
    }
    if (auto s = sink(o); !s) return std::unexpected(s.error());
    ++handed;
  }
  return handed;
}

}  // namespace orderd
