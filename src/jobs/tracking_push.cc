// Tracking push: shipments not yet pushed -> one tracking file per channel,
// in the channel's format, queued for delivery.
#include <fmt/format.h>

#include <set>

#include "channels/formats.h"
#include "core/transitions.h"
#include "jobs/history.h"
#include "jobs/jobs.h"
#include "util/hash.h"
#include "util/text.h"

namespace orderd {
namespace {

std::string push_name(const Document& d, std::int64_t id) {
  return fmt::format("tracking-{}-{:06}{}", d.party, id, d.name);
}

}  // namespace

RunReport push_tracking(Runtime& rt, std::string_view trigger) {
  RunLock lock(rt);
  return recorded_run(rt, "push", trigger, [&](RunReport& report) {
    {
      Txn txn(*rt.store);
      if (auto began = txn.begin(); !began) {
        report.problem(fmt::format("tracking push not started: {}", began.error().message()));
        return;
      }
      for (const auto& ch : rt.cfg->channels) {
        if (!ch.tracking_push.enabled) continue;
        std::string_view fmt_name = ch.tracking_push.format;
        if (fmt_name.empty()) fmt_name = find_order_format(ch.format)->default_push;
        const TrackingPushFormat* f = find_push_format(fmt_name);
        // One channel; a state database error leaves this channel's
        // tracking for the next run and the others go on.
        auto one = [&] {
          // Written as the shipments come from the store, never all held.
          std::set<std::int64_t> orders;
          std::size_t lines = 0;
          const std::string today = iso_time(rt.now()).substr(0, 10);
          Document d;
          f->write->start(d.content);
          rt.store->each_unpushed_shipment(ch.id, [&](Shipment& sh) {
            orders.insert(sh.order_id);
            const PushLine l{std::move(sh.order_ext_id),
                             std::move(sh.channel_line_id),
                             std::move(sh.sku),
                             sh.quantity,
                             std::move(sh.carrier),
                             std::move(sh.tracking_number),
                             sh.ship_date.empty() ? today : std::move(sh.ship_date)};
            f->write->line(d.content, l, lines++);
          });
          if (lines == 0) return;
          f->write->end(d.content, lines);
          d.state = kNewDocumentState;
          d.kind = "tracking_push";
          d.party_type = "channel";
          d.party = ch.id;
          d.format = std::string(fmt_name);
          d.sha256 = sha256_hex(d.content);
          d.created_at = rt.now();
          d.name = std::string(f->extension);
          rt.store->insert_document(d, push_name);
          rt.store->link_unpushed_shipments(ch.id, d.id);
          report.lines.push_back(fmt::format("{}: tracking for {} shipped lines of {} orders",
                                             d.name, lines, orders.size()));
        };
        try {
          Savepoint sp(*rt.store);
          one();
          sp.release();
        } catch (const StoreError& e) {
          report.problem(fmt::format(
              "tracking for channel {} not pushed: state database error: {}; it is tried again "
              "at the next run",
              ch.id, e.what()));
        }
      }
      if (auto c = txn.commit(); !c) {
        report.problem(fmt::format("tracking push not saved: {}", c.error().message()));
        return;
      }
    }
  });
}

}  // namespace orderd
