// Tracking intake: supplier files (856, 855, 997/999, CSV) -> shipments on
// PO lines and verdicts on POs. The push to the channel is tracking_push.cc.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "channels/formats.h"
#include "core/transitions.h"
#include "edi/x12_documents.h"
#include "jobs/documents.h"
#include "jobs/history.h"
#include "jobs/intake.h"
#include "mappers/mappers.h"
#include "util/hash.h"
#include "util/limits.h"
#include "util/text.h"

namespace orderd {
namespace {

struct Counts {
  int recorded = 0, repeated = 0, unmatched = 0;
};

// Why a row's values cannot be taken as they are, or "" when they can.
std::string row_problem(const TrackingRow& row) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"PO number", &row.po_number},
      {"SKU", &row.sku},
      {"carrier", &row.carrier},
      {"tracking number", &row.tracking_number},
      {"ship date", &row.ship_date}};
  for (const auto& [what, value] : fields) {
    if (const auto bad = invalid_utf8(*value, 1); !bad.empty())
      return fmt::format("the {} holds bytes that are not UTF-8 ({} at byte {})", what,
                         hex_bytes(*value, bad.front()), bad.front() + 1);
    if (value->size() > limits::kIdBytes)
      return fmt::format("the {} is {} bytes long, more than the {} orderd takes", what,
                         value->size(), limits::kIdBytes);
  }
  return {};
}

// Keeps `row` as unmatched tracking, with why, and says so.
void keep_unmatched(Runtime& rt, const SupplierConfig& s, const TrackingRow& row,
                    const std::string& reason, std::string_view file, Counts& n, RunReport& r) {
  auto shown = [](const std::string& v) { return to_valid_utf8(v.substr(0, limits::kIdBytes)); };
  rt.store->add_unmatched({rt.now(), s.id, shown(row.po_number), shown(row.sku),
                           shown(row.tracking_number), reason,
                           fmt::format("{} line {}", file, row.line)});
  r.problem(fmt::format("{} line {}: {}; kept as unmatched tracking (see `orderctl sync status`)",
                        file, row.line, reason));
  ++n.unmatched;
}

// The PO the rows are about, with its lines, loaded once for the rows that
// follow it (a file lists a PO's rows together) and kept up to date as its
// shipments are recorded.
struct OpenPo {
  bool loaded = false;
  std::string number;
  std::optional<Store::PoLines> po;
};

void apply_row(Runtime& rt, const SupplierConfig& s, const TrackingRow& row, std::string_view file,
               std::int64_t file_id, OpenPo& open_po, std::set<std::int64_t>& touched, Counts& n,
               RunReport& r) {
  const std::int64_t now = rt.now();
  auto unmatched = [&](const std::string& reason) {
    keep_unmatched(rt, s, row, reason, file, n, r);
  };
  if (auto why = row_problem(row); !why.empty()) return unmatched(why);
  if (!open_po.loaded || open_po.number != row.po_number) {
    open_po.loaded = true;
    open_po.number = row.po_number;
    open_po.po = rt.store->find_po_lines(row.po_number);
  }
  if (!open_po.po) return unmatched(fmt::format("unknown PO {}", row.po_number));
  const Po* po = &open_po.po->po;
  if (po->supplier != s.id)
    return unmatched(
        fmt::format("PO {} belongs to supplier {}, not {}", row.po_number, po->supplier, s.id));
  if (!accepts_shipment(po->state))
    return unmatched(
        fmt::format("PO {} was canceled, yet the supplier reports it shipped", row.po_number));
  const std::size_t at = shipment_line(open_po.po->lines, row.sku);
  if (at == kNoLine)
    return unmatched(fmt::format("SKU {} is not on PO {}", row.sku, row.po_number));
  Line* line = &open_po.po->lines[at];
  auto& recorded = open_po.po->tracking[at];
  if (std::find(recorded.begin(), recorded.end(), row.tracking_number) != recorded.end()) {
    ++n.repeated;
    return;
  }
  // A shipment is 1..what is still open on the line; more is kept as
  // unmatched, never pushed to the channel.
  const std::int64_t open = std::max<std::int64_t>(0, line->quantity - line->shipped);
  const auto [qty, excess] = split_shipment(open, row.quantity);
  if (qty == 0)
    return unmatched(
        fmt::format("PO {} SKU {}: all {} ordered were reported shipped already; "
                    "this row ({} under {}) is more than was ordered",
                    row.po_number, row.sku, line->quantity,
                    row.quantity < 0 ? std::string("the rest") : std::to_string(row.quantity),
                    row.tracking_number));
  if (excess > 0)
    unmatched(
        fmt::format("PO {} SKU {}: reported shipped {}, but only {} of {} ordered was "
                    "still open; {} recorded, the other {} is more than was ordered",
                    row.po_number, row.sku, row.quantity, open, line->quantity, qty, excess));
  Shipment sh;
  sh.po_id = po->id;
  sh.line_id = line->id;
  sh.quantity = qty;
  sh.carrier = row.carrier;
  sh.tracking_number = row.tracking_number;
  sh.ship_date = row.ship_date;
  rt.store->add_shipment(sh, file_id, now);
  line->shipped += qty;
  recorded.push_back(row.tracking_number);
  if (s.deadlines.any()) rt.store->set_po_shipped(po->id, now);
  rt.store->add_event(
      po->order_id, po->id, fmt::format("supplier:{}", s.id), "shipped", "", "",
      fmt::format("{} x {} via {} {} ({})", qty, row.sku, row.carrier, row.tracking_number, file),
      now);
  touched.insert(po->order_id);
  ++n.recorded;
}

