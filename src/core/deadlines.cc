#include "core/deadlines.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "util/text.h"

namespace orderd {

std::optional<int> weekday_bit(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kNames = {"Sun", "Mon", "Tue", "Wed",
                                                             "Thu", "Fri", "Sat"};
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<int>(i);
  return std::nullopt;
}

std::int64_t business_deadline(std::int64_t from, std::int64_t span, std::uint8_t days,
                               std::int64_t utc_offset) {
  if ((days & 0x7f) == 0 || span <= 0) return from + span;
  constexpr std::int64_t kDay = 86400;
  auto floor_div = [](std::int64_t a, std::int64_t b) { return a / b - (a % b < 0 ? 1 : 0); };
  std::int64_t t = from, left = span;
  // At most a year of spans, so at most a few hundred days are walked.
  for (int guard = 0; guard < 4000; ++guard) {
    const std::int64_t day = floor_div(t + utc_offset, kDay);  // local day number
    const std::int64_t day_end = (day + 1) * kDay - utc_offset;
    const int weekday = static_cast<int>(((day % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
    if (days & (1u << weekday)) {
      if (left <= day_end - t) return t + left;
      left -= day_end - t;
    }
    t = day_end;
  }
  return t + left;
}

std::pair<double, double> hours_stats(std::vector<double> h) {
  if (h.empty()) return {0, 0};
  std::sort(h.begin(), h.end());
  double sum = 0;
  for (const double x : h) sum += x;
  // The nearest rank: the smallest value at or above 90% of them.
  const auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(h.size())));
  return {sum / static_cast<double>(h.size()), h[std::max<std::size_t>(rank, 1) - 1]};
}

std::string score_line(const SupplierScore& sc) {
  auto share = [](std::int64_t n, std::int64_t of) {
    return of ? fmt::format("{}/{} ({:.0f}%)", n, of,
                            100.0 * static_cast<double>(n) / static_cast<double>(of))
              : std::string("no deadline");
  };
  const auto [avg, p90] = hours_stats(sc.hours_to_ship);
  return fmt::format(
      "{}: {} sent; acknowledged on time {}; shipped on time {}; hours to ship {}; {} rejected, "
      "{} deliveries given up{}",
      sc.supplier, count_of(sc.sent, "PO"), share(sc.acked_on_time, sc.ack_kept),
      share(sc.shipped_on_time, sc.ship_kept),
      sc.hours_to_ship.empty()
          ? std::string("none shipped")
          : fmt::format("avg {:.1f}, p90 {:.1f} ({} shipped)", avg, p90, sc.hours_to_ship.size()),
      sc.rejections, sc.failed_deliveries,
      sc.outage_since.empty() ? "" : "; IN OUTAGE since " + sc.outage_since);
}

Alert late_alert(const LatePo& p, std::string_view which, std::int64_t now) {
  const bool ack = which == "ack";
  Alert a;
  a.kind = "late";
  a.ref = fmt::format("{}/{}", p.po, which);
  a.party = p.supplier;
  a.subject_id = p.po_id;
  a.condition = true;
  a.raised_at = now;
  a.message = fmt::format("PO {} (order {}) is late at supplier {}: {} by {}, delivered {}", p.po,
                          p.order, p.supplier, ack ? "not acknowledged (997/855)" : "not shipped",
                          iso_time(p.due), iso_time(p.delivered_at));
  a.action = fmt::format(
      "ask {} about PO {}; `orderctl orders --late` lists every late PO, `orderctl suppliers` "
      "scores them",
      p.supplier, p.po);
  return a;
}

}  // namespace orderd
