// Every state decision of core/transitions.h, as case tables.
#include "core/transitions.h"

#include <doctest/doctest.h>

using namespace orderd;

namespace {

Po po(std::int64_t id, PoState s, const char* number = "PO1") {
  Po p;
  p.id = id;
  p.state = s;
  p.number = number;
  p.supplier = "acme";
  return p;
}

Line line(std::int64_t po_id, std::int64_t qty, std::int64_t shipped) {
  Line l;
  l.po_id = po_id;
  l.quantity = qty;
  l.shipped = shipped;
  return l;
}

StoredOrderKey stored(const char* fp, int pos, OrderState s) {
  StoredOrderKey k;
  k.fingerprint = fp;
  k.po_count = pos;
  k.state = s;
  return k;
}

}  // namespace

TEST_CASE("import: what an order from the channel does to the stored one") {
  struct Row {
    const char* name;
    std::optional<StoredOrderKey> stored;
    const char* fingerprint;
    bool canceled_in_channel;
    ImportAction want;
  };
  const Row rows[] = {
      {"new", std::nullopt, "a", false, ImportAction::kAdd},
      {"new, canceled in the channel", std::nullopt, "a", true, ImportAction::kAdd},
      {"same as stored", stored("a", 0, OrderState::kReady), "a", false, ImportAction::kUnchanged},
      {"same, processed", stored("a", 2, OrderState::kReady), "a", false, ImportAction::kUnchanged},
      {"changed before processing", stored("a", 0, OrderState::kNeedsResolve), "b", false,
       ImportAction::kUpdate},
      {"changed after processing", stored("a", 1, OrderState::kReady), "b", false,
       ImportAction::kReport},
      {"canceled after processing", stored("a", 1, OrderState::kReady), "b", true,
       ImportAction::kReport},
      {"canceled here, changed in the channel", stored("a", 0, OrderState::kCanceled), "b", false,
       ImportAction::kReport},
      {"canceled here and in the channel", stored("a", 0, OrderState::kCanceled), "b", true,
       ImportAction::kUpdate},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(import_action(r.stored ? &*r.stored : nullptr, r.fingerprint, r.canceled_in_channel) ==
          r.want);
  }
}

TEST_CASE("verification: the state of an order before processing") {
  const std::vector<std::string> none, missing = {"ship_to.phone is required by acme"};
  CHECK(verified_state(false, none) == OrderState::kReady);
  CHECK(verified_state(false, missing) == OrderState::kNeedsResolve);
  CHECK(verified_state(true, none) == OrderState::kCanceled);
  CHECK(verified_state(true, missing) == OrderState::kCanceled);
  for (auto s : {OrderStatus::kNeedsResolve, OrderStatus::kReady}) CHECK(can_resolve(s));
  for (auto s : {OrderStatus::kProcessed, OrderStatus::kPartiallyShipped, OrderStatus::kShipped,
                 OrderStatus::kCompleted, OrderStatus::kFailed, OrderStatus::kCanceled})
    CHECK_FALSE(can_resolve(s));
}

TEST_CASE("processing and recovery: which orders and documents") {
  CHECK(can_process(OrderStatus::kReady));
  for (auto s : {OrderStatus::kNeedsResolve, OrderStatus::kProcessed,
                 OrderStatus::kPartiallyShipped, OrderStatus::kShipped, OrderStatus::kCompleted,
                 OrderStatus::kFailed, OrderStatus::kCanceled})
    CHECK_FALSE(can_process(s));
  CHECK(interrupted(DocState::kSending));
  CHECK_FALSE(interrupted(DocState::kPending));
  CHECK_FALSE(interrupted(DocState::kDelivered));
  CHECK_FALSE(interrupted(DocState::kFailed));
}

TEST_CASE("delivery: the outcome of an attempt") {
  auto started = attempt_started(2);
  CHECK(started.state == DocState::kSending);
  CHECK(started.attempts == 3);
  CHECK_FALSE(started.settled());

  auto done = attempt_delivered(3);
  CHECK(done.state == DocState::kDelivered);
  CHECK(done.attempts == 3);
  CHECK(done.delivered_now);
  CHECK(done.settled());

  struct Row {
    const char* name;
    int attempt;
    bool transient;
    int max;
    DocState want;
    std::int64_t next;
  };
  const Row rows[] = {
      {"transient, attempts left", 1, true, 3, DocState::kPending, 1000 + 60},
      {"transient, the last attempt", 3, true, 3, DocState::kFailed, 0},
      {"transient, beyond the last (max lowered)", 5, true, 3, DocState::kFailed, 0},
      {"permanent, first attempt", 1, false, 3, DocState::kFailed, 0},
      {"one attempt allowed", 1, true, 1, DocState::kFailed, 0},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    auto u = attempt_failed(r.attempt, r.attempt, "refused", r.transient, r.max, 1000, 60);
    CHECK(u.state == r.want);
    CHECK(u.next_attempt_at == r.next);
    CHECK(u.error == "refused");
    CHECK(u.attempts == r.attempt);
    CHECK_FALSE(u.delivered_now);
    CHECK(u.settled() == (r.want == DocState::kFailed));
  }
  // A negative backoff never schedules into the past.
  CHECK(attempt_failed(1, 1, "x", true, 3, 1000, -5).next_attempt_at == 1000);
}