// Applies an 855 or 997/999 verdict to the POs it answers.
void apply_notice(Runtime& rt, const SupplierConfig& s, const PoNotice& n, std::string_view file,
                  std::set<std::int64_t>& touched, Counts& c, RunReport& r) {
  std::vector<Po> pos;
  if (!n.po_number.empty()) {
    if (auto po = rt.store->find_po(n.po_number); po && po->supplier == s.id) pos.push_back(*po);
  } else if (!n.interchange_control.empty()) {
    pos = rt.store->pos_sent_in_interchange(s.id, n.interchange_control);
  } else {
    pos = rt.store->pos_sent_in(s.id, n.group, n.set);
  }
  if (pos.empty()) {
    const std::string what =
        !n.po_number.empty() ? fmt::format("PO {}", n.po_number)
        : !n.interchange_control.empty()
            ? fmt::format("interchange {}", n.interchange_control)
            : fmt::format("group {}{}", n.group, n.set.empty() ? "" : " set " + n.set);
    rt.store->add_unmatched(
        {rt.now(), s.id, n.po_number, "", "",
         fmt::format("{} answers no PO orderd sent to {}: {}", what, s.id, n.message),
         std::string(file)});
    r.problem(fmt::format("{}: {} matches no PO sent to {}; kept (see `orderctl sync status`)",
                          file, what, s.id));
    ++c.unmatched;
    return;
  }
  const std::string actor = fmt::format("supplier:{}", s.id);
  for (const auto& po : pos) {
    const auto next = po_state_after_notice(po.state, n.kind == PoNotice::Kind::kRejected);
    const bool reject = next.has_value();
    if (next) rt.store->set_po_state(po.id, *next, n.message);
    rt.store->add_event(po.order_id, po.id, actor, reject ? "rejected" : "acknowledged", "", "",
                        fmt::format("PO {}: {} ({})", po.number, n.message, file), rt.now());
    if (s.deadlines.any() && !reject) rt.store->set_po_acked(po.id, rt.now());
    touched.insert(po.order_id);
    ++c.recorded;
  }
}

// Queues our 997/999 (or rejection) for the supplier as ACK-<supplier>-<n>.edi,
// in the caller's transaction.
void queue_ack(Runtime& rt, const SupplierConfig& s, std::string content) {
  Document ack;
  ack.kind = "ack";
  ack.state = kNewDocumentState;
  ack.party_type = "supplier";
  ack.party = s.id;
  ack.format = "x12-" + s.po.x12.send_ack;
  ack.sha256 = sha256_hex(content);
  ack.content = std::move(content);
  ack.created_at = rt.now();
  rt.store->insert_document(ack, [](const Document& d, std::int64_t id) {
    return fmt::format("ACK-{}-{:06}.edi", d.party, id);
  });
}

}  // namespace

