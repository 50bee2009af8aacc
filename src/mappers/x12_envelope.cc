#include "mappers/x12_envelope.h"

#include <string>
#include <utility>

#include "util/clock.h"
#include "util/text.h"

namespace orderd {
namespace {

// CCYYMMDD and HHMM, now.
std::pair<std::string, std::string> stamp_now() {
  const std::string t = iso_time(system_clock().now());  // 2026-11-26T14:36:57Z
  return {t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2), t.substr(11, 2) + t.substr(14, 2)};
}

}  // namespace

x12::Writer partner_writer(const X12Config& x) {
  return x12::Writer(x12::Delimiters{x.element, x.component, x.repetition, x.segment}, x.newline);
}

x12::Writer open_interchange(const X12Config& x, std::uint64_t isa13) {
  auto [date8, time] = stamp_now();
  x12::Writer w = partner_writer(x);
  w.begin_interchange({x.sender_qualifier, x.sender_id, x.receiver_qualifier, x.receiver_id, isa13,
                       date8.substr(2), time, x.version, x.usage, false});
  return w;
}

void begin_partner_group(x12::Writer& w, const X12Config& x, std::string_view functional_id,
                         std::uint64_t gs06, std::string_view version) {
  auto [date8, time] = stamp_now();
  w.begin_group(functional_id, x.sender_id, x.receiver_id, date8, time, gs06, version);
}

}  // namespace orderd
