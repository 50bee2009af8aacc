// Supplier files as X12: every 856 ship notice becomes tracking rows (PO
// number from PRF01, item from LIN, quantity from SN1, tracking and carrier
// as edi/x12_documents.h finds them); an 855 PO acknowledgment and a 997/999
// functional acknowledgment become notices on the POs they answer. The file
// must be valid X12; other sets are refused, so the file is quarantined and
// seen rather than dropped.
#include <fmt/format.h>

#include "edi/x12_documents.h"
#include "mappers/mappers.h"

namespace orderd {

namespace {

std::string po_ack_message(const x12::PoAck& a) {
  std::string m = fmt::format("855 from the supplier: {} ({})", a.meaning, a.code);
  for (const auto& l : a.lines)
    if (l.status != "IA" && !l.status.empty())
      m += fmt::format("; line {}: {} ({})", l.line, l.meaning, l.status);
  return m;
}

}  // namespace

Result<TrackingBatch> read_x12_tracking(const TrackingConfig& cfg, std::string_view data) {
  auto report = x12::check_stream(x12::buffer_source(data), /*collect=*/true);
  for (const auto& p : report.problems)
    if (p.error)
      return fail(ErrorKind::kInvalid,
                  fmt::format("{}: {} (`orderctl x12 check FILE` lists every problem)", p.where,
                              p.message));
  if (!report.content_problems.empty())
    return fail(ErrorKind::kInvalid, report.content_problems.front());
  TrackingBatch batch;
  auto& rows = batch.rows;
  // Sets carry their interchange's ISA13; number the interchanges in order.
  auto interchange_of = [&](const x12::Envelope& env) {
    for (std::size_t i = 0; i < batch.interchanges.size(); ++i)
      if (batch.interchanges[i].control == env.isa13 &&
          batch.interchanges[i].sender == env.sender &&
          batch.interchanges[i].receiver == env.receiver)
        return static_cast<int>(i);
    batch.interchanges.push_back({env.sender, env.receiver, env.isa13});
    return static_cast<int>(batch.interchanges.size() - 1);
  };
  // A TA1 answers one of our interchanges as a whole: every PO in it.
  for (const auto& ta : report.interchange_acks) {
    PoNotice n;
    n.line = ta.line;
    n.interchange_control = ta.control;
    n.kind = ta.code == "R" ? PoNotice::Kind::kRejected : PoNotice::Kind::kAccepted;
    n.message = fmt::format("TA1 from the supplier: interchange {} {}{}", ta.control,
                            ta.code == "R"   ? "rejected"
                            : ta.code == "E" ? "accepted with errors"
                                             : "accepted",
                            ta.note.empty() || ta.note == "000"
                                ? ""
                                : fmt::format(": {} ({})", x12::ta1_note_code(ta.note), ta.note));
    n.interchange = interchange_of(ta.env);
    batch.notices.push_back(std::move(n));
  }
  for (const auto& set : report.sets) {
    const int ix = interchange_of(set.env);
    // Acknowledgments are never acknowledged: FA groups get no 997 back.
    if (set.env.gs01 != "FA") {
      if (batch.groups.empty() || batch.groups.back().control != set.env.gs06 ||
          batch.groups.back().functional_id != set.env.gs01)
        batch.groups.push_back({set.env.gs01, set.env.gs06, set.env.gs08, {}});
      batch.groups.back().sets.emplace_back(set.env.st01, set.env.st02);
    }
    if (set.env.st01 == "855") {
      PoNotice n;
      n.po_number = set.po_ack.po_number;
      n.kind = set.po_ack.rejected ? PoNotice::Kind::kRejected : PoNotice::Kind::kAccepted;
      n.message = po_ack_message(set.po_ack);
      n.interchange = ix;
      batch.notices.push_back(std::move(n));
      continue;
    }
    if (set.env.st01 == "997" || set.env.st01 == "999") {
      const auto& fa = set.functional_ack;
      for (const auto& a : fa.sets) {
        PoNotice n;
        n.group = fa.group_control;
        n.set = a.control;
        n.kind = a.accepted ? PoNotice::Kind::kAccepted : PoNotice::Kind::kRejected;
        n.message = fmt::format("{} from the supplier: transaction set {} {} {}", set.env.st01,
                                a.set_id, a.control, x12::ack_set_code(a.code));
        for (const auto& e : a.errors) n.message += "; " + e;
        n.interchange = ix;
        batch.notices.push_back(std::move(n));
      }
      if (fa.sets.empty()) {  // a verdict on the whole group
        PoNotice n;
        n.group = fa.group_control;
        n.kind = fa.accepted ? PoNotice::Kind::kAccepted : PoNotice::Kind::kRejected;
        n.message = fmt::format("{} from the supplier: group {} {}", set.env.st01, fa.group_control,
                                fa.meaning);
        n.interchange = ix;
        batch.notices.push_back(std::move(n));
      }
      continue;
    }
    if (set.env.st01 != "856")
      return fail(
          ErrorKind::kInvalid,
          fmt::format(
              "transaction set {} (ST02 {}): a supplier's folder takes 856, 855, 997 and 999; "
              "this one is not read",
              set.env.st01, set.env.st02));
    for (const auto& item : set.ship_notice.items) {
      TrackingRow r;
      r.line = item.segment;
      r.interchange = ix;
      r.po_number = item.po_number;
      r.sku = item.id(cfg.item_qualifiers);
      r.quantity = item.quantity > 0 ? item.quantity : -1;
      r.carrier = item.carrier;
      r.tracking_number = item.tracking;
      if (item.ship_date.size() == 8)
        r.ship_date = fmt::format("{}-{}-{}", item.ship_date.substr(0, 4),
                                  item.ship_date.substr(4, 2), item.ship_date.substr(6, 2));
      if (r.po_number.empty())
        return fail(
            ErrorKind::kInvalid,
            fmt::format("line {}: the 856 item {} has no PO number (PRF01)", item.segment, r.sku));
      if (r.tracking_number.empty())
        return fail(ErrorKind::kInvalid, fmt::format("line {}: the 856 item {} of PO {} has no "
                                                     "tracking number (REF*CN, MAN*CP or MAN*GM)",
                                                     item.segment, r.sku, r.po_number));
      rows.push_back(std::move(r));
    }
  }
  return batch;
}

}  // namespace orderd
