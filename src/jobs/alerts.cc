// Alerts: what needs a person, found in what the state already records
// since the last look (each scan keeps a high-water mark), stored once per
// condition, and queued per sink as one document for each kind whose
// window has passed. Delivery sends those documents with the guarantees
// of a PO: recorded before any byte leaves, never twice, retried.
#include "core/alerts.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/deadlines.h"
#include "jobs/jobs.h"
#include "util/hash.h"

namespace orderd {
namespace {

// Rows read by one scan at the most; the rest wait for the next look.
constexpr int kEventScan = 1000, kAttemptScan = 5000, kRowScan = 1000;

// A scan over rows with ids after its mark, up to the highest id now. The
// first look (no mark yet) starts at that highest id: history already in
// the state does not alert all at once.
template <class Rows, class Id, class Each>
void scan(Store& st, const char* name, std::int64_t high, int most, Rows rows, Id id_of,
          Each each) {
  const auto mark = st.alert_mark(name);
  if (!mark) {
    st.set_alert_mark(name, high);
    return;
  }
  if (*mark >= high) return;
  auto found = rows(*mark, high, most);
  std::int64_t upto = high;
  if (found.size() >= static_cast<std::size_t>(most)) upto = id_of(found.back());
  for (auto& row : found) each(row);
  st.set_alert_mark(name, upto);
}

class Raiser {
 public:
  Raiser(Runtime& rt, RunReport& report) : rt_(rt), st_(*rt.store), report_(report) {}

  void raise(const Alert& a) {
    if (st_.add_alert(a))
      report_.lines.push_back(fmt::format("alert raised: {} ({})", a.message, a.action));
  }

  void run() {
    const std::int64_t now = rt_.now();
    const auto highs = st_.alert_source_highs();
    scan(
        st_, "events", highs.event, kEventScan,
        [&](std::int64_t a, std::int64_t b, int n) { return st_.alerting_events_after(a, b, n); },
        [](const auto& r) { return r.first; },
        [&](const auto& r) {
          if (auto a = event_alert(r.second, now)) raise(*a);
        });
    scan(
        st_, "attempts", highs.attempt, kAttemptScan,
        [&](std::int64_t a, std::int64_t b, int n) { return st_.attempts_after(a, b, n); },
        [](const Store::AttemptSeen& r) { return r.id; },
        [&](const Store::AttemptSeen& r) { attempt(r, now); });
    scan(
        st_, "inbound", highs.inbound, kRowScan,
        [&](std::int64_t a, std::int64_t b, int n) { return st_.quarantined_after(a, b, n); },
        [](const QuarantinedFile& f) { return f.id; },
        [&](const QuarantinedFile& f) { raise(quarantined_alert(f, now)); });
    scan(
        st_, "unmatched", highs.unmatched, kRowScan,
        [&](std::int64_t a, std::int64_t b, int n) { return st_.unmatched_after(a, b, n); },
        [](const UnmatchedLine& u) { return u.id; },
        [&](const UnmatchedLine& u) { raise(unmatched_alert(u, now)); });
    // Conditions watched through a row: cleared once it has moved on.
    for (const auto& a : st_.open_alerts("delivery_failed"))
      if (st_.document_state(a.subject_id) != DocState::kFailed)
        st_.clear_alert(a.kind, a.ref, now);
    // Orders left waiting: every orders_status entry in needs_resolve is
    // read, so at most once every ten minutes (resolve_after is hours).
    constexpr std::int64_t kWaitingLook = 600;
    if (const auto last = st_.alert_mark("waiting"); !last || now - *last >= kWaitingLook) {
      for (const auto& a : st_.open_alerts("needs_resolve"))
        if (st_.order_status(a.subject_id) != OrderStatus::kNeedsResolve)
          st_.clear_alert(a.kind, a.ref, now);
      for (const auto& o : st_.waiting_orders(OrderStatus::kNeedsResolve,
                                              now - rt_.cfg->alerts.resolve_after, 1000))
        raise(waiting_alert(o, now));
      st_.set_alert_mark("waiting", now);
    }
    late(now);
  }

