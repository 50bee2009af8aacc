// Delivery: documents -> transports, exactly once. A document is recorded as
// `sending` before any byte leaves; a run that finds one in `sending` (a
// crash interrupted it) asks the destination whether it already has it
// before sending again.
#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <system_error>
#include <thread>

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
  } else if (d.party_type == "sink") {
    if (auto* s = cfg.alerts.sink(d.party)) return &s->transport;
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
    // From now the supplier's deadlines run.
    if (const auto* s = rt.cfg->supplier(d.party); s && s->deadlines.any()) {
      const auto& dl = s->deadlines;
      const std::int64_t offset = local_utc_offset(now);
      auto due = [&](std::int64_t span) {
        return span > 0 ? business_deadline(now, span, dl.business_days, offset) : 0;
      };
      rt.store->add_po_deadlines(d.id, now, due(dl.ack), due(dl.ship));
    }
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

// Documents go out in groups: one commit records a group `sending` before
// any of its bytes leave, and one records the group's outcomes after its
// copies are in the outbound archive, instead of two commits (and two
// fsyncs) for every document. A crash in between leaves the group
// `sending`: the next run recognises each one from orderd's outbound copy
// or asks the destination, as for a single interrupted document.
constexpr std::size_t kGroupDocuments = 256;
constexpr std::size_t kGroupBytes = 16 << 20;

// One document of a group, from its loading to its recorded outcome.
struct Attempt {
  Document doc;
  const TransportConfig* tc = nullptr;
  Transport* t = nullptr;
  std::string where;
  int spent = 0;  // attempts counted so far
  bool send = false;
  std::optional<DocumentUpdate> outcome;
  std::string warning;
  bool copy_unsynced = false;  // its outbound copy waits for the group's syncfs
};

// Adds `w` to what `a`'s delivery reports beside its success.
void warn(Attempt& a, const std::string& w) {
  a.warning = a.warning.empty() ? w : a.warning + "; " + w;
}

// The warning of a delivery whose outbound copy could not be written.
std::string copy_not_written(std::string_view why) {
  return fmt::format(
      "its copy in orderd's outbound archive could not be written ({}); the delivery stands", why);
}

// The outbound copies of documents whose destination can be asked again
// (Durable::kLater) are written by a thread of their own while the next
// documents go out: creating a file costs this kind of disk about what a
// round trip to the server does. finish() waits for every copy queued.
class CopyWriter {
 public:
  explicit CopyWriter(const Spool& spool) : spool_(spool) {}
  CopyWriter(const CopyWriter&) = delete;
  CopyWriter& operator=(const CopyWriter&) = delete;
  ~CopyWriter() { finish(); }

  void add(Attempt& a) {
    {
      std::lock_guard lock(m_);
      queue_.push_back(&a);
    }
    if (!thread_.joinable()) {
      try {
        thread_ = std::thread([this] { drain(); });
      } catch (const std::system_error&) {
        drain_here();  // no thread to be had: written here, as before
        return;
      }
    }
    cv_.notify_one();
  }

  void finish() {
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    drain_here();  // whatever a missing thread left
    done_ = false;
  }

 private:
  void drain() {
    for (;;) {
      Attempt* a = nullptr;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;
        a = queue_.front();
        queue_.pop_front();
      }
      keep(*a);
    }
  }
  void drain_here() {
    std::deque<Attempt*> left;
    {
      std::lock_guard lock(m_);
      left.swap(queue_);
    }
    for (Attempt* a : left) keep(*a);
  }

  void keep(Attempt& a) {
    std::string problem;
    try {
      if (auto kept =
              spool_.keep_delivered(a.doc.party, a.doc.name, a.doc.content, Durable::kLater);
          kept)
        a.copy_unsynced = true;
      else
        problem = kept.error().message();
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (!problem.empty()) warn(a, copy_not_written(problem));
  }

  const Spool& spool_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Attempt*> queue_;
  bool done_ = false;
  std::thread thread_;
};

class Group {
 public:
  Group(Runtime& rt, Transports& transports, RunReport& report)
      : rt_(rt), transports_(transports), report_(report) {}

  void run(std::vector<Attempt>& group) {
    CopyWriter copies(rt_.spool);
    for (auto& a : group) {
      heartbeat();
      guarded(a, "it is tried again at the next run", [&] { prepare(a, copies); });
    }
    start(group);
    for (auto& a : group) {
      if (!a.send) continue;
      // Stopping: the rest of the group stays `sending`, and the next start
      // asks the destination (or finds the copy) before sending any of it.
      if (stop_requested()) break;
      guarded(a,
              "it stays `sending`, and the next run asks the destination (or finds orderd's "
              "copy) before it sends it again",
              [&] { send(a, copies); });
    }
    copies.finish();
    sync_copies(group);
    record(group);
  }

 private:
  // Runs one step for `a`; an exception a step did not expect (a defect)
  // leaves `a` without an outcome, as a kill there would, and the rest of
  // the group goes on. A state database error is the caller's.
  template <class F>
  void guarded(Attempt& a, std::string_view next, F step) {
    try {
      step();
    } catch (const StoreError&) {
      throw;
    } catch (const std::exception& e) {
      a.send = false;
      a.outcome.reset();
      report_.problem(
          fmt::format("{} for {}: {}", a.doc.name, a.doc.party, internal_error(e, next)));
    }
  }

  // A failure no attempt can mend (the configuration, a refusal).
  void give_up(Attempt& a, std::string error, std::string where) {
    a.outcome =
        attempt_failed(a.doc.attempts + 1, a.spent, std::move(error), false, 1, rt_.now(), 0);
    a.where = std::move(where);
  }
  void give_up_or_retry(Attempt& a, const Error& e) {
    const int attempt = a.doc.attempts + 1;
    a.outcome = attempt_failed(
        attempt, a.spent,
        fmt::format("{} (attempt {} of {}, {})", e.message(), attempt, a.tc->attempts, a.where),
        e.transient(), a.tc->attempts, rt_.now(), backoff(*a.tc, attempt));
  }
  void delivered(Attempt& a, std::string where) {
    a.outcome = attempt_delivered(a.spent);
    a.where = std::move(where);
  }

  // Decides what can be without sending: no transport, a delivery an
  // interrupted run already made, a transport that cannot be made.
  void prepare(Attempt& a, CopyWriter& copies) {
    const Document& doc = a.doc;
    a.spent = doc.attempts;
    a.tc = transport_for(*rt_.cfg, doc);
    if (!a.tc) {
      give_up(a,
              fmt::format("{} {} has no transport in the configuration any more; add it back "
                          "and run `orderctl retry`",
                          doc.party_type, doc.party),
              "none");
      return;
    }
    if (interrupted(doc.state)) {
      // Interrupted after the destination had it? orderd's own copy says so
      // even when the receiver has taken the file away already.
      if (auto copy = rt_.spool.delivered_copy(doc.party, doc.name);
          copy && sha256_hex(*copy) == doc.sha256) {
        delivered(a, "found in orderd's outbound archive");
        return;
      }
    }
    auto& t = transports_[a.tc];
    if (!t) {
      auto made = make_transport(*a.tc);
      if (!made) {
        give_up(a, made.error().message(), a.tc->type);
        return;
      }
      t = std::move(*made);
    }
    a.t = t.get();
    a.where = t->describe();
    if (interrupted(doc.state)) {
      // Interrupted: the destination decides whether it was delivered.
      auto present = t->check(doc.name, doc.sha256);
      if (!present) {
        give_up_or_retry(a, present.error());
        return;
      }
      if (*present == Presence::kSame) {
        delivered(a, a.where + " (found after an interrupted run)");
        // The interrupted run may have been killed before it wrote its copy.
        copies.add(a);
        return;
      }
      if (*present == Presence::kDifferent) {
        give_up(a,
                fmt::format("{} already holds a different {}; not overwritten", a.where, doc.name),
                a.where);
        return;
      }
    }
    a.send = true;
  }

  // The state mark, and `sending` on disk for the whole group, before any
  // byte leaves; what cannot be marked stays queued, unsent.
  void start(std::vector<Attempt>& group) {
    auto not_sent = [&](const std::string& why) {
      for (auto& a : group)
        if (a.send) {
          report_.problem(
              fmt::format("{} for {} not sent: {}; it stays queued", a.doc.name, a.doc.party, why));
          a.send = false;
        }
    };
    if (std::none_of(group.begin(), group.end(), [](const Attempt& a) { return a.send; })) return;
    std::vector<int> spent(group.size());
    try {
      // Were the database to lose these POs, the next start would notice
      // instead of numbering them again.
      if (auto m = mark_state(rt_); !m) return not_sent(m.error().message());
      Txn txn(*rt_.store);
      auto s = txn.begin();
      for (std::size_t i = 0; s && i < group.size(); ++i) {
        if (!group[i].send) continue;
        DocumentUpdate started = attempt_started(group[i].spent);
        started.error = group[i].doc.last_error;
        rt_.store->set_document_state(group[i].doc.id, started, rt_.now());
        spent[i] = started.attempts;
      }
      if (s) s = txn.commit();
      if (!s) return not_sent(s.error().message());
    } catch (const StoreError& e) {
      // Nothing of the group was marked: none is sent; what prepare()
      // decided without sending is still recorded.
      return not_sent(fmt::format("state database error: {}", e.what()));
    }
    for (std::size_t i = 0; i < group.size(); ++i)
      if (group[i].send) group[i].spent = spent[i];
  }

  void send(Attempt& a, CopyWriter& copies) {
    heartbeat();
    crashpoint("deliver.before_send");
    auto sent = a.t->deliver(a.doc.name, a.doc.content);
    crashpoint("deliver.after_send");
    if (!sent) return give_up_or_retry(a, sent.error());
    a.warning = sent->warning;
    delivered(a, a.where);
    // A destination that can be asked: the copy is written beside the next
    // sends, and on disk (sync_copies) before the outcome is recorded.
    if (a.t->can_check()) return copies.add(a);
    // One that cannot (http, email) leaves orderd's copy as the only
    // witness: on disk before the next document leaves.
    if (auto kept = rt_.spool.keep_delivered(a.doc.party, a.doc.name, a.doc.content, Durable::kNow);
        !kept)
      warn(a, copy_not_written(kept.error().message()));
  }

  // The group's outbound copies on disk before their outcomes are recorded:
  // one syncfs for the group instead of two fsyncs per copy.
  void sync_copies(std::vector<Attempt>& group) {
    const bool any =
        std::any_of(group.begin(), group.end(), [](const Attempt& a) { return a.copy_unsynced; });
    if (!any) return;
    if (auto s = rt_.spool.sync_delivered(); !s)
      for (auto& a : group)
        if (a.copy_unsynced)
          warn(a, fmt::format("its copy in orderd's outbound archive may not survive a power "
                              "cut ({}); the delivery stands",
                              s.error().message()));
  }

  // Each outcome (and, for a final one, what it means for the POs and
  // orders) in one transaction for the group. Should the state database
  // fail one of them, each is recorded in a transaction of its own, so the
  // others are not held back. (Not savepoints: with the in-memory temp
  // store, a savepoint around a big settlement, a push to a channel of
  // 100,000 orders, makes each statement in it walk the whole sub-journal.)
  void record(std::vector<Attempt>& group) {
    std::vector<Attempt*> outcomes;
    for (auto& a : group)
      if (a.outcome) outcomes.push_back(&a);
    if (outcomes.empty()) return;
    std::string why;
    if (record_in_one(outcomes, why)) {
      for (auto* a : outcomes) recorded(*a);
    } else if (outcomes.size() == 1) {
      not_recorded(*outcomes[0], why);
    } else {
      report_.problem(
          fmt::format("the outcomes of {} deliveries could not be recorded together "
                      "(state database: {}); recording them one by one",
                      outcomes.size(), why));
      for (auto* a : outcomes) {
        std::string alone;
        if (record_in_one({a}, alone))
          recorded(*a);
        else
          not_recorded(*a, alone);
      }
    }
    crashpoint("deliver.after_commit");
  }

  bool record_in_one(const std::vector<Attempt*>& items, std::string& why) {
    try {
      Txn txn(*rt_.store);
      auto s = txn.begin();
      for (std::size_t i = 0; s && i < items.size(); ++i) {
        heartbeat();
        const Attempt& a = *items[i];
        const DocumentUpdate& u = *a.outcome;
        const bool ok = u.state == DocState::kDelivered;
        rt_.store->add_attempt(a.doc.id, rt_.now(), a.where, ok ? "delivered" : to_string(u.state),
                               u.error);
        rt_.store->set_document_state(a.doc.id, u, rt_.now());
        if (u.settled()) settle(rt_, a.doc, ok, u.error);
      }
      if (s) s = txn.commit();
      if (!s) why = s.error().message();
      return s.has_value();
    } catch (const StoreError& e) {
      why = e.what();
      return false;
    }
  }

  void recorded(const Attempt& a) {
    const DocumentUpdate& u = *a.outcome;
    if (u.state == DocState::kDelivered) {
      report_.lines.push_back(
          fmt::format("{} delivered to {} ({})", a.doc.name, a.doc.party, a.where));
      ++report_.changed;
      if (!a.warning.empty()) report_.problem(fmt::format("{}: {}", a.doc.name, a.warning));
    } else {
      report_.problem(fmt::format("{} for {}: {}{}", a.doc.name, a.doc.party, u.error,
                                  u.state == DocState::kFailed ? " (gave up)" : " (will retry)"));
    }
  }

  void not_recorded(const Attempt& a, const std::string& why) {
    const DocumentUpdate& u = *a.outcome;
    report_.problem(
        u.state == DocState::kDelivered
            ? fmt::format("{} was delivered to {} ({}), but the state database could not record "
                          "it: {}; the next run finds it in orderd's outbound archive and "
                          "records it without sending it again",
                          a.doc.name, a.doc.party, a.where, why)
            : fmt::format("{} for {}: {}; and the attempt could not be recorded: {}", a.doc.name,
                          a.doc.party, u.error, why));
  }

  Runtime& rt_;
  Transports& transports_;
  RunReport& report_;
};

}  // namespace

RunReport deliver_due(Runtime& rt) {
  RunLock lock(rt);
  RunReport report;
  Transports transports;
  Group runner(rt, transports, report);
  const auto due = rt.store->due_documents(rt.now());
  std::size_t next = 0;
  while (next < due.size()) {
    heartbeat();
    if (stop_requested()) break;  // the rest stay due for the next start
    std::vector<Attempt> group;
    std::size_t bytes = 0;
    for (; next < due.size() && group.size() < kGroupDocuments && bytes < kGroupBytes; ++next) {
      try {
        auto doc = rt.store->load_document(due[next]);
        if (!doc) continue;
        bytes += doc->content.size();
        group.emplace_back().doc = std::move(*doc);
      } catch (const StoreError& e) {
        report.problem(
            fmt::format("document {}: state database error: {}; it is tried again at "
                        "the next run",
                        due[next], e.what()));
      }
    }
    try {
      runner.run(group);
    } catch (const StoreError& e) {
      report.problem(
          fmt::format("{} documents from {}: state database error: {}; they are tried "
                      "again at the next run",
                      group.size(), group.empty() ? "" : group.front().doc.name, e.what()));
    }
  }
  add_disk_errors(report);
  return report;
}

}  // namespace orderd
