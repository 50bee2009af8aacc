// The daily digest for each sink that asks for one, and the supplier
// scorecards it (weekly) and `orderctl suppliers` show.
#include "core/digest.h"

#include <fmt/format.h>

#include <algorithm>

#include "jobs/jobs.h"
#include "util/text.h"

namespace orderd {
namespace {

constexpr int kListed = 10;  // orders or POs listed by name in a digest

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out.empty() ? "see `orderctl show`" : out;
}

std::vector<std::pair<std::string, std::string>> orders_in(Runtime& rt, OrderStatus status) {
  OrderQuery q;
  q.status = status;
  q.limit = kListed;
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : rt.store->query_orders(q))
    out.emplace_back(fmt::format("{}:{}", o.channel, o.ext_id), joined(o.messages));
  return out;
}

DigestFacts gather(Runtime& rt, std::int64_t from, std::int64_t to, bool weekly) {
  DigestFacts f;
  f.from = from;
  f.to = to;
  const auto day = rt.store->day_counts(from, to);
  f.orders_in = day.orders_in;
  f.unmatched = day.unmatched;
  f.failed_runs = day.failed_runs;
  for (const auto& [status, n] : day.status_changes) {
    if (status == to_string(OrderStatus::kProcessed)) f.processed = n;
    if (status == to_string(OrderStatus::kShipped)) f.shipped = n;
    if (status == to_string(OrderStatus::kCompleted)) f.completed = n;
  }
  for (const auto& [status, n] : rt.store->status_counts()) {
    if (status == to_string(OrderStatus::kNeedsResolve)) f.waiting = n;
    if (status == to_string(OrderStatus::kFailed)) f.failed = n;
  }
  if (f.waiting) f.waiting_list = orders_in(rt, OrderStatus::kNeedsResolve);
  if (f.failed) f.failed_list = orders_in(rt, OrderStatus::kFailed);
  f.late = rt.store->late_po_count();
  for (const auto& d : rt.store->late_pos(kListed)) {
    std::vector<std::string> what;
    if (d.late_ack()) what.push_back("not acknowledged by " + iso_time(d.ack_due));
    if (d.late_ship()) what.push_back("not shipped by " + iso_time(d.ship_due));
    f.late_list.push_back(
        fmt::format("{} ({}, order {}): {}", d.po, d.supplier, d.order, joined(what)));
  }
  for (const auto& r : rt.store->last_runs())
    f.runs.push_back(fmt::format("{} last {} ({}): {} files, {} changed, {} failed", r.kind,
                                 iso_time(r.repeats ? r.finished_at : r.started_at), r.trigger,
                                 r.read, r.changed, r.failed));
  if (weekly)
    for (const auto& s : supplier_scores(rt, to - 7 * 86400)) f.scorecards.push_back(score_line(s));
  return f;
}

}  // namespace

std::vector<SupplierScore> supplier_scores(Runtime& rt, std::int64_t since) {
  auto scores = rt.store->supplier_scores(since, rt.now());
  // Every configured supplier, those with nothing in the time too.
  for (const auto& s : rt.cfg->suppliers)
    if (std::none_of(scores.begin(), scores.end(),
                     [&](const SupplierScore& sc) { return sc.supplier == s.id; }))
      scores.emplace_back().supplier = s.id;
  std::sort(scores.begin(), scores.end(),
            [](const SupplierScore& a, const SupplierScore& b) { return a.supplier < b.supplier; });
  for (const auto& a : rt.store->open_alerts("outage"))
    for (auto& sc : scores)
      if (a.ref == "supplier/" + sc.supplier) sc.outage_since = iso_time(a.raised_at);
  return scores;
}

void queue_digests(Runtime& rt, RunReport& report) {
  if (!rt.digests) return;
  const std::int64_t now = rt.now();
  const std::int64_t offset = local_utc_offset(now);
  for (const auto& sink : rt.cfg->alerts.sinks) {
    if (sink.digest < 0) continue;
    const std::string key = "digest:" + sink.name;
    // The last time of day it was due at or before now: a day missed while
    // the service was down is one digest, not several.
    const std::int64_t latest = next_daily(now, sink.digest, offset) - 86400;
    // Marked by the local day it was due on, not by its instant: a clock
    // change (daylight saving) moves the instant, never the day.
    const std::int64_t day = (latest + offset) / 86400;
    const auto mark = rt.store->alert_mark(key);
    if (!mark) {  // a new digest starts with the next day
      rt.store->set_alert_mark(key, day);
      continue;
    }
    if (day <= *mark) continue;
    const std::int64_t local = latest + offset;
    const bool monday = ((local / 86400) % 7 + 7 + 4) % 7 == 1;
    const AlertMessage m =
        digest_message(gather(rt, latest - 86400, latest, monday), rt.cfg->file.string());
    queue_for_sink(rt, sink, "digest", m, report);
    rt.store->set_alert_mark(key, day);
  }
}

}  // namespace orderd
