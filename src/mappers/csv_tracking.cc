// Supplier tracking as CSV: one row per shipped line; which header holds
// which value is the supplier's tracking.columns.
#include <fmt/format.h>

#include "channels/header_map.h"
#include "mappers/mappers.h"
#include "util/csv.h"
#include "util/text.h"

namespace orderd {

Result<TrackingBatch> read_csv_tracking(const TrackingConfig& cfg, std::string_view data) {
  CsvReader reader(data, cfg.delimiter, true);
  auto header = read_header(reader);
  if (!header) return std::unexpected(header.error());
  const HeaderMap& h = *header;
  std::vector<std::string_view> row;
  const auto& c = cfg.columns;
  auto po = h.require(c.po_number);
  if (!po) return std::unexpected(po.error());
  auto sku = h.require(c.sku);
  if (!sku) return std::unexpected(sku.error());
  auto tn = h.require(c.tracking_number);
  if (!tn) return std::unexpected(tn.error());
  const int qty = h.find({c.quantity});
  const int carrier = h.find({c.carrier});
  const int date = h.find({c.ship_date});

  std::vector<TrackingRow> out;
  std::vector<RefusedRow> refused;
  for (;;) {
    auto more = reader.next(row);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    TrackingRow r;
    r.line = reader.line();
    r.po_number = clean_cell(cell(row, *po));
    r.sku = clean_cell(cell(row, *sku));
    r.tracking_number = clean_cell(cell(row, *tn));
    r.carrier = clean_cell(cell(row, carrier));
    r.ship_date = clean_cell(cell(row, date));
    if (r.po_number.empty()) {
      refused.push_back({r.line, fmt::format("column '{}' is empty", c.po_number)});
      continue;
    }
    if (r.tracking_number.empty()) {
      refused.push_back({r.line, fmt::format("column '{}' is empty", c.tracking_number)});
      continue;
    }
    if (qty >= 0 && !trim(cell(row, qty)).empty()) {
      auto q = parse_quantity(cell(row, qty));
      if (!q || *q == 0) {
        refused.push_back({r.line, fmt::format("column '{}': '{}' is not a positive whole number",
                                               c.quantity, cell(row, qty).substr(0, 40))});
        continue;
      }
      r.quantity = *q;
    }
    out.push_back(std::move(r));
  }
  TrackingBatch batch;
  batch.rows = std::move(out);
  batch.refused = std::move(refused);
  return batch;
}

}  // namespace orderd
