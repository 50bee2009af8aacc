// X12 850 purchase orders (and 860 cancellations): one ST/SE per PO, a run's
// POs in one interchange, laid out as a common dropship 850 with the partner's
// choices from po.x12 (docs/x12.md lists every segment and choice).
#include <fmt/format.h>

#include "edi/x12_writer.h"
#include "mappers/mappers.h"
#include "mappers/x12_envelope.h"
#include "util/text.h"

namespace orderd {
namespace {

class X12PoWriter final : public PoWriter {
 public:
  X12PoWriter(const PoConfig& cfg, PoDocKind kind)
      : x_(cfg.x12),
        cancel_(kind == PoDocKind::kCancel),
        body_(x12::Delimiters{x_.element, x_.component, x_.repetition, x_.segment}, x_.newline) {}

  void add(const PoView& v) override {
    const std::string st02 = fmt::format("{:04}", ++sets_);
    sets_of_.emplace_back(v.po->id, st02);
    const std::string date = compact(v.date);
    const Order& o = *v.order;
    body_.begin_set(cancel_ ? "860" : "850", st02);
    if (cancel_) {
      body_.segment({"BCH", "01", "DS", v.po->number, "", "", date});
    } else {
      body_.segment({"BEG", "00", "DS", v.po->number, "", date});
    }
    if (!x_.order_ref.empty()) body_.segment({"REF", x_.order_ref, o.ext_id});
    if (!cancel_ && v.shipping) {
      // The supplier's carrier for the buyer's method: SCAC in TD503, the
      // carrier and service in words as the routing (TD505).
      const ShipMethod& m = *v.shipping;
      std::string routing = m.carrier;
      if (!m.service.empty()) routing += (routing.empty() ? "" : " ") + m.service;
      if (routing.empty()) routing = o.at(OrderField::kShippingMethod);
      if (!m.scac.empty())
        body_.segment({"TD5", "", "2", m.scac, "", routing});
      else if (!routing.empty())
        body_.segment({"TD5", "", "", "", "", routing});
    }
    for (const auto& loop : x_.n1_loops) {
      const bool ship = loop == "ST";
      auto f = [&](OrderField ship_field, OrderField bill_field) -> const std::string& {
        return o.at(ship ? ship_field : bill_field);
      };
      const std::string& name = f(OrderField::kShipName, OrderField::kBillName);
      if (name.empty() && !ship) continue;
      body_.segment({"N1", loop, name});
      if (!f(OrderField::kShipCompany, OrderField::kBillCompany).empty())
        body_.segment({"N2", f(OrderField::kShipCompany, OrderField::kBillCompany)});
      if (!f(OrderField::kShipAddress1, OrderField::kBillAddress1).empty())
        body_.segment({"N3", f(OrderField::kShipAddress1, OrderField::kBillAddress1),
                       f(OrderField::kShipAddress2, OrderField::kBillAddress2)});
      if (!f(OrderField::kShipCity, OrderField::kBillCity).empty())
        body_.segment({"N4", f(OrderField::kShipCity, OrderField::kBillCity),
                       f(OrderField::kShipProvince, OrderField::kBillProvince),
                       f(OrderField::kShipZip, OrderField::kBillZip),
                       f(OrderField::kShipCountry, OrderField::kBillCountry)});
      const std::string& phone = f(OrderField::kShipPhone, OrderField::kBillPhone);
      if (!phone.empty()) body_.segment({"PER", "IC", name, "TE", phone});
    }
    int n = 0;
    for (const Line* l : v.lines) {
      const std::string line_no = std::to_string(++n), qty = std::to_string(l->quantity);
      if (cancel_) {
        body_.segment({"POC", line_no, "DI", qty, "0", "EA", "", "", x_.item_qualifier, l->sku});
      } else {
        body_.segment({"PO1", line_no, qty, "EA", l->price, "", x_.item_qualifier, l->sku});
        if (x_.pid && !l->name.empty()) body_.segment({"PID", "F", "", "", "", l->name});
      }
    }
    if (x_.ctt) body_.segment({"CTT", std::to_string(v.lines.size())});
    body_.end_set();
  }

  std::string finish(ControlNumbers& numbers) override {
    auto [isa13, gs06] = numbers.next(x_.sender_id, x_.receiver_id);
    x12::Writer w = open_interchange(x_, isa13);
    begin_partner_group(w, x_, cancel_ ? "PC" : "PO", gs06, x_.version);
    std::string out = w.take();
    out += body_.take();
    // The group's trailer counts the sets written into the body.
    x12::Writer tail = partner_writer(x_);
    const std::string sets = std::to_string(sets_), isa = fmt::format("{:09}", isa13),
                      gs = std::to_string(gs06);
    tail.segment({"GE", sets, gs});
    tail.segment({"IEA", "1", isa});
    out += tail.take();
    for (const auto& [po_id, st02] : sets_of_)
      numbers.sent_as(po_id, cancel_ ? "860" : "850", isa, gs, st02);
    return out;
  }

 private:
  static std::string compact(std::string_view iso_date) {  // 2026-11-26 -> 20261126
    std::string s;
    for (char c : iso_date)
      if (c != '-') s += c;
    return s;
  }

  const X12Config& x_;
  bool cancel_;
  x12::Writer body_;
  int sets_ = 0;
  std::vector<std::pair<std::int64_t, std::string>> sets_of_;
};

}  // namespace

std::unique_ptr<PoWriter> make_x12_850_writer(const PoConfig& cfg, PoDocKind kind) {
  return std::make_unique<X12PoWriter>(cfg, kind);
}

}  // namespace orderd
