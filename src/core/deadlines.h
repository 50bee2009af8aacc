// Supplier deadlines: when a delivered PO must be acknowledged (997/855)
// and shipped, counting only business days; and the alert a late PO
// raises. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// One supplier's record over a time (orderctl suppliers, the digest).
struct SupplierScore {
  std::string supplier;
  std::int64_t sent = 0;                         // POs delivered
  std::int64_t ack_kept = 0, acked_on_time = 0;  // of those with an ack deadline
  std::int64_t ship_kept = 0, shipped_on_time = 0;
  std::vector<double> hours_to_ship;  // delivery to first shipment, each shipped PO
  std::int64_t rejections = 0, failed_deliveries = 0;
  std::string outage_since;  // an outage open now: since when
};
// The average and the 90th percentile (nearest rank) of `hours`; 0 if none.
std::pair<double, double> hours_stats(std::vector<double> hours);
// "acme: 12 POs sent; acknowledged on time 11/12 (92%); ..." for people.
std::string score_line(const SupplierScore& s);

// A PO past a deadline: `which` is "ack" or "ship".
struct LatePo {
  std::int64_t po_id = 0;
  std::string po, supplier, order;
  std::int64_t delivered_at = 0, due = 0;
};
Alert late_alert(const LatePo& p, std::string_view which, std::int64_t now);

}  // namespace orderd