TEST_CASE("delivery: the wait before the next attempt") {
  struct Row {
    std::int64_t base;
    int attempt;
    double jitter;
    std::int64_t want;
  };
  const Row rows[] = {
      {60, 1, 1.0, 60},
      {60, 2, 1.0, 120},
      {60, 3, 1.0, 240},
      {60, 1, 0.8, 48},
      {60, 1, 1.2, 72},
      {60, 17, 1.0, 60LL << 16},
      {60, 40, 1.0, 60LL << 16},     // doubling stops at 2^16
      {86400, 40, 1.2, 6794772480},  // a day's backoff: no overflow
      {60, 0, 1.0, 60},              // attempt 0 is treated as the first
      {0, 5, 1.0, 0},
      {-5, 1, 1.0, 0},
  };
  for (const auto& r : rows) {
    CAPTURE(r.base);
    CAPTURE(r.attempt);
    CHECK(retry_delay(r.base, r.attempt, r.jitter) == r.want);
  }
}

TEST_CASE("delivery: what a settled document means for its POs") {
  CHECK(po_state_after("po", true) == PoState::kSent);
  CHECK(po_state_after("po", false) == PoState::kFailed);
  CHECK(po_state_after("cancel", true) == PoState::kCanceled);
  CHECK(po_state_after("cancel", false) == PoState::kFailed);
}

