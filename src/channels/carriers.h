// The carriers orderd knows, in one table: what suppliers report (a SCAC
// such as UPSN or FDEG, or a name such as "UPS Ground") and what each
// channel accepts for it (docs/formats.md, "Carriers"). Every channel
// tracking writer names carriers through this table.
#pragma once

#include <string_view>

namespace orderd {

struct Carrier {
  std::string_view name;     // orderd's name for it: "FedEx"
  std::string_view shopify;  // Shopify's "Tracking Company"
  std::string_view amazon;   // Amazon's carrier-code
};

// The carrier `reported` stands for (case, spaces and dots aside), or
// nullptr when it is not in the table; the writers then pass it on as
// reported.
const Carrier* find_carrier(std::string_view reported);

}  // namespace orderd