RunReport sync_tracking(Runtime& rt, std::string_view trigger, Scope only) {
  RunLock lock(rt);
  return recorded_run(rt, "tracking", trigger, [&](RunReport& report) {
    std::vector<PullSource> remotes;
    for (const auto& s : rt.cfg->suppliers)
      if (s.tracking.pull && in_scope(only, s.id))
        remotes.push_back({"tracking", s.id, &*s.tracking.pull});
    if (!remotes.empty()) report.add(pull_remotes(rt, remotes));
    for (const auto& s : rt.cfg->suppliers) {
      const TrackingFormat* f = find_tracking_format(s.tracking.format);
      if (!f || !in_scope(only, s.id)) continue;
      take_inbound(
          rt, "tracking", s.id,
          [&](std::string_view name, std::string& data, std::int64_t file_id,
              RunReport& r) -> Result<std::string> {
            auto batch = f->read(s.tracking, data);
            if (!batch) return std::unexpected(batch.error());
            // An interchange applied before (under any file name) is skipped.
            std::vector<bool> skip(batch->interchanges.size(), false);
            for (std::size_t i = 0; i < batch->interchanges.size(); ++i) {
              const auto& k = batch->interchanges[i];
              if (auto seen = rt.store->x12_received(k.sender, k.receiver, k.control)) {
                skip[i] = true;
                r.lines.push_back(
                    fmt::format("{}: interchange {} from {} was applied before (file #{}); skipped",
                                name, k.control, k.sender, *seen));
              } else {
                rt.store->add_x12_received(k.sender, k.receiver, k.control, file_id);
              }
            }
            auto skipped = [&](int ix) { return ix >= 0 && skip[static_cast<std::size_t>(ix)]; };
            std::erase_if(batch->rows,
                          [&](const TrackingRow& row) { return skipped(row.interchange); });
            std::erase_if(batch->notices,
                          [&](const PoNotice& nt) { return skipped(nt.interchange); });
            const auto& rows = batch->rows;
            Counts n;
            OpenPo open_po;
            std::set<std::int64_t> touched;
            for (const auto& refused : batch->refused) {
              TrackingRow row;
              row.line = refused.line;
              keep_unmatched(rt, s, row, refused.reason, name, n, r);
            }
            for (const auto& row : rows)
              apply_row(rt, s, row, name, file_id, open_po, touched, n, r);
            for (const auto& notice : batch->notices)
              apply_notice(rt, s, notice, name, touched, n, r);
            if (s.po.x12.enabled && s.po.x12.send_ack != "none" && !batch->groups.empty()) {
              // Acknowledge every group of the file (a resent one again: the
              // partner may have missed our first acknowledgment).
              StoreControlNumbers numbers(*rt.store);
              queue_ack(rt, s, write_x12_ack(s.po.x12, batch->groups, numbers));
              r.lines.push_back(fmt::format("{}: {} for {} groups queued for {}", name,
                                            s.po.x12.send_ack, batch->groups.size(), s.id));
            }
            const std::vector<std::int64_t> ids(touched.begin(), touched.end());
            refresh_statuses(rt, ids, fmt::format("tracking from {}", name));
            r.changed += n.recorded;
            return fmt::format(
                "{} rows, {} acknowledgments: {} recorded, {} already known, {} unmatched",
                rows.size(), batch->notices.size(), n.recorded, n.repeated, n.unmatched);
          },
          report,
          [&](std::string_view name, const std::string& data, RunReport& r) {
            // A partner's X12 that failed validation is rejected back to it.
            if (!s.po.x12.enabled || s.po.x12.send_ack == "none" || s.tracking.format != "x12")
              return;
            auto checked = x12::check_stream(x12::buffer_source(data), /*collect=*/true);
            StoreControlNumbers numbers(*rt.store);
            std::string rejection = write_x12_rejection(s.po.x12, checked, numbers);
            if (rejection.empty()) return;
            queue_ack(rt, s, std::move(rejection));
            r.lines.push_back(fmt::format("{}: a {} rejecting it is queued for {}", name,
                                          s.po.x12.send_ack, s.id));
          });
    }
  });
}

}  // namespace orderd