 private:
  // One delivery attempt: a document given up alerts; failures in a row at
  // one party make an outage, and its end a notice. Alert documents
  // themselves do not alert (a failing sink would feed itself): their
  // failures are in the run's report and `orderctl alerts`.
  void attempt(const Store::AttemptSeen& r, std::int64_t now) {
    if (r.party_type == "sink") {
      if (r.outcome == to_string(DocState::kFailed))
        report_.problem(fmt::format(
            "alert message {} to sink {} was given up: {}; it is sent again after the sink's "
            "next success",
            r.name, r.party, r.error));
      // The sink works again: what it had given up goes out again.
      if (r.outcome == to_string(DocState::kDelivered))
        for (const auto id : st_.failed_documents("sink", r.party))
          st_.set_document_state(id, retry_document(), now);
      return;
    }
    const bool delivered = r.outcome == to_string(DocState::kDelivered);
    const std::string key = fmt::format("streak:{}/{}", r.party_type, r.party);
    const int streak = static_cast<int>(st_.alert_mark(key).value_or(0));
    const OutageStep step = outage_step(streak, delivered, rt_.cfg->alerts.outage_after);
    if (step.streak != streak) st_.set_alert_mark(key, step.streak);
    if (step.opens) raise(outage_alert(r.party_type, r.party, step.streak, r.error, now));
    if (step.ends && st_.clear_alert("outage", fmt::format("{}/{}", r.party_type, r.party), now))
      raise(recovered_alert(r.party_type, r.party, now));
    if (r.outcome != to_string(DocState::kFailed)) return;
    GivenUp g{r.document_id, r.doc_kind, r.party_type, r.party, r.name, r.error, {}, {}};
    const auto pos = r.doc_kind == "cancel" ? st_.pos_of_cancel_document(r.document_id)
                                            : st_.pos_of_document(r.document_id);
    for (const auto& po : pos) {
      g.pos.push_back(po.number);
      if (g.orders.size() < 5) {
        auto ref = st_.order_ref(po.order_id);
        if (std::find(g.orders.begin(), g.orders.end(), ref) == g.orders.end())
          g.orders.push_back(std::move(ref));
      }
    }
    if (r.doc_kind == "tracking_push")
      for (const auto id : st_.orders_of_push_document(r.document_id)) {
        if (g.orders.size() >= 5) break;
        g.orders.push_back(st_.order_ref(id));
      }
    raise(given_up_alert(g, now));
  }

  // POs past their supplier's deadlines alert once each (ack, ship); the
  // alert clears when the acknowledgment or shipment comes, or the PO is no
  // longer out (canceled, rejected).
  void late(std::int64_t now) {
    for (const auto& d : st_.newly_late(now, 1000)) {
      if (d.po_state != PoState::kSent) {
        st_.end_deadlines(d.po_id);
        continue;
      }
      const bool ack = d.ack_due > 0 && d.ack_due <= now && d.acked_at == 0 && d.ack_late_at == 0;
      const bool ship =
          d.ship_due > 0 && d.ship_due <= now && d.shipped_at == 0 && d.ship_late_at == 0;
      st_.mark_late(d.po_id, ack, ship, now);
      LatePo p{d.po_id, d.po, d.supplier, d.order, d.delivered_at, d.ack_due};
      if (ack) raise(late_alert(p, "ack", now));
      p.due = d.ship_due;
      if (ship) raise(late_alert(p, "ship", now));
    }
    for (const auto& a : st_.open_alerts("late")) {
      const auto d = st_.po_deadline(a.subject_id);
      const bool ack = a.ref.ends_with("/ack");
      // No longer out (canceled, rejected), or its supplier keeps no
      // deadlines any more (its acks and shipments are not recorded): the
      // deadlines it has not met end with the alert.
      const auto* s = d ? rt_.cfg->supplier(d->supplier) : nullptr;
      const bool ended = !d || d->po_state != PoState::kSent || !s || !s->deadlines.any();
      if (d && ended) st_.end_deadlines(d->po_id);
      if (ended || (ack ? d->acked_at : d->shipped_at) > 0) st_.clear_alert(a.kind, a.ref, now);
    }
  }

