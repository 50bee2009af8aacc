// Supplier tracking as X12: every 856 ship notice in the file becomes
// tracking rows (PO number from PRF01, item from LIN, quantity from SN1,
// tracking and carrier as edi/x12_documents.h finds them). The file must be
// valid X12; a file holding other sets (855, 997) is refused for now, so it
// is quarantined and seen rather than dropped.
#include <fmt/format.h>

#include "edi/x12_documents.h"
#include "mappers/mappers.h"

namespace orderd {

Result<std::vector<TrackingRow>> read_x12_tracking(const TrackingConfig& /*cfg*/, std::string_view data) {
  auto report = x12::check_stream(x12::buffer_source(data), /*collect=*/true);
  for (const auto& p : report.problems)
    if (p.error) return fail(ErrorKind::kInvalid, fmt::format("{}: {} (`orderctl x12 check FILE` lists every problem)", p.where, p.message));
  if (!report.content_problems.empty()) return fail(ErrorKind::kInvalid, report.content_problems.front());
  std::vector<TrackingRow> rows;
  for (const auto& set : report.sets) {
    if (set.env.st01 != "856")
      return fail(ErrorKind::kInvalid,
                  fmt::format("transaction set {} (ST02 {}): orderd reads only 856 ship notices from a tracking "
                              "folder so far; 855 and 997 are not applied yet",
                              set.env.st01, set.env.st02));
    for (const auto& item : set.ship_notice.items) {
      TrackingRow r;
      r.line = item.segment;
      r.po_number = item.po_number;
      r.sku = item.id();
      r.quantity = item.quantity > 0 ? item.quantity : -1;
      r.carrier = item.carrier;
      r.tracking_number = item.tracking;
      if (item.ship_date.size() == 8)
        r.ship_date = fmt::format("{}-{}-{}", item.ship_date.substr(0, 4), item.ship_date.substr(4, 2), item.ship_date.substr(6, 2));
      if (r.po_number.empty())
        return fail(ErrorKind::kInvalid, fmt::format("line {}: the 856 item {} has no PO number (PRF01)", item.segment, r.sku));
      if (r.tracking_number.empty())
        return fail(ErrorKind::kInvalid,
                    fmt::format("line {}: the 856 item {} of PO {} has no tracking number (REF*CN, MAN*CP or MAN*GM)",
                                item.segment, r.sku, r.po_number));
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

}  // namespace orderd
