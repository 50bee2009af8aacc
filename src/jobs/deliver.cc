// Delivery: documents -> transports, exactly once. A document is recorded as
// `sending` before any byte leaves; a run that finds one in `sending` (a
// crash interrupted it) asks the destination whether it already has it
// before sending again.
#include <fmt/format.h>

#include <map>
#include <random>
#include <set>

#include "core/transitions.h"
#include "jobs/history.h"
#include "jobs/jobs.h"
#include "jobs/state.h"
#include "transport/transport.h"
#include "util/crashpoint.h"
#include "util/hash.h"
#include "util/lifecycle.h"

namespace orderd {
namespace {

const TransportConfig* transport_for(const Config& cfg, const Document& d) {
  if (d.party_type == "supplier") {
    if (auto* s = cfg.supplier(d.party)) return &s->transport;
  } else if (auto* c = cfg.channel(d.party); c && c->tracking_push.enabled) {
    return &c->tracking_push.transport;
  }
  return nullptr;
}

// Applies what a delivered (ok) or given-up (!ok) document means for its POs,
// shipments and orders. Inside a transaction.
void settle(Runtime& rt, const Document& d, bool ok, const std::string& error) {
  std::set<std::int64_t> orders;
  const std::int64_t now = rt.now();
  if (d.kind == "po" && ok) {
    // Sending and sent count alike in an order's status: nothing to refresh.
    rt.store->set_document_pos_state(d.id, po_state_after(d.kind, ok), rt.actor,
                                     fmt::format("delivered to {} as {}", d.party, d.name), now);
    return;
  }
  if (d.kind == "po" || d.kind == "cancel") {
    const bool cancel = d.kind == "cancel";
    auto pos = cancel ? rt.store->pos_of_cancel_document(d.id) : rt.store->pos_of_document(d.id);
    for (const auto& po : pos) {
      const PoState next = po_state_after(d.kind, ok);
      std::string why = ok ? "" : (cancel ? "cancellation not delivered: " + error : error);
      rt.store->set_po_state(po.id, next, why);
      rt.store->add_event(
          po.order_id, po.id, rt.actor, ok ? "delivered" : "delivery_failed", "", "",
          ok ? fmt::format("cancellation of PO {} delivered to {} as {}", po.number, d.party,
                           d.name)
             : fmt::format("{} {}: {}", cancel ? "cancellation of" : "PO", po.number, error),
          now);
      orders.insert(po.order_id);
    }
  } else if (d.kind == "tracking_push") {
    if (ok) rt.store->mark_document_pushed(d.id);
    rt.store->add_push_events(
        d.id, rt.actor, ok ? "tracking_pushed" : "push_failed",
        ok ? fmt::format("tracking sent to channel {} in {}", d.party, d.name)
           : fmt::format("tracking for channel {} not delivered: {}", d.party, error),
        now);
    const auto ids = rt.store->orders_of_push_document(d.id);
    refresh_statuses(rt, ids, ok ? "tracking pushed" : error);
    return;
  }
  const std::vector<std::int64_t> ids(orders.begin(), orders.end());
  refresh_statuses(rt, ids, ok ? "delivery confirmed" : error);
}

std::int64_t backoff(const TransportConfig& t, int attempt) {
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return retry_delay(t.backoff, attempt, jitter(rng));
}

using Transports = std::map<const TransportConfig*, std::unique_ptr<Transport>>;

// Delivers (or, after an interrupted run, recognises) one due document and
// records the outcome.
void deliver_one(Runtime& rt, Transports& transports, const Document& doc, RunReport& report) {
  // Records the attempt's outcome (and, for a final one, what it means for
  // the POs and orders) in one transaction.
  int spent = doc.attempts;
  auto finish = [&](const DocumentUpdate& u, const std::string& where,
                    const std::string& warning = {}) {
    const bool ok = u.state == DocState::kDelivered;
    Txn txn(*rt.store);
    auto s = txn.begin();
    if (s) {
      rt.store->add_attempt(doc.id, rt.now(), where, ok ? "delivered" : to_string(u.state),
                            u.error);
      rt.store->set_document_state(doc.id, u, rt.now());
      if (u.settled()) settle(rt, doc, ok, u.error);
      s = txn.commit();
    }
    if (!s) {
      report.problem(
          ok ? fmt::format("{} was delivered to {} ({}), but the state database could not record "
                           "it: {}; the next run finds it in orderd's outbound archive and "
                           "records it without sending it again",
                           doc.name, doc.party, where, s.error().message())
             : fmt::format("{} for {}: {}; and the attempt could not be recorded: {}", doc.name,
                           doc.party, u.error, s.error().message()));
      return;
    }
    if (ok) {
      report.lines.push_back(fmt::format("{} delivered to {} ({})", doc.name, doc.party, where));
      ++report.changed;
      if (!warning.empty()) {
        report.problem(fmt::format("{}: {}", doc.name, warning));
      }
    } else {
      report.problem(fmt::format("{} for {}: {}{}", doc.name, doc.party, u.error,
                                 u.state == DocState::kFailed ? " (gave up)" : " (will retry)"));
    }
  };
  // A failure no attempt can mend (the configuration, a refusal).
  auto give_up = [&](std::string error, const std::string& where) {
    finish(attempt_failed(doc.attempts + 1, spent, std::move(error), false, 1, rt.now(), 0), where);
  };
  const TransportConfig* tc = transport_for(*rt.cfg, doc);
  if (!tc) {
    give_up(fmt::format("{} {} has no transport in the configuration any more; add it back and "
                        "run `orderctl retry`",
                        doc.party_type, doc.party),
            "none");
    return;
  }
  if (interrupted(doc.state)) {
    // Interrupted after the destination had it? orderd's own copy says so
    // even when the receiver has taken the file away already.
    if (auto copy = rt.spool.delivered_copy(doc.party, doc.name);
        copy && sha256_hex(*copy) == doc.sha256) {
      finish(attempt_delivered(spent), "found in orderd's outbound archive");
      return;
    }
  }
  auto& t = transports[tc];
  if (!t) {
    auto made = make_transport(*tc);
    if (!made) {
      give_up(made.error().message(), tc->type);
      return;
    }
    t = std::move(*made);
  }
  const std::string where = t->describe();
  auto give_up_or_retry = [&](const Error& e) {
    const int attempt = doc.attempts + 1;
    finish(attempt_failed(
               attempt, spent,
               fmt::format("{} (attempt {} of {}, {})", e.message(), attempt, tc->attempts, where),
               e.transient(), tc->attempts, rt.now(), backoff(*tc, attempt)),
           where);
  };
  if (interrupted(doc.state)) {
    // Interrupted: the destination decides whether it was delivered.
    auto present = t->check(doc.name, doc.sha256);
    if (!present) {
      give_up_or_retry(present.error());
      return;
    }
    if (*present == Presence::kSame) {
      finish(attempt_delivered(spent), where + " (found after an interrupted run)");
      return;
    }
    if (*present == Presence::kDifferent) {
      give_up(fmt::format("{} already holds a different {}; not overwritten", where, doc.name),
              where);
      return;
    }
  }
  // The mark before the first byte leaves: were the database to lose
  // these POs, the next start would notice instead of numbering them again.
  if (auto m = mark_state(rt); !m) {
    report.problem(fmt::format("{} for {} not sent: {}; it stays queued", doc.name, doc.party,
                               m.error().message()));
    return;
  }
  {
    // `sending` is on disk before any byte leaves.
    Txn txn(*rt.store);
    auto s = txn.begin();
    DocumentUpdate started = attempt_started(spent);
    started.error = doc.last_error;
    if (s) {
      rt.store->set_document_state(doc.id, started, rt.now());
      s = txn.commit();
    }
    if (s) spent = started.attempts;
    if (!s) {
      report.problem(fmt::format("{} for {} not sent: {}; it stays queued", doc.name, doc.party,
                                 s.error().message()));
      return;
    }
  }
  crashpoint("deliver.before_send");
  auto sent = t->deliver(doc.name, doc.content);
  crashpoint("deliver.after_send");
  if (!sent) {
    give_up_or_retry(sent.error());
    return;
  }
  std::string warning = sent->warning;
  if (auto kept = rt.spool.keep_delivered(doc.party, doc.name, doc.content); !kept) {
    const std::string w = fmt::format(
        "its copy in orderd's outbound archive could not be written ({}); the delivery stands",
        kept.error().message());
    warning = warning.empty() ? w : warning + "; " + w;
  }
  finish(attempt_delivered(spent), where, warning);
  crashpoint("deliver.after_commit");
}

}  // namespace

RunReport deliver_due(Runtime& rt) {
  RunLock lock(rt);
  RunReport report;
  Transports transports;
  for (auto id : rt.store->due_documents(rt.now())) {
    heartbeat();
    if (stop_requested()) break;  // the rest stay due for the next start
    auto doc = rt.store->load_document(id);
    if (!doc) continue;
    try {
      deliver_one(rt, transports, *doc, report);
    } catch (const StoreError& e) {
      report.problem(
          fmt::format("{} for {}: state database error: {}; it is tried again at "
                      "the next run",
                      doc->name, doc->party, e.what()));
    }
  }
  add_disk_errors(report);
  return report;
}

}  // namespace orderd