  Runtime& rt_;
  Store& st_;
  RunReport& report_;
};

// One document to `sink` listing `alerts` (one kind), recorded as sent to it.
void queue_message(Runtime& rt, const AlertSinkConfig& sink, std::span<const Alert> alerts,
                   RunReport& report) {
  const std::int64_t id =
      queue_for_sink(rt, sink, "alert", alert_message(alerts, rt.cfg->file.string()), report);
  for (const auto& a : alerts) rt.store->add_alert_send(a.id, sink.name, id);
}

// The alerts `sink` has not been sent since its mark (`after`), of the
// kinds it takes, by kind, oldest first; and the last id read.
std::pair<std::map<std::string, std::vector<Alert>>, std::int64_t> unsent_by_kind(
    Store& st, const AlertSinkConfig& sink, std::int64_t after) {
  auto unsent = st.unsent_alerts(sink.name, after);
  const std::int64_t last = unsent.empty() ? after : unsent.back().id;
  std::map<std::string, std::vector<Alert>> by_kind;
  for (auto& a : unsent)
    if (sink.wants(a.kind)) by_kind[a.kind].push_back(std::move(a));
  return {std::move(by_kind), last};
}

// Per sink: its unsent alerts by kind; a kind whose oldest has waited the
// window (or every kind, `now_all`) becomes one message. The sink's mark
// moves past what it has been sent or does not take.
void queue_batches(Runtime& rt, std::int64_t first_new, bool now_all, RunReport& report) {
  Store& st = *rt.store;
  const std::int64_t now = rt.now();
  for (const auto& sink : rt.cfg->alerts.sinks) {
    const std::string key = "sink:" + sink.name;
    const auto mark = st.alert_mark(key);
    // A sink new to the state takes what is raised from now on.
    const std::int64_t after = mark ? *mark : first_new;
    auto [by_kind, upto] = unsent_by_kind(st, sink, after);
    for (auto& [kind, alerts] : by_kind) {
      if (now_all || batch_due(alerts.front().raised_at, rt.cfg->alerts.window, now))
        queue_message(rt, sink, alerts, report);
      else
        upto = std::min(upto, alerts.front().id - 1);  // waits: look again from it
    }
    if (!mark || upto != *mark) st.set_alert_mark(key, upto);
  }
}

std::string sink_document_name(const Document& d, std::int64_t id) {
  return fmt::format("{}-{:06}.{}", d.kind, id, d.format == "json" ? "json" : "txt");
}

}  // namespace

std::int64_t queue_for_sink(Runtime& rt, const AlertSinkConfig& sink, std::string_view kind,
                            const AlertMessage& m, RunReport& report) {
  Document d;
  d.kind = kind;
  d.party_type = "sink";
  d.party = sink.name;
  d.format = sink.transport.type == "http" ? "json" : "text";
  d.content = d.format == "json" ? m.json : m.text;
  d.sha256 = sha256_hex(d.content);
  d.state = kNewDocumentState;
  d.created_at = rt.now();
  rt.store->insert_document(d, sink_document_name);
  report.lines.push_back(
      fmt::format("{} queued for alert sink {}: {}", d.name, sink.name, m.title));
  return d.id;
}

RunReport raise_alerts(Runtime& rt) {
  RunLock lock(rt);
  RunReport report;
  try {
    Txn txn(*rt.store);
    auto s = txn.begin();
    if (s) {
      const std::int64_t first_new = rt.store->last_alert_id();
      Raiser raiser(rt, report);
      raiser.run();
      queue_batches(rt, first_new, false, report);
      // A digest that cannot be written (its queries, a full disk) does not
      // hold back the alerts of this look.
      try {
        Savepoint sp(*rt.store);
        queue_digests(rt, report);
        sp.release();
      } catch (const StoreError& e) {
        report.problem(fmt::format("daily digest not queued: state database error: {}", e.what()));
      }
      s = txn.commit();
    }
    if (!s) report.problem(fmt::format("alerts not raised: {}", s.error().message()));
  } catch (const StoreError& e) {
    // Nothing of this look is kept: the next one reads from the same marks.
    report.problem(fmt::format("alerts not raised: state database error: {}", e.what()));
  }
  return report;
}

void raise_alert_now(Runtime& rt, const Alert& a, RunReport& report) {
  RunLock lock(rt);
  try {
    Txn txn(*rt.store);
    auto s = txn.begin();
    if (s) {
      Raiser(rt, report).raise(a);
      s = txn.commit();
    }
    if (!s) report.problem(fmt::format("alert not recorded: {}", s.error().message()));
  } catch (const StoreError& e) {
    report.problem(fmt::format("alert not recorded: state database error: {}", e.what()));
  }
}

void clear_alert_now(Runtime& rt, std::string_view kind, std::string_view ref) {
  RunLock lock(rt);
  try {
    const auto open = rt.store->open_alerts(kind);
    if (std::none_of(open.begin(), open.end(), [&](const Alert& a) { return a.ref == ref; }))
      return;
    Txn txn(*rt.store);
    if (txn.begin()) {
      rt.store->clear_alert(kind, ref, rt.now());
      (void)txn.commit();
    }
  } catch (const StoreError&) {
    // Still open: the next success clears it.
  }
}

std::optional<std::int64_t> next_alert_batch(Runtime& rt) {
  std::optional<std::int64_t> next;
  for (const auto& sink : rt.cfg->alerts.sinks) {
    const auto mark = rt.store->alert_mark("sink:" + sink.name);
    if (!mark) continue;
    for (const auto& [kind, alerts] : unsent_by_kind(*rt.store, sink, *mark).first) {
      const std::int64_t due = alerts.front().raised_at + rt.cfg->alerts.window;
      next = next ? std::min(*next, due) : due;
    }
  }
  return next;
}

Result<RunReport> queue_test_alert(Runtime& rt) {
  if (rt.cfg->alerts.sinks.empty())
    return fail(ErrorKind::kRefused,
                fmt::format("{}: no alert sinks are configured (alerts.sinks; README, \"Alerts\")",
                            rt.cfg->file.string()));
  RunLock lock(rt);
  RunReport report;
  Txn txn(*rt.store);
  if (auto s = txn.begin(); !s) return std::unexpected(s.error());
  const std::int64_t first_new = rt.store->last_alert_id();
  Raiser(rt, report).raise(test_alert(rt.actor, rt.now()));
  // The test goes out now, with whatever else each sink has waiting.
  queue_batches(rt, first_new, true, report);
  if (auto s = txn.commit(); !s) return std::unexpected(s.error());
  return report;
}

}  // namespace orderd
