// Our side of an X12 envelope to a trading partner, shared by the 850/860
// writer and the 997/999/TA1 writer: the partner's delimiters, ISA with its
// ids and version, and a GS stamped now.
#pragma once

#include <cstdint>
#include <string_view>

#include "config/config.h"
#include "edi/x12_writer.h"

namespace orderd {

// A writer with the partner's delimiters, the ISA written (ISA13 = `isa13`).
x12::Writer open_interchange(const X12Config& x, std::uint64_t isa13);
// GS from us to the partner, dated now.
void begin_partner_group(x12::Writer& w, const X12Config& x, std::string_view functional_id,
                         std::uint64_t gs06, std::string_view version);
// A writer with the partner's delimiters and nothing written.
x12::Writer partner_writer(const X12Config& x);

}  // namespace orderd
