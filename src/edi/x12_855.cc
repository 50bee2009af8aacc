// The 855 purchase order acknowledgment: BAK (the verdict on the PO), and
// PO1/ACK per line.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "edi/x12_documents.h"
#include "edi/x12_set_util.h"

using namespace std::literals;

namespace orderd::x12 {

using detail::lookup;
using detail::to_int;

std::string po_ack_code(std::string_view c) {
  return lookup({{"AC", "acknowledge, with detail and change"},
                 {"AD", "acknowledge, with detail, no change"},
                 {"AE", "acknowledge, with exception detail only"},
                 {"AH", "acknowledge, hold status"},
                 {"AK", "acknowledge, no detail or change"},
                 {"AP", "acknowledge, product replenishment"},
                 {"AT", "accepted"},
                 {"NA", "no acknowledgment needed"},
                 {"RD", "reject with detail"},
                 {"RF", "reject with exception detail only"},
                 {"RJ", "rejected, no detail"},
                 {"RO", "rejected with counter offer"},
                 {"RV", "rejected, validation errors"},
                 {"ZZ", "mutually defined"}},
                c);
}

std::string line_ack_code(std::string_view c) {
  return lookup({{"AC", "item accepted and shipped"},
                 {"AR", "item accepted and released for shipment"},
                 {"BP", "item accepted, partial shipment, balance backordered"},
                 {"DR", "item accepted, date rescheduled"},
                 {"IA", "item accepted"},
                 {"IB", "item backordered"},
                 {"IC", "item accepted, changes made"},
                 {"ID", "item deleted"},
                 {"IE", "item accepted, price pending"},
                 {"IF", "item on hold, incomplete description"},
                 {"IH", "item on hold"},
                 {"IP", "item accepted, price changed"},
                 {"IQ", "item accepted, quantity changed"},
                 {"IR", "item rejected"},
                 {"IS", "item accepted, substitution made"},
                 {"IW", "item on hold, waiver required"},
                 {"R1", "item rejected, not a contract item"},
                 {"R2", "item rejected, invalid item product number"},
                 {"R3", "item rejected, invalid unit of issue"},
                 {"R4", "item rejected, contract item not available"},
                 {"SP", "item accepted, schedule date pending"}},
                c);
}

void DocumentCollector::segment_855(const Segment& s) {
  const std::string_view tag = s.tag();
  if (tag == "BAK") {
    cur_.po_ack.po_number = std::string(s.at(3));
    cur_.po_ack.code = std::string(s.at(2));
    cur_.po_ack.meaning = po_ack_code(s.at(2));
    cur_.po_ack.rejected = s.at(2).starts_with("R");
  } else if (tag == "PO1") {
    LineAck l;
    l.line = std::string(s.at(1));
    for (std::size_t i = 6; i + 1 <= s.count(); i += 2)
      if (!s.at(i).empty() && !s.at(i + 1).empty()) l.ids.emplace_back(s.at(i), s.at(i + 1));
    cur_.po_ack.lines.push_back(std::move(l));
  } else if (tag == "ACK" && !cur_.po_ack.lines.empty()) {
    auto& l = cur_.po_ack.lines.back();
    if (l.status.empty()) {
      l.status = std::string(s.at(1));
      l.meaning = line_ack_code(s.at(1));
      l.quantity = to_int(s.at(2));
    }
  }
}

}  // namespace orderd::x12
