// Supplier deadlines: when a delivered PO must be acknowledged (997/855)
// and shipped, counting only business days; and the alert a late PO
// raises. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/alerts.h"

namespace orderd {

// Days of the week as bits: bit 0 Sunday ... bit 6 Saturday.
inline constexpr std::uint8_t kMondayToFriday = 0b0111110;

// A supplier's deadlines (suppliers.<id>.deadlines over the top-level
// deadlines). 0: that deadline is not kept.
struct Deadlines {
  std::int64_t ack = 0;   // seconds of business time from delivery to acknowledgment
  std::int64_t ship = 0;  // ... to the first shipment arriving in orderd
  std::uint8_t business_days = kMondayToFriday;
  bool any() const { return ack > 0 || ship > 0; }
};

// "Mon" -> 1 (bit of Monday), nullopt for anything else.
std::optional<int> weekday_bit(std::string_view name);

// `from` plus `span` seconds counted on business days only: days are local
// days at `utc_offset` seconds east of UTC. A PO delivered on Friday at
// 15:00 with 24h to acknowledge is due on Monday at 15:00; one delivered
// on a Saturday starts counting on Monday at 00:00. No business day: span
// counted on every day.
std::int64_t business_deadline(std::int64_t from, std::int64_t span, std::uint8_t days,
                               std::int64_t utc_offset);

// A PO past a deadline: `which` is "ack" or "ship".
struct LatePo {
  std::int64_t po_id = 0;
  std::string po, supplier, order;
  std::int64_t delivered_at = 0, due = 0;
};
Alert late_alert(const LatePo& p, std::string_view which, std::int64_t now);

}  // namespace orderd
