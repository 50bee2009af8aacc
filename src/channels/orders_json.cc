// orderd's canonical order file (docs/formats.md): {"orders": [ ... ]} or a
// bare array of orders.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "channels/formats.h"
#include "util/text.h"

namespace orderd {
namespace {

using nlohmann::json;

// Line and column of byte offset `pos`.
std::string place(std::string_view data, std::size_t pos) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < pos && i < data.size(); ++i) {
    if (data[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return fmt::format("line {}, column {}", line, col);
}

std::string text(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return clean_cell(it->get<std::string>());
  if (it->is_number()) return it->dump();
  return {};
}

// A yes/no member: absent or null is `absent`; anything but a boolean is an
// error naming the member and what it holds.
Result<bool> flag(const json& obj, const char* key, bool absent, std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absent;
  if (it->is_boolean()) return it->get<bool>();
  std::string held = it->dump(-1, ' ', false, json::error_handler_t::replace);
  if (held.size() > 40) held = held.substr(0, 37) + "...";
  return fail(ErrorKind::kInvalid,
              fmt::format("{}.{}: expected true or false, not {}", where, key, held));
}

constexpr std::string_view kAddr[9] = {"name",     "company", "address1", "address2", "city",
                                       "province", "zip",     "country",  "phone"};

// One order of the file, the `i`th, to the sink.
Status add_order(const json& j, std::size_t i, const OrderSink& sink, ReadSummary& batch) {
  auto where = [&](std::string_view key) { return fmt::format("orders[{}].{}", i, key); };
  Order o;
  o.ext_id = text(j, "id");
  if (o.ext_id.empty()) return fail(ErrorKind::kInvalid, fmt::format("{}: missing", where("id")));
  o.at(OrderField::kCreatedAt) = text(j, "created_at");
  o.at(OrderField::kCurrency) = text(j, "currency");
  o.at(OrderField::kTotal) = text(j, "total");
  o.at(OrderField::kNote) = text(j, "note");
  auto canceled = flag(j, "canceled", false, fmt::format("orders[{}]", i));
  if (!canceled) return std::unexpected(canceled.error());
  o.canceled_in_channel = *canceled;
  if (auto c = j.find("customer"); c != j.end() && c->is_object()) {
    o.at(OrderField::kCustomerName) = text(*c, "name");
    o.at(OrderField::kCustomerEmail) = text(*c, "email");
    o.at(OrderField::kCustomerPhone) = text(*c, "phone");
  }
  for (auto [key, base] :
       {std::pair{"ship_to", OrderField::kShipName}, std::pair{"bill_to", OrderField::kBillName}}) {
    auto a = j.find(key);
    if (a == j.end() || !a->is_object()) continue;
    for (int k = 0; k < 9; ++k)
      o.at(static_cast<OrderField>(static_cast<int>(base) + k)) =
          text(*a, std::string(kAddr[k]).c_str());
  }
  if (auto s = j.find("shipping"); s != j.end() && s->is_object()) {
    o.at(OrderField::kShippingMethod) = text(*s, "method");
    o.at(OrderField::kShippingPrice) = text(*s, "price");
  }
  auto lines = j.find("lines");
  if (lines == j.end() || !lines->is_array() || lines->empty())
    return fail(ErrorKind::kInvalid,
                fmt::format("{}: an order needs a non-empty list of lines", where("lines")));
  for (std::size_t k = 0; k < lines->size(); ++k) {
    const json& lj = (*lines)[k];
    const std::string lw = fmt::format("orders[{}].lines[{}]", i, k);
    if (!lj.is_object())
      return fail(ErrorKind::kInvalid, fmt::format("{}: expected an object", lw));
    auto ships = flag(lj, "requires_shipping", true, lw);
    if (!ships) return std::unexpected(ships.error());
    if (!*ships) {
      batch.notes.push_back(
          fmt::format("{}: order {} line needs no shipping; skipped", lw, o.ext_id));
      continue;
    }
    Line l;
    l.seq = static_cast<int>(o.lines.size()) + 1;
    l.channel_line_id = text(lj, "id");
    l.sku = text(lj, "sku");
    l.name = text(lj, "name");
    l.price = text(lj, "price");
    auto q = parse_quantity(text(lj, "quantity"));
    if (!q)
      return fail(ErrorKind::kInvalid,
                  fmt::format("{}.quantity: '{}' is not a whole number", lw, text(lj, "quantity")));
    l.quantity = *q;
    o.lines.push_back(std::move(l));
  }
  if (o.lines.empty()) {
    batch.notes.push_back(fmt::format("order {} has no line to ship; not imported", o.ext_id));
    return {};
  }
  if (auto s = sink(o); !s) return s;
  ++batch.orders;
  return {};
}

constexpr std::string_view kForm = "expected {\"orders\": [...]} or an array of orders";

// An error found while the file is still being parsed: ends the parse.
struct Rejected {
  Error error;
};

}  // namespace

// The orders are taken one at a time as the parser completes each, and
// dropped from the document at once: memory holds one order, not the file.
Result<ReadSummary> read_orders_json(std::string_view data, const OrderSink& sink) {
  ReadSummary batch;
  enum class Root { kNone, kObject, kArray } root = Root::kNone;
  int elems = 0;           // the depth of the orders, once inside their array
  bool in_orders = false;  // inside the array of orders
  bool seen_orders = false;
  std::size_t i = 0;
  json::parser_callback_t take = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
    using E = json::parse_event_t;
    if (depth == 0 && root == Root::kNone) {
      root = ev == E::object_start  ? Root::kObject
             : ev == E::array_start ? Root::kArray
                                    : Root::kNone;
      if (root == Root::kArray) in_orders = true, elems = 1;
      return true;
    }
    if (root == Root::kObject && depth == 1 && ev == E::key) {
      if (parsed != "orders") return false;  // another member: not kept
      if (seen_orders)
        throw Rejected{Error(ErrorKind::kInvalid, "\"orders\" is given twice; keep one")};
      seen_orders = true;
      return true;
    }
    if (root == Root::kObject && depth == 1 && seen_orders && !in_orders && elems == 0) {
      // Refused at its first event, so that a big value of another kind is
      // not built first.
      if (ev != E::array_start) throw Rejected{Error(ErrorKind::kInvalid, std::string(kForm))};
      in_orders = true;
      elems = 2;
      return true;
    }
    if (!in_orders) return true;
    if (depth == elems - 1 && ev == E::array_end) {
      in_orders = false;
      return true;
    }
    if (depth != elems) return true;
    if (ev == E::object_end) {
      Status s;
      try {
        s = add_order(parsed, i, sink, batch);
      } catch (const json::exception& e) {
        // Every member is read by a checked accessor: one that throws is a
        // defect here, not bad JSON in the file.
        throw std::logic_error(fmt::format("orders[{}]: {}", i, e.what()));
      }
      if (!s) throw Rejected{s.error()};
      ++i;
      return false;  // done with: not kept in the document
    }
    // An element of another kind is refused at its first event (a nested
    // array is not built first).
    if (ev == E::value || ev == E::array_start || ev == E::array_end)
      throw Rejected{Error(ErrorKind::kInvalid, fmt::format("orders[{}]: expected an object", i))};
    return true;
  };
  try {
    // What is left of the document: its root, without the orders.
    [[maybe_unused]] const json rest = json::parse(data.begin(), data.end(), take);
  } catch (const Rejected& r) {
    return std::unexpected(r.error);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (auto p = what.find(": "); p != std::string::npos) what = what.substr(p + 2);
    return fail(ErrorKind::kInvalid,
                fmt::format("{}: not valid JSON ({})", place(data, e.byte ? e.byte - 1 : 0), what));
  } catch (const json::exception& e) {  // a number out of range (1e999)
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return fail(ErrorKind::kInvalid, fmt::format("not valid JSON ({})", what));
  }
  if (root == Root::kNone || (root == Root::kObject && elems != 2))
    return fail(ErrorKind::kInvalid, std::string(kForm));
  return batch;
}

}  // namespace orderd
