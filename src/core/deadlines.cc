#include "core/deadlines.h"

#include <fmt/format.h>

#include <array>

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
