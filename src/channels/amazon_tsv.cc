// Amazon Seller Central order report (flat file, tab-separated, one row per
// order item). Quotes are ordinary characters in these files.
#include <fmt/format.h>

#include "channels/formats.h"
#include "channels/header_map.h"
#include "channels/order_rows.h"
#include "util/csv.h"
#include "util/text.h"

namespace orderd {

Result<ReadSummary> read_amazon_tsv(std::string_view data, const OrderSink& sink) {
  CsvReader reader(data, '\t', false);
  auto header = read_header(reader);
  if (!header) return std::unexpected(header.error());
  const HeaderMap& h = *header;
  std::vector<std::string_view> row;
  auto order_id = h.require("order-id");
  if (!order_id) return std::unexpected(order_id.error());
  auto sku = h.require("sku");
  if (!sku) return std::unexpected(sku.error());
  const int qty_col = h.find({"quantity-to-ship", "quantity-purchased", "quantity"});
  if (qty_col < 0)
    return fail(ErrorKind::kInvalid,
                "line 1: required column 'quantity-purchased' (or 'quantity-to-ship') is missing "
                "from the header; is this an Amazon order report?");
  const int item_id = h.find({"order-item-id"});
  const int created = h.find({"purchase-date"});
  const int email = h.find({"buyer-email"});
  const int buyer = h.find({"buyer-name"});
  const int phone = h.find({"buyer-phone-number"});
  const int name = h.find({"product-name"});
  const int price = h.find({"item-price"});
  const int currency = h.find({"currency"});
  const int level = h.find({"ship-service-level"});
  const int ship_price = h.find({"shipping-price"});
  const int recipient = h.find({"recipient-name"});
  const int a1 = h.find({"ship-address-1"}), a2 = h.find({"ship-address-2"}),
            a3 = h.find({"ship-address-3"});
  const int city = h.find({"ship-city"}), state = h.find({"ship-state"}),
            zip = h.find({"ship-postal-code"}), country = h.find({"ship-country"}),
            ship_phone = h.find({"ship-phone-number"});
  const int note = h.find({"delivery-instructions"});

  ReadSummary summary;
  OrderRows orders;
  RowErrors bad;
  for (;;) {
    auto more = reader.next(row);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    const std::size_t line = reader.line();
    // Amazon drops trailing empty columns; more fields than the header is damage.
    if (row.size() > h.size())
      return fail(ErrorKind::kInvalid,
                  fmt::format("line {}: {} fields where the header has {}; a tab inside a value?",
                              line, row.size(), h.size()));
    std::string id = clean_cell(cell(row, *order_id));
    if (id.empty()) {
      bad.add(fmt::format("line {}, column 'order-id': empty", line));
      continue;
    }
    if (!parse_quantity(cell(row, qty_col))) {
      bad.add(fmt::format("line {}, column 'quantity-purchased': '{}' is not a whole number", line,
                          cell(row, qty_col).substr(0, 40)));
      continue;
    }
    orders.add(std::move(id), reader);
  }
  if (!bad.empty()) return std::unexpected(bad.error());

  auto build = [&](Order& o, std::span<const std::string_view> cells, bool first, bool) {
    if (first) {
      auto set = [&](OrderField f, int col) { o.at(f) = clean_cell(cell(cells, col)); };
      set(OrderField::kCreatedAt, created);
      set(OrderField::kCurrency, currency);
      set(OrderField::kCustomerName, buyer);
      set(OrderField::kCustomerEmail, email);
      set(OrderField::kCustomerPhone, phone);
      set(OrderField::kShipName, recipient);
      set(OrderField::kShipAddress1, a1);
      set(OrderField::kShipCity, city);
      set(OrderField::kShipProvince, state);
      set(OrderField::kShipZip, zip);
      set(OrderField::kShipCountry, country);
      set(OrderField::kShipPhone, ship_phone);
      set(OrderField::kShippingMethod, level);
      set(OrderField::kShippingPrice, ship_price);
      set(OrderField::kNote, note);
      std::string addr2 = clean_cell(cell(cells, a2));
      std::string addr3 = clean_cell(cell(cells, a3));
      if (!addr3.empty()) addr2 = addr2.empty() ? addr3 : addr2 + ", " + addr3;
      o.at(OrderField::kShipAddress2) = std::move(addr2);
    }
    Line l;
    l.seq = static_cast<int>(o.lines.size()) + 1;
    l.channel_line_id = clean_cell(cell(cells, item_id));
    l.sku = clean_cell(cell(cells, *sku));
    l.name = clean_cell(cell(cells, name));
    l.price = clean_cell(cell(cells, price));
    l.quantity = parse_quantity(cell(cells, qty_col)).value_or(0);  // checked in the first pass
    o.lines.push_back(std::move(l));
  };
  auto handed = orders.each(reader, build, sink, summary.notes);
  if (!handed) return std::unexpected(handed.error());
  summary.orders = *handed;
  return summary;
}

}  // namespace orderd
