// Shopify admin "Export orders" CSV: one row per line item; the order's
// `Name` (#1001) repeats on each of its rows and order-level columns are
// filled on the first row only.
#include <fmt/format.h>

#include "channels/formats.h"
#include "channels/header_map.h"
#include "channels/order_rows.h"
#include "util/csv.h"
#include "util/text.h"

namespace orderd {
namespace {

struct Columns {
  int name, email, created, currency, total, notes, ship_method, ship_price, phone, cancelled;
  int qty, lname, price, sku, requires_shipping, fulfillment;
  int bill[9], ship[9];
};

// Address columns in the order of OrderField's ship/bill blocks.
constexpr std::string_view kAddr[9] = {"Name",     "Company", "Address1", "Address2", "City",
                                       "Province", "Zip",     "Country",  "Phone"};

Result<Columns> find_columns(const HeaderMap& h) {
  Columns c{};
  auto req = [&](std::string_view name, int& out) -> Status {
    auto r = h.require(name);
    if (!r) return std::unexpected(r.error());
    out = *r;
    return {};
  };
  if (auto s = req("Name", c.name); !s) return std::unexpected(s.error());
  if (auto s = req("Lineitem quantity", c.qty); !s) return std::unexpected(s.error());
  if (auto s = req("Lineitem sku", c.sku); !s) return std::unexpected(s.error());
  c.email = h.find({"Email"});
  c.created = h.find({"Created at"});
  c.currency = h.find({"Currency"});
  c.total = h.find({"Total"});
  c.notes = h.find({"Notes", "Note"});
  c.ship_method = h.find({"Shipping Method"});
  c.ship_price = h.find({"Shipping"});
  c.phone = h.find({"Phone"});
  c.cancelled = h.find({"Cancelled at"});
  c.lname = h.find({"Lineitem name"});
  c.price = h.find({"Lineitem price"});
  c.requires_shipping = h.find({"Lineitem requires shipping"});
  c.fulfillment = h.find({"Lineitem fulfillment status"});
  for (int i = 0; i < 9; ++i) {
    c.bill[i] = h.find({fmt::format("Billing {}", kAddr[i])});
    c.ship[i] = h.find({fmt::format("Shipping {}", kAddr[i])});
  }
  // Older exports have "Shipping Street" instead of Address1.
  if (c.ship[2] < 0) c.ship[2] = h.find({"Shipping Street"});
  if (c.bill[2] < 0) c.bill[2] = h.find({"Billing Street"});
  return c;
}

}  // namespace

Result<ReadSummary> read_shopify_csv(std::string_view data, const OrderSink& sink) {
  CsvReader reader(data, ',', true);
  auto header = read_header(reader);
  if (!header) return std::unexpected(header.error());
  auto cols = find_columns(*header);
  if (!cols) return std::unexpected(cols.error());
  const Columns& c = *cols;
  std::vector<std::string_view> row;

  ReadSummary summary;
  OrderRows orders;
  RowErrors bad;
  for (;;) {
    auto more = reader.next(row);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    const std::size_t line = reader.line();
    if (row.size() != header->size()) {
      bad.add(
          fmt::format("line {}: {} fields where the header has {}; the row is cut short or "
                      "holds an unquoted comma",
                      line, row.size(), header->size()));
      continue;
    }
    std::string id = clean_cell(cell(row, c.name));
    if (id.empty()) {
      bad.add(fmt::format("line {}, column 'Name': the order name is empty", line));
      continue;
    }
    // A skipped row still gives its order the order's fields if it is first.
    auto skip = [&](std::string_view why) {
      summary.notes.push_back(fmt::format("line {}: order {} item '{}' {}; skipped", line, id,
                                          clean_cell(cell(row, c.lname)), why));
      orders.add(std::move(id), reader, false);
    };
    if (iequals(clean_cell(cell(row, c.requires_shipping)), "false")) {
      skip("needs no shipping (gift card or digital)");
      continue;
    }
    if (iequals(clean_cell(cell(row, c.fulfillment)), "fulfilled")) {
      skip("is already fulfilled in the channel");
      continue;
    }
    if (!parse_quantity(cell(row, c.qty))) {
      bad.add(fmt::format("line {}, column 'Lineitem quantity': '{}' is not a whole number", line,
                          cell(row, c.qty).substr(0, 40)));
      continue;
    }
    orders.add(std::move(id), reader);
  }
  if (!bad.empty()) return std::unexpected(bad.error());

  auto build = [&](Order& o, std::span<const std::string_view> cells, bool first, bool ships) {
    if (first) {
      auto set = [&](OrderField f, int col) { o.at(f) = clean_cell(cell(cells, col)); };
      set(OrderField::kCreatedAt, c.created);
      set(OrderField::kCurrency, c.currency);
      set(OrderField::kTotal, c.total);
      set(OrderField::kNote, c.notes);
      set(OrderField::kCustomerEmail, c.email);
      set(OrderField::kCustomerPhone, c.phone);
      set(OrderField::kShippingMethod, c.ship_method);
      set(OrderField::kShippingPrice, c.ship_price);
      for (int i = 0; i < 9; ++i) {
        set(static_cast<OrderField>(static_cast<int>(OrderField::kShipName) + i), c.ship[i]);
        set(static_cast<OrderField>(static_cast<int>(OrderField::kBillName) + i), c.bill[i]);
      }
      o.at(OrderField::kCustomerName) = !o.at(OrderField::kBillName).empty()
                                            ? o.at(OrderField::kBillName)
                                            : o.at(OrderField::kShipName);
      o.canceled_in_channel = !clean_cell(cell(cells, c.cancelled)).empty();
    }
    if (!ships) return;
    Line l;
    l.seq = static_cast<int>(o.lines.size()) + 1;
    l.sku = clean_cell(cell(cells, c.sku));
    l.name = clean_cell(cell(cells, c.lname));
    l.price = clean_cell(cell(cells, c.price));
    l.quantity = parse_quantity(cell(cells, c.qty)).value_or(0);  // checked in the first pass
    o.lines.push_back(std::move(l));
  };
  auto handed = orders.each(reader, build, sink, summary.notes);
  if (!handed) return std::unexpected(handed.error());
  summary.orders = *handed;
  return summary;
}

}  // namespace orderd