TEST_CASE("supplier notices: 855/997/999 verdicts") {
  struct Row {
    PoState current;
    bool rejected;
    std::optional<PoState> want;
  };
  const Row rows[] = {
      {PoState::kSent, true, PoState::kFailed}, {PoState::kSending, true, PoState::kFailed},
      {PoState::kFailed, true, std::nullopt},   {PoState::kCancelSending, true, std::nullopt},
      {PoState::kCanceled, true, std::nullopt}, {PoState::kSent, false, std::nullopt},
      {PoState::kSending, false, std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(to_string(r.current));
    CAPTURE(r.rejected);
    CHECK(po_state_after_notice(r.current, r.rejected) == r.want);
  }
}

TEST_CASE("shipments: which POs take them and how much is recorded") {
  CHECK(accepts_shipment(PoState::kSent));
  CHECK(accepts_shipment(PoState::kSending));
  CHECK(accepts_shipment(PoState::kFailed));
  CHECK(accepts_shipment(PoState::kCancelSending));
  CHECK_FALSE(accepts_shipment(PoState::kCanceled));
  struct Row {
    std::int64_t open, reported, recorded, excess;
  };
  const Row rows[] = {
      {2, 1, 1, 0}, {2, 2, 2, 0},  {2, -1, 2, 0}, {2, 9223372036854775807, 2, 9223372036854775805},
      {0, 1, 0, 1}, {0, -1, 0, 0}, {-3, 1, 0, 1},
  };
  for (const auto& r : rows) {
    CAPTURE(r.open);
    CAPTURE(r.reported);
    auto s = split_shipment(r.open, r.reported);
    CHECK(s.recorded == r.recorded);
    CHECK(s.excess == r.excess);
  }
}

TEST_CASE("shipments: the line of a PO a shipment goes on") {
  auto line = [](int seq, const char* sku, std::int64_t qty, std::int64_t shipped) {
    Line l;
    l.seq = seq;
    l.sku = sku;
    l.quantity = qty;
    l.shipped = shipped;
    return l;
  };
  // The PO's lines, by seq.
  const std::vector<Line> lines = {line(1, "A", 2, 2), line(2, "B", 1, 0), line(3, "A", 1, 0),
                                   line(4, "C", 1, 1), line(5, "A", 3, 1)};
  constexpr std::size_t none = kNoLine;
  struct Row {
    const char* sku;
    std::size_t want;
  };
  const Row rows[] = {
      {"A", 2},     // the first A with some still open, not the first A
      {"B", 1},     // the only B
      {"C", 3},     // fully shipped, yet it is the C line (the excess is decided later)
      {"D", none},  // not on the PO
      {"a", none},  // SKUs match exactly
  };
  for (const auto& r : rows) {
    CAPTURE(r.sku);
    CHECK(shipment_line(lines, r.sku) == r.want);
  }
  CHECK(shipment_line({}, "A") == none);
  // Every A shipped: the first A.
  const std::vector<Line> done = {line(1, "A", 1, 1), line(2, "A", 1, 1)};
  CHECK(shipment_line(done, "A") == 0);
}

TEST_CASE("cancel: what happens to each PO") {
  using V = CancelPlan::Verdict;
  using C = PoCancel;
  struct Row {
    const char* name;
    OrderStatus status;
    std::vector<Po> pos;
    std::vector<Line> lines;
    V verdict;
    std::vector<C> per_po;
  };
  const Row rows[] = {
      {"not yet processed", OrderStatus::kReady, {}, {}, V::kCancelOrder, {}},
      {"needs resolve", OrderStatus::kNeedsResolve, {}, {}, V::kCancelOrder, {}},
      {"already canceled", OrderStatus::kCanceled, {}, {}, V::kAlreadyCanceled, {}},
      {"sent: a cancellation goes out",
       OrderStatus::kProcessed,
       {po(1, PoState::kSent)},
       {line(1, 2, 0)},
       V::kCancelPos,
       {C::kSendCancellation}},
      {"failed: canceled here, nothing sent",
       OrderStatus::kFailed,
       {po(1, PoState::kFailed)},
       {line(1, 2, 0)},
       V::kCancelPos,
       {C::kCancelNow}},
      {"one shipped, one sent",
       OrderStatus::kPartiallyShipped,
       {po(1, PoState::kSent), po(2, PoState::kSent, "PO2")},
       {line(1, 2, 1), line(2, 1, 0)},
       V::kCancelPos,
       {C::kKeep, C::kSendCancellation}},
      {"a canceled PO stays as it is",
       OrderStatus::kProcessed,
       {po(1, PoState::kCanceled), po(2, PoState::kSent, "PO2")},
       {line(1, 2, 0), line(2, 1, 0)},
       V::kCancelPos,
       {C::kKeep, C::kSendCancellation}},
      {"every PO shipped",
       OrderStatus::kShipped,
       {po(1, PoState::kSent)},
       {line(1, 2, 2)},
       V::kAllShipped,
       {}},
      {"every PO canceled already",
       OrderStatus::kProcessed,
       {po(1, PoState::kCanceled)},
       {line(1, 2, 0)},
       V::kAllShipped,
       {}},
      {"a PO being delivered",
       OrderStatus::kProcessed,
       {po(1, PoState::kSent), po(2, PoState::kSending, "PO2")},
       {line(1, 2, 0), line(2, 1, 0)},
       V::kDeliveryInProgress,
       {}},
      {"a cancellation being delivered",
       OrderStatus::kProcessed,
       {po(1, PoState::kCancelSending, "PO7")},
       {line(1, 2, 0)},
       V::kDeliveryInProgress,
       {}},
      {"being delivered but shipped: kept, the rest goes",
       OrderStatus::kPartiallyShipped,
       {po(1, PoState::kSending), po(2, PoState::kSent, "PO2")},
       {line(1, 2, 1), line(2, 1, 0)},
       V::kCancelPos,
       {C::kKeep, C::kSendCancellation}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    auto plan = plan_cancel(r.status, r.pos, r.lines);
    CHECK(plan.verdict == r.verdict);
    CHECK(plan.pos == r.per_po);
    if (r.verdict == V::kDeliveryInProgress) CHECK(!plan.busy.empty());
  }
  CHECK(plan_cancel(OrderStatus::kProcessed, std::vector{po(2, PoState::kSending, "PO2")},
                    std::vector{line(2, 1, 0)})
            .busy == "PO2");
}

TEST_CASE("cancel: the state a canceled PO takes") {
  CHECK(po_state_when_canceling(PoCancel::kCancelNow) == PoState::kCanceled);
  CHECK(po_state_when_canceling(PoCancel::kSendCancellation) == PoState::kCancelSending);
}

TEST_CASE("retry: which documents and what they become") {
  CHECK(can_retry(DocState::kFailed));
  CHECK_FALSE(can_retry(DocState::kPending));
  CHECK_FALSE(can_retry(DocState::kSending));
  CHECK_FALSE(can_retry(DocState::kDelivered));
  auto u = retry_document();
  CHECK(u.state == DocState::kPending);
  CHECK(u.attempts == 0);
  CHECK(u.next_attempt_at == 0);
  CHECK(u.error.empty());
  CHECK(po_state_on_retry("po") == PoState::kSending);
  CHECK(po_state_on_retry("cancel") == PoState::kCancelSending);
}

TEST_CASE("an order's status view: status and messages") {
  const std::vector<std::string> msgs = {"ship_to.phone is required by acme"};
  struct Row {
    const char* name;
    OrderState state;
    std::vector<Po> pos;
    std::vector<Line> lines;
    OrderStatus want;
    std::vector<std::string> messages;
  };
  Po failed = po(1, PoState::kFailed);
  failed.error = "refused by the server";
  const Row rows[] = {
      {"needs resolve keeps its reasons",
       OrderState::kNeedsResolve,
       {},
       {},
       OrderStatus::kNeedsResolve,
       msgs},
      {"canceled before processing keeps its reason",
       OrderState::kCanceled,
       {},
       {},
       OrderStatus::kCanceled,
       msgs},
      {"ready: no messages", OrderState::kReady, {}, {}, OrderStatus::kReady, {}},
      {"sent: verification messages gone",
       OrderState::kReady,
       {po(1, PoState::kSent)},
       {line(1, 1, 0)},
       OrderStatus::kProcessed,
       {}},
      {"a failed PO says why",
       OrderState::kReady,
       {failed},
       {line(1, 1, 0)},
       OrderStatus::kFailed,
       {"PO PO1 (acme): refused by the server"}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    auto v = order_status_view(r.state, msgs, r.pos, r.lines);
    CHECK(v.status == r.want);
    CHECK(v.messages == r.messages);
  }
}
